"""The assessment page says what the total is, as the form asked it: over the round's reference period
(the per-round B2) or now (older B2 versions), in the reader's language (issue 31)."""

import pytest

from bma.assessments import models as m
from bma.core.languages import user_language_set


def page_of(client, assessment) -> str:
    return client.get(f"/admin/assessments/villageassessment/{assessment.pk}/change/").content.decode()


@pytest.mark.django_db
def test_a_round_form_total_is_over_the_reference_period(client, receive, personas):
    from bma.xforms.services import b2_publish_for_round

    b2_publish_for_round(personas.round, entity_list=False)  # the fixture's version
    a = m.VillageAssessment.objects.get(submission=receive("b2_round_20261207002.xml"))
    years = personas.round.reference_years
    period = f"{years[0]}–{years[-1]}"
    client.force_login(personas.supervisor)

    page = page_of(client, a)
    assert f"<th>Total {period}</th>" in page and "Total now" not in page
    assert "as the form asks it, over" in page and "each person counted once" in page

    user_language_set(personas.supervisor, "ru")
    page = page_of(client, a)
    assert f"<th>Всего за {period}</th>" in page and "каждый человек один раз" in page


@pytest.mark.django_db
def test_an_older_form_total_is_said_to_be_now(client, receive, personas):
    a = m.VillageAssessment.objects.get(submission=receive("b2_2026112202.xml"))
    user_language_set(personas.supervisor, "tg")
    client.force_login(personas.supervisor)
    page = page_of(client, a)
    assert "<th>Ҳоло ҳамагӣ</th>" in page and "ин шакли кӯҳна мепурсид" in page
