"""A NUL in an admin search or filter, or a bad value on a report page: a 400 page with the message.

PostgreSQL refuses NUL characters in text, so on the review desk's database such a search was a 500;
SQLite takes them, which is why this suite also runs on PostgreSQL.
"""

import psycopg
import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.sites import AdminSite
from django.db import OperationalError
from django.test import Client
from django.urls import reverse
from rest_framework.views import APIView

pytestmark = pytest.mark.django_db

SEARCHABLE = sorted(
    (model._meta.app_label, model._meta.model_name) for model, ma in admin.site._registry.items() if ma.search_fields
)


@pytest.mark.parametrize(("app", "model"), SEARCHABLE)
def test_a_nul_in_any_changelist_search_is_a_400_page_not_a_500(client, personas, app, model):
    client.force_login(personas.administrator)
    url = reverse(f"admin:{app}_{model}_changelist")
    response = client.get(url, {"q": "Osh\x00oba"})
    assert response.status_code == 400
    assert b"NUL character" in response.content and url.encode() in response.content


def test_a_nul_in_a_changelist_filter_is_a_400_page(client, personas):
    client.force_login(personas.coordinator)
    response = client.get(reverse("admin:assessments_villageassessment_changelist"), {"review_state__exact": "\x00"})
    assert response.status_code == 400 and b"NUL character" in response.content


@pytest.mark.parametrize(
    "name", ["admin:referrals_visitplanentry_changelist", "admin:validation_spotchecksample_changelist"]
)
def test_a_hand_edited_round_filter_is_not_a_500(client, personas, name):
    client.force_login(personas.coordinator)
    response = client.get(reverse(name), {"round__id__exact": "abc"})
    assert response.status_code in (200, 302)  # the changelist's own "invalid filter" (?e=1), not a crash


def test_a_bad_include_on_the_report_page_is_a_400_page(client, personas):
    client.force_login(personas.coordinator)
    response = client.get("/reports/rounds/2/", {"include": "everything"})
    assert response.status_code == 400 and b"?include= must be one of unapproved" in response.content
    assert client.get("/reports/rounds/2/districts/TJ-SU-ASH/", {"include": "a\x00"}).status_code == 400
    assert client.get("/reports/rounds/2/", {"include": "unapproved"}).status_code == 200


# --- A NUL in a URL path segment, in any query parameter or form field: a 400 in the endpoint's format


def test_a_nul_in_a_collect_path_is_an_openrosa_400(client, personas):
    client.force_login(personas.enumerator)
    for url in ("/collect/forms/a%00b/manifest", "/collect/forms/a%00b/form.xml", "/collect/t/a%00b/formList"):
        response = client.get(url)
        assert response.status_code == 400, url
        assert response["Content-Type"].startswith("text/xml") and response["X-OpenRosa-Version"] == "1.0"
        assert b"<OpenRosaResponse" in response.content and b"NUL character" in response.content


def test_a_nul_in_an_api_or_kobo_path_is_a_json_400(client, personas):
    client.force_login(personas.coordinator)
    response = client.get("/api/rounds/1/districts/a%00b/profile/")
    assert response.status_code == 400
    assert response.json()["code"] == "input.invalid" and "NUL character" in response.json()["message"]
    response = client.post("/kobo/a%00b/", b"{}", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"] == "input.invalid" and "NUL character" in response.json()["message"]


@pytest.mark.parametrize("url", ["/reports/rounds/1/districts/a%00b/", "/collect/webforms/a%00b/"])
def test_a_nul_in_a_page_path_is_a_400_page(client, personas, url):
    client.force_login(personas.coordinator)
    response = client.get(url)
    assert response.status_code == 400 and response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "NUL character" in page and "a\\x00b" in page and "\x00" not in page
    assert 'href="/"' in page  # the page's own address is no way back


def test_a_nul_in_a_query_parameter_of_any_endpoint_is_a_400_naming_it(client, personas):
    client.force_login(personas.coordinator)
    response = client.get("/api/rounds/", {"anything": "a\x00"})
    assert response.status_code == 400 and "?anything=" in response.json()["message"]


def test_a_nul_in_an_admin_form_field_is_a_400_page_and_nothing_is_saved(client, personas):
    from bma.geo.models import AdminArea

    client.force_login(personas.administrator)
    area = AdminArea.objects.get(code="TJ-SU-ASH")
    response = client.post(f"/admin/geo/adminarea/{area.pk}/change/", {"name_en": "Asht\x00"})
    assert response.status_code == 400 and b"The form field &#x27;name_en&#x27;" in response.content
    area.refresh_from_db()
    assert "\x00" not in area.name_en


# --- The database down or restarting: 503 + Retry-After in the endpoint's format --------------------------


def _database_gone(*args, **kwargs):
    """What Django raises when PostgreSQL is restarted under a request: 57P01, wrapped."""
    try:
        raise psycopg.errors.AdminShutdown("terminating connection due to administrator command")
    except psycopg.Error as exc:
        raise OperationalError(str(exc)) from exc


def _assert_503(response):
    assert response.status_code == 503
    assert int(response["Retry-After"]) == settings.BMA_RETRY_AFTER_SECONDS > 0


def test_the_admin_with_the_database_down_answers_a_503_page(client, personas, monkeypatch):
    client.force_login(personas.administrator)
    monkeypatch.setattr(AdminSite, "each_context", _database_gone)
    response = client.get(reverse("admin:index"))
    _assert_503(response)
    assert response["Content-Type"].startswith("text/html")
    assert b"database is not answering" in response.content


def test_the_api_with_the_database_down_answers_a_503_json(client, personas, monkeypatch):
    client.force_login(personas.administrator)
    monkeypatch.setattr(APIView, "initial", _database_gone)
    response = client.get("/api/rounds/")
    _assert_503(response)
    assert response.json()["code"] == "service.unavailable"
    assert "database is not answering" in response.json()["message"]


def test_the_database_down_under_a_middleware_answers_503_too(personas, monkeypatch):
    """The signed-in user's language is read before any view: Django's 500 handler answers instead."""
    client = Client(raise_request_exception=False)
    client.force_login(personas.administrator)
    monkeypatch.setattr("bma.core.languages.activate_for", _database_gone)
    _assert_503(client.get(reverse("admin:index")))
    api = client.get("/api/rounds/")
    _assert_503(api)
    assert api.json()["code"] == "service.unavailable"


def test_any_other_error_is_still_a_500(personas, monkeypatch):
    client = Client(raise_request_exception=False)
    client.force_login(personas.administrator)
    monkeypatch.setattr(AdminSite, "each_context", lambda *a, **k: 1 / 0)
    assert client.get(reverse("admin:index")).status_code == 500


def test_a_stale_persistent_connection_is_checked_before_it_is_reused():
    """After a PostgreSQL restart the first request on each worker would fail on the dead connection."""
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True
