"""How trafficking cases and ordinary travellers show the published border indicators.

Every probability here is an assumption of the synthetic model, written down so that it can be
reviewed. The structure follows ../shared/reference/indicators.md: each embedded case carries a
set of ILO/EC Delphi indicators (section 2, ids ``SET-DIM-NN``) drawn with the probabilities
below; the first-line observables (section 3.2, ``BRD-xx``) then appear with a probability that
depends on which Delphi indicators the case carries (the "Related Delphi IDs" column), never
deterministically. Ordinary travellers show the same observables by chance at low rates.
"""

from __future__ import annotations

from dataclasses import dataclass

# Latent circumstances the observables depend on.
DOCS_HELD = "docs_held"
DEBT = "debt"
DECEIVED_JOB = "deceived_job"
CONTROL = "control"
VIOLENCE = "violence"
THREATS = "threats"
MARRIAGE = "marriage"


@dataclass(frozen=True, slots=True)
class Indicator:
    id: str
    probability: float
    tag: str | None = None


def _i(ident: str, p: float, tag: str | None = None) -> Indicator:
    return Indicator(ident, p, tag)


# (exploitation type, is child) -> Delphi indicators with the probability a case carries each.
#
# Calibration. Identified cases usually carry several indicators in each of the recruitment,
# exploitation and destination dimensions, but a case need not meet the whole ILO combination
# (some are "possible" rather than "presumed" victims). The probabilities are set so that, with
# every true indicator disclosed, about 60-80% of each type and age meet the combination (adults:
# DR/CR/VR + EX + CD/VD; children: act + EX) and nearly all have a positive dimension;
# tests/synth/test_ground_truth.py holds that. The indicators follow each type: sexual
# exploitation has no strong EX item (reference section 2.3), so it carries several medium ones
# (hours, living conditions, pay, health care, wage manipulation); forced marriage carries the
# marriage deception and abduction items, isolation, forced tasks and unpaid household work.
# Draws are independent given the type and age, except that debt bondage is likelier when a
# third party paid the ticket (see ``generate``).
DELPHI: dict[tuple[str, bool], tuple[Indicator, ...]] = {
    ("labour", False): (
        # deceptive, coercive and vulnerability-based recruitment
        _i("ADL-DR-01", 0.65, DECEIVED_JOB), _i("ADL-DR-02", 0.55), _i("ADL-DR-08", 0.65),
        _i("ADL-DR-07", 0.4), _i("ADL-DR-06", 0.25), _i("ADL-DR-05", 0.35),
        _i("ADL-CR-03", 0.3, DOCS_HELD), _i("ADL-CR-04", 0.45, DEBT),
        _i("ADL-CR-07", 0.15, THREATS), _i("ADL-CR-10", 0.2), _i("ADL-CR-05", 0.15, CONTROL),
        _i("ADL-VR-06", 0.75), _i("ADL-VR-04", 0.45), _i("ADL-VR-14", 0.4), _i("ADL-VR-03", 0.35),
        _i("ADL-VR-02", 0.2), _i("ADL-VR-09", 0.35),
        # exploitation
        _i("ADL-EX-01", 0.75), _i("ADL-EX-04", 0.6), _i("ADL-EX-08", 0.55), _i("ADL-EX-02", 0.55),
        _i("ADL-EX-07", 0.4), _i("ADL-EX-05", 0.4), _i("ADL-EX-03", 0.25),
        # coercion and abuse of vulnerability at destination
        _i("ADL-CD-01", 0.45, DOCS_HELD), _i("ADL-CD-02", 0.4, DEBT),
        _i("ADL-CD-03", 0.4, CONTROL),
        _i("ADL-CD-04", 0.12, VIOLENCE), _i("ADL-CD-05", 0.25), _i("ADL-CD-14", 0.45),
        _i("ADL-CD-11", 0.2, THREATS), _i("ADL-CD-08", 0.25), _i("ADL-CD-12", 0.3),
        _i("ADL-VD-01", 0.55), _i("ADL-VD-02", 0.55), _i("ADL-VD-05", 0.35), _i("ADL-VD-03", 0.45),
    ),
    ("labour", True): (
        _i("CHL-DR-01", 0.6, DECEIVED_JOB), _i("CHL-DR-10", 0.35), _i("CHL-DR-02", 0.35),
        _i("CHL-DR-08", 0.3), _i("CHL-DR-07", 0.2),
        _i("CHL-CR-04", 0.4, DEBT), _i("CHL-CR-05", 0.35, DOCS_HELD),
        _i("CHL-CR-06", 0.35, CONTROL), _i("CHL-CR-02", 0.12, THREATS),
        _i("CHL-CR-01", 0.08, VIOLENCE),
        _i("CHL-VR-01", 0.5), _i("CHL-VR-06", 0.7), _i("CHL-VR-03", 0.3), _i("CHL-VR-08", 0.3),
        _i("CHL-EX-01", 0.55), _i("CHL-EX-03", 0.4), _i("CHL-EX-08", 0.6), _i("CHL-EX-02", 0.45),
        _i("CHL-EX-04", 0.5), _i("CHL-EX-06", 0.3), _i("CHL-EX-07", 0.25),
        _i("CHL-CD-01", 0.4, DOCS_HELD), _i("CHL-CD-03", 0.4, CONTROL),
        _i("CHL-CD-04", 0.15, VIOLENCE), _i("CHL-CD-05", 0.2, THREATS), _i("CHL-CD-08", 0.3),
        _i("CHL-CD-14", 0.3), _i("CHL-VD-01", 0.4), _i("CHL-VD-02", 0.4),
    ),
    ("sexual", False): (
        _i("ADS-DR-01", 0.6, DECEIVED_JOB), _i("ADS-DR-02", 0.55), _i("ADS-DR-08", 0.5),
        _i("ADS-DR-07", 0.4), _i("ADS-DR-09", 0.15, MARRIAGE), _i("ADS-DR-05", 0.25),
        _i("ADS-CR-03", 0.35, DOCS_HELD), _i("ADS-CR-04", 0.5, DEBT),
        _i("ADS-CR-07", 0.3, THREATS), _i("ADS-CR-05", 0.3, CONTROL),
        _i("ADS-CR-01", 0.08, VIOLENCE),
        _i("ADS-VR-06", 0.7), _i("ADS-VR-11", 0.4), _i("ADS-VR-01", 0.45), _i("ADS-VR-04", 0.4),
        _i("ADS-VR-02", 0.2),
        # the adult-sexual EX dimension has no strong item: three medium make it positive
        _i("ADS-EX-02", 0.7), _i("ADS-EX-01", 0.65), _i("ADS-EX-04", 0.6), _i("ADS-EX-09", 0.55),
        _i("ADS-EX-05", 0.5), _i("ADS-EX-08", 0.5), _i("ADS-EX-03", 0.35), _i("ADS-EX-10", 0.15),
        _i("ADS-CD-03", 0.75), _i("ADS-CD-01", 0.4, DOCS_HELD), _i("ADS-CD-02", 0.4, DEBT),
        _i("ADS-CD-04", 0.45, CONTROL), _i("ADS-CD-05", 0.3, THREATS),
        _i("ADS-CD-06", 0.2, VIOLENCE), _i("ADS-CD-13", 0.3), _i("ADS-CD-15", 0.35),
        _i("ADS-CD-09", 0.2),
        _i("ADS-VD-01", 0.4), _i("ADS-VD-02", 0.4), _i("ADS-VD-05", 0.3),
    ),
    ("sexual", True): (
        _i("CHS-DR-01", 0.55, DECEIVED_JOB), _i("CHS-DR-02", 0.25), _i("CHS-DR-09", 0.2, MARRIAGE),
        _i("CHS-DR-07", 0.2),
        _i("CHS-CR-03", 0.3, DOCS_HELD), _i("CHS-CR-04", 0.35, DEBT),
        _i("CHS-CR-07", 0.2, THREATS), _i("CHS-CR-05", 0.3, CONTROL),
        _i("CHS-VR-01", 0.5), _i("CHS-VR-11", 0.4), _i("CHS-VR-06", 0.5), _i("CHS-VR-10", 0.3),
        _i("CHS-EX-03", 0.55), _i("CHS-EX-02", 0.4), _i("CHS-EX-01", 0.4), _i("CHS-EX-04", 0.4),
        _i("CHS-EX-05", 0.35), _i("CHS-EX-10", 0.45), _i("CHS-EX-08", 0.3),
        _i("CHS-CD-03", 0.8), _i("CHS-CD-01", 0.4, DOCS_HELD), _i("CHS-CD-04", 0.5, CONTROL),
        _i("CHS-CD-05", 0.3, THREATS), _i("CHS-CD-06", 0.2, VIOLENCE), _i("CHS-CD-13", 0.3),
        _i("CHS-VD-01", 0.35), _i("CHS-VD-02", 0.35),
    ),
    ("forced_marriage", False): (
        _i("ADL-DR-09", 0.7, MARRIAGE), _i("ADL-DR-01", 0.4, DECEIVED_JOB), _i("ADL-DR-05", 0.5),
        _i("ADL-DR-07", 0.25), _i("ADL-DR-06", 0.2),
        _i("ADL-CR-02", 0.8, MARRIAGE), _i("ADL-CR-03", 0.35, DOCS_HELD),
        _i("ADL-CR-05", 0.5, CONTROL), _i("ADL-CR-01", 0.12, VIOLENCE), _i("ADL-CR-09", 0.15),
        _i("ADL-CR-04", 0.2, DEBT),
        _i("ADL-VR-01", 0.55), _i("ADL-VR-06", 0.65), _i("ADL-VR-04", 0.45), _i("ADL-VR-03", 0.5),
        _i("ADL-VR-09", 0.35),
        _i("ADL-EX-01", 0.7), _i("ADL-EX-04", 0.75), _i("ADL-EX-02", 0.6), _i("ADL-EX-07", 0.35),
        _i("ADL-EX-03", 0.2), _i("ADL-EX-09", 0.35), _i("ADL-EX-06", 0.4),
        _i("ADL-CD-03", 0.65, CONTROL), _i("ADL-CD-06", 0.6), _i("ADL-CD-01", 0.4, DOCS_HELD),
        _i("ADL-CD-04", 0.25, VIOLENCE), _i("ADL-CD-11", 0.3, THREATS), _i("ADL-CD-12", 0.45),
        _i("ADL-CD-08", 0.2),
        _i("ADL-VD-02", 0.7), _i("ADL-VD-01", 0.55), _i("ADL-VD-05", 0.45), _i("ADL-VD-03", 0.35),
    ),
    ("forced_marriage", True): (
        _i("CHL-DR-09", 0.6, MARRIAGE), _i("CHL-DR-01", 0.2, DECEIVED_JOB), _i("CHL-DR-10", 0.15),
        _i("CHL-DR-05", 0.3),
        _i("CHL-CR-03", 0.85, MARRIAGE), _i("CHL-CR-05", 0.3, DOCS_HELD),
        _i("CHL-CR-06", 0.4, CONTROL), _i("CHL-CR-01", 0.1, VIOLENCE),
        _i("CHL-VR-01", 0.6), _i("CHL-VR-06", 0.6), _i("CHL-VR-08", 0.4),
        _i("CHL-EX-08", 0.8), _i("CHL-EX-01", 0.6), _i("CHL-EX-02", 0.45), _i("CHL-EX-04", 0.5),
        _i("CHL-EX-06", 0.25),
        _i("CHL-CD-01", 0.35, DOCS_HELD), _i("CHL-CD-03", 0.5, CONTROL),
        _i("CHL-CD-04", 0.2, VIOLENCE), _i("CHL-CD-07", 0.45), _i("CHL-CD-08", 0.35),
        _i("CHL-VD-02", 0.5), _i("CHL-VD-01", 0.4),
    ),
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Observable:
    """A first-line observation field and how often it shows.

    ``base``: chance in an ordinary traveller; ``case``: chance in a case that does not carry
    any of ``tags``; ``tagged``: chance in a case that carries at least one of them.
    """

    field: str
    brd: str
    base: float
    case: float
    tagged: float = 0.0
    tags: tuple[str, ...] = ()


OBSERVABLES: tuple[Observable, ...] = (
    Observable("obs_document_held_by_other", "BRD-01", 0.002, 0.12, 0.55, (DOCS_HELD,)),
    Observable("obs_companion_answers", "BRD-02", 0.008, 0.2, 0.45, (CONTROL, THREATS)),
    Observable("obs_inconsistent_account", "BRD-03", 0.006, 0.2, 0.35, (DECEIVED_JOB, MARRIAGE)),
    Observable("obs_vague_job_details", "BRD-04", 0.003, 0.1, 0.5, (DECEIVED_JOB,)),
    Observable("obs_booked_by_non_traveller", "BRD-06", 0.02, 0.35, 0.5, (DEBT,)),
    Observable("obs_little_luggage", "BRD-07", 0.01, 0.3),
    Observable("obs_fearful", "BRD-08", 0.004, 0.12, 0.35, (CONTROL, THREATS, VIOLENCE)),
    Observable("obs_visible_injuries", "BRD-09", 0.0005, 0.01, 0.15, (VIOLENCE,)),
    Observable("obs_suspect_document", "BRD-11", 0.0008, 0.04),
)
# Tour guides often hold a group's passports; parents answer for small children.
TOUR_GROUP_DOCS_HELD = 0.03
CHILD_COMPANION_ANSWERS = 0.05
# BRD-10 (child with an adult who is not a parent or guardian)
CHILD_NON_GUARDIAN_BASE = 0.01
CHILD_NON_GUARDIAN_CASE = 0.55
CHILD_SUSPECT_DOCUMENT_CASE = 0.12


# ---------------------------------------------------------------- the realistic setting
#
# Issue 11: in the easy setting above, one observation separates cases from ordinary travellers
# with likelihood ratios of 24-183, where published screening tools reach about 2-5. The
# realistic setting raises each observable's chance in ordinary travellers to the case chance
# divided by a target ratio (``Realism.signal_likelihood_ratio``), and adds travellers who look
# like cases. Both are assumptions written down here; what a population generated with them
# shows is measured (``palermo synth evidence``), never asserted.


def realistic_observables(likelihood_ratio: float) -> tuple[Observable, ...]:
    """Every observable with its ordinary-traveller chance raised so that a single observation
    carries about ``likelihood_ratio`` (against the mean of its case chances)."""
    out = []
    for o in OBSERVABLES:
        case_mean = (o.case + o.tagged) / 2 if o.tags else o.case
        base = max(o.base, case_mean / likelihood_ratio)
        out.append(Observable(o.field, o.brd, base, o.case, o.tagged, o.tags))
    return tuple(out)


@dataclass(frozen=True, slots=True)
class Lookalike:
    """How a kind of traveller who is not a case comes to look like one.

    ``corridors``: the case type whose corridors the party travels (``None``: its own);
    ``purpose``, ``payer``, ``sponsor``: (value, probability) choices overriding the party's;
    ``visa_mismatch``: chance that a work or marriage purpose travels on a tourist or visa-free
    entry; ``one_way``, ``last_minute``, ``low_cash``, ``new_document``: chances;
    ``observations``: chance of each first-line observable (in addition to the base rate);
    ``child_non_guardian``: chance a child of the party travels with an adult who is not a
    parent or guardian (a grandparent, an aunt).
    """

    corridors: str | None
    purpose: tuple[tuple[str, float], ...] = ()
    payer: tuple[tuple[str, float], ...] = ()
    sponsor: tuple[tuple[str, float], ...] = ()
    visa_mismatch: float = 0.0
    one_way: float = 0.0
    last_minute: float = 0.0
    low_cash: float = 0.0
    new_document: float = 0.0
    observations: tuple[tuple[str, float], ...] = ()
    child_non_guardian: float = 0.0


LOOKALIKES: dict[str, Lookalike] = {
    # migrants smuggled by choice on the labour corridors: a smuggler paid, little luggage,
    # nervous, a story that does not hold, often overland and late-booked; no exploitation
    "smuggled_migrant": Lookalike(
        corridors="labour",
        purpose=(("tourism", 0.7), ("family_visit", 0.2), ("work", 0.1)),
        payer=(("unknown_third_party", 0.5), ("self", 0.4), ("family", 0.1)),
        sponsor=(("none", 1.0),),
        visa_mismatch=0.6,
        one_way=0.8,
        last_minute=0.35,
        low_cash=0.4,
        new_document=0.3,
        observations=(
            ("obs_inconsistent_account", 0.25),
            ("obs_fearful", 0.2),
            ("obs_little_luggage", 0.35),
            ("obs_booked_by_non_traveller", 0.3),
            ("obs_suspect_document", 0.05),
        ),
    ),
    # labour migrants recruited lawfully through licensed agencies: agency-paid, one-way, in
    # groups, sometimes escorted by an agent who holds the passports for the check-in
    "lawful_labour": Lookalike(
        corridors="labour",
        purpose=(("work", 1.0),),
        payer=(("recruitment_agency", 0.55), ("employer", 0.3), ("self", 0.15)),
        sponsor=(("recruitment_agency", 0.7), ("employer", 0.3)),
        one_way=0.75,
        new_document=0.3,
        observations=(
            ("obs_booked_by_non_traveller", 0.5),
            ("obs_document_held_by_other", 0.12),
            ("obs_companion_answers", 0.08),
            ("obs_vague_job_details", 0.08),
        ),
    ),
    # workers exploited (unpaid overtime, wage theft) without force, deception or control:
    # labour-law cases, not trafficking
    "exploited_not_trafficked": Lookalike(
        corridors="labour",
        purpose=(("work", 0.7), ("tourism", 0.3)),
        payer=(("self", 0.5), ("employer", 0.3), ("recruitment_agency", 0.2)),
        sponsor=(("employer", 0.6), ("recruitment_agency", 0.3), ("none", 0.1)),
        visa_mismatch=0.35,
        one_way=0.6,
        low_cash=0.35,
        observations=(
            ("obs_vague_job_details", 0.25),
            ("obs_little_luggage", 0.25),
            ("obs_booked_by_non_traveller", 0.25),
            ("obs_inconsistent_account", 0.1),
        ),
    ),
    # tourists on one-way tickets (onward travel by land, open return bought later)
    "one_way_tourist": Lookalike(
        corridors=None,
        purpose=(("tourism", 1.0),),
        one_way=1.0,
        last_minute=0.2,
        low_cash=0.15,
        observations=(("obs_little_luggage", 0.2),),
    ),
    # families visiting relatives on the sexual-exploitation and marriage corridors; children
    # sometimes with a grandparent or an aunt rather than a parent
    "family_group": Lookalike(
        corridors="forced_marriage",
        purpose=(("family_visit", 0.8), ("marriage", 0.2)),
        payer=(("family", 0.7), ("self", 0.3)),
        sponsor=(("family", 0.8), ("none", 0.2)),
        one_way=0.3,
        observations=(("obs_companion_answers", 0.15), ("obs_fearful", 0.05)),
        child_non_guardian=0.2,
    ),
}
