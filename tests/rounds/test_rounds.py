"""Round life cycle and the roles' permissions."""

import pytest
from django.urls import reverse

from bma.core.errors import BmaError
from bma.rounds.models import RoundState
from bma.rounds.services import round_close, round_open
from tests import factories

pytestmark = pytest.mark.django_db


def test_round_goes_planned_open_closed_and_can_reopen_for_late_data():
    round = factories.make_round(number=3, state=RoundState.PLANNED)
    round_open(round=round)
    assert round.state == RoundState.OPEN and round.opened_at is not None
    assert round.accepts_submissions
    round_close(round=round)
    assert round.state == RoundState.CLOSED and not round.accepts_submissions
    round_open(round=round)
    assert round.state == RoundState.OPEN


def test_a_planned_round_cannot_be_closed():
    round = factories.make_round(number=3, state=RoundState.PLANNED)
    with pytest.raises(BmaError, match="Round 3 is planned and cannot become closed"):
        round_close(round=round)
    round.refresh_from_db()
    assert round.state == RoundState.PLANNED


def test_the_refusal_is_worded_when_shown_in_the_readers_language():
    """Raised in English, read in Russian or Tajik: the message (and the states in it) is put into words
    when it is shown."""
    from django.utils import translation

    round = factories.make_round(number=3, state=RoundState.PLANNED)
    with pytest.raises(BmaError) as refused:
        round_close(round=round)
    with translation.override("ru"):
        assert str(refused.value.message) == (
            "Раунд 3 сейчас в состоянии «запланирован»; перевести его в состояние «закрыт» нельзя."
        )
    with translation.override("tg"):
        assert str(refused.value.message) == (
            "Даври 3 дар ҳолати «ба нақша гирифта шуд» аст ва ба ҳолати «пӯшида» гузаронида намешавад."
        )
    assert str(refused.value.message) == "Round 3 is planned and cannot become closed."


def test_coordinator_closes_a_round_from_the_admin_and_sees_refusals(client, personas):
    client.force_login(personas.coordinator)
    planned = factories.make_round(number=3, state=RoundState.PLANNED)
    response = client.post(
        reverse("admin:rounds_round_changelist"),
        {"action": "close_rounds", "_selected_action": [personas.round.pk, planned.pk]},
        follow=True,
    )
    page = response.content.decode()
    assert "1 round closed." in page
    assert "Round 3 is planned and cannot become closed" in page
    personas.round.refresh_from_db()
    assert personas.round.state == RoundState.CLOSED


def test_supervisor_may_view_but_not_change_rounds(client, personas):
    client.force_login(personas.supervisor)
    assert client.get(reverse("admin:rounds_round_changelist")).status_code == 200
    response = client.post(
        reverse("admin:rounds_round_changelist"),
        {"action": "close_rounds", "_selected_action": [personas.round.pk]},
    )
    personas.round.refresh_from_db()
    assert personas.round.state == RoundState.OPEN
    assert response.status_code in (200, 302, 403)


def test_supervisor_sees_only_assignments_in_their_province(client, personas):
    other = factories.make_user("panj-enumerator", "enumerator")
    factories.assign(other, personas.geo.panj, personas.round, "enumerator")
    client.force_login(personas.supervisor)
    response = client.get(reverse("admin:rounds_assignment_changelist"))
    users = {a.user.username for a in response.context["cl"].queryset}
    assert users == {"enumerator", "supervisor"}


def test_opening_a_round_in_the_admin_publishes_its_own_b2(
    client, personas, published_forms, tasks_in_process, django_capture_on_commit_callbacks
):
    import datetime as dt

    from bma.xforms.build import form_years
    from bma.xforms.distribution import current_version
    from bma.xforms.workbooks import b2_round_version

    later = factories.make_round(
        number=4, state=RoundState.PLANNED, reference_start=dt.date(2022, 1, 1), reference_end=dt.date(2025, 12, 31)
    )
    client.force_login(personas.coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("admin:rounds_round_changelist"), {"action": "open_rounds", "_selected_action": [later.pk]})
    later.refresh_from_db()
    assert later.state == RoundState.OPEN
    version = current_version("bma_b2", later)
    assert version.version == b2_round_version(4) and form_years(version.xml) == (2022, 2023, 2024, 2025)
