"""Cases of possible and presumed victims: person, consent per purpose, status, timeline."""
