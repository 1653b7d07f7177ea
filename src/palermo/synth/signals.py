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
DELPHI: dict[tuple[str, bool], tuple[Indicator, ...]] = {
    ("labour", False): (
        _i("ADL-DR-01", 0.65, DECEIVED_JOB), _i("ADL-DR-02", 0.45), _i("ADL-DR-08", 0.55),
        _i("ADL-DR-07", 0.35), _i("ADL-CR-03", 0.35, DOCS_HELD), _i("ADL-CR-04", 0.45, DEBT),
        _i("ADL-CR-07", 0.2, THREATS), _i("ADL-VR-04", 0.4), _i("ADL-VR-06", 0.7),
        _i("ADL-VR-14", 0.35), _i("ADL-EX-01", 0.55), _i("ADL-EX-04", 0.45),
        _i("ADL-EX-08", 0.4), _i("ADL-CD-01", 0.45, DOCS_HELD), _i("ADL-CD-02", 0.45, DEBT),
        _i("ADL-CD-03", 0.4, CONTROL), _i("ADL-CD-04", 0.12, VIOLENCE),
        _i("ADL-CD-05", 0.2), _i("ADL-CD-14", 0.3),
    ),
    ("labour", True): (
        _i("CHL-DR-01", 0.6, DECEIVED_JOB), _i("CHL-DR-10", 0.35), _i("CHL-CR-04", 0.4, DEBT),
        _i("CHL-CR-05", 0.35, DOCS_HELD), _i("CHL-CR-06", 0.35, CONTROL),
        _i("CHL-VR-01", 0.5), _i("CHL-VR-06", 0.7), _i("CHL-EX-01", 0.55),
        _i("CHL-EX-03", 0.4), _i("CHL-EX-08", 0.6), _i("CHL-CD-01", 0.4, DOCS_HELD),
        _i("CHL-CD-03", 0.4, CONTROL), _i("CHL-CD-04", 0.15, VIOLENCE),
        _i("CHL-CD-05", 0.2, THREATS),
    ),
    ("sexual", False): (
        _i("ADS-DR-01", 0.6, DECEIVED_JOB), _i("ADS-DR-02", 0.3), _i("ADS-DR-08", 0.4),
        _i("ADS-CR-03", 0.35, DOCS_HELD), _i("ADS-CR-04", 0.45, DEBT),
        _i("ADS-CR-07", 0.3, THREATS), _i("ADS-VR-06", 0.6), _i("ADS-VR-11", 0.3),
        _i("ADS-EX-01", 0.4), _i("ADS-EX-04", 0.4), _i("ADS-CD-01", 0.4, DOCS_HELD),
        _i("ADS-CD-02", 0.4, DEBT), _i("ADS-CD-03", 0.75), _i("ADS-CD-04", 0.45, CONTROL),
        _i("ADS-CD-05", 0.3, THREATS), _i("ADS-CD-06", 0.2, VIOLENCE),
    ),
    ("sexual", True): (
        _i("CHS-DR-01", 0.55, DECEIVED_JOB), _i("CHS-CR-03", 0.3, DOCS_HELD),
        _i("CHS-CR-04", 0.35, DEBT), _i("CHS-VR-01", 0.5), _i("CHS-VR-11", 0.4),
        _i("CHS-EX-03", 0.6), _i("CHS-CD-01", 0.4, DOCS_HELD), _i("CHS-CD-03", 0.8),
        _i("CHS-CD-04", 0.5, CONTROL), _i("CHS-CD-05", 0.3, THREATS),
        _i("CHS-CD-06", 0.2, VIOLENCE),
    ),
    ("forced_marriage", False): (
        _i("ADL-DR-09", 0.65, MARRIAGE), _i("ADL-DR-01", 0.25, DECEIVED_JOB),
        _i("ADL-CR-02", 0.75, MARRIAGE), _i("ADL-CR-03", 0.3, DOCS_HELD),
        _i("ADL-CR-05", 0.4, CONTROL), _i("ADL-VR-01", 0.5), _i("ADL-VR-06", 0.6),
        _i("ADL-EX-01", 0.35), _i("ADL-CD-01", 0.35, DOCS_HELD), _i("ADL-CD-03", 0.5, CONTROL),
        _i("ADL-CD-04", 0.15, VIOLENCE),
    ),
    ("forced_marriage", True): (
        _i("CHL-DR-09", 0.6, MARRIAGE), _i("CHL-CR-03", 0.85, MARRIAGE),
        _i("CHL-CR-05", 0.3, DOCS_HELD), _i("CHL-CR-06", 0.4, CONTROL), _i("CHL-VR-01", 0.6),
        _i("CHL-VR-06", 0.6), _i("CHL-EX-08", 0.6), _i("CHL-CD-01", 0.35, DOCS_HELD),
        _i("CHL-CD-03", 0.5, CONTROL), _i("CHL-CD-04", 0.15, VIOLENCE),
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
