"""What went wrong with a refused entity, in the reader's language (kept apart from the model, which
imports it, so the words live beside the codes they are chosen by)."""

from __future__ import annotations

from django.utils.translation import gettext

from bma.entities.services import EMPTY_LABEL, EXISTING_ID, INVALID_ID, REPEAT_REFUSED


def entity_problem_text(problem) -> str:
    values = {"row": problem.row, "id": problem.entity_id, "label": problem.label}
    texts = {
        EMPTY_LABEL: gettext("Village %(row)d was not added to the tablets' list: it has no name."),
        EXISTING_ID: gettext(
            "Village %(row)d (“%(label)s”) was not added: its entity ID %(id)s is already used by another village."
        ),
        INVALID_ID: gettext("Village %(row)d (“%(label)s”) was not added: its entity ID “%(id)s” is not valid."),
        REPEAT_REFUSED: gettext(
            "Village %(row)d (“%(label)s”) was not added either: another village of this submission was "
            "refused, and the form's villages are added all together or not at all."
        ),
    }
    text = texts.get(problem.code)
    if text is None:  # a code this server does not word (yet): the record as kept
        return f"{problem.code}: {problem.message}"
    return text % values
