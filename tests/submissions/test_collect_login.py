"""Can ODK Collect log in as an enumerator, and why not: the enumerator list, the set-up sheet and the log."""

import logging
import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from bma.core.languages import user_language_set
from bma.core.roles import Role, role_assign
from bma.submissions.collect_login import NO_PASSWORD, SET_BEFORE_ROLE, collect_login_check
from bma.submissions.models import CollectToken
from tests.support import TEST_PASSWORD, DigestClient

pytestmark = pytest.mark.django_db
LIST_URL = "/admin/rounds/enumerator/"


@pytest.fixture
def coordinator_client(client, personas):
    client.force_login(personas.coordinator)
    return client


def password_before_role(username="late"):
    """An account given its password first and the enumerator role afterwards (the admin's user page
    in two steps, or an import of accounts before the roles)."""
    user = get_user_model().objects.create(username=username)
    user.set_password(TEST_PASSWORD)
    user.save()
    role_assign(user, Role.ENUMERATOR)
    return user


def row_of(page: str, username: str) -> str:
    """The enumerator list's row for ``username``, tags stripped."""
    row = next(r for r in re.findall(r"<tr.*?</tr>", page, re.S) if f">{username}<" in r)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row))


def test_a_password_set_before_the_role_is_named_on_the_list_the_sheet_and_in_the_log(
    coordinator_client, personas, b2_form, caplog
):
    late = password_before_role()
    status = collect_login_check(late)
    assert (status.can_log_in, status.password_problem) == (False, SET_BEFORE_ROLE)

    # Collect gets the normal challenge only; the server log says why, without the password or the name.
    device = DigestClient(Client(), "late", TEST_PASSWORD)
    with caplog.at_level(logging.WARNING, logger="bma.submissions.collect_login"):
        refused = device.request("GET", "/collect/formList")
    assert refused.status_code == 401 and "stale=true" not in refused["WWW-Authenticate"]
    assert b"before the enumerator role" not in refused.content
    logged = [r.getMessage() for r in caplog.records if r.name == "bma.submissions.collect_login"]
    assert logged == [
        f"ODK Collect password login refused for account id {late.pk}: The password was set before the enumerator "
        "role was given, so ODK Collect's password login is refused. Set the password again, or print the set-up sheet."
    ]
    assert TEST_PASSWORD not in caplog.text and "late" not in logged[0]

    row = row_of(coordinator_client.get(LIST_URL).content.decode(), "late")
    assert "No." in row and "set before the enumerator role" in row and "Set the password again" in row
    assert "Yes: password." in row_of(coordinator_client.get(LIST_URL).content.decode(), "enumerator")

    # The sheet gives the tablet a device code (so Collect can log in), and still says the password would not work.
    sheet = coordinator_client.get(f"/admin/submissions/collecttoken/setup/{late.pk}/").content.decode()
    said = re.sub(r"<[^>]+>", " ", re.search(r'<dd id="collect-login">.*?</dd>', sheet, re.S).group())
    assert "Yes: device code." in said and "set the password again" in said
    assert "Yes: device code." in row_of(coordinator_client.get(LIST_URL).content.decode(), "late")

    # Setting the password again (now that the role is there) is the fix the pages name.
    late.set_password(TEST_PASSWORD)
    late.save()
    assert collect_login_check(late).by_password
    assert DigestClient(Client(), "late", TEST_PASSWORD).request("GET", "/collect/formList").status_code == 200
    assert "Yes: device code and password." in row_of(coordinator_client.get(LIST_URL).content.decode(), "late")


def test_a_token_only_enumerator_is_told_to_print_the_sheet_until_a_device_code_exists(coordinator_client, personas):
    tokenonly = get_user_model().objects.create(username="tokenonly")  # as an import row without a password
    role_assign(tokenonly, Role.ENUMERATOR)
    tokenonly.set_unusable_password()
    tokenonly.save()
    assert collect_login_check(tokenonly).password_problem == NO_PASSWORD
    row = row_of(coordinator_client.get(LIST_URL).content.decode(), "tokenonly")
    assert "No." in row and "Print the set-up sheet" in row

    CollectToken.objects.create(user=tokenonly)
    row = row_of(coordinator_client.get(LIST_URL).content.decode(), "tokenonly")
    assert "Yes: device code." in row and "Print" not in row


def test_the_list_says_it_in_the_coordinators_language(coordinator_client, personas):
    password_before_role()
    user_language_set(personas.coordinator, "ru")
    row = row_of(coordinator_client.get(LIST_URL).content.decode(), "late")
    assert "Нет." in row and "Задайте пароль ещё раз" in row


def test_the_list_costs_no_query_per_enumerator(coordinator_client, personas, django_assert_max_num_queries):
    for number in range(5):
        password_before_role(f"late{number}")
    coordinator_client.get(LIST_URL)
    with django_assert_max_num_queries(30) as few:
        coordinator_client.get(LIST_URL)
    for number in range(15):
        password_before_role(f"more{number}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        coordinator_client.get(LIST_URL)
