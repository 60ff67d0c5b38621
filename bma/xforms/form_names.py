"""A form's name as a reader of the desk says it ("B2 village form"), in the reader's language, instead
of its stored title in English and its code (``bma_b2``). Forms uploaded by hand keep their own title."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

FORM_NAMES = {
    "bma_b1": _("B1 district form"),
    "bma_b2": _("B2 village form"),
    "bma_spot_check": _("Spot-check form"),
}


def form_name(form) -> str:
    if form is None:
        return ""
    name = FORM_NAMES.get(form.xml_form_id)
    return str(name) if name is not None else form.title
