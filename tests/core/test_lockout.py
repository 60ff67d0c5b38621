"""The brake on guessing (OpenRosa's side is in tests/submissions/test_auth.py): after BMA_LOCKOUT_FAILURES wrong passwords for one account from one address,
the right password is refused too (admin login, /api/token/, OpenRosa Digest and Basic) until the
cool-off passes or an administrator unlocks it."""

import pytest
from axes.models import AccessAttempt

pytestmark = pytest.mark.django_db
PASSWORD = "pass-for-tests-1"
LIMIT = 10


@pytest.fixture(autouse=True)
def _limit(settings):
    settings.AXES_FAILURE_LIMIT = LIMIT


def admin_login(client, username, password, **extra):
    return client.post("/admin/login/?next=/admin/", {"username": username, "password": password}, **extra)


def test_the_admin_login_refuses_the_right_password_after_too_many_wrong_ones(client, personas):
    for _ in range(LIMIT):
        admin_login(client, "coordinator", "wrong")
    response = admin_login(client, "coordinator", PASSWORD)
    assert response.status_code == 429
    assert b"Too many failed logins" in response.content and b"administrator to unlock" in response.content
    assert client.get("/admin/").status_code == 302  # not logged in


def test_the_lock_is_for_that_account_from_that_address_only(client, personas):
    for _ in range(LIMIT):
        admin_login(client, "coordinator", "wrong", REMOTE_ADDR="203.0.113.7")
    assert admin_login(client, "coordinator", PASSWORD, REMOTE_ADDR="203.0.113.7").status_code == 429
    assert admin_login(client, "supervisor", PASSWORD, REMOTE_ADDR="203.0.113.7").status_code == 302
    assert admin_login(client, "coordinator", PASSWORD, REMOTE_ADDR="198.51.100.2").status_code == 302


def test_forwarded_for_is_believed_only_behind_the_configured_proxy(client, personas, settings):
    for n in range(LIMIT):  # a guesser changing X-Forwarded-For at will
        admin_login(client, "coordinator", "wrong", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    assert admin_login(client, "coordinator", PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.99").status_code == 429

    settings.BMA_BEHIND_TLS_PROXY = True  # now the proxy's entry (the last one) is the client's address
    for _ in range(LIMIT):
        admin_login(client, "supervisor", "wrong", HTTP_X_FORWARDED_FOR="6.6.6.6, 192.0.2.10")
    assert AccessAttempt.objects.filter(username="supervisor", ip_address="192.0.2.10").exists()
    assert admin_login(client, "supervisor", PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.10").status_code == 429
    assert admin_login(client, "supervisor", PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.11").status_code == 302


def test_a_right_password_before_the_limit_forgets_the_failures(client, personas):
    for _ in range(LIMIT - 1):
        admin_login(client, "coordinator", "wrong")
    assert admin_login(client, "coordinator", PASSWORD).status_code == 302
    client.logout()
    for _ in range(LIMIT - 1):
        admin_login(client, "coordinator", "wrong")
    assert admin_login(client, "coordinator", PASSWORD).status_code == 302


def test_the_api_token_endpoint_answers_429_json_when_locked(client, personas):
    for _ in range(LIMIT - 1):
        assert client.post("/api/token/", {"username": "coordinator", "password": "wrong"}).status_code == 400
    assert client.post("/api/token/", {"username": "coordinator", "password": "wrong"}).status_code == 429
    response = client.post("/api/token/", {"username": "coordinator", "password": PASSWORD})
    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "auth.locked_out" and "Too many failed logins" in body["message"]
    assert "token" not in body


def test_an_administrator_unlocks_in_the_axes_admin_and_a_coordinator_cannot(client, personas):
    for _ in range(LIMIT):
        admin_login(client, "supervisor", "wrong")
    attempt = AccessAttempt.objects.get(username="supervisor")

    client.force_login(personas.coordinator)
    assert client.get("/admin/axes/accessattempt/").status_code == 403
    client.force_login(personas.administrator)
    assert client.get("/admin/axes/accessattempt/").status_code == 200
    response = client.post(
        "/admin/axes/accessattempt/", {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"}
    )
    assert response.status_code == 302 and not AccessAttempt.objects.exists()
    client.logout()
    assert admin_login(client, "supervisor", PASSWORD).status_code == 302


def test_the_web_forms_login_page_is_braked_too(client, personas):
    for _ in range(LIMIT):
        client.post("/accounts/login/", {"username": "enumerator", "password": "wrong"})
    response = client.post("/accounts/login/", {"username": "enumerator", "password": PASSWORD})
    assert response.status_code == 429 and b"Too many failed logins" in response.content
    assert b'href="/accounts/login/"' in response.content
