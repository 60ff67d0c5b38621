"""Figures grouped in the reader's language without USE_THOUSAND_SEPARATOR (which would group ids too)."""

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from bma.core.numbers import grouped

NBSP = "\xa0"


@pytest.mark.parametrize("language, expected", [("en", "12,345"), ("ru", f"12{NBSP}345"), ("tg", f"12{NBSP}345")])
def test_a_count_reads_with_the_languages_thousands_separator(language, expected, settings):
    assert settings.USE_THOUSAND_SEPARATOR is False  # grouped does not depend on it
    with translation.override(language):
        assert grouped(12345) == expected
        assert grouped(Decimal("12345.00")) == expected  # a whole figure has no ",00"
        assert Template("{% load figures %}{{ n|grouped }}").render(Context({"n": 12345})) == expected


def test_decimals_use_the_languages_decimal_separator():
    with translation.override("en"):
        assert grouped(1234.5, 1) == "1,234.5"
    with translation.override("ru"):
        assert grouped(1234.5, 1) == f"1{NBSP}234,5"
        assert grouped(2.5) == "2,5"


def test_what_is_not_a_number_comes_back_as_it_is():
    with translation.override("ru"):
        assert [grouped(v) for v in (None, "", "not asked", "V-ASH-0001", True, float("nan"), "nan")] == [
            "",
            "",
            "not asked",
            "V-ASH-0001",
            "True",
            "nan",
            "nan",
        ]


def test_numbers_elsewhere_stay_ungrouped(settings):
    # The reason USE_THOUSAND_SEPARATOR stays off: an id or a year rendered plainly must not read 12,345.
    with translation.override("en"):
        assert Template("{{ n }}").render(Context({"n": 12345})) == "12345"
