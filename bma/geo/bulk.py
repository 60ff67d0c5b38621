"""Bulk writes of the gazetteer: what follows each village saved (its ODK entity, bma/entities/signals.py)
waits until the whole import is written, then catches up once.

A village saved sends ``post_save``, and the entities app answers it with about three queries; an import
of ten thousand villages would pay that ten thousand times. Inside ``gazetteer_bulk_write()`` the
followers skip the per-village work, and ``gazetteer_bulk_changed`` is sent once when the block ends
without an error (inside the caller's transaction: an import refused as a whole leaves nothing behind).
"""

from __future__ import annotations

import contextvars
from contextlib import contextmanager

from django.dispatch import Signal

_bulk: contextvars.ContextVar[bool] = contextvars.ContextVar("bma_gazetteer_bulk_write", default=False)

# Sent once after a bulk write of villages; receivers bring whatever follows the gazetteer up to date.
gazetteer_bulk_changed = Signal()


def in_gazetteer_bulk_write() -> bool:
    return _bulk.get()


@contextmanager
def gazetteer_bulk_write():
    outermost = not _bulk.get()
    token = _bulk.set(True)
    try:
        yield
    finally:
        _bulk.reset(token)
    if outermost:
        gazetteer_bulk_changed.send(sender=gazetteer_bulk_write)
