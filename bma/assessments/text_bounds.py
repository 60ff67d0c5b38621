"""Every text answer checked against the length of the column it is stored in, before anything is stored.

The mappers name each text value's column ("Model.field", mappers.column); the limit is that model
field's own max_length, read here, so a migration that widens a column widens what is accepted with
nothing else to keep in step. Too long an answer fails the submission (a MappingError: the permanent
failure path, the stored payload untouched) with a message naming the field and the two lengths,
never the answer itself: it may be an informant's name or phone.
"""

from __future__ import annotations

import dataclasses
import functools

from bma.assessments import models as m
from bma.assessments.mappers import MappingError


@functools.cache
def column_field(target: str):
    model_name, field_name = target.split(".")
    return getattr(m, model_name)._meta.get_field(field_name)


def _check(value, target: str, where: str, position: int | None = None) -> None:
    if not isinstance(value, str) or not value:
        return
    column = column_field(target)
    if column.max_length is not None and len(value) > column.max_length:
        where = where if position is None else f"{where} {position}"  # worded only for the message
        raise MappingError(
            f"{where}: the answer is {len(value)} characters long; the {column.model._meta.verbose_name}'s "
            f"{column.verbose_name} holds at most {column.max_length} ({target}). The submission is kept as "
            "received: correct the answer with an edit, then reprocess."
        )


@functools.cache
def _plan(cls) -> tuple[tuple[str, str | None, int | None], ...]:
    """(field name, column target or None, item) of a values class: read once per class, not per value."""
    return tuple((f.name, f.metadata.get("column"), f.metadata.get("item")) for f in dataclasses.fields(cls))


def text_bounds_check(values, where: str = "") -> None:
    """Raise a MappingError for the first text value longer than its column; walk nested values."""
    for name, target, item in _plan(type(values)):
        value = getattr(values, name)
        if target is not None:
            if isinstance(value, list):
                for position, entry in enumerate(value, start=1):
                    _check(entry[item] if item is not None else entry, target, where + name, position)
            elif value:
                _check(value, target, where + name)
        elif dataclasses.is_dataclass(value):
            text_bounds_check(value, f"{where}{name}.")
        elif isinstance(value, list):
            for position, entry in enumerate(value, start=1):
                if dataclasses.is_dataclass(entry):
                    text_bounds_check(entry, f"{where}{name} {position}, ")
