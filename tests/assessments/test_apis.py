import pytest

from tests import factories

pytestmark = pytest.mark.django_db


def test_assessments_api_is_scoped_and_filtered(client, receive, personas):
    receive("b2_2026112202.xml")
    client.force_login(personas.supervisor)
    body = client.get(
        "/api/assessments/", {"round": personas.round.number, "area": "TJ-SU", "state": "received"}
    ).json()
    (item,) = body["results"]
    assert (item["village_code"], item["district"], item["populations"]["imw"]) == (
        "V-ASH-0001",
        "TJ-SU-ASH",
        {"present": True, "total": 12},
    )
    assert client.get("/api/assessments/", {"area": "TJ-KT"}).json()["results"] == []
    other = factories.make_user("khatlon-sup", "supervisor")
    factories.assign(other, personas.geo.khatlon, personas.round, "supervisor")
    client.force_login(other)
    assert client.get("/api/assessments/").json()["results"] == []
    client.force_login(personas.enumerator)
    assert client.get("/api/assessments/").status_code == 403


@pytest.mark.parametrize("value", ["4294967298", "-1", "0", "2.5", "two"])
def test_a_round_filter_out_of_range_is_a_clear_400_not_a_lookup_on_another_round(client, receive, personas, value):
    receive("b2_2026112202.xml")
    client.force_login(personas.supervisor)
    response = client.get("/api/assessments/", {"round": value})
    assert response.status_code == 400
    assert response.json()["message"] == f"?round= must be a whole number from 1 to 2147483647, not '{value}'."
