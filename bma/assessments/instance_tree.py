"""Submissions as plain trees: {name: value | subtree | [subtree, ...]}. Pure code.

ODK XML and Kobo JSON both become the same tree, so one mapper serves both sources. Repeats are
always lists (a repeat answered once is still a list of one), known from the form's repeat names.
"""

from __future__ import annotations

import json
from xml.etree.ElementTree import ParseError
from xml.parsers import expat

from bma.core.safe_xml import XmlRefused, expat_parser, local_name

Tree = dict


def xml_tree(payload: bytes, repeats: frozenset[str]) -> Tree:
    """The root's children as a tree, built from expat's callbacks (no ElementTree in between).

    An element with children becomes a dict, a leaf its stripped text; a repeat is a list of dicts.
    Raises ElementTree's ParseError for a malformed document or one with a DTD or entities.
    """
    builder = _TreeBuilder(repeats)
    parser = expat_parser()
    parser.StartElementHandler, parser.EndElementHandler = builder.start, builder.end
    parser.CharacterDataHandler = builder.data
    try:
        parser.Parse(payload, True)
    except XmlRefused as exc:
        raise ParseError("the submission XML declares a DTD or entities") from exc
    except expat.ExpatError as exc:
        raise ParseError(str(exc)) from exc
    root = next(iter(builder.result.values()), {})
    return root if isinstance(root, dict) else {}


class _TreeBuilder:
    def __init__(self, repeats: frozenset[str]) -> None:
        self.repeats = repeats
        self.result: Tree = {}
        self._stack: list[tuple[str, Tree, list[str]]] = []

    def start(self, name: str, attributes: dict) -> None:
        self._stack.append((local_name(name), {}, []))

    def end(self, name: str) -> None:
        local, children, text = self._stack.pop()
        value = children if children else "".join(text).strip()
        parent = self._stack[-1][1] if self._stack else self.result
        if local in self.repeats:
            parent.setdefault(local, []).append(value if isinstance(value, dict) else {})
        else:
            parent[local] = value

    def data(self, text: str) -> None:
        self._stack[-1][2].append(text)


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
