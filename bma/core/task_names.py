"""A task of a higher layer, looked up by its Celery name.

Intake must ask the pipeline to process, and opening a round must publish its form, but both live in
layers below the code that does the work, so they name the task instead of importing it
(ARCHITECTURE.md). ``send_task`` would do that but ignores ``task_always_eager``, and the embedded
default runs tasks in-process; so the registered task object is fetched from Celery's registry, once
every app's tasks module has been imported (a web process imports them only when asked).
"""

from __future__ import annotations

from celery import current_app


def task_named(name: str):
    """The registered task called ``name``; KeyError (a programming error) when no app defines it."""
    tasks = current_app.tasks
    if name not in tasks:
        current_app.loader.import_default_modules()
    return tasks[name]
