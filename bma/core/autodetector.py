"""Migrations that hold the schema, not the labels.

Every field and model carries a translatable label (``verbose_name``, ``help_text``, the labels of its
``choices``, a model's ``verbose_name``/``verbose_name_plural``). Django's autodetector writes them all into
migrations, so each wording change made another migration (about 2,000 lines of them before the squash),
although none of them touches the database. ``LabelFreeAutodetector`` compares and writes the states with
those attributes taken out: a label change makes no migration, and a new field's migration holds no label.
The models keep their labels and choices, so forms, the admin and ``full_clean()`` still check a value
against its choices; only the historical models of migrations (which validate nothing) go without.

``makemigrations`` and ``migrate`` use it (bma/core/management/commands), ``make lint`` runs
``makemigrations --check`` with it. Choice *values* go too: they are no database constraint either (an
invariant is a ``CheckConstraint`` in ``Meta.constraints``, and those stay in migrations).
"""

from __future__ import annotations

from django.db.migrations.autodetector import MigrationAutodetector
from django.db.migrations.state import ModelState, ProjectState

FIELD_LABELS = ("verbose_name", "help_text", "choices")
MODEL_LABELS = ("verbose_name", "verbose_name_plural")


def field_without_labels(field):
    """A copy of an unbound field with its labels and choices left out (the copy a field's ``clone()`` makes)."""
    _name, _path, args, kwargs = field.deconstruct()
    if not any(key in kwargs for key in FIELD_LABELS):
        return field
    for key in FIELD_LABELS:
        kwargs.pop(key, None)
    return field.__class__(*args, **kwargs)


def model_state_without_labels(state: ModelState) -> ModelState:
    return ModelState(
        app_label=state.app_label,
        name=state.name,
        fields={name: field_without_labels(field) for name, field in state.fields.items()},
        options={key: value for key, value in state.options.items() if key not in MODEL_LABELS},
        bases=state.bases,
        managers=list(state.managers),
    )


def project_state_without_labels(state: ProjectState) -> ProjectState:
    return ProjectState(
        models={key: model_state_without_labels(model) for key, model in state.models.items()},
        real_apps=state.real_apps,
    )


class LabelFreeAutodetector(MigrationAutodetector):
    def __init__(self, from_state, to_state, questioner=None):
        super().__init__(project_state_without_labels(from_state), project_state_without_labels(to_state), questioner)
