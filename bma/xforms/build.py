"""Turning an XLSForm into the XForm devices download: pyxform with ODK Validate on.

Any pyxform error, ODK Validate error or warning refuses the form, and the reason is passed on in
plain words. Validate runs on Java and ships inside pyxform, so this works offline.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from defusedxml.ElementTree import fromstring
from django.utils.translation import gettext_lazy as _
from pyxform.errors import PyXFormError
from pyxform.validators.odk_validate import ODKValidateError
from pyxform.xls2xform import convert

from bma.core.errors import BmaError, codes, message_lazy

XFORMS_NS = "{http://www.w3.org/2002/xforms}"
XHTML_NS = "{http://www.w3.org/1999/xhtml}"
MEDIA_SRC = re.compile(r"^jr://file(?:-csv)?/(.+)$")


@dataclass(frozen=True)
class BuiltForm:
    form_id: str
    version: str
    title: str
    xml: str
    xml_md5: str
    media_filenames: list[str] = field(default_factory=list)


YEARLY_FIELD = re.compile(r"<(?:[a-z]+)_y(\d{4})\b")


def form_years(xml: str) -> tuple[int, ...]:
    """The reference years a built form asks, read from its yearly fields (``<pop>_y<year>``).

    Read from the XForm itself, so every published version says its own years and the mapper of an
    old version keeps reading exactly the years that version asked.
    """
    return tuple(sorted({int(y) for y in YEARLY_FIELD.findall(xml)}))


def _plain(text: str) -> str:
    """pyxform and Validate messages carry Java stack noise; keep the lines a person can act on."""
    lines = [line.strip() for line in str(text).splitlines() if line.strip()]
    kept = [line for line in lines if not line.startswith(("at ", "org.", "java.", "Caused by"))]
    return " ".join(kept)[:3000] or "unknown problem"


def xlsform_build(data: bytes, filename: str = "form.xlsx") -> BuiltForm:
    file_type = ".xls" if filename.lower().endswith(".xls") else ".xlsx"
    warnings: list[str] = []
    try:
        result = convert(xlsform=data, validate=True, warnings=warnings, pretty_print=True, file_type=file_type)
    except ODKValidateError as exc:
        raise BmaError(
            codes.FORM_INVALID,
            message_lazy(_("%(file)s: ODK Validate refused the form: %(reason)s"), file=filename, reason=_plain(exc)),
        ) from exc
    except (PyXFormError, ValueError, KeyError) as exc:
        # pyxform's own words (English) follow the file's name.
        raise BmaError(
            codes.FORM_INVALID, message_lazy(_("%(file)s: %(reason)s"), file=filename, reason=_plain(exc))
        ) from exc
    except Exception as exc:  # a file that is not a workbook at all
        raise BmaError(
            codes.FORM_INVALID,
            message_lazy(
                _("%(file)s could not be read as an XLSForm (%(reason)s)."),
                file=filename,
                reason=f"{exc.__class__.__name__}: {_plain(exc)}",
            ),
        ) from exc
    warnings = [*warnings, *(result.warnings or [])]
    if warnings:
        listed = "; ".join(_plain(w) for w in dict.fromkeys(warnings))
        raise BmaError(
            codes.FORM_INVALID,
            message_lazy(
                _("%(file)s: fix these warnings before publishing: %(warnings)s"), file=filename, warnings=listed
            ),
        )
    xml = result.xform
    root = fromstring(xml.encode("utf-8"))
    model = root.find(f"{XHTML_NS}head/{XFORMS_NS}model")
    primary = model.find(f"{XFORMS_NS}instance")[0]
    media = []
    for instance in model.findall(f"{XFORMS_NS}instance"):
        match = MEDIA_SRC.match(instance.get("src", ""))
        if match:
            media.append(match.group(1))
    return BuiltForm(
        form_id=primary.get("id", ""),
        version=primary.get("version", ""),
        title=root.findtext(f"{XHTML_NS}head/{XHTML_NS}title", default=""),
        xml=xml,
        xml_md5=hashlib.md5(xml.encode("utf-8")).hexdigest(),  # noqa: S324 - the form list hash
        media_filenames=media,
    )
