"""Round numbers in the export and report API: out of range is refused, never the wrapped round."""

import pytest

from bma.exports.models import ExportJob

pytestmark = pytest.mark.django_db


def test_export_of_an_out_of_range_round_is_a_clear_400_and_starts_nothing(client, personas):
    client.force_login(personas.coordinator)
    wrapped = personas.round.number + 2**32  # what server-side binding used to turn into this round
    response = client.post("/api/exports/", {"round": wrapped, "format": "csv"}, content_type="application/json")
    assert response.status_code == 400
    assert "less than or equal to 2147483647" in str(response.json())
    assert not ExportJob.objects.exists()


def test_report_of_an_out_of_range_round_is_not_found_rather_than_another_round(client, personas):
    client.force_login(personas.coordinator)
    assert client.get(f"/api/rounds/{personas.round.number}/report/").status_code == 200
    assert client.get(f"/api/rounds/{personas.round.number + 2**32}/report/").status_code == 404
