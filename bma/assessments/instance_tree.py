"""Submissions as plain trees: {name: value | subtree | [subtree, ...]}. Pure code.

ODK XML and Kobo JSON both become the same tree, so one mapper serves both sources. Repeats are
always lists (a repeat answered once is still a list of one), known from the form's repeat names.
"""

from __future__ import annotations

import json

from defusedxml.ElementTree import fromstring

Tree = dict


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def xml_tree(payload: bytes, repeats: frozenset[str]) -> Tree:
    root = fromstring(payload, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    return _element(root, repeats)


def _element(element, repeats) -> Tree:
    tree: Tree = {}
    for child in element:
        name = _local(child.tag)
        value = _element(child, repeats) if len(child) else (child.text or "").strip()
        if name in repeats:
            tree.setdefault(name, []).append(value if isinstance(value, dict) else {})
        else:
            tree[name] = value
    return tree


def kobo_tree(payload: bytes, repeats: frozenset[str]) -> Tree:
    """Kobo keys are full paths ('imw/imw_total'); a repeat is a list of dicts keyed by full paths."""
    return _kobo_object(json.loads(payload.decode("utf-8")), repeats)


def _kobo_object(record: dict, repeats) -> Tree:
    tree: Tree = {}
    for key, value in record.items():
        if key.startswith("_"):
            continue  # Kobo's own metadata (_id, _uuid, _submission_time...)
        parts = key.split("/")
        node = tree
        for part in parts[:-1]:
            existing = node.get(part)
            node = existing if isinstance(existing, dict) else node.setdefault(part, {})
        name = parts[-1]
        if isinstance(value, list) and name in repeats:
            node[name] = [_kobo_object({k.split("/")[-1]: v for k, v in item.items()}, repeats) for item in value]
        else:
            node[name] = value if isinstance(value, str) else ("" if value is None else str(value))
    return tree


def flatten(tree: Tree, prefix: str = "") -> dict[str, str]:
    """Field path -> value, repeats numbered from 1: how forms without a mapper are exported."""
    flat: dict[str, str] = {}
    for name, value in tree.items():
        path = f"{prefix}{name}"
        if isinstance(value, list):
            for index, item in enumerate(value, start=1):
                flat.update(flatten(item, f"{path}[{index}]/"))
        elif isinstance(value, dict):
            flat.update(flatten(value, f"{path}/"))
        else:
            flat[path] = value
    return flat
