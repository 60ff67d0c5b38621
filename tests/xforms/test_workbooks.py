"""The XLSForms: built by pyxform with ODK Validate, three languages complete, choice lists = code lists."""

import io

import pytest
from openpyxl import Workbook, load_workbook
from pyxform.xls2xform import convert

from bma.core.errors import BmaError
from bma.xforms import codelists as cl
from bma.xforms.build import form_years, xlsform_build
from bma.xforms.forms_files import (
    ROUND_B2_EXAMPLE_NUMBER,
    ROUND_B2_EXAMPLE_YEARS,
    ROUND_B2_FILE,
    form_file_bytes,
    forms_xls_files,
)
from bma.xforms.workbooks import FORMS, FORMS_DIR, LANG_NAMES, b2_round_workbook_bytes, workbook_bytes

ROUND_B2 = "round B2"


def workbook_of(filename: str) -> bytes:
    """A committed workbook, or a round's own B2 (built, never committed: its years are the round's)."""
    if filename == ROUND_B2:
        return b2_round_workbook_bytes(5, (2022, 2023, 2024, 2025))
    return (FORMS_DIR / filename).read_bytes()


def sheet_rows(data: bytes, sheet: str) -> list[dict]:
    ws = load_workbook(io.BytesIO(data), read_only=True)[sheet]
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], r, strict=False)) for r in rows[1:]]


@pytest.mark.parametrize("filename", forms_xls_files())
def test_committed_workbook_matches_the_form_tables(filename):
    committed = (FORMS_DIR / filename).read_bytes()
    for sheet in ("survey", "choices", "settings", "notes"):
        assert sheet_rows(committed, sheet) == sheet_rows(form_file_bytes(filename), sheet), (
            f"{filename} is out of date: run `manage.py write_workbooks`"
        )


@pytest.mark.parametrize("filename", forms_xls_files())
def test_forms_xls_builds_the_xform_the_code_deploys(filename):
    """What a coordinator opens in forms_xls/ is what devices get: pyxform builds the same XForm from the
    file as from the code's tables (the shared forms as published by publish_forms; the round B2 as a
    round with the example's number and years gets it when it opens)."""
    if filename == ROUND_B2_FILE:
        deployed = b2_round_workbook_bytes(ROUND_B2_EXAMPLE_NUMBER, ROUND_B2_EXAMPLE_YEARS)
    else:
        deployed = workbook_bytes(filename)
    from_file = convert(xlsform=(FORMS_DIR / filename).read_bytes(), validate=False, file_type=".xlsx").xform
    assert from_file == convert(xlsform=deployed, validate=False, file_type=".xlsx").xform, (
        f"{filename} is not the form the code deploys: run `manage.py write_workbooks`"
    )


def test_the_round_b2_file_says_what_varies_between_rounds():
    notes = [row["note::English"] for row in sheet_rows((FORMS_DIR / ROUND_B2_FILE).read_bytes(), "notes")]
    assert any("Only the round's reference years vary" in note for note in notes)
    years = ", ".join(str(year) for year in ROUND_B2_EXAMPLE_YEARS)
    assert f"This copy: Round {ROUND_B2_EXAMPLE_NUMBER}, reference years {years}" in " ".join(notes)
    # The years the file asks are the example's: the only part a round changes.
    built = convert(xlsform=(FORMS_DIR / ROUND_B2_FILE).read_bytes(), validate=False, file_type=".xlsx").xform
    assert form_years(built) == ROUND_B2_EXAMPLE_YEARS
    other_round = b2_round_workbook_bytes(ROUND_B2_EXAMPLE_NUMBER, (2019, 2020))
    assert form_years(convert(xlsform=other_round, validate=False, file_type=".xlsx").xform) == (2019, 2020)


def test_publishing_forms_xls_publishes_the_shared_forms_not_the_round_example(db, built_forms):
    from bma.xforms.services import forms_publish_all

    published = forms_publish_all()
    assert sorted((v.form.xml_form_id, v.version) for v, _ in published) == [
        ("bma_b1", FORMS["b1_district.xlsx"]["version"]),
        ("bma_b2", FORMS["b2_village.xlsx"]["version"]),
        ("bma_spot_check", FORMS["spot_check.xlsx"]["version"]),
    ]


@pytest.mark.parametrize("filename", [*FORMS, ROUND_B2])
def test_every_label_hint_and_message_exists_in_all_three_languages(filename):
    for row in sheet_rows(workbook_of(filename), "survey"):
        for column in ("label", "hint", "constraint_message", "required_message"):
            values = [row.get(f"{column}::{lang}") for lang in LANG_NAMES]
            assert all(values) or not any(values), f"{filename} {row['name']}: {column} missing a language"
            assert "-" not in [v.strip() for v in values if v]


def test_choice_lists_agree_with_the_code_lists():
    expected = {
        "provinces": cl.PROVINCES,
        "yes_no": cl.YES_NO,
        "yes_no_unknown": cl.YES_NO_UNKNOWN,
        "sexes": cl.SEXES,
        "informant_types": cl.INFORMANT_TYPES,
        "populations": cl.POPULATIONS,
        "reasons": cl.REASONS,
        "migration_types": cl.MIGRATION_TYPES,
        "countries": cl.LEGACY_FORM_COUNTRIES,
        "distance_bands": cl.DISTANCE_BANDS,
        "flows": cl.FLOWS,
        "check_methods": cl.CHECK_METHODS,
    }
    # A round's own B2 lists every country and where departed families went.
    expected_round = {**expected, "countries": cl.COUNTRIES, "departure_destinations": cl.DEPARTURE_DESTINATIONS}
    for filename in [*FORMS, ROUND_B2]:
        lists: dict[str, dict] = {}
        for row in sheet_rows(workbook_of(filename), "choices"):
            lists.setdefault(row["list_name"], {})[row["name"]] = tuple(row[f"label::{lang}"] for lang in LANG_NAMES)
        wanted = expected_round if filename == ROUND_B2 else expected
        assert lists == {name: dict(codes) for name, codes in wanted.items()}, filename
    assert set(cl.DISTANCE_BANDS) == {"0_5", "6_10", "11_15", "16_20", "21_25", "over_25"}
    assert set(cl.SERVICES) == {"clinic", "hospital", "market", "water", "school", "internet"}
    assert all(len(code) == 2 and code.isupper() for code in cl.COUNTRIES)
    assert set(cl.LEGACY_FORM_COUNTRIES) <= set(cl.COUNTRIES)


def test_the_country_list_is_iso_3166_with_russian_and_tajik_names():
    import pycountry

    iso = {c.alpha_2 for c in pycountry.countries}
    assert set(cl.COUNTRIES) == (iso - {"TJ"}) | {cl.OTHER_COUNTRY}
    assert cl.COUNTRIES["SE"] == ("Sweden", "Швеция", "Шветсия")
    assert cl.COUNTRIES["RU"] == cl.CURATED_COUNTRIES["RU"]  # the report's wording kept
    assert list(cl.COUNTRIES)[-1] == cl.OTHER_COUNTRY  # "Other country" last, after the search list

    def cyrillic(text):
        return any("\u0400" <= ch <= "\u04ff" for ch in text)

    for code, (en, ru, tg) in cl.COUNTRIES.items():
        assert en and cyrillic(ru) and cyrillic(tg), code
    for pop, reasons in cl.REASONS_BY_POPULATION.items():
        assert pop in cl.POPULATIONS and set(reasons) <= set(cl.REASONS)


def test_every_form_builds_with_odk_validate_and_no_warnings(built_forms):
    assert {b.form_id for b in built_forms.values()} == {"bma_b1", "bma_b2", "bma_spot_check"}
    b2 = built_forms["b2_village.xlsx"]
    assert b2.media_filenames == ["districts.csv", "villages.csv"]
    assert b2.version and "Russian (ru)" in b2.xml and "Tajik (tg)" in b2.xml
    # The spot check also loads the villages entity list, for the entity it updates (issue 32.3).
    assert built_forms["spot_check.xlsx"].media_filenames == [
        "districts.csv",
        "spot_check_villages.csv",
        "villages.csv",
    ]


def test_a_broken_workbook_is_refused_in_plain_words(built_forms):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "survey"
    sheet.append(["type", "name", "label", "relevant"])
    sheet.append(["integer", "age", "Age", "${nowhere} > 2"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    with pytest.raises(BmaError) as caught:
        xlsform_build(buffer.getvalue(), "broken.xlsx")
    assert "broken.xlsx" in caught.value.message
    assert "nowhere" in caught.value.message
    assert "at org." not in caught.value.message


def test_a_file_that_is_not_a_workbook_is_refused(built_forms):
    with pytest.raises(BmaError, match="could not be read as an XLSForm|notes.xlsx"):
        xlsform_build(b"plain text", "notes.xlsx")


def test_every_integer_question_has_the_bounds_the_mapper_checks():
    from bma.xforms import bounds
    from bma.xforms.workbooks import b1_survey, b2_survey, spot_check_survey

    allowed = {"round": bounds.ROUND.constraint}
    for survey in (b1_survey(), b2_survey(), spot_check_survey()):
        for row in survey:
            if row["type"] == "integer":
                assert row.get("constraint") == allowed.get(row["name"], bounds.COUNT.constraint), row["name"]
