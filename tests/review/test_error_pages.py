"""403 and 404 in the reader's language, with a way back home (issue 31)."""

import pytest

from bma.core.languages import user_language_set

EXPECTED = {
    "ru": {404: "Страница не найдена", 403: "Доступ запрещён", "home": "Перейти на начальную страницу"},
    "tg": {404: "Саҳифа ёфт нашуд", 403: "Иҷозат нест", "home": "Ба саҳифаи аввал гузаред"},
}


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["ru", "tg"])
def test_not_found_and_forbidden_pages_speak_the_readers_language_and_lead_home(client, personas, language):
    user_language_set(personas.supervisor, language)
    client.force_login(personas.supervisor)
    missing = client.get("/admin/no-such-page/here/", HTTP_REFERER="http://testserver/admin/")
    forbidden = client.get("/admin/auth/user/")  # a supervisor manages no accounts

    assert missing.status_code == 404 and forbidden.status_code == 403
    for response, status in ((missing, 404), (forbidden, 403)):
        page = response.content.decode()
        assert EXPECTED[language][status] in page
        assert EXPECTED[language]["home"] in page and 'id="error-home" href="/admin/"' in page
    assert 'id="error-back" href="http://testserver/admin/"' in missing.content.decode()


@pytest.mark.django_db
def test_a_visitor_gets_the_browsers_language_and_the_login_page_as_the_way_back(client):
    page = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="tg").content.decode()
    assert "Саҳифа ёфт нашуд" in page and 'id="error-home" href="/accounts/login/"' in page


@pytest.mark.django_db
def test_devices_and_the_api_get_a_short_plain_answer(client):
    response = client.get("/api/no-such-thing/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/plain")
