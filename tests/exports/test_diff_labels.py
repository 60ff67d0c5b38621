"""The publish page's "changed since" list in words: labelled figures in the reader's language."""

import pytest
from django.utils import translation

from bma.exports.diff_labels import changes_in_words, path_steps
from bma.exports.publishing import report_changes

pytestmark = pytest.mark.django_db


def published_and_live():
    published = {
        "communities": 3,
        "populations": [
            {
                "code": "ret",
                "total": 17500,
                "by_province": [{"code": "TJ-SU", "province": "Sughd", "total": 17500, "share": 100.0}],
                "yearly": [{"year": 2023, "total": 900, "change": None}],
            }
        ],
        "services": {"availability": [{"code": "clinic", "service": "Clinic", "yes": 40.0, "no": 60.0}]},
        "departures": {"provinces": [], "total": {"houses_empty": 48}},
        "round": {"oddity": 1},
    }
    live = {
        "communities": 4,
        "populations": [
            {
                "code": "ret",
                "total": 18250,
                "by_province": [{"code": "TJ-SU", "province": "Sughd", "total": 18250, "share": 100.0}],
                "yearly": [{"year": 2023, "total": 1650, "change": None}],
            }
        ],
        "services": {"availability": [{"code": "clinic", "service": "Clinic", "yes": 50.0, "no": 50.0}]},
        "departures": {"provinces": [], "total": {"houses_empty": 51}},
        "round": {"oddity": 2},
    }
    return published, live


def test_a_path_reads_as_its_steps():
    assert path_steps("populations[ret].top_districts[TJ-SU-KHU].total") == [
        ("key", "populations"),
        ("item", "ret"),
        ("key", "top_districts"),
        ("item", "TJ-SU-KHU"),
        ("key", "total"),
    ]


def test_each_change_is_a_labelled_figure_grouped_by_section_in_russian(personas):
    published, live = published_and_live()
    with translation.override("ru"):
        sections = changes_in_words(report_changes(published, live), live)
    titles = [s.title for s in sections]
    assert titles == [
        "Основные выводы",
        "Вернувшиеся мигранты",
        "Наличие услуг в населённом пункте",
        "Семьи, уехавшие целиком, по областям",
        "Другие показатели",
    ], titles
    summary, returned, services, departures, other = sections
    assert [(c.column, c.published, c.live) for c in summary.changes] == [("Обследовано населённых пунктов", "3", "4")]
    rows = {(c.table, c.row, c.column): (c.published, c.live) for c in returned.changes}
    # Grouped as the Russian locale groups (a no-break space), the province by its Russian name.
    assert rows[("", "", "Всего")] == ("17\xa0500", "18\xa0250")
    assert rows[("По областям", "Согдийская область", "Всего")] == ("17\xa0500", "18\xa0250")
    assert rows[("Динамика по годам", "2023", "Всего")] == ("900", "1\xa0650")
    assert {(c.row, c.column, c.published, c.live) for c in services.changes} == {
        ("Поликлиника", "Да", "40%", "50%"),
        ("Поликлиника", "Нет", "60%", "50%"),
    }
    assert [(c.row, c.column) for c in departures.changes] == [("Все области", "Пустующие дома")]
    # A figure this page has no label for is still shown, by its name.
    assert [(c.column, c.published, c.live) for c in other.changes] == [("round.oddity", "1", "2")]


def test_the_publish_page_shows_labelled_changes_and_asks_to_confirm(client, departures, personas):
    from bma.assessments import models as am
    from bma.exports.publishing import report_publish

    report_publish(departures, personas.coordinator)
    am.PopulationFigure.objects.filter(assessment__village__code="V-ASH-0001", population="ret").update(total=17500)
    client.force_login(personas.coordinator)
    page = client.get(
        f"/reports/rounds/{departures.number}/published/", headers={"accept-language": "tg"}
    ).content.decode()
    assert "populations[" not in page and "top_districts" not in page
    assert "<h3>Муҳоҷирони баргашта</h3>" in page, page
    assert 'name="irreversible"' in page and "required" in page
