"""One enumerator added by hand in the admin (Enumerators -> Add enumerator): the account in the
enumerator role with its assignment, then straight on to its ODK Collect set-up sheet. The checks are
the import's; someone who sees only their own areas cannot assign another's, and a username already
taken is refused with nothing stored."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.urls import reverse

from bma.core.languages import user_language
from bma.core.roles import Role, user_roles
from bma.rounds.models import Assignment
from bma.submissions.collect_setup import collect_settings_decode
from tests import factories

pytestmark = pytest.mark.django_db
User = get_user_model()
ADD_URL = "/admin/rounds/enumerator/add/"


def _form(personas, **changes):
    data = {
        "username": "nodira",
        "full_name": "Nodira  Saidova",
        "language": "tg",
        "login_password": "",
        "round": personas.round.pk,
        "areas": [personas.geo.asht.pk],
    }
    return {**data, **changes}


def test_a_coordinator_adds_an_enumerator_and_lands_on_the_set_up_sheet(client, personas):
    client.force_login(personas.coordinator)
    page = client.get(ADD_URL)
    assert page.status_code == 200
    assert 'name="areas"' in page.content.decode() and 'name="login_password"' in page.content.decode()
    # The areas are picked by typing (a gazetteer holds thousands of jamoats), as on the assignments.
    assert 'data-model-name="assignment" data-field-name="area"' in page.content.decode()
    found = client.get(
        "/admin/autocomplete/",
        {"app_label": "rounds", "model_name": "assignment", "field_name": "area", "term": "Asht"},
    )
    assert [r["id"] for r in found.json()["results"]] == [str(personas.geo.asht.pk)]

    response = client.post(ADD_URL, _form(personas), follow=True)

    nodira = User.objects.get(username="nodira")
    assert response.redirect_chain[-1][0] == reverse("admin:submissions_collecttoken_setup", args=[nodira.pk])
    assert response.status_code == 200
    settings = collect_settings_decode(response.context["qr_text"])
    assert settings["general"]["metadata_username"] == "nodira"
    assert "/collect/key/" in settings["general"]["server_url"]
    assert user_roles(nodira) == {Role.ENUMERATOR} and not nodira.is_staff
    assert nodira.get_full_name() == "Nodira Saidova" and user_language(nodira) == "tg"
    assert not nodira.has_usable_password()  # device token only
    assert list(Assignment.objects.filter(user=nodira).values_list("round", "area__code", "role")) == [
        (personas.round.pk, "TJ-SU-ASH", "enumerator")
    ]


def test_a_password_given_works_for_collects_digest_login(client, personas):
    client.force_login(personas.coordinator)
    client.post(ADD_URL, _form(personas, username="rustam", login_password="a-long-enough-pass-17"))
    rustam = User.objects.get(username="rustam")
    assert rustam.check_password("a-long-enough-pass-17") and hasattr(rustam, "digest_credential")


@pytest.fixture
def sughd_supervisor_who_adds(personas):
    """The Sughd supervisor, given the enumerator permissions (the roles give supervisors none)."""
    supervisor = personas.supervisor
    supervisor.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="rounds", codename__in=["add_enumerator", "view_enumerator"])
    )
    return User.objects.get(pk=supervisor.pk)  # without the cached permissions


def test_a_supervisor_cannot_assign_an_area_outside_their_province(client, personas, sughd_supervisor_who_adds):
    client.force_login(sughd_supervisor_who_adds)
    response = client.post(ADD_URL, _form(personas, areas=[personas.geo.panj.pk, personas.geo.asht.pk]))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["areas"] == ["You may assign only areas within your own assignments; not: TJ-KT-PAN."]
    assert "TJ-KT-PAN" in response.content.decode()
    assert not User.objects.filter(username="nodira").exists()

    # Within Sughd it works; a supervisor cannot print the sheet (device codes), so the list follows.
    response = client.post(ADD_URL, _form(personas), follow=True)
    assert response.redirect_chain[-1][0] == reverse("admin:rounds_enumerator_changelist")
    assert "nodira" in response.content.decode()
    assert Assignment.objects.filter(user__username="nodira", area=personas.geo.asht).exists()
    # Their list holds the enumerators of their areas only, and the bulk import is not theirs.
    outside = factories.make_user("panj-enumerator", Role.ENUMERATOR)
    factories.assign(outside, personas.geo.panj, personas.round, "enumerator")
    assert "panj-enumerator" not in client.get("/admin/rounds/enumerator/").content.decode()
    assert client.get("/admin/rounds/enumerator/import/").status_code == 403


@pytest.mark.parametrize("taken_by", ["enumerator", "coordinator"])
def test_a_username_already_taken_is_a_form_error_and_nothing_is_created(client, personas, taken_by):
    client.force_login(personas.coordinator)
    before = (User.objects.count(), Assignment.objects.count())
    response = client.post(ADD_URL, _form(personas, username=taken_by, areas=[personas.geo.khujand.pk]))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["username"] == [
        f"The username '{taken_by}' is already taken; choose another username."
    ]
    assert (User.objects.count(), Assignment.objects.count()) == before
    assert not Assignment.objects.filter(area=personas.geo.khujand).exists()


def test_without_the_permission_there_is_no_add_form(client, personas):
    for persona in ("supervisor", "enumerator", "outsider"):
        client.force_login(getattr(personas, persona))
        assert client.get(ADD_URL).status_code in (302, 403)
        assert client.post(ADD_URL, _form(personas)).status_code in (302, 403)
    assert not User.objects.filter(username="nodira").exists()
