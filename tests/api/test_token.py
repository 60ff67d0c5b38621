import pytest

pytestmark = pytest.mark.django_db


def test_a_coordinator_gets_a_token_and_uses_it(client, personas):
    r = client.post("/api/token/", {"username": "coordinator", "password": "pass-for-tests-1"})
    assert r.status_code == 200
    token = r.json()["token"]
    r = client.get("/api/rounds/", HTTP_AUTHORIZATION=f"Token {token}")
    assert r.status_code == 200
    assert [row["number"] for row in r.json()["results"]] == [2]


def test_a_wrong_password_gets_no_token(client, personas):
    r = client.post("/api/token/", {"username": "coordinator", "password": "nope"})
    assert r.status_code == 400


def test_anonymous_requests_are_refused_with_401(client, personas):
    r = client.get("/api/areas/")
    assert r.status_code == 401
