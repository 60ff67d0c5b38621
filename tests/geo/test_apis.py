import pytest

pytestmark = pytest.mark.django_db


def codes(client, url):
    r = client.get(url)
    assert r.status_code == 200, r.content
    return {row["code"] for row in r.json()["results"]}


def test_coordinator_sees_every_area_and_village(client, personas):
    client.force_login(personas.coordinator)
    assert "TJ-KT-PAN" in codes(client, "/api/areas/")
    assert codes(client, "/api/villages/") == {"V-ASH-0001", "V-ASH-0002", "V-ASH-0003", "V-PAN-0001"}


def test_supervisor_sees_only_their_province(client, personas):
    client.force_login(personas.supervisor)
    assert "TJ-KT-PAN" not in codes(client, "/api/areas/")
    assert codes(client, "/api/villages/") == {"V-ASH-0001", "V-ASH-0002", "V-ASH-0003"}


@pytest.mark.parametrize("persona", ["enumerator", "outsider"])
def test_enumerators_and_outsiders_are_refused(client, personas, persona):
    client.force_login(getattr(personas, persona))
    for url in ("/api/areas/", "/api/villages/", "/api/rounds/"):
        assert client.get(url).status_code == 403


def test_villages_are_found_by_a_name_in_any_script(client, personas):
    client.force_login(personas.coordinator)
    assert codes(client, "/api/villages/?q=Шайдан") == {"V-ASH-0002"}
    assert codes(client, "/api/villages/?q=Бӯстон") == {"V-ASH-0003"}
    assert codes(client, "/api/villages/?district=TJ-KT-PAN") == {"V-PAN-0001"}


def test_areas_filter_by_level_and_parent(client, personas):
    client.force_login(personas.coordinator)
    assert codes(client, "/api/areas/?level=1") == {"TJ-SU", "TJ-KT"}
    assert codes(client, "/api/areas/?parent=TJ-SU") == {"TJ-SU-ASH", "TJ-SU-KHU"}


def test_an_area_level_out_of_range_is_a_clear_400(client, personas):
    client.force_login(personas.coordinator)
    response = client.get("/api/areas/?level=4294967297")
    assert response.status_code == 400
    assert response.json()["message"] == "?level= must be a whole number from 0 to 3, not '4294967297'."
