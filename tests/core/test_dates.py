"""Dates on a page read in words in the reader's language ("7 декабри 2026"), never as ISO text."""

import datetime

import pytest
from django.template import Context, Template
from django.utils import translation

from bma.core.dates import in_words


@pytest.mark.parametrize(
    "language, expected",
    [("en", "7 Dec 2026"), ("ru", "7 декабря 2026 г."), ("tg", "7 декабри 2026")],
)
def test_a_date_reads_in_words_in_the_readers_language(language, expected):
    with translation.override(language):
        assert in_words(datetime.date(2026, 12, 7)) == expected
        assert in_words("2026-12-07") == expected  # as the figures files keep it
        assert Template("{% load figures %}{{ d|in_words }}").render(Context({"d": "2026-12-07"})) == expected


def test_a_moment_reads_with_its_time_and_what_is_no_date_stays_as_it_is():
    with translation.override("tg"):
        assert in_words("2026-12-07 14:03 UTC") == "7 декабри 2026, 14:03"
        assert in_words("2026-12-07T14:03:09+00:00") == "7 декабри 2026, 14:03"
    with translation.override("en"):
        assert in_words(datetime.datetime(2026, 12, 7, 9, 5)) == "7 Dec 2026, 09:05"
        assert in_words("not asked") == "not asked" and in_words(None) == ""
