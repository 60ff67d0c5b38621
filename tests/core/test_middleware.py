"""A NUL in an admin search or filter, or a bad value on a report page: a 400 page with the message.

PostgreSQL refuses NUL characters in text, so on the review desk's database such a search was a 500;
SQLite takes them, which is why this suite also runs on PostgreSQL.
"""

import pytest
from django.contrib import admin
from django.urls import reverse

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
