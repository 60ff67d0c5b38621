"""Every text answer checked against the length of the column it is stored in, before anything is stored.

The mappers name each text value's column ("Model.field", mappers.column); the limit is that model
field's own max_length, read here, so a migration that widens a column widens what is accepted with
nothing else to keep in step. Too long an answer fails the submission (a MappingError: the permanent
failure path, the stored payload untouched) with a message naming the field and the two lengths,
never the answer itself: it may be an informant's name or phone.
"""

from __future__ import annotations

import dataclasses

from bma.assessments import models as m
from bma.assessments.mappers import MappingError


def column_field(target: str):
    model_name, field_name = target.split(".")
    return getattr(m, model_name)._meta.get_field(field_name)


def _check(value, target: str, where: str) -> None:
    if not isinstance(value, str):
        return
    column = column_field(target)
    if column.max_length is not None and len(value) > column.max_length:
        raise MappingError(
            f"{where}: the answer is {len(value)} characters long; the {column.model._meta.verbose_name}'s "
            f"{column.verbose_name} holds at most {column.max_length} ({target}). The submission is kept as "
            "received: correct the answer with an edit, then reprocess."
        )


def text_bounds_check(values, where: str = "") -> None:
    """Raise a MappingError for the first text value longer than its column; walk nested values."""
    for f in dataclasses.fields(values):
        value = getattr(values, f.name)
        here = f"{where}{f.name}"
        target = f.metadata.get("column")
        if target is not None:
            item = f.metadata.get("item")
            if isinstance(value, list):
                for position, entry in enumerate(value, start=1):
                    _check(entry[item] if item is not None else entry, target, f"{here} {position}")
            else:
                _check(value, target, here)
        elif dataclasses.is_dataclass(value):
            text_bounds_check(value, f"{here}.")
        elif isinstance(value, list):
            for position, entry in enumerate(value, start=1):
                if dataclasses.is_dataclass(entry):
                    text_bounds_check(entry, f"{here} {position}, ")
