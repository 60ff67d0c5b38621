"""The admin login tells a field account (ODK Collect only) so, and says nothing new to a wrong password."""

import pytest
from django.urls import reverse

from bma.core.admin_login import NOT_FOR_THE_DESK

pytestmark = pytest.mark.django_db


def login(client, username, password):
    return client.post(
        reverse("admin:login"), {"username": username, "password": password, "next": "/admin/"}
    ).content.decode()


def test_an_enumerator_with_the_right_password_is_told_the_account_is_for_collect(client, personas):
    page = login(client, "enumerator", "pass-for-tests-1")
    assert "ODK Collect only" in page and "ask your coordinator" in NOT_FOR_THE_DESK.lower()
    assert "_auth_user_id" not in client.session


def test_a_wrong_password_gets_the_usual_message_whoever_the_account_is(client, personas):
    for username in ("enumerator", "no-such-user"):
        page = login(client, username, "wrong-password-1")
        assert "ODK Collect only" not in page and "correct username and password" in page


def test_view_site_leads_to_a_real_page(client, personas):
    client.force_login(personas.supervisor)
    index = client.get(reverse("admin:index"))
    assert index.context["site_url"] == reverse("admin:index")
    assert client.get(index.context["site_url"]).status_code == 200
