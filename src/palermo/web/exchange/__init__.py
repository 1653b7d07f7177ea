"""Cross-border exchange: HTCDS v2.0 case packages, signed and encrypted, to and from partner
agencies abroad whose keys administrators registered (palermo.interchange.package)."""
