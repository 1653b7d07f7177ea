"""A keyed blind index of names: names are searchable, yet never stored in clear.

A name is normalised the way the watchlist matcher reads names across scripts
(``palermo.screening.watchlists.names``: 张晓明 and "ZHANG Xiao-Ming" give the same tokens
``zhang xiaoming``; "Wong" also reads as Huang and Wang), and each token is stored only as its
HMAC-SHA256 under a key derived (HKDF) from a field-encryption key of the key ring. Without
the key the digests say nothing; a dictionary attack needs the key. The digests are stored
with the id of the key they were made with; a search tries every configured key, so rows
indexed before ``palermo keys rotate`` are still found while the old key is listed.

A search matches a person when every token of one reading of the query is among the person's
tokens (the query "Xiao Ming" also tries "xiaoming" written together).

>>> from palermo.web.lib.crypto import KeyRing, new_key
>>> ring = KeyRing.from_text(new_key(), source="doctest")
>>> stored = {d for _kid, d in name_digests("张晓明", ring)}
>>> any(set(alt) <= stored for alt in query_digests("Zhang Xiaoming", ring))
True
>>> any(set(alt) <= stored for alt in query_digests("Xiao Ming Zhang", ring))
True
>>> any(set(alt) <= stored for alt in query_digests("Wang Fang", ring))
False
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from palermo.screening.watchlists.names import PARTICLES, name_forms
from palermo.web.lib.crypto import KeyRing, key_id

MAX_QUERY_ALTERNATIVES = 32


@lru_cache(maxsize=16)
def _index_key(secret: bytes) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"palermo name blind index"
    ).derive(secret)


def _digest(key: bytes, token: str) -> str:
    return hmac.new(key, token.encode("utf-8"), hashlib.sha256).hexdigest()


def _useful(token: str) -> bool:
    return len(token) >= 2 and token not in PARTICLES


def name_tokens(*names: str) -> frozenset[str]:
    """The normalised tokens stored for a person's names: every token of every reading, and
    the name written together whole, without its first and without its last token.

    >>> sorted(name_tokens("ZHANG Xiao Ming"))[:4]
    ['ming', 'xiao', 'xiaoming', 'zhang']
    """
    keys: set[str] = set()
    for name in names:
        for form in name_forms(name or ""):
            tokens = form.tokens
            keys.update(t for t in tokens if _useful(t))
            if len(tokens) >= 2:
                keys.add("".join(tokens))
                keys.add("".join(tokens[1:]))
                keys.add("".join(tokens[:-1]))
    return frozenset(k for k in keys if _useful(k))


def query_alternatives(query: str) -> list[tuple[str, ...]]:
    """The token sets a query may stand for (readings, and parts written together).

    >>> query_alternatives("Xiao Ming")
    [('xiao', 'ming'), ('xiaoming',)]
    """
    out: list[tuple[str, ...]] = []
    for form in name_forms(query):
        tokens = tuple(t for t in form.tokens if _useful(t)) or form.tokens
        candidates = [tokens]
        if len(form.tokens) >= 2:
            candidates.append(("".join(form.tokens),))
        if len(form.tokens) >= 3:
            candidates.append((form.tokens[0], "".join(form.tokens[1:])))
            candidates.append(("".join(form.tokens[:-1]), form.tokens[-1]))
        for candidate in candidates:
            if candidate and candidate not in out and all(_useful(t) for t in candidate):
                out.append(candidate)
    return out[:MAX_QUERY_ALTERNATIVES]


def name_digests(name: str, ring: KeyRing, *more: str) -> list[tuple[str, str]]:
    """(key id, digest) of each token of the names, under the ring's newest key."""
    kid, secret = ring.secret()
    key = _index_key(secret)
    return [(kid, _digest(key, token)) for token in sorted(name_tokens(name, *more))]


def query_digests(query: str, ring: KeyRing) -> list[list[str]]:
    """For each alternative of the query, one digest per token under the newest key.

    Use ``query_digest_sets`` to also find rows indexed under older keys."""
    _kid, secret = ring.secret()
    key = _index_key(secret)
    return [[_digest(key, t) for t in alt] for alt in query_alternatives(query)]


def query_digest_sets(query: str, ring: KeyRing) -> list[list[frozenset[str]]]:
    """For each alternative of the query, per token the digests under every configured key
    (a row matches a token when it holds any of them)."""
    keys = [_index_key(ring.secret(key_id(raw))[1]) for raw in ring.keys]
    return [
        [frozenset(_digest(key, t) for key in keys) for t in alt]
        for alt in query_alternatives(query)
    ]
