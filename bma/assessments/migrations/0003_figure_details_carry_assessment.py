"""Yearly figures, countries and reasons carry their figure's assessment and population (see FigureDetail).

Added nullable, filled from the figure, then made required, so a database with rounds in it migrates.
"""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery

DETAIL_MODELS = ("yearlyfigure", "countryfigure", "populationreason")


def fill_from_figures(apps, schema_editor):
    figures = apps.get_model("assessments", "PopulationFigure").objects.filter(pk=OuterRef("figure_id"))
    for name in DETAIL_MODELS:
        apps.get_model("assessments", name).objects.update(
            assessment_id=Subquery(figures.values("assessment_id")[:1]),
            population=Subquery(figures.values("population")[:1]),
        )


POPULATION_CHOICES = [
    ("imw", "International migrant workers"),
    ("ret", "Return migrants"),
    ("emi", "Emigrants"),
    ("imi", "Internal migrants (arrived)"),
    ("ioi", "Internal out-migrants (left)"),
]


def _population_field(**extra):
    return models.CharField(max_length=3, choices=POPULATION_CHOICES, **extra)


class Migration(migrations.Migration):
    dependencies = [("assessments", "0002_review_events")]

    operations = (
        [
            migrations.AddField(
                model_name=name,
                name="assessment",
                field=models.ForeignKey(
                    null=True,
                    on_delete=django.db.models.deletion.CASCADE,
                    related_name="+",
                    to="assessments.villageassessment",
                ),
            )
            for name in DETAIL_MODELS
        ]
        + [
            migrations.AddField(model_name=name, name="population", field=_population_field(default=""))
            for name in DETAIL_MODELS
        ]
        + [migrations.RunPython(fill_from_figures, migrations.RunPython.noop)]
        + [
            migrations.AlterField(
                model_name=name,
                name="assessment",
                field=models.ForeignKey(
                    on_delete=django.db.models.deletion.CASCADE,
                    related_name="+",
                    to="assessments.villageassessment",
                ),
            )
            for name in DETAIL_MODELS
        ]
        + [
            migrations.AlterField(model_name=name, name="population", field=_population_field())
            for name in DETAIL_MODELS
        ]
    )
