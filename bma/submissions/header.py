"""Reading only the header of a submission: form id, version, instanceID, deprecatedID, instanceName.

Pure code. The XML is parsed with DTDs, entities and external references forbidden
(bma.core.safe_xml), so an entity-expansion bomb or an XXE attempt is refused before it costs anything.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from xml.parsers import expat

from django.utils.translation import gettext_lazy as _

from bma.core.errors import message_lazy
from bma.core.safe_xml import XmlRefused, expat_parser, local_name


class HeaderError(ValueError):
    """The payload cannot be read: the message says why in words an enumerator can pass on (worded
    lazily, so the device reads it in its enumerator's language)."""


UNREADABLE_ENCODING = _("The submission XML has an encoding this server cannot read (%(reason)s).")
TOO_DEEP = _("The Kobo payload nests deeper than %(depth)s levels; it is not a record.")


@dataclass(frozen=True)
class SubmissionHeader:
    form_id: str
    version: str
    instance_id: str
    deprecated_id: str = ""
    root_instance_id: str = ""  # Kobo's meta/rootUuid; for XML the chain is found through deprecatedID
    instance_name: str = ""
    district: str = ""  # submission_district(): admission checks it, the mapper stores the same reading


OPENROSA_NS = "http://openrosa.org/xforms"
META_FIELDS = frozenset({"instanceID", "deprecatedID", "instanceName"})
DISTRICT_FIELD = "district"  # a top-level question of B1, B2 and the spot check (xforms/workbooks.py)
DISTRICT_MAX_LENGTH = 64  # Submission.district_code, AdminArea.code


def submission_district(values: list[str]) -> str:
    """The district a submission is for: the text of its one top-level ``district`` field ("" if none).

    The one reading of it: intake checks this value against the enumerator's assignment and the mapper
    (assessments/mappers.py read_location) stores this value. Before, intake took the first of two
    <district> elements and the tree the last, so a district the round refuses could pass as another.
    A field given more than once is refused rather than read either way.
    """
    if len(values) > 1:
        raise HeaderError(
            message_lazy(
                _(
                    "The submission gives the district %(count)s times (%(values)s); a submission is for one "
                    "district. Nothing was stored; correct the form and send it again."
                ),
                count=len(values),
                values=", ".join(v.strip() for v in values),
            )
        )
    district = values[0].strip() if values else ""
    if len(district) > DISTRICT_MAX_LENGTH:
        raise HeaderError(
            message_lazy(
                _("The submission's district is longer than %(limit)s characters; it is no district code."),
                limit=DISTRICT_MAX_LENGTH,
            )
        )
    return district


class _HeaderReader:
    """expat callbacks that keep the root's attributes and meta/<field> (or a root-level <field>) texts.

    The whole document is still parsed, so a malformed one is refused at intake, but no tree is built:
    ElementTree's per-element Python work was ~0.7 ms of a ~7 ms submission on the benchmark machine.
    """

    def __init__(self) -> None:
        self.depth = 0
        self.root_attributes: dict[str, str] = {}
        self.in_meta = False
        self.meta: dict[str, list[str]] = {}
        self.top: dict[str, list[str]] = {}  # every occurrence: a district given twice is refused
        self._capture: tuple[dict[str, list[str]], str, int] | None = None
        self._text: list[str] = []

    def start(self, name: str, attributes: dict[str, str]) -> None:
        self.depth += 1
        local = local_name(name)
        if self.depth == 1:
            self.root_attributes = attributes
        elif self.depth == 2:
            self.in_meta = local == "meta"
            if local in META_FIELDS or local == DISTRICT_FIELD:
                self._begin(self.top, local)
        elif self.depth == 3 and self.in_meta and local in META_FIELDS:
            self._begin(self.meta, local)

    def _begin(self, into: dict[str, list[str]], field: str) -> None:
        self._capture, self._text = (into, field, self.depth), []

    def end(self, name: str) -> None:
        if self._capture is not None and self._capture[2] == self.depth:
            into, field, _ = self._capture
            into.setdefault(field, []).append("".join(self._text).strip())
            self._capture = None
        self.depth -= 1

    def data(self, text: str) -> None:
        if self._capture is not None and self._capture[2] == self.depth:
            self._text.append(text)  # only the element's own text, before any child, as ElementTree's .text

    def value(self, field: str) -> str:
        """A meta field's first text, from meta/ or else the root (only the district is read strictly)."""
        return (self.meta.get(field) or [""])[0] or (self.top.get(field) or [""])[0]


def _read_header(payload: bytes) -> _HeaderReader:
    reader = _HeaderReader()
    parser = expat_parser()
    parser.StartElementHandler, parser.EndElementHandler = reader.start, reader.end
    parser.CharacterDataHandler = reader.data
    parser.Parse(payload, True)
    return reader


def parse_xml_header(payload: bytes) -> SubmissionHeader:
    if not payload.strip():
        raise HeaderError(_("The submission XML is empty."))
    try:
        reader = _read_header(payload)
    except XmlRefused as exc:
        raise HeaderError(_("The submission XML declares a DTD or entities, which this server refuses.")) from exc
    except expat.ExpatError as exc:
        if exc.code == expat.errors.codes[expat.errors.XML_ERROR_UNKNOWN_ENCODING]:
            raise HeaderError(message_lazy(UNREADABLE_ENCODING, reason=str(exc))) from exc
        raise HeaderError(
            message_lazy(_("The submission XML is not well-formed (%(reason)s)."), reason=str(exc))
        ) from exc
    except (UnicodeDecodeError, LookupError) as exc:
        raise HeaderError(message_lazy(UNREADABLE_ENCODING, reason=str(exc))) from exc
    attributes = reader.root_attributes
    form_id = (attributes.get("id") or "").strip()
    if not form_id:
        raise HeaderError(_("The submission XML has no form id (the id attribute of its root element)."))
    version = (attributes.get("version") or attributes.get(f"{OPENROSA_NS}}}version") or "").strip()
    instance_id = reader.value("instanceID")
    if not instance_id:
        raise HeaderError(_("The submission has no meta/instanceID; it cannot be stored safely without one."))
    if len(instance_id) > 255:
        raise HeaderError(_("The submission's instanceID is longer than 255 characters."))
    return SubmissionHeader(
        form_id=form_id,
        version=version,
        instance_id=instance_id,
        deprecated_id=reader.value("deprecatedID"),
        instance_name=reader.value("instanceName")[:255],
        district=submission_district(reader.top.get(DISTRICT_FIELD, [])),
    )


def _with_uuid_prefix(value: str) -> str:
    value = value.strip()
    return value if not value or value.startswith("uuid:") else f"uuid:{value}"


# Kobo's deepest real record: the record, a repeat, an item, a nested repeat, an item... and
# _attachments/_validation_status a level below the root. Anything far deeper is not a submission.
KOBO_MAX_DEPTH = 32
ID_MAX_LENGTH = 255  # the columns that key the store


def json_depth(value) -> int:
    """Nesting depth of a parsed JSON value (a scalar is 0), without recursion."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        depth += 1
        deepest = max(deepest, depth)
        if deepest > KOBO_MAX_DEPTH:
            return deepest  # enough to refuse; a deeper walk only costs time
        stack.extend((child, depth) for child in children)
    return deepest


def _object_once_per_key(pairs: list[tuple[str, object]]) -> dict:
    """A JSON object; json.loads would keep the last of a repeated key, silently: refused instead."""
    record = dict(pairs)
    if len(record) < len(pairs):
        keys = [key for key, _value in pairs]
        repeated = sorted({key for key in keys if keys.count(key) > 1})
        raise HeaderError(
            message_lazy(
                _("The Kobo payload gives %(keys)s more than once; a field has one value. Nothing was stored."),
                keys=", ".join(repeated),
            )
        )
    return record


def kobo_json_load(payload: bytes):
    """json.loads, refusing what json.loads itself cannot bear (RecursionError) or nests too deep, and
    an object that repeats a key (the header and the tree must not each pick their own value)."""
    try:
        record = json.loads(payload.decode("utf-8"), object_pairs_hook=_object_once_per_key)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise HeaderError(message_lazy(_("The Kobo payload is not JSON (%(reason)s)."), reason=str(exc))) from exc
    except RecursionError as exc:
        raise HeaderError(message_lazy(TOO_DEEP, depth=KOBO_MAX_DEPTH)) from exc
    if json_depth(record) > KOBO_MAX_DEPTH:
        raise HeaderError(message_lazy(TOO_DEEP, depth=KOBO_MAX_DEPTH))
    return record


# What a JSON value that is not a string was, in words (looked up by its exact type).
JSON_KINDS = {
    list: _("a list"),
    dict: _("an object"),
    int: _("a number"),
    float: _("a number"),
    bool: _("true or false"),
}


def _kobo_id(record: dict, *keys: str) -> str:
    key = next((key for key in keys if record.get(key)), None)
    raw = record[key] if key is not None else ""
    if not isinstance(raw, str):
        # str() of a list or a number would be stored as an id ("uuid:['not', 'an', 'id']"): refuse it.
        raise HeaderError(
            message_lazy(
                _("The Kobo record's %(key)s must be text, not %(kind)s."),
                key=key,
                kind=JSON_KINDS.get(type(raw), _("a JSON value of another kind")),
            )
        )
    value = _with_uuid_prefix(raw)
    if len(value) > ID_MAX_LENGTH:
        # Too long for the store's key columns: a 400 Kobo does not retry, not a database error it would.
        raise HeaderError(
            message_lazy(
                _("The Kobo record's %(keys)s is longer than %(limit)s characters."),
                keys=" / ".join(keys),
                limit=ID_MAX_LENGTH,
            )
        )
    return value


def parse_kobo_json(payload: bytes) -> tuple[dict, SubmissionHeader]:
    """Kobo REST-service JSON: group paths joined by '/', meta/instanceID or _uuid, __version__."""
    record = kobo_json_load(payload)
    if not isinstance(record, dict):
        raise HeaderError(_("The Kobo payload must be a JSON object (one submission)."))
    instance_id = _kobo_id(record, "meta/instanceID", "_uuid")
    if not instance_id:
        raise HeaderError(_("The Kobo payload has neither meta/instanceID nor _uuid."))
    return record, SubmissionHeader(
        form_id=str(record.get("_xform_id_string") or ""),
        version=str(record.get("__version__") or ""),
        instance_id=instance_id,
        deprecated_id=_kobo_id(record, "meta/deprecatedID"),
        root_instance_id=_kobo_id(record, "meta/rootUuid"),
        instance_name=str(record.get("meta/instanceName") or "")[:255],
        district=submission_district(_kobo_values(record, DISTRICT_FIELD)),
    )


def _kobo_values(record: dict, key: str) -> list[str]:
    """The root field ``key`` as kobo_tree reads it (Kobo's root keys are full paths: a top-level
    question's key is its name); a JSON null is no answer, as in the tree."""
    if key not in record or record[key] is None:
        return []
    return [kobo_scalar_text(record[key])]


def kobo_scalar_text(value) -> str:
    """A Kobo JSON scalar as the text its XML element would hold (null empty, booleans in XPath's words):
    the one conversion the Kobo tree and the cross-protocol answer comparison both use."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else str(value)
