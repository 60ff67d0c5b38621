"""Tajik dates without Django's "г.", the Russian abbreviation of год, which is no Tajik word: 3 декабр 2026."""

DATE_FORMAT = "j E Y"
DATETIME_FORMAT = "j E Y, G:i"
YEAR_MONTH_FORMAT = "F Y"
