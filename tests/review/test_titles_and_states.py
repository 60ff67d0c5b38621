"""Russian and Tajik titles in the right case ("Изменить оценку села", not "оценка"), and one word per
review state across the list, its filter and the assessment page (issue 31)."""

import re

import pytest

from bma.assessments import models as m
from bma.core.languages import user_language_set

TITLES = {
    "ru": ("Выберите оценку села для изменения", "Изменить оценку села", "Выберите проблему качества для изменения"),
    "tg": (
        "Арзёбии деҳаро барои тағйир интихоб кунед",
        "Тағйир додани арзёбии деҳа",
        "Мушкили сифатро барои тағйир интихоб кунед",
    ),
}
NOMINATIVE = {"ru": "оценка села", "tg": "Интихоби арзёбии деҳа"}
RECEIVED = {"ru": "Получено", "tg": "Қабул шуд"}


def h1(response) -> str:
    return re.search(r"<h1>(.*?)</h1>", response.content.decode(), re.S).group(1).strip()


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["ru", "tg"])
def test_desk_titles_are_declined_and_each_state_has_one_word(client, receive, personas, language):
    receive("b2_2026112202.xml")
    assessment = m.VillageAssessment.objects.get()
    user_language_set(personas.supervisor, language)
    client.force_login(personas.supervisor)
    listing = client.get("/admin/assessments/villageassessment/")
    page = client.get(f"/admin/assessments/villageassessment/{assessment.pk}/change/")
    issues = client.get("/admin/validation/qualityissue/")

    assert h1(listing) == TITLES[language][0] and NOMINATIVE[language] not in h1(listing)
    assert TITLES[language][1] in page.content.decode()
    assert h1(issues) == TITLES[language][2]
    assert f"| {TITLES[language][1]} | BMA</title>" in page.content.decode()

    # The received state: one word in the list's cell, its filter, the counts line and the page.
    word = RECEIVED[language]
    listed = listing.content.decode()
    assert re.search(rf'<td class="field-review_state">{word}</td>', listed)
    assert re.search(rf'review_state__exact=received"[^>]*>{word}</a>', listed)
    assert f'<strong id="desk-state">{word}</strong>' in page.content.decode()
