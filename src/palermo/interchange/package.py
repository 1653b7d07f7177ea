"""Exchange packages: an HTCDS case document signed by the sender and encrypted to the receiver.

A package is one JSON object (at most ``MAX_PACKAGE_BYTES``)::

    {"format": "palermo-exchange-package", "version": 1, "suite": SUITE,
     "package_id": "<uuid4>", "created_at": "<UTC time>",
     "sender": "<code>", "sender_key": "<fingerprint>",
     "recipient": "<code>", "recipient_key": "<fingerprint>",
     "ciphertext": "<base64>", "signature": "<base64>"}

Everything but ``ciphertext`` and ``signature`` is the *header*. The document (canonical JSON)
is encrypted with HPKE (RFC 9180, base mode: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256,
AES-256-GCM) to the receiver's registered X25519 key, with the header as HPKE ``info``: a
changed header no longer decrypts. The sender then signs header and ciphertext with its
Ed25519 key, so anyone holding the sender's public key can check a package without being able
to read it (``palermo exchange verify``), and the receiver checks who sent it before
decrypting. HPKE from ``cryptography`` rather than our own X25519 + HKDF + AES-GCM: it is the
standard composition of exactly those parts (key schedule, nonce, context binding), reviewed
and test-vectored, so there is nothing of ours to get wrong. The document repeats package id,
sender and receiver; opening checks they match the signed header.

Public keys travel as a *key card* (JSON: agency code, name, country, both public keys); its
``fingerprint`` (SHA-256 of the two keys, 32 hex digits in groups of four) is read out over
the telephone before an administrator registers a partner's card.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hpke, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from jsonschema import Draft202012Validator

from palermo.errors import InputError
from palermo.interchange.htcds import exchange_problem, schema_problems, validate_document

PACKAGE_FORMAT: Final = "palermo-exchange-package"
PACKAGE_VERSION: Final = 1
SUITE: Final = "HPKE-Base-X25519-HKDF-SHA256-AES-256-GCM+Ed25519"
KEY_CARD_FORMAT: Final = "palermo-exchange-key-card"

#: the largest package read at all (checked before parsing)
MAX_PACKAGE_BYTES: Final = 1_000_000
#: the largest decrypted document
MAX_DOCUMENT_BYTES: Final = 600_000
#: the largest key card or private key file
MAX_KEY_BYTES: Final = 4_000
#: how deep JSON may nest (a package nests 4 levels; the limit refuses bombs before parsing)
MAX_DEPTH: Final = 8

_SUITE: Final = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)
_INFO_TAG: Final = b"palermo-exchange-v1/info\x00"
_SIGN_TAG: Final = b"palermo-exchange-v1/signature\x00"

_RAW = serialization.Encoding.Raw
_RAW_PUB = serialization.PublicFormat.Raw
_RAW_PRIV = serialization.PrivateFormat.Raw


def refuse(where: str, field: str | None, rule: str, rule_zh: str) -> InputError:
    """One problem as an ``InputError`` (what, where, why in both languages)."""
    return InputError([exchange_problem(where, field, rule, rule_zh)])


def canonical(value: Any) -> bytes:
    """The one byte form of a JSON value that is signed and encrypted."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _depth(data: bytes) -> int:
    """How deep brackets nest, outside strings (a cheap scan before ``json.loads``)."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in data:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return deepest


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"the key {key!r} appears twice")
        result[key] = value
    return result


def load_json(data: bytes, *, where: str, limit: int) -> Any:
    """Parse bounded JSON: at most ``limit`` bytes, ``MAX_DEPTH`` levels, UTF-8, no key twice."""
    if len(data) > limit:
        raise refuse(
            where,
            None,
            f"is {len(data)} bytes; at most {limit} are accepted",
            f"大小为 {len(data)} 字节；最多接受 {limit} 字节",
        )
    if _depth(data) > MAX_DEPTH:
        raise refuse(
            where,
            None,
            f"nests deeper than {MAX_DEPTH} levels",
            f"嵌套超过 {MAX_DEPTH} 层",
        )
    try:
        return json.loads(data.decode("utf-8"), object_pairs_hook=_no_duplicates)
    except (UnicodeDecodeError, ValueError) as exc:
        raise refuse(
            where, None, f"is not JSON in UTF-8 ({str(exc)[:120]})", "不是 UTF-8 编码的 JSON"
        ) from None


def _b64(text: str, *, where: str, field: str, size: int | None = None) -> bytes:
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise refuse(where, field, "is not base64", "不是 base64 编码") from None
    if size is not None and len(raw) != size:
        raise refuse(where, field, f"must encode {size} bytes", f"必须编码 {size} 个字节")
    return raw


def _b64text(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


# --- keys ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PublicKeys:
    """An agency's two public keys: Ed25519 (checks its signatures), X25519 (encrypts to it)."""

    signing: bytes
    encryption: bytes

    @property
    def fingerprint(self) -> str:
        """32 hex digits in groups of four, read out to compare before registering.

        >>> PublicKeys(bytes(32), bytes(32)).fingerprint
        '4A5B 88E7 4F8A E7FB E6D2 19E7 8CD9 C2C8'
        """
        digest = hashlib.sha256(b"palermo-key-card\x00" + self.signing + self.encryption)
        hexed = digest.hexdigest()[:32].upper()
        return " ".join(hexed[i : i + 4] for i in range(0, 32, 4))

    def card(self, *, code: str, name: str, country: str) -> str:
        """The key card to give a partner agency."""
        return json.dumps(
            {
                "format": KEY_CARD_FORMAT,
                "agency": code,
                "name": name,
                "country": country,
                "signing_key": _b64text(self.signing),
                "encryption_key": _b64text(self.encryption),
                "fingerprint": self.fingerprint,
            },
            ensure_ascii=False,
            indent=2,
        )


@dataclass(frozen=True, slots=True)
class KeyCard:
    code: str
    name: str
    country: str
    keys: PublicKeys


_CARD_SCHEMA: Final = {
    "type": "object",
    "additionalProperties": False,
    "required": ["format", "agency", "name", "country", "signing_key", "encryption_key"],
    "properties": {
        "format": {"const": KEY_CARD_FORMAT},
        "agency": {"type": "string", "pattern": "^[a-z0-9][a-z0-9_-]*$", "maxLength": 40},
        "name": {"type": "string", "minLength": 1, "maxLength": 200},
        "country": {"type": "string", "pattern": "^[A-Z]{2,3}$"},
        "signing_key": {"type": "string", "maxLength": 64},
        "encryption_key": {"type": "string", "maxLength": 64},
        "fingerprint": {"type": "string", "maxLength": 64},
    },
}
_CARD_VALIDATOR: Final = Draft202012Validator(_CARD_SCHEMA)


def _schema_problems(validator: Draft202012Validator, value: object, where: str) -> None:
    problems = schema_problems(
        validator,
        value,
        where,
        rule="does not match the expected form",
        rule_zh="不符合规定格式",
    )
    if problems:
        raise InputError(problems)


def read_key_card(data: bytes, *, where: str = "key card") -> KeyCard:
    """A partner's key card, checked: the form, both keys 32 bytes, a stated fingerprint equal
    to the one computed (a card altered in transit is refused)."""
    card = load_json(data, where=where, limit=MAX_KEY_BYTES)
    _schema_problems(_CARD_VALIDATOR, card, where)
    keys = PublicKeys(
        signing=_b64(card["signing_key"], where=where, field="signing_key", size=32),
        encryption=_b64(card["encryption_key"], where=where, field="encryption_key", size=32),
    )
    stated = card.get("fingerprint")
    if stated is not None and stated != keys.fingerprint:
        raise refuse(
            where,
            "fingerprint",
            "does not match the card's keys: the card was changed, ask the agency for it again",
            "与密钥卡中的密钥不符：密钥卡已被改动，请向该机构重新索取",
        )
    return KeyCard(card["agency"], card["name"], card["country"], keys)


@dataclass(frozen=True, slots=True)
class AgencyKeys:
    """An agency's own private keys (stored encrypted by the web application)."""

    signing: Ed25519PrivateKey
    encryption: X25519PrivateKey

    @classmethod
    def generate(cls) -> AgencyKeys:
        return cls(Ed25519PrivateKey.generate(), X25519PrivateKey.generate())

    def public(self) -> PublicKeys:
        return PublicKeys(
            signing=self.signing.public_key().public_bytes(_RAW, _RAW_PUB),
            encryption=self.encryption.public_key().public_bytes(_RAW, _RAW_PUB),
        )

    def to_text(self) -> str:
        """Both private keys as one line (base64 of 64 bytes): for the encrypted column."""
        raw = self.signing.private_bytes(_RAW, _RAW_PRIV, serialization.NoEncryption())
        raw += self.encryption.private_bytes(_RAW, _RAW_PRIV, serialization.NoEncryption())
        return _b64text(raw)

    @classmethod
    def from_text(cls, text: str, *, where: str = "private keys") -> AgencyKeys:
        raw = _b64(text.strip(), where=where, field="keys", size=64)
        return cls(
            Ed25519PrivateKey.from_private_bytes(raw[:32]),
            X25519PrivateKey.from_private_bytes(raw[32:]),
        )


# --- packages ------------------------------------------------------------------------------

_HEADER_FIELDS: Final = (
    "format",
    "version",
    "suite",
    "package_id",
    "created_at",
    "sender",
    "sender_key",
    "recipient",
    "recipient_key",
)
_PACKAGE_SCHEMA: Final = {
    "type": "object",
    "additionalProperties": False,
    "required": [*_HEADER_FIELDS, "ciphertext", "signature"],
    "properties": {
        "format": {"const": PACKAGE_FORMAT},
        "version": {"const": PACKAGE_VERSION},
        "suite": {"const": SUITE},
        "package_id": {"type": "string", "pattern": "^[0-9a-f-]{36}$"},
        "created_at": {"type": "string", "maxLength": 40},
        "sender": {"type": "string", "pattern": "^[a-z0-9][a-z0-9_-]*$", "maxLength": 40},
        "recipient": {"type": "string", "pattern": "^[a-z0-9][a-z0-9_-]*$", "maxLength": 40},
        "sender_key": {"type": "string", "maxLength": 39},
        "recipient_key": {"type": "string", "maxLength": 39},
        "ciphertext": {"type": "string", "maxLength": MAX_PACKAGE_BYTES},
        "signature": {"type": "string", "maxLength": 100},
    },
}
_PACKAGE_VALIDATOR: Final = Draft202012Validator(_PACKAGE_SCHEMA)


@dataclass(frozen=True, slots=True)
class Envelope:
    """A package read and its signature checked; the document still encrypted."""

    header: dict[str, Any]
    ciphertext: bytes

    @property
    def package_id(self) -> str:
        return str(self.header["package_id"])

    @property
    def sender(self) -> str:
        return str(self.header["sender"])

    @property
    def recipient(self) -> str:
        return str(self.header["recipient"])


def seal(document: dict[str, Any], *, sender_keys: AgencyKeys, recipient_keys: PublicKeys) -> bytes:
    """The package of ``document`` (checked against the schema first) from its sender to its
    recipient: encrypted to ``recipient_keys``, signed with ``sender_keys``."""
    validate_document(document, where="export")
    header = {
        "format": PACKAGE_FORMAT,
        "version": PACKAGE_VERSION,
        "suite": SUITE,
        "package_id": document["package_id"],
        "created_at": document["created_at"],
        "sender": document["sender"]["code"],
        "sender_key": sender_keys.public().fingerprint,
        "recipient": document["recipient"]["code"],
        "recipient_key": recipient_keys.fingerprint,
    }
    plaintext = canonical(document)
    if len(plaintext) > MAX_DOCUMENT_BYTES:
        raise refuse(
            "export",
            None,
            f"the document is {len(plaintext)} bytes; at most {MAX_DOCUMENT_BYTES} can be sent",
            f"文件大小为 {len(plaintext)} 字节；最多可发送 {MAX_DOCUMENT_BYTES} 字节",
        )
    public = X25519PublicKey.from_public_bytes(recipient_keys.encryption)
    ciphertext = _SUITE.encrypt(plaintext, public, info=_INFO_TAG + canonical(header))
    signature = sender_keys.signing.sign(_SIGN_TAG + canonical(header) + b"\x00" + ciphertext)
    package = {**header, "ciphertext": _b64text(ciphertext), "signature": _b64text(signature)}
    return json.dumps(package, indent=1).encode() + b"\n"


def read_envelope(
    data: bytes,
    *,
    sender_keys: Callable[[str], PublicKeys | None],
    where: str = "package",
) -> Envelope:
    """Read a package and check its signature with the registered key of the agency it names
    as sender (``sender_keys(code)``; ``None``: not a registered partner). No private key is
    needed: this is ``verify``'s whole check for anyone but the receiver."""
    package = load_json(data, where=where, limit=MAX_PACKAGE_BYTES)
    _schema_problems(_PACKAGE_VALIDATOR, package, where)
    header = {name: package[name] for name in _HEADER_FIELDS}
    ciphertext = _b64(package["ciphertext"], where=where, field="ciphertext")
    signature = _b64(package["signature"], where=where, field="signature", size=64)
    known = sender_keys(header["sender"])
    if known is None:
        raise refuse(
            where,
            "sender",
            f"{header['sender']!r} is not a registered partner agency with a confirmed key",
            f"{header['sender']!r} 不是已登记且密钥已确认的合作机构",
        )
    if known.fingerprint != header["sender_key"]:
        raise refuse(
            where,
            "sender_key",
            "was signed with a key other than the one registered for the sender",
            "签名所用密钥与为发送方登记的密钥不同",
        )
    try:
        Ed25519PublicKey.from_public_bytes(known.signing).verify(
            signature, _SIGN_TAG + canonical(header) + b"\x00" + ciphertext
        )
    except InvalidSignature:
        raise refuse(
            where,
            "signature",
            "does not verify with the sender's registered key: the package was changed "
            "after it was signed, or another key signed it",
            "无法用发送方已登记的密钥验证：文件包在签名后被改动，或由其他密钥签名",
        ) from None
    return Envelope(header, ciphertext)


def open_envelope(
    envelope: Envelope, *, recipient_code: str, recipient_keys: AgencyKeys, where: str = "package"
) -> dict[str, Any]:
    """Decrypt a verified envelope addressed to us and check the document: its schema, its
    consent (no field beyond the consented ones) and that it repeats the signed header."""
    header = envelope.header
    if header["recipient"] != recipient_code:
        raise refuse(
            where,
            "recipient",
            f"the package is addressed to {header['recipient']!r}, not to this agency",
            f"该文件包的收件方是 {header['recipient']!r}，不是本机构",
        )
    if header["recipient_key"] != recipient_keys.public().fingerprint:
        raise refuse(
            where,
            "recipient_key",
            "was encrypted to a key this agency does not hold (an old or a wrong key)",
            "加密所用密钥不是本机构持有的密钥（旧密钥或错误的密钥）",
        )
    try:
        plaintext = _SUITE.decrypt(
            envelope.ciphertext, recipient_keys.encryption, info=_INFO_TAG + canonical(header)
        )
    except (InvalidTag, ValueError):
        raise refuse(
            where,
            "ciphertext",
            "does not decrypt with this agency's key",
            "无法用本机构的密钥解密",
        ) from None
    document = load_json(plaintext, where=f"{where}: document", limit=MAX_DOCUMENT_BYTES)
    validate_document(document, where=f"{where}: document")
    _same_as_header(document, header, where)
    return dict(document)


def _same_as_header(document: dict[str, Any], header: dict[str, Any], where: str) -> None:
    pairs = (
        ("package_id", document["package_id"], header["package_id"]),
        ("created_at", document["created_at"], header["created_at"]),
        ("sender", document["sender"]["code"], header["sender"]),
        ("recipient", document["recipient"]["code"], header["recipient"]),
    )
    problems = [
        exchange_problem(
            f"{where}: document",
            name,
            "differs from the signed header",
            "与已签名的文件头不一致",
            value=inner,
        )
        for name, inner, outer in pairs
        if inner != outer
    ]
    if problems:
        raise InputError(problems)
