"""Stable keys for the village names an assessment carries (typed-in village, referrals, nominations).

A key names what was said, not where in the form it was said: an edit that reorders the referred
villages keeps every match and supervisor's decision, and one that removes or renames a village leaves
a key that is no longer named, which the matcher then drops. The same village named twice in one
assessment gets an occurrence number, so both namings count.

Pure code: the store (typed-in village links survive a replay) and the matcher share these.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections import Counter
from collections.abc import Iterable


def _said(name: str) -> str:
    return " ".join(unicodedata.normalize("NFC", name).casefold().split())


def _digest(*parts: str) -> str:
    return hashlib.sha1("\x1f".join(parts).encode()).hexdigest()[:16]  # noqa: S324 - a key, not a secret


def said_alike(a: str, b: str) -> bool:
    """The same name as said, whatever the case, spacing or Unicode composition."""
    return _said(a) == _said(b)


def typed_village_key(root_instance_id: str, name: str) -> str:
    """The key of the village an enumerator typed in because it was not on the list."""
    return f"{root_instance_id}#village:{_digest(_said(name))}"


def named_village_keys(root_instance_id: str, kind: str, names: Iterable[tuple[str, str, str]]) -> list[str]:
    """Keys for (district code, picked village code, typed name) namings, in the order given.

    kind is "ref" (B2 referral) or "hv" (B1 nomination).
    """
    seen: Counter[str] = Counter()
    keys = []
    for district_code, village_code, name in names:
        digest = _digest(district_code, village_code, "" if village_code else _said(name))
        seen[digest] += 1
        occurrence = f".{seen[digest]}" if seen[digest] > 1 else ""
        keys.append(f"{root_instance_id}#{kind}:{digest}{occurrence}")
    return keys
