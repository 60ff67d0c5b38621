"""Data migrations run on databases that already hold rounds."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("assessments", "0002_review_events")]
AFTER = [("assessments", "0003_figure_details_carry_assessment")]


@pytest.mark.django_db(transaction=True)
def test_figure_details_get_their_figures_assessment_and_population(two_villages):
    from bma.assessments.models import CountryFigure, PopulationReason, YearlyFigure

    expected = {
        model: sorted(model.objects.values_list("pk", "figure__assessment_id", "figure__population"))
        for model in (YearlyFigure, CountryFigure, PopulationReason)
    }
    assert all(expected.values())
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)  # the columns go; the rows stay
    executor.loader.build_graph()
    executor.migrate(AFTER)
    try:
        for model, rows in expected.items():
            assert sorted(model.objects.values_list("pk", "assessment_id", "population")) == rows
    finally:
        # Back to the latest schema: later migrations must not stay unapplied for the tests after this one.
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
