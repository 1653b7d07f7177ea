"""HTCDS case documents and exchange packages between two agencies (no database)."""

from __future__ import annotations

import base64
import json
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from palermo.errors import InputError
from palermo.indicators.catalogue import load_catalogue
from palermo.interchange.htcds import (
    FIELDS,
    HTCDS_METHODS_OF_CONTROL,
    HTCDS_TYPES_OF_EXPLOITATION,
    SCHEMA,
    CaseData,
    Party,
    Transfer,
    case_document,
    case_pseudonym,
    htcds_values,
    received_case,
    validate_document,
)
from palermo.interchange.package import (
    MAX_DEPTH,
    MAX_PACKAGE_BYTES,
    AgencyKeys,
    PublicKeys,
    canonical,
    open_envelope,
    read_envelope,
    read_key_card,
    seal,
)

NORTH = Party("north-ati", "Northland Anti-Trafficking Office", "NL")
SOUTH = Party("south-shelter", "Southland Shelter Service", "SL")
NORTH_KEYS = AgencyKeys.generate()
SOUTH_KEYS = AgencyKeys.generate()
TEXT = st.text(
    alphabet=st.characters(categories=("L", "M", "N", "P", "S", "Zs")),
    min_size=0,
    max_size=60,
)


def transfer(basis: str = "consent", package_id: str | None = None) -> Transfer:
    return Transfer(
        package_id=package_id or str(uuid.uuid4()),
        created_at="2026-12-03T10:00:00Z",
        sender=NORTH,
        recipient=SOUTH,
        reason="AdditionalServicesRequired",
        details="shelter and medical care on return",
        basis=basis,
        legal_basis="" if basis == "consent" else "Act 12 s. 4 (danger to life)",
        consent_given_on="2026-12-01" if basis == "consent" else "",
    )


CASE = CaseData(
    full_name="Li Wei",
    document_number="E12345678",
    contact="+86 10 5555 0100",
    notes="Recruited through a friend; passport kept by the employer.",
    status="referred",
    outcome="presumed",
    agency_kind="anti_trafficking",
)


CASE_WITH_CONTROL = CaseData(
    "Li Wei", "", "", "", "referred", "presumed", "ngo", methods_of_control=("DebtBondage",)
)


def south_lookup(code: str) -> PublicKeys | None:
    return {"north-ati": NORTH_KEYS.public()}.get(code)


def package_for(consented: list[str], case: CaseData = CASE, **kw: str) -> bytes:
    document = case_document(
        case=case,
        consented=consented,
        pseudonym=case_pseudonym(b"s" * 32, case_reference="C-AAAA-BBBB", recipient_code="x"),
        transfer=transfer(**kw),
    )
    return seal(document, sender_keys=NORTH_KEYS, recipient_keys=SOUTH_KEYS.public())


def receive(data: bytes, keys: AgencyKeys = SOUTH_KEYS) -> dict[str, object]:
    envelope = read_envelope(data, sender_keys=south_lookup)
    return open_envelope(envelope, recipient_code="south-shelter", recipient_keys=keys)


@settings(max_examples=40, deadline=None)
@given(
    full_name=TEXT.filter(str.strip),
    document_number=TEXT,
    contact=TEXT,
    notes=TEXT,
    status=st.sampled_from(["identified", "referred", "assisted", "closed"]),
    outcome=st.sampled_from(["possible", "presumed", "child_at_risk"]),
    kind=st.sampled_from(["border_post", "ngo", "anti_trafficking", "international"]),
    exploitation=st.lists(st.sampled_from(HTCDS_TYPES_OF_EXPLOITATION), unique=True),
    control=st.lists(st.sampled_from(HTCDS_METHODS_OF_CONTROL), unique=True),
    consented=st.lists(st.sampled_from(list(FIELDS)), min_size=1, unique=True),
)
def test_a_round_trip_between_two_agencies_carries_every_consented_field_and_nothing_else(
    full_name: str,
    document_number: str,
    contact: str,
    notes: str,
    status: str,
    outcome: str,
    kind: str,
    exploitation: list[str],
    control: list[str],
    consented: list[str],
) -> None:
    case = CaseData(
        full_name,
        document_number,
        contact,
        notes,
        status,
        outcome,
        kind,
        exploitation_types=tuple(exploitation),
        methods_of_control=tuple(control),
    )
    received = receive(package_for(consented, case))
    expected = {k: v for k, v in htcds_values(case).items() if k in consented}
    assert received["fields"] == expected
    back = received_case(received)
    assert back.full_name == (full_name if "prs_FirstName" in consented else "")
    assert back.document_number == (document_number if "prs_IdentityNumber" in consented else "")
    assert back.notes == (notes if "cco_CaseComment" in consented else "")
    assert back.outcome == (outcome if "plm_IndicatorOutcome" in consented else "possible")
    sent_types = "vic_TypeOfExploitation" in consented
    assert set(back.exploitation_types) == (set(exploitation) if sent_types else set())
    sent_control = "vic_MethodsOfControl" in consented
    assert set(back.methods_of_control) == (set(control) if sent_control else set())


def test_the_catalogue_and_the_exchange_know_the_same_htcds_means_of_control() -> None:
    assert tuple(load_catalogue().htcds_methods_of_control) == HTCDS_METHODS_OF_CONTROL


def test_a_case_with_no_type_of_exploitation_recorded_sends_none_whatever_was_consented() -> None:
    labour = CaseData(
        "Li Wei",
        "",
        "",
        "",
        "referred",
        "presumed",
        "ngo",
        methods_of_control=("DebtBondage", "WithholdsDocuments"),
    )
    fields = receive(package_for(list(FIELDS), labour))["fields"]
    assert isinstance(fields, dict)
    assert "vic_TypeOfExploitation" not in fields
    assert fields["vic_MethodsOfControl"] == ["DebtBondage", "WithholdsDocuments"]
    recorded = CaseData(
        "Li Wei", "", "", "", "referred", "presumed", "ngo", exploitation_types=("ForcedLabour",)
    )
    assert receive(package_for(list(FIELDS), recorded))["fields"]["vic_TypeOfExploitation"] == [
        "ForcedLabour"
    ]


def test_a_value_outside_the_standard_is_refused_on_the_way_out_and_on_the_way_in() -> None:
    with pytest.raises(InputError):
        htcds_values(
            CaseData("A", "", "", "", "referred", "possible", "ngo", exploitation_types=("Sex",))
        )
    document = receive(package_for(["vic_MethodsOfControl"], CASE_WITH_CONTROL))
    document["fields"] = {"vic_MethodsOfControl": ["Beatings"]}
    with pytest.raises(InputError):
        validate_document(document, where="import")


def test_the_document_names_no_person_beyond_the_consented_fields() -> None:
    data = package_for(["cas_Status"])
    text = json.dumps(receive(data), ensure_ascii=False)
    for secret in ("Li Wei", "E12345678", "5555", "passport", "C-AAAA-BBBB"):
        assert secret not in text
    assert b"Li Wei" not in data


def test_the_case_pseudonym_is_stable_for_one_partner_and_differs_between_partners() -> None:
    one = case_pseudonym(b"k" * 32, case_reference="C-2345-6789", recipient_code="south")
    assert one == case_pseudonym(b"k" * 32, case_reference="C-2345-6789", recipient_code="south")
    assert one != case_pseudonym(b"k" * 32, case_reference="C-2345-6789", recipient_code="east")
    assert one != case_pseudonym(b"j" * 32, case_reference="C-2345-6789", recipient_code="south")


@pytest.mark.parametrize("position", [40, 300, -120, -3])
def test_a_package_with_one_changed_byte_is_refused(position: int) -> None:
    data = bytearray(package_for(list(FIELDS)))
    data[position] = ord("A") if data[position] != ord("A") else ord("B")
    with pytest.raises(InputError):
        receive(bytes(data))


def test_a_changed_ciphertext_byte_fails_the_signature_check() -> None:
    package = json.loads(package_for(list(FIELDS)))
    raw = bytearray(base64.b64decode(package["ciphertext"]))
    raw[50] ^= 1
    package["ciphertext"] = base64.b64encode(bytes(raw)).decode()
    with pytest.raises(InputError, match="signature"):
        receive(json.dumps(package).encode())


def test_a_package_for_another_key_does_not_open() -> None:
    data = package_for(["cas_Status"])
    with pytest.raises(InputError, match="key this agency does not hold"):
        receive(data, keys=AgencyKeys.generate())


def test_a_package_signed_by_an_unregistered_key_is_refused() -> None:
    document = case_document(
        case=CASE, consented=["cas_Status"], pseudonym="X-" + "A" * 26, transfer=transfer()
    )
    forged = seal(document, sender_keys=AgencyKeys.generate(), recipient_keys=SOUTH_KEYS.public())
    with pytest.raises(InputError, match="other than the one registered"):
        receive(forged)


def test_a_document_with_a_field_beyond_its_consent_is_refused_on_both_sides() -> None:
    document = case_document(
        case=CASE, consented=["cas_Status"], pseudonym="X-" + "A" * 26, transfer=transfer()
    )
    document["fields"]["prs_FirstName"] = "Li Wei"
    with pytest.raises(InputError, match="did not consent"):
        validate_document(document, where="import")
    with pytest.raises(InputError, match="did not consent"):
        seal(document, sender_keys=NORTH_KEYS, recipient_keys=SOUTH_KEYS.public())


def test_a_sender_that_slips_an_unconsented_field_past_its_own_check_is_refused_on_import(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A sender whose software does not check (here: the check switched off) cannot make the
    receiver take a field the consent does not list."""
    import palermo.interchange.package as package_module

    document = case_document(
        case=CASE, consented=["cas_Status"], pseudonym="X-" + "A" * 26, transfer=transfer()
    )
    document["fields"]["prs_IdentityNumber"] = "E12345678"
    monkeypatch.setattr(package_module, "validate_document", lambda *a, **k: None)
    data = seal(document, sender_keys=NORTH_KEYS, recipient_keys=SOUTH_KEYS.public())
    monkeypatch.undo()
    with pytest.raises(InputError, match="prs_IdentityNumber"):
        receive(data)


def test_override_documents_need_a_legal_basis_and_consent_documents_the_whole_checklist() -> None:
    document = case_document(
        case=CASE, consented=["cas_Status"], pseudonym="X-" + "A" * 26, transfer=transfer()
    )
    document["consent"]["checklist"] = document["consent"]["checklist"][:3]
    with pytest.raises(InputError, match="checklist"):
        validate_document(document, where="import")
    with pytest.raises(InputError, match="legal_basis"):
        case_document(
            case=CASE,
            consented=["cas_Status"],
            pseudonym="X-" + "A" * 26,
            transfer=transfer_without_basis(),
        )


def transfer_without_basis() -> Transfer:
    base = transfer("override")
    return Transfer(
        base.package_id,
        base.created_at,
        base.sender,
        base.recipient,
        base.reason,
        base.details,
        "override",
        "",
        "",
    )


def test_a_package_too_large_or_nested_too_deep_is_refused_before_it_is_parsed() -> None:
    with pytest.raises(InputError, match="at most"):
        receive(b" " * (MAX_PACKAGE_BYTES + 1))
    with pytest.raises(InputError, match="nests deeper"):
        receive(b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1))
    with pytest.raises(InputError, match="not JSON"):
        receive(b"\xff\xfe")
    with pytest.raises(InputError, match="twice"):
        receive(b'{"a": 1, "a": 2}')


def test_the_schema_refuses_a_document_with_unknown_parts() -> None:
    document = case_document(
        case=CASE, consented=["cas_Status"], pseudonym="X-" + "A" * 26, transfer=transfer()
    )
    document["extra"] = "x"
    with pytest.raises(InputError, match=r"\$"):
        validate_document(document, where="import")
    assert SCHEMA["additionalProperties"] is False


def test_a_key_card_round_trips_and_an_altered_card_is_refused() -> None:
    card = NORTH_KEYS.public().card(code="north-ati", name="Northland ATO", country="NL")
    read = read_key_card(card.encode())
    assert read.keys == NORTH_KEYS.public()
    assert read.code == "north-ati"
    altered = json.loads(card)
    altered["encryption_key"] = base64.b64encode(SOUTH_KEYS.public().encryption).decode()
    with pytest.raises(InputError, match="fingerprint"):
        read_key_card(json.dumps(altered).encode())


def test_private_keys_survive_their_text_form() -> None:
    again = AgencyKeys.from_text(NORTH_KEYS.to_text())
    assert again.public() == NORTH_KEYS.public()
    with pytest.raises(InputError):
        AgencyKeys.from_text("bm90IGEga2V5")


def test_canonical_json_is_independent_of_key_order() -> None:
    assert canonical({"b": 1, "a": "é"}) == canonical({"a": "é", "b": 1})
