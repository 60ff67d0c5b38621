"""Reading only the header of a submission: form id, version, instanceID, deprecatedID, instanceName.

Pure code. The XML is parsed with DTDs, entities and external references forbidden (defusedxml), so
an entity-expansion bomb or an XXE attempt is refused before it costs anything.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring


class HeaderError(ValueError):
    """The payload cannot be read: the message says why in words an enumerator can pass on."""


@dataclass(frozen=True)
class SubmissionHeader:
    form_id: str
    version: str
    instance_id: str
    deprecated_id: str = ""
    root_instance_id: str = ""  # Kobo's meta/rootUuid; for XML the chain is found through deprecatedID
    instance_name: str = ""


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _meta_value(root, name: str) -> str:
    """meta/<name>, with or without the OpenRosa namespace; falls back to a root-level <name>."""
    for child in root:
        if _local(child.tag) == "meta":
            for item in child:
                if _local(item.tag) == name:
                    return (item.text or "").strip()
    for child in root:
        if _local(child.tag) == name:
            return (child.text or "").strip()
    return ""


def parse_xml_header(payload: bytes) -> SubmissionHeader:
    if not payload.strip():
        raise HeaderError("The submission XML is empty.")
    try:
        root = fromstring(payload, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise HeaderError("The submission XML declares a DTD or entities, which this server refuses.") from exc
    except ParseError as exc:
        raise HeaderError(f"The submission XML is not well-formed ({exc}).") from exc
    except (UnicodeDecodeError, LookupError) as exc:
        raise HeaderError(f"The submission XML has an encoding this server cannot read ({exc}).") from exc
    form_id = (root.get("id") or "").strip()
    if not form_id:
        raise HeaderError("The submission XML has no form id (the id attribute of its root element).")
    version = (root.get("version") or root.get("{http://openrosa.org/xforms}version") or "").strip()
    instance_id = _meta_value(root, "instanceID")
    if not instance_id:
        raise HeaderError("The submission has no meta/instanceID; it cannot be stored safely without one.")
    if len(instance_id) > 255:
        raise HeaderError("The submission's instanceID is longer than 255 characters.")
    return SubmissionHeader(
        form_id=form_id,
        version=version,
        instance_id=instance_id,
        deprecated_id=_meta_value(root, "deprecatedID"),
        instance_name=_meta_value(root, "instanceName")[:255],
    )


def _with_uuid_prefix(value: str) -> str:
    value = value.strip()
    return value if not value or value.startswith("uuid:") else f"uuid:{value}"


def parse_kobo_json(payload: bytes) -> tuple[dict, SubmissionHeader]:
    """Kobo REST-service JSON: group paths joined by '/', meta/instanceID or _uuid, __version__."""
    try:
        record = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise HeaderError(f"The Kobo payload is not JSON ({exc}).") from exc
    if not isinstance(record, dict):
        raise HeaderError("The Kobo payload must be a JSON object (one submission).")
    instance_id = _with_uuid_prefix(str(record.get("meta/instanceID") or record.get("_uuid") or ""))
    if not instance_id:
        raise HeaderError("The Kobo payload has neither meta/instanceID nor _uuid.")
    return record, SubmissionHeader(
        form_id=str(record.get("_xform_id_string") or ""),
        version=str(record.get("__version__") or ""),
        instance_id=instance_id,
        deprecated_id=_with_uuid_prefix(str(record.get("meta/deprecatedID") or "")),
        root_instance_id=_with_uuid_prefix(str(record.get("meta/rootUuid") or "")),
        instance_name=str(record.get("meta/instanceName") or "")[:255],
    )
