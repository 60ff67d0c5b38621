"""Blanking the personal answers inside a stored payload, for the retention job (pure: no ORM, no HTTP).

The stored payload is the lossless original, so it is changed as little as possible: for XML only the
text between the personal elements' tags is removed, byte for byte everything else stays (declaration,
prefixes, order, whitespace), and the result is checked by parsing both: every element other than the
blanked ones must read exactly as before. Kobo JSON has no byte layout anyone relies on; the personal
keys get an empty string and the rest is written back as it parsed.
"""

from __future__ import annotations

import json
import re

from defusedxml.ElementTree import fromstring


class BlankingError(ValueError):
    """The payload could not be blanked safely; it is left as it was."""


def local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def holds_personal_answer(element, names: frozenset[str]) -> bool:
    """An element of a personal question (by local name) with an answer in it."""
    return local_name(element.tag) in names and bool((element.text or "").strip())


def _snapshot(root, names: frozenset[str]) -> list[tuple]:
    """Every element as (tag, attributes, text, tail), with the personal elements' text left out."""
    return [
        (e.tag, tuple(sorted(e.attrib.items())), None if local_name(e.tag) in names else (e.text or ""), e.tail or "")
        for e in root.iter()
    ]


def blank_xml(payload: bytes, names: frozenset[str]) -> tuple[bytes, int]:
    """The payload with the text of every element whose local name is in ``names`` removed; the count."""
    if not names:
        return payload, 0
    alternatives = b"|".join(re.escape(n.encode()) for n in sorted(names))
    # A personal question is a leaf: <ki_name>text</ki_name>, with an optional prefix and attributes.
    # Its text holds no '<' (markup in answers arrives escaped), so [^<]* cannot run into a sibling.
    pattern = re.compile(rb"(<(?:[\w.-]+:)?(?:" + alternatives + rb")(?:\s[^>]*)?(?<!/)>)([^<]*)(</)")
    before = fromstring(payload)
    if not any(match.group(2).strip() for match in pattern.finditer(payload)):
        # Nothing to blank by the pattern: the parse must agree (a personal answer the pattern cannot
        # reach, in a CDATA section say, is reported rather than silently kept).
        if any(holds_personal_answer(e, names) for e in before.iter()):
            raise BlankingError("a personal answer is written in a way that cannot be blanked in place")
        return payload, 0
    count = 0

    def empty(match: re.Match) -> bytes:
        nonlocal count
        if match.group(2).strip():
            count += 1
        return match.group(1) + match.group(3)

    blanked = pattern.sub(empty, payload)
    after = fromstring(blanked)
    if _snapshot(after, names) != _snapshot(before, names) or any(
        holds_personal_answer(e, names) for e in after.iter()
    ):
        raise BlankingError("the personal answers could not be blanked without touching anything else")
    return blanked, count


def replace_personal_answers(data, names: frozenset[str], replacement: str):
    """Parsed Kobo JSON with every answered key whose last path step is in ``names`` set to ``replacement``;
    returns (the new data, how many were replaced). Shared by the purge and the redacted view."""
    count = 0

    def walk(value):
        nonlocal count
        if isinstance(value, dict):
            out = {}
            for key, item in value.items():
                # Kobo's keys are group paths (ki/ki_contact/ki_name): the question is the last step.
                if str(key).rsplit("/", 1)[-1] in names and item not in ("", None):
                    out[key], count = replacement, count + 1
                else:
                    out[key] = walk(item)
            return out
        if isinstance(value, list):
            return [walk(item) for item in value]
        return value

    return walk(data), count


def blank_json(payload: bytes, names: frozenset[str]) -> tuple[bytes, int]:
    """Kobo JSON with the value of every key whose last path step is in ``names`` set to ""."""
    try:
        data = json.loads(payload.decode("utf-8"))
    except ValueError as exc:
        raise BlankingError(f"the payload is not JSON: {exc}") from exc
    blanked, count = replace_personal_answers(data, names, "")
    if not count:
        return payload, 0
    return json.dumps(blanked, ensure_ascii=False).encode("utf-8"), count
