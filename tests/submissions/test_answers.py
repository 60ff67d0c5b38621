"""The answers of a submission compare across protocols: Collect's XML and Kobo's JSON record of it."""

import json
from pathlib import Path

import pytest

from bma.submissions.answers import payload_answers, same_answers
from bma.submissions.models import PayloadFormat

FIXTURES = Path(__file__).parent.parent / "assessments" / "fixtures"
KOBO = FIXTURES / "kobo"
# Made from the XML fixtures by fixtures/kobo/make_fixtures.py; tests/assessments/test_kobo_shape.py
# shows each pair maps to the same values.
PAIRS = [
    (KOBO / "b2_2026112202.json", FIXTURES / "b2_2026112202.xml"),
    (KOBO / "b2_2026112202_edit.json", KOBO / "b2_2026112202_edit.xml"),
    (KOBO / "b1_2026112202.json", FIXTURES / "b1_2026112202.xml"),
    (KOBO / "spot_check_2026112202.json", FIXTURES / "spot_check_2026112202.xml"),
]
XML, KOBO_JSON = PayloadFormat.XML, PayloadFormat.KOBO_JSON


@pytest.mark.parametrize(("kobo_file", "xml_file"), PAIRS, ids=[p[0].name for p in PAIRS])
def test_a_kobo_record_answers_what_its_xml_answers(kobo_file, xml_file):
    kobo, xml = kobo_file.read_bytes(), xml_file.read_bytes()
    assert payload_answers(xml, XML)  # something is compared
    assert same_answers(xml, XML, kobo, KOBO_JSON) and same_answers(kobo, KOBO_JSON, xml, XML)


@pytest.mark.parametrize(("kobo_file", "xml_file"), PAIRS, ids=[p[0].name for p in PAIRS])
def test_one_changed_answer_anywhere_makes_them_differ(kobo_file, xml_file):
    record = json.loads(kobo_file.read_text())
    # The last answer inside a repeat where there is one, else the last top-level answer.
    repeats = [k for k, v in record.items() if not k.startswith("_") and isinstance(v, list) and isinstance(v[0], dict)]
    node = record[repeats[-1]][-1] if repeats else record
    key = next(k for k in reversed(node) if not k.startswith("_") and isinstance(node[k], str) and node[k])
    node[key] = node[key] + "x"
    assert not same_answers(xml_file.read_bytes(), XML, json.dumps(record).encode(), KOBO_JSON)
