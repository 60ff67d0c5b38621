"""The entity blocks of a submission, read as ODK Central reads them (ODK XForms entities spec 2024.1
and 2025.1): ``meta/entity`` beside the fields it saves, at the form's root or in each repeat row.

A block says its list (``dataset``), its UUID (``id``), ``create``/``update``, its ``label`` and, for an
update, ``baseVersion``, ``trunkVersion`` and ``branchId``. Which fields it saves, and under which
property names, only the XForm says (binds with ``entities:saveto``): the submission carries values.
Pure: XML in, blocks out.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from functools import lru_cache

from defusedxml.ElementTree import fromstring

ENTITIES_NS = "http://www.opendatakit.org/xforms/entities"
XFORMS_NS = "{http://www.w3.org/2002/xforms}"
XHTML_NS = "{http://www.w3.org/1999/xhtml}"
TRUE = ("1", "true")


@dataclass(frozen=True)
class EntityBlock:
    dataset: str
    id: str
    create: bool
    update: bool
    label: str
    properties: dict[str, str] = field(default_factory=dict)
    base_version: str = ""
    trunk_version: str = ""
    branch_id: str = ""
    row: int = 0  # 1-based position among the form's blocks (Central's index in a repeat's errors)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _paths(element, prefix: str = ""):
    """(path without row numbers, element) for every element, as a bind's nodeset names it."""
    path = f"{prefix}/{_local(element.tag)}"
    yield path, element
    for child in element:
        yield from _paths(child, path)


@lru_cache(maxsize=32)
def saved_properties(xform_xml: str) -> dict[str, dict[str, str]]:
    """{container path: {property: field path relative to the container}} from the form's saveto binds.

    The container is where the block's ``meta`` sits: ``/data`` for one entity per submission, the
    repeat (``/data/ref``) for one per row. A field saves to the nearest container above it.
    Kept per XForm (a version never changes): processing reads each entity form's blocks up to three
    times per submission (the mapper's entity ids, creations, updates), and the round B2's XForm is
    ~100 KB to parse. The answer is shared: read it, never change it.
    """
    root = fromstring(xform_xml.encode("utf-8"))
    model = root.find(f"{XHTML_NS}head/{XFORMS_NS}model")
    primary = model.find(f"{XFORMS_NS}instance")[0]
    containers = sorted(
        {path[: -len("/meta/entity")] for path, _e in _paths(primary) if path.endswith("/meta/entity")},
        key=len,
        reverse=True,
    )
    saved: dict[str, dict[str, str]] = {c: {} for c in containers}
    for bind in model.findall(f"{XFORMS_NS}bind"):
        prop = bind.get(f"{{{ENTITIES_NS}}}saveto")
        nodeset = bind.get("nodeset", "")
        if not prop:
            continue
        container = next((c for c in containers if nodeset.startswith(c + "/")), None)
        if container is not None:
            saved[container][prop] = nodeset[len(container) + 1 :]
    return saved


def block_id(instance_id: str, row: int) -> str:
    """The id of a creating block its form left empty, the same on every reading of the submission.

    pyxform gives a repeat row's entity its UUID by setvalue: on the form's first load for the first row,
    on ``odk-new-repeat`` for the others. ODK's web form engine (@getodk/xforms-engine 0.22) skips the
    first-load one while the repeat is not relevant (the round B2's referrals are behind "Do they name
    villages?"), and sends that row's entity with ``id=""``. Central refuses such a row, and with it the
    whole repeat; here the row's entity gets an id derived from the submission and the row instead. A
    web form keeps no entities of its own (it reads the list again), so nothing on a device holds another.
    """
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"bma:entity:{instance_id}#{row}"))


def entity_blocks(xform_xml: str, submission_xml: bytes, instance_id: str = "") -> list[EntityBlock]:
    """Every entity block of a submission, in document order, with the properties it saves.
    ``instance_id`` (the edit chain's root): a creating block with no id gets block_id's."""
    saved = saved_properties(xform_xml)
    root = fromstring(submission_xml)
    blocks = []
    for path, element in _paths(root):
        if not path.endswith("/meta/entity"):
            continue
        container_path = path[: -len("/meta/entity")]
        container = _container_of(root, element)
        properties = {}
        for prop, relative in saved.get(container_path, {}).items():
            node = _find(container, relative)
            if node is not None:
                properties[prop] = (node.text or "").strip()
        create = element.get("create", "") in TRUE
        entity_id = (element.get("id") or "").strip()
        if create and not entity_id and instance_id:
            entity_id = block_id(instance_id, len(blocks) + 1)
        blocks.append(
            EntityBlock(
                dataset=element.get("dataset", ""),
                id=entity_id,
                create=create,
                update=element.get("update", "") in TRUE,
                label=(_find(element, "label").text or "").strip() if _find(element, "label") is not None else "",
                properties=properties,
                base_version=element.get("baseVersion", ""),
                trunk_version=element.get("trunkVersion", ""),
                branch_id=element.get("branchId", ""),
                row=len(blocks) + 1,
            )
        )
    return blocks


def _find(element, relative: str):
    node = element
    for step in relative.split("/"):
        node = next((c for c in node if _local(c.tag) == step), None)
        if node is None:
            return None
    return node


def _container_of(root, entity):
    """The element holding ``meta/entity`` (ElementTree keeps no parent links: look it up)."""
    for candidate in root.iter():
        for meta in candidate:
            if _local(meta.tag) == "meta" and any(child is entity for child in meta):
                return candidate
    return root
