"""A stored submission as a reviewer may read it: the payload as received, with the answers the form
marks as personal replaced, unless the reader holds the personal-data permission.

What is stored never changes; only what is shown does. A payload that cannot be read (it failed
processing, say) is not shown at all to a reader without the permission: it might hold personal data.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from defusedxml.ElementTree import fromstring, tostring
from django.utils.translation import gettext, gettext_noop, ngettext

from bma.core.roles import PERSONAL_DATA_PERMISSION
from bma.submissions.models import PayloadFormat, Submission
from bma.submissions.payload_blanking import holds_personal_answer, replace_personal_answers
from bma.xforms.personal import personal_fields

# Put where a personal answer was, in the reader's language (this English text is its msgid).
HIDDEN = gettext_noop("[hidden: personal data]")


@dataclass(frozen=True)
class ShownPayload:
    text: str
    hidden: int  # answers replaced
    note: str  # what the reader is told about what was hidden ("" when nothing was)


def redact_xml(payload: bytes, names: frozenset[str]) -> tuple[str, int]:
    root = fromstring(payload)
    hidden = 0
    for element in root.iter():
        if holds_personal_answer(element, names):
            element.text, hidden = gettext(HIDDEN), hidden + 1
    return tostring(root, encoding="unicode"), hidden


def redact_json(payload: bytes, names: frozenset[str]) -> tuple[str, int]:
    redacted, hidden = replace_personal_answers(json.loads(payload.decode("utf-8")), names, gettext(HIDDEN))
    return json.dumps(redacted, ensure_ascii=False, indent=1), hidden


def payload_for_reader(submission: Submission, user) -> ShownPayload:
    payload = submission.payload_bytes
    if user.has_perm(PERSONAL_DATA_PERMISSION):
        return ShownPayload(payload.decode("utf-8", errors="replace"), 0, "")
    xml = submission.form_version.xml if submission.form_version_id else ""
    names = personal_fields(submission.form.xml_form_id, xml)
    try:
        redact = redact_json if submission.payload_format == PayloadFormat.KOBO_JSON else redact_xml
        text, hidden = redact(payload, names)
    except Exception:  # unreadable: it cannot be redacted, so it is not shown
        return ShownPayload(
            "", 0, gettext("This payload could not be read, so it is not shown: it may hold personal data.")
        )
    note = (
        ngettext(
            "%(count)d personal answer (informants' names and phones) hidden: "
            "seeing them needs the personal-data permission.",
            "%(count)d personal answers (informants' names and phones) hidden: "
            "seeing them needs the personal-data permission.",
            hidden,
        )
        % {"count": hidden}
        if hidden
        else ""
    )
    return ShownPayload(text, hidden, note)
