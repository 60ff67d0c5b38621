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


@pytest.mark.parametrize("how", ["chosen", "browser"])
def test_a_refused_export_says_why_in_the_russian_readers_language(client, personas, how):
    """The service's refusal reaches the API reader in Russian, whether they chose it or their browser asks."""
    from bma.core.languages import user_language_set

    headers = {}
    if how == "chosen":
        user_language_set(personas.coordinator, "ru")
    else:
        headers["HTTP_ACCEPT_LANGUAGE"] = "ru"
    client.force_login(personas.coordinator)
    asked = {"round": personas.round.number, "format": "csv", "include_personal": True}
    response = client.post("/api/exports/", asked, content_type="application/json", **headers)
    assert response.status_code == 403
    assert response.json() == {
        "code": "auth.permission_denied",
        "message": "Для экспорта персональных данных информаторов нужно разрешение на работу с персональными данными.",
        "extra": {},
    }
    assert not ExportJob.objects.exists()


def test_the_same_refusal_is_english_by_default(client, personas):
    client.force_login(personas.coordinator)
    asked = {"round": personas.round.number, "format": "csv", "include_personal": True}
    response = client.post("/api/exports/", asked, content_type="application/json")
    assert response.json()["message"] == "Exporting informants' personal data needs the personal-data permission."
