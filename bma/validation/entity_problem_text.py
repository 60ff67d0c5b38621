"""What went wrong with a refused entity, in the reader's language (kept apart from the model, which
imports it, so the words live beside the codes they are chosen by)."""

from __future__ import annotations

from django.utils.translation import gettext

from bma.entities.services import EMPTY_LABEL, EXISTING_ID, INVALID_ID, REPEAT_REFUSED

# Central's codes for refused updates (recorded in 07_entity_errors.json and 05b); 400.2 is also a
# creation's empty label, so updates are worded by their own table.
UNKNOWN_ENTITY = "404.8"
UNKNOWN_BASE_VERSION = "404.9"
DELETED_ENTITY = "404.11"
MISSING_BASE_VERSION = "400.2"


def _update_text(problem) -> str | None:
    texts = {
        UNKNOWN_ENTITY: gettext(
            "The update of village %(row)d was refused: its entity ID %(id)s is not on the server."
        ),
        DELETED_ENTITY: gettext(
            "The update of village %(row)d was refused: the village (entity ID %(id)s) was deleted on the "
            "server (merged into another or retired)."
        ),
        UNKNOWN_BASE_VERSION: gettext(
            "The update of village %(row)d was refused: the tablet's version of it is one the server never had."
        ),
        MISSING_BASE_VERSION: gettext("The update of village %(row)d was refused: the form sent no base version."),
    }
    return texts.get(problem.code)


def entity_problem_text(problem) -> str:
    values = {"row": problem.row, "id": problem.entity_id, "label": problem.label}
    if getattr(problem, "action", "create") == "update":
        text = _update_text(problem)
        return f"{problem.code}: {problem.message}" if text is None else text % values
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
