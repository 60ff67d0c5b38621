"""Hostile filter values on every API endpoint that reads query parameters: a 400 with a message.

PostgreSQL refuses NUL characters in text (SQLite takes them), so before these checks a NUL in a
text filter was a 500 in production; a wrong choice or a non-number silently matched nothing.
"""

import pytest

pytestmark = pytest.mark.django_db

NUL = "a\x00b"
HOSTILE = [
    ("/api/areas/", "level", "zz"),
    ("/api/areas/", "kind", "zz"),
    ("/api/areas/", "parent", NUL),
    ("/api/villages/", "q", NUL),
    ("/api/villages/", "q", "x" * 201),
    ("/api/villages/", "district", NUL),
    ("/api/villages/", "status", "zz"),
    ("/api/assessments/", "round", "abc"),
    ("/api/assessments/", "area", NUL),
    ("/api/assessments/", "state", NUL),
    ("/api/assessments/", "current", "maybe"),
    ("/api/rounds/2/report/", "include", "zz"),
    ("/api/rounds/2/districts/TJ-SU-ASH/profile/", "include", NUL),
]


@pytest.mark.parametrize(("url", "name", "value"), HOSTILE)
def test_a_hostile_filter_value_is_a_400_with_a_message(client, personas, url, name, value):
    client.force_login(personas.coordinator)
    response = client.get(url, {name: value})
    assert response.status_code == 400, response.content[:300]
    body = response.json()
    assert body["code"] == "input.invalid" and f"?{name}=" in body["message"]


def test_good_filter_values_still_filter(client, personas):
    client.force_login(personas.coordinator)
    found = client.get("/api/villages/", {"q": "Osh", "district": "TJ-SU-ASH", "status": "official"})
    assert found.status_code == 200 and [v["code"] for v in found.json()["results"]] == ["V-ASH-0001"]
    assert client.get("/api/assessments/", {"state": "approved", "current": "true"}).status_code == 200
    assert client.get("/api/areas/", {"kind": "district"}).status_code == 200
