"""The round report in English, Russian and Tajik: the same figures, labels and text in the reader's
language, chosen once and kept on their account."""

import html
import io

import pytest
from pypdf import PdfReader

pytestmark = pytest.mark.django_db


def numbers(value):
    if isinstance(value, dict):
        return {
            k: numbers(v)
            for k, v in value.items()
            if isinstance(v, dict | list | int | float) and not isinstance(v, bool)
        }
    if isinstance(value, list):
        return [numbers(v) for v in value]
    return value


def test_the_json_figures_are_identical_in_the_three_languages(client, departures, personas):
    client.force_login(personas.coordinator)
    base = f"/api/rounds/{departures.number}/report/"
    en, ru, tg = (client.get(base, {"lang": lang}).json() for lang in ("en", "ru", "tg"))
    # Keyed by the sex's label: the same shares under Female / Женщина / Зан.
    shares_by_sex = [sorted(f["informants"].pop("share_by_sex").values()) for f in (en, ru, tg)]
    assert shares_by_sex[0] == shares_by_sex[1] == shares_by_sex[2]
    assert numbers(en) == numbers(ru) == numbers(tg)
    assert en["populations"][1]["label"] == "Return migrants"
    assert ru["populations"][1]["label"] == "Вернувшиеся мигранты"
    assert tg["populations"][1]["label"] == "Муҳоҷирони баргашта"
    assert {p["province"] for p in ru["populations"][1]["by_province"]} <= {"Согдийская область", "Хатлонская область"}
    assert client.get(base, {"lang": "fr"}).status_code == 400


def test_a_coordinator_chooses_russian_once_and_the_report_speaks_it(client, departures, personas):
    client.force_login(personas.coordinator)
    page = f"/reports/rounds/{departures.number}/"
    response = client.post("/language/", {"language": "ru", "next": page})
    assert response.status_code == 302 and response["Location"] == page
    client.cookies.clear()  # kept on the account, not only in this browser
    client.force_login(personas.coordinator)
    text = html.unescape(client.get(page).content.decode())
    assert '<html lang="ru">' in text and "Основные выводы" in text and "Вернувшиеся мигранты" in text
    assert "Согдийская область" in text and "Summary of key findings" not in text
    assert ">Согдийская область</text>" in text and ">Sughd</text>" not in text  # the map's legend too
    assert client.post("/language/", {"language": "xx", "next": page}).status_code == 400
    # Somewhere else is never a redirect target.
    assert client.post("/language/", {"language": "en", "next": "https://evil.example/"})["Location"] == "/"


def test_without_a_choice_the_browser_language_decides(client, departures, personas):
    client.force_login(personas.coordinator)
    text = client.get(f"/reports/rounds/{departures.number}/", HTTP_ACCEPT_LANGUAGE="tg").content.decode()
    assert "Хулосаҳои асосӣ" in html.unescape(text)


def test_the_pdf_in_tajik(client, departures, personas):
    client.force_login(personas.coordinator)
    client.post("/language/", {"language": "tg", "next": "/"})
    pdf = b"".join(client.get(f"/reports/rounds/{departures.number}/pdf/"))
    text = " ".join("\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())
    assert "Арзёбии ибтидоии ҳаракат" in text and "Методология" in text and "Эзоҳи масъулият" in text
    assert "Муҳоҷирони баргашта" in text


@pytest.mark.parametrize("language, separator", [("en", ","), ("ru", "\xa0"), ("tg", "\xa0")])
def test_the_report_groups_its_figures_in_the_readers_language_and_never_a_year(
    client, receive, personas, language, separator
):
    from bma.assessments import models as am

    receive(
        "b2_2026112202.xml",
        {
            "<imw_total>12</imw_total>": "<imw_total>12345</imw_total>",
            "<imw_y2023>12</imw_y2023>": "<imw_y2023>12345</imw_y2023>",
        },
    )
    am.VillageAssessment.objects.update(review_state=am.ReviewState.APPROVED)
    client.force_login(personas.coordinator)
    client.post("/language/", {"language": language, "next": "/"})
    page = html.unescape(client.get(f"/reports/rounds/{personas.round.number}/").content.decode())
    assert f"<td>12{separator}345</td>" in page and "<td>12345</td>" not in page
    assert "<td>2023</td>" in page  # the yearly table's year
    assert f"2{separator}023" not in page
