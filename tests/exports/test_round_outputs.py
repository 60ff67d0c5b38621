"""The desk's home page leads coordinators to each round's waiting work and its outputs."""

import pytest

pytestmark = pytest.mark.django_db


def test_the_home_page_counts_the_work_waiting_and_links_the_rounds_outputs(client, departures, personas):
    client.force_login(personas.coordinator)
    page = client.get("/admin/").content.decode()
    n = departures.number
    block = page[page.index('id="round-outputs"') :]
    # Buston is the one assessment not yet decided.
    assert "1 assessment waiting for review" in block and "0 referrals to match" in block
    for link in (
        f"/reports/rounds/{n}/",
        f"/reports/rounds/{n}/pdf/",
        f"/reports/rounds/{n}/xlsx/",
        f"/reports/rounds/{n}/published/",
        f"/reports/rounds/{n}/districts/TJ-SU-ASH/",
        f"/reports/rounds/{n}/districts/TJ-KT-PAN/",
        f"round__id__exact={departures.pk}",
    ):
        assert link in block, link
    client.post("/language/", {"language": "tg", "next": "/"})
    assert "1 арзёбӣ интизори санҷиш" in client.get("/admin/").content.decode()


def test_supervisors_home_page_has_no_coordinators_outputs(client, departures, personas):
    client.force_login(personas.supervisor)
    assert 'id="round-outputs"' not in client.get("/admin/").content.decode()


def test_the_rounds_own_page_links_its_outputs(client, departures, personas):
    client.force_login(personas.coordinator)
    page = client.get(f"/admin/rounds/round/{departures.pk}/change/").content.decode()
    block = page[page.index('id="round-outputs"') :]
    n = departures.number
    assert f'id="round-{n}-outputs"' in block and "1 assessment waiting for review" in block
    for link in (f"/reports/rounds/{n}/", f"/reports/rounds/{n}/published/", f"round__id__exact={departures.pk}"):
        assert link in block, link
