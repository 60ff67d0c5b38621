"""Which answers of a form are personal data (informants' names and phones), read from the form itself.

A form marks a question as personal with a bind attribute, written in the XLSForm as the column
``bind::bma:personal`` = ``true`` (with ``bma`` declared in the settings sheet's ``namespaces``).
Collect and Web Forms ignore the attribute; this server reads it from the published XForm. Versions of
our own forms built before the marker existed take the marks from the workbook tables they came from.
"""

from __future__ import annotations

from functools import lru_cache

from defusedxml.ElementTree import fromstring

from bma.xforms.workbooks import PERSONAL_NAMESPACE, personal_fields_of

PERSONAL_ATTRIBUTE = f"{{{PERSONAL_NAMESPACE}}}personal"
XFORMS_NS = "{http://www.w3.org/2002/xforms}"


@lru_cache(maxsize=64)
def marked_personal_fields(xform_xml: str) -> frozenset[str]:
    """Names of the questions whose bind carries bma:personal="true" (last step of the nodeset)."""
    try:
        root = fromstring(xform_xml.encode("utf-8"))
    except Exception:  # an unreadable form marks nothing; the caller falls back to what it knows
        return frozenset()
    names = set()
    for bind in root.iter(f"{XFORMS_NS}bind"):
        if bind.get(PERSONAL_ATTRIBUTE, "").strip().lower() in ("true", "true()", "yes"):
            names.add(bind.get("nodeset", "").rstrip("/").rsplit("/", 1)[-1])
    names.discard("")
    return frozenset(names)


def personal_fields(form_id: str, xform_xml: str) -> frozenset[str]:
    """The personal questions of a form version: its own marks, or for a version of one of our forms
    published before the marks, the marks of the workbook tables it was built from."""
    marked = marked_personal_fields(xform_xml or "")
    if marked:
        return marked
    return personal_fields_of(form_id)
