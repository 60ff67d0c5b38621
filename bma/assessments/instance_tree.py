"""Submissions as plain trees: {name: value | subtree | [subtree, ...]}. Pure code.

ODK XML and Kobo JSON both become the same tree, so one mapper serves both sources. Repeats are
always lists (a repeat answered once is still a list of one), known from the form's repeat names.
"""

from __future__ import annotations

from xml.etree.ElementTree import ParseError
from xml.parsers import expat

from bma.core.safe_xml import XmlRefused, expat_parser, local_name
from bma.submissions.header import KOBO_MAX_DEPTH, HeaderError, kobo_json_load, kobo_scalar_text

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
        elif local in parent:
            # Keeping the last (or the first) of two answers to one question drops the other silently;
            # for <district> it stored another district than the one intake checked.
            raise ParseError(f"<{local}> is given more than once where the form has one answer")
        else:
            parent[local] = value

    def data(self, text: str) -> None:
        self._stack[-1][2].append(text)


def kobo_tree(payload: bytes, repeats: frozenset[str]) -> Tree:
    """A KoboToolbox record as the tree its XML would give.

    Kobo flattens groups into full paths from the root ('imw/imw_total', 'meta/instanceID') and sends a
    repeat as a list of dicts whose keys are full paths too ('ki/ki_contact/ki_name' inside a 'ki'
    item; kobocat's _flatten_dict_nest_repeats), leaving out unanswered fields. Keys starting with '_'
    at the root are Kobo's own (_id, _uuid, _attachments, _validation_status, __version__...).
    Raises ParseError for a payload that is not a JSON object or nests deeper than any record.
    """
    try:
        # Intake's loader: a key given twice is refused here as there, not read as its last value.
        record = kobo_json_load(payload)
    except HeaderError as exc:
        raise ParseError(str(exc.args[0])) from exc
    if not isinstance(record, dict):
        raise ParseError("the Kobo record is not a JSON object")
    return _kobo_object(record, repeats, prefix="", depth=1)


def _kobo_object(record: dict, repeats: frozenset[str], prefix: str, depth: int) -> Tree:
    if depth > KOBO_MAX_DEPTH:
        # Intake refuses such records; one stored before that must fail with words, not a RecursionError.
        raise ParseError(f"the Kobo record nests deeper than {KOBO_MAX_DEPTH} levels")
    tree: Tree = {}
    for key, value in record.items():
        key = str(key)
        if not prefix and key.startswith("_"):
            continue  # Kobo's own metadata (_id, _uuid, _submission_time, _attachments...)
        # Inside a repeat item (or a nested group) keys are full paths: keep only the part below it.
        relative = key[len(prefix) + 1 :] if prefix and key.startswith(prefix + "/") else key
        full = f"{prefix}/{relative}" if prefix else relative
        parts = relative.split("/")
        node = tree
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ParseError(f"the Kobo record has both a value for '{part}' and fields inside it ({key})")
        name = parts[-1]
        if isinstance(value, dict):
            # Not Kobo's own shape, but a group sent nested is still that group.
            group = _kobo_object(value, repeats, full, depth + 1)
            existing = node.setdefault(name, {})
            if not isinstance(existing, dict):
                raise ParseError(f"the Kobo record has both a value for '{name}' and fields inside it ({key})")
            existing.update(group)
        elif isinstance(value, list) and (name in repeats or any(isinstance(item, dict) for item in value)):
            # A repeat; a list of items under a name this mapper does not know is kept as a repeat too
            # (the export shows it), as XML keeps every element.
            node[name] = [
                _kobo_object(item, repeats, full, depth + 1) if isinstance(item, dict) else {} for item in value
            ]
        elif isinstance(value, list):
            # A select_multiple sent as a list: XML's space-separated choices.
            node[name] = " ".join(kobo_scalar_text(item) for item in value)
        else:
            node[name] = kobo_scalar_text(value)
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
