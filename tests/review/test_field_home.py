"""The enumerator's own page: logging in at /accounts/login/ lands there (not on a 404); it lists the
forms to fill, what they sent, and what a supervisor sent back with the comment, in their language;
informants' names never show; desk users go on to the desk."""

import pytest
from django.urls import reverse

from bma.assessments import models as m
from bma.assessments.review import assessment_review
from bma.core.languages import user_language_set
from tests.support import ARTIFACTS, TEST_PASSWORD, chromium

pytestmark = pytest.mark.django_db
OSHOBA_ID = "uuid:342071ed-911c-4e50-9659-3f73b09c383c"
COMMENT = "Households: 1 200 cannot be right for Oshoba; count again with the jamoat."


@pytest.fixture
def sent_back(receive, personas):
    """Two B2 sent by the enumerator: Oshoba rejected with a comment, Shaydon still waiting."""
    receive("b2_2026112202.xml", {"<ki_name/>": "<ki_name>Zarina Saidova</ki_name>"})
    receive(
        "b2_2026112202.xml",
        {OSHOBA_ID: "uuid:shaydon", "<village>V-ASH-0001</village>": "<village>V-ASH-0002</village>"},
    )
    oshoba = m.VillageAssessment.objects.get(village__code="V-ASH-0001")
    assessment_review(oshoba, m.ReviewState.REJECTED, personas.supervisor, COMMENT)
    return oshoba


def test_login_without_next_lands_on_the_enumerators_page_not_a_404(client, personas):
    response = client.post(reverse("login"), {"username": "enumerator", "password": TEST_PASSWORD}, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("field-home")
    assert response.templates[0].name == "review/field_home.html"


def test_a_desk_user_goes_on_to_the_desk(client, personas):
    client.force_login(personas.supervisor)
    response = client.get(reverse("field-home"))
    assert response.status_code == 302 and response["Location"] == reverse("admin:index")


def test_the_page_shows_the_sent_back_form_with_the_supervisors_comment_in_russian(client, personas, sent_back):
    user_language_set(personas.enumerator, "ru")
    client.force_login(personas.enumerator)
    response = client.get(reverse("field-home"))
    page = response.content.decode()

    back = response.context["sent_back"]
    assert [(item.place, item.review_state, item.comment) for item in back] == [("Ошоба", "rejected", COMMENT)]
    assert {item.place for item in response.context["sent"]} == {"Ошоба", "Шайдан"}
    assert "Возвращено вам" in page and "Комментарий супервайзера" in page and COMMENT in page
    # The round's B2 opens in the browser from here.
    assert reverse("webform", kwargs={"form_id": "bma_b2"}) in page or response.context["forms"] == []
    # No informant's phone (the fixture's informant gave one) nor name.
    assert "555 1234" not in page and "Zarina" not in page


def test_another_enumerators_submissions_are_not_shown(client, personas, sent_back):
    from tests import factories

    other = factories.make_user("enumerator-2", "enumerator")
    factories.assign(other, personas.geo.asht, personas.round, "enumerator")
    client.force_login(other)
    response = client.get(reverse("field-home"))
    assert response.context["sent"] == [] and response.context["sent_back"] == []
    assert COMMENT not in response.content.decode()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("language", "heading"), [("tg", "Ба шумо баргардонида шуд"), ("ru", "Возвращено вам")])
def test_enumerator_logs_in_and_reads_what_was_sent_back_at_1024(live_server, personas, sent_back, language, heading):
    user_language_set(personas.enumerator, language)
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1024, "height": 768})
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=username]", "enumerator")
        page.fill("input[name=password]", TEST_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_selector("#sent-back", timeout=30_000)
        assert page.url.endswith(reverse("field-home"))
        box = page.locator("#sent-back")
        text = box.inner_text()
        page.screenshot(path=str(ARTIFACTS / f"field-home-{language}.png"), full_page=True)
        width = page.evaluate("document.documentElement.scrollWidth")
    assert heading in text and COMMENT in text
    assert width <= 1024  # no horizontal scrolling at 1024 px
