"""OpenRosa documents: the form list and the media manifest. Pure: data in, bytes out.

Collect drops the whole list when one <xform> lacks formID, name or downloadUrl, and the whole
manifest when one <mediaFile> lacks filename, hash or downloadUrl; hashes need the 'md5:' prefix.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from xml.sax.saxutils import escape

FORM_LIST_NS = "http://openrosa.org/xforms/xformsList"
MANIFEST_NS = "http://openrosa.org/xforms/xformsManifest"


def md5_hash(data: bytes) -> str:
    return "md5:" + hashlib.md5(data).hexdigest()  # noqa: S324 - the protocol's change detector, not security


@dataclass(frozen=True)
class FormListEntry:
    form_id: str
    name: str
    version: str
    hash: str
    download_url: str
    manifest_url: str = ""
    description: str = ""


@dataclass(frozen=True)
class MediaEntry:
    filename: str
    hash: str
    download_url: str
    # An entity list, as Central lists one: type "entityList" ("approvalEntityList" while its entities
    # need approval) and the URL where Collect asks which of its entities were deleted.
    type: str = ""
    integrity_url: str = ""


def _el(name: str, value: str) -> str:
    return f"<{name}>{escape(value)}</{name}>"


def form_list_xml(entries: list[FormListEntry], *, verbose: bool = False) -> bytes:
    parts = [f'<?xml version="1.0" encoding="UTF-8"?>\n<xforms xmlns="{FORM_LIST_NS}">']
    for e in entries:
        parts.append("<xform>")
        parts.append(_el("formID", e.form_id) + _el("name", e.name or e.form_id) + _el("version", e.version))
        parts.append(_el("hash", e.hash) + _el("downloadUrl", e.download_url))
        if verbose and e.description:
            parts.append(_el("descriptionText", e.description))
        if e.manifest_url:
            parts.append(_el("manifestUrl", e.manifest_url))
        parts.append("</xform>")
    parts.append("</xforms>")
    return "".join(parts).encode("utf-8")


def manifest_xml(entries: list[MediaEntry]) -> bytes:
    parts = [f'<?xml version="1.0" encoding="UTF-8"?>\n<manifest xmlns="{MANIFEST_NS}">']
    for e in entries:
        parts.append(
            (f'<mediaFile type="{escape(e.type)}">' if e.type else "<mediaFile>")
            + _el("filename", e.filename)
            + _el("hash", e.hash)
            + _el("downloadUrl", e.download_url)
            + (_el("integrityUrl", e.integrity_url) if e.integrity_url else "")
            + "</mediaFile>"
        )
    parts.append("</manifest>")
    return "".join(parts).encode("utf-8")


def integrity_xml(entities: list[tuple[str, bool]]) -> bytes:
    """The entity list integrity answer, shaped (and indented) as ODK Central writes it."""
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n  <data>\n    <entities>\n']
    for entity_id, deleted in entities:
        parts.append(
            f'      <entity id="{escape(entity_id)}">\n'
            f"        <deleted>{'true' if deleted else 'false'}</deleted>\n"
            "      </entity>\n"
        )
    parts.append("    </entities>\n  </data>")
    return "".join(parts).encode("utf-8")
