"""Mappers turn a filled form into exactly the values entered, and read every field the form has."""

import datetime as dt
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from defusedxml.ElementTree import fromstring

from bma.assessments.instance_tree import flatten, kobo_tree, xml_tree
from bma.assessments.mappers import MAPPERS, MappingError, Reader, map_b2, mapper_for
from bma.xforms.bounds import COUNT, ROUND

FIXTURES = Path(__file__).parent / "fixtures"
FORM_FILES = {"bma_b1": "b1_district.xlsx", "bma_b2": "b2_village.xlsx", "bma_spot_check": "spot_check.xlsx"}
FIXTURE_PREFIX = {"bma_b1": "b1", "bma_b2": "b2", "bma_spot_check": "spot_check"}


def fixture_tree(form_id: str, version: str = "2026112202"):
    mapper = MAPPERS[form_id]
    return xml_tree((FIXTURES / f"{FIXTURE_PREFIX[form_id]}_{version}.xml").read_bytes(), mapper.repeats)


def test_b2_filled_in_the_form_engine_maps_to_the_values_entered():
    values = MAPPERS["bma_b2"].map(fixture_tree("bma_b2"))
    loc = values.location
    assert (loc.round_number, loc.province_code, loc.district_code, loc.village_code) == (
        2,
        "TJ-SU",
        "TJ-SU-ASH",
        "V-ASH-0001",
    )
    assert (loc.latitude, loc.longitude, loc.accuracy_m) == (Decimal("40.780000"), Decimal("70.790000"), 5.0)
    assert loc.ended_at - loc.started_at < dt.timedelta(seconds=5)
    assert [(k.sex, k.informant_type, k.informant_type_other, k.phone) for k in values.informants] == [
        ("female", "local_authority", "", "+992 92 555 1234"),
        ("male", "other", "Imam of the mosque", ""),
    ]
    assert values.households == 420
    pops = {p.population: p for p in values.populations}
    imw = pops["imw"]
    assert (imw.present, imw.total, imw.yearly, imw.countries) == (
        True,
        12,
        {2022: 8, 2023: 12},
        [("AF", 9), ("CN", 3)],
    )
    assert (imw.reasons, imw.migration_type) == (["employment", "family"], "long_term")
    assert (pops["ret"].total, pops["ret"].countries, pops["ret"].reasons) == (
        140,
        [("RU", 140)],
        ["work_permit", "deportation"],
    )
    assert pops["emi"].present is False and pops["emi"].total is None
    assert (pops["ioi"].areas, pops["ioi"].reasons) == ([("TJ-SU-KHU", 30)], ["economic"])
    services = {s.service: s for s in values.services}
    assert services["hospital"].available is False
    assert (services["hospital"].distance_band, services["hospital"].households_affected) == ("11_15", 420)
    assert all(services[s].available for s in ("clinic", "market", "water", "school", "internet"))
    (ref,) = values.referrals
    assert (ref.district_code, ref.village_code, ref.name_typed, ref.populations, ref.estimate) == (
        "TJ-KT-PAN",
        "",
        "Yangiobod",
        ["ret"],
        50,
    )


def test_b1_maps_estimates_and_nominations():
    values = MAPPERS["bma_b1"].map(fixture_tree("bma_b1"))
    assert values.estimates == {"imw": 40, "ret": 900, "emi": 5000, "imi": 20, "ioi": 60}
    assert [(n.flow, n.village_code, n.name_typed, n.estimates) for n in values.nominations] == [
        ("outflow", "V-ASH-0002", "", {"emi": 700}),
        ("inflow", "", "Yangiobod", {"ret": 80}),
    ]


def test_spot_check_maps_figures_services_and_photo():
    values = MAPPERS["bma_spot_check"].map(fixture_tree("bma_spot_check"))
    assert values.method == "direct_observation" and values.photo == "1700000000000.jpg"
    assert ("ret", "yes", 150) in values.figures and ("imi", "unknown", None) in values.figures
    assert ("internet", "unknown") in values.services


@pytest.mark.parametrize("form_id", list(MAPPERS))
def test_every_field_of_every_supported_version_has_a_fixture_and_is_mapped(form_id, built_forms):
    mapper = MAPPERS[form_id]
    for version in mapper.versions:
        fixture = FIXTURES / f"{FIXTURE_PREFIX[form_id]}_{version}.xml"
        assert fixture.exists(), f"no fixture for {form_id} {version}"
        built = built_forms[FORM_FILES[form_id]]
        assert built.version in mapper.versions
        # The form's own primary instance holds every field, empty: map it and see what was read.
        root = fromstring(built.xml.encode())
        instance = root.find(".//{http://www.w3.org/2002/xforms}instance")[0]
        template = xml_tree(_xml_bytes(instance), mapper.repeats)
        seen: set[str] = set()
        mapper.map(template, seen)
        leaves = {path.split("/")[-1].split("[")[0] for path in flatten(template)}
        assert leaves - seen == set(), f"{form_id} {version}: fields nobody maps"
        # And everything answered in the fixture is read too.
        seen_fixture: set[str] = set()
        mapper.map(xml_tree(fixture.read_bytes(), mapper.repeats), seen_fixture)
        assert {p.split("/")[-1].split("[")[0] for p in flatten(fixture_tree(form_id, version))} <= seen_fixture


def _xml_bytes(element) -> bytes:
    import xml.etree.ElementTree as ET

    return ET.tostring(element)


def test_unknown_version_is_a_clear_error_and_other_forms_stay_raw():
    with pytest.raises(MappingError, match="Version '1999' of bma_b2 has no mapper .* The raw submission is kept"):
        mapper_for("bma_b2", "1999")
    assert mapper_for("household_survey", "1") is None


def test_kobo_json_gives_the_same_values_as_xml():
    record = {
        "_id": 7,
        "_uuid": "abc",
        "round": "2",
        "province": "TJ-SU",
        "district": "TJ-SU-ASH",
        "village": "V-ASH-0001",
        "households": 420,
        "imw/imw_present": "yes",
        "imw/imw_total": "12",
        "imw/imw_countries": [{"imw/imw_countries/imw_country": "AF", "imw/imw_countries/imw_country_count": "9"}],
        "imw/imw_reasons": "employment family",
        "ki": [{"ki/ki_sex": "female", "ki/ki_type": "local_authority"}],
        "services/svc_hospital": "no",
        "services/svc_hospital_distance": "11_15",
    }
    mapper = MAPPERS["bma_b2"]
    values = mapper.map(kobo_tree(json.dumps(record).encode(), mapper.repeats))
    imw = values.populations[0]
    assert (imw.present, imw.total, imw.countries, imw.reasons) == (True, 12, [("AF", 9)], ["employment", "family"])
    assert values.households == 420 and values.informants[0].sex == "female"
    assert values.services[1].distance_band == "11_15"


def test_a_non_number_in_a_count_is_a_mapping_error():
    with pytest.raises(MappingError, match="households: 'many' is not a whole number"):
        Reader({"households": "many"}, set()).integer("households", COUNT)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("4294967396", "households: 4294967396 is out of range (allowed 0 to 100000)"),
        ("99999999999", "households: 99999999999 is out of range (allowed 0 to 100000)"),
        ("100001", "households: 100001 is out of range (allowed 0 to 100000)"),
        ("-1", "households: -1 is out of range (allowed 0 to 100000)"),
        ("12.5", "households: '12.5' is not a whole number (allowed 0 to 100000)"),
        ("NaN", "households: 'NaN' is not a whole number"),
    ],
)
def test_a_count_outside_its_bounds_or_not_whole_is_refused_not_changed(value, message):
    with pytest.raises(MappingError, match=re.escape(message)):
        Reader({"households": value}, set()).integer("households", COUNT)


def test_bounds_are_inclusive_and_a_whole_decimal_is_the_number():
    reader = Reader({"a": "0", "b": "100000", "c": "12.0", "r": "50"}, set())
    assert (reader.integer("a", COUNT), reader.integer("b", COUNT), reader.integer("c", COUNT)) == (0, 100000, 12)
    assert reader.integer("r", ROUND) == 50


def test_every_integer_the_b2_mapper_reads_is_bounded_by_name():
    tree = fixture_tree("bma_b2")
    tree["households"] = "4294967396"
    with pytest.raises(MappingError, match=r"households: 4294967396 is out of range \(allowed 0 to 100000\)"):
        map_b2(tree)
    tree = fixture_tree("bma_b2")
    tree["round"] = "51"
    with pytest.raises(MappingError, match=r"round: 51 is out of range \(allowed 1 to 50\)"):
        map_b2(tree)


def test_every_field_of_a_rounds_own_b2_is_mapped():
    from bma.xforms.build import form_years, xlsform_build
    from bma.xforms.workbooks import b2_round_workbook_bytes

    built = xlsform_build(b2_round_workbook_bytes(4, (2022, 2023, 2024, 2025)), "b2_village.xlsx")
    mapper = mapper_for("bma_b2", built.version)
    root = fromstring(built.xml.encode())
    template = xml_tree(_xml_bytes(root.find(".//{http://www.w3.org/2002/xforms}instance")[0]), mapper.repeats)
    seen: set[str] = set()
    mapper.map(template, seen, years=form_years(built.xml))
    leaves = {path.split("/")[-1].split("[")[0] for path in flatten(template)}
    assert {"hh_left_y2025", "hh_left_y2025_where", "houses_empty", "elderly_alone"} <= leaves
    assert leaves - seen == set()


def test_departures_and_empty_houses_are_bounded_like_every_count():
    tree = fixture_tree("bma_b2")
    tree["departures"] = {"houses_empty": "99999999999"}
    with pytest.raises(MappingError, match=r"houses_empty: 99999999999 is out of range"):
        map_b2(tree)
    tree["departures"] = {"hh_left_y2022": "-1"}
    with pytest.raises(MappingError, match=r"hh_left_y2022: -1 is out of range"):
        map_b2(tree, years=(2022,))


def test_intake_and_the_mapper_read_one_district_and_refuse_a_second():
    """Intake took the first <district>, the tree kept the last: Khujand was checked, Asht stored."""
    from xml.etree.ElementTree import ParseError

    from bma.submissions.header import HeaderError, parse_kobo_json, parse_xml_header

    for form_id, prefix in FIXTURE_PREFIX.items():
        xml = (FIXTURES / f"{prefix}_2026112202.xml").read_bytes()
        mapper = MAPPERS[form_id]
        assert parse_xml_header(xml).district == mapper.map(xml_tree(xml, mapper.repeats)).location.district_code
        twice = xml.replace(b"<district>", b"<district>TJ-SU-KHU</district><district>", 1)
        with pytest.raises(HeaderError, match="gives the district 2 times"):
            parse_xml_header(twice)
        # A row stored before intake refused it fails processing with words instead of naming either.
        with pytest.raises(ParseError, match="<district> is given more than once"):
            xml_tree(twice, mapper.repeats)
    kobo = (FIXTURES / "kobo" / "b2_2026112202.json").read_bytes()
    mapped = MAPPERS["bma_b2"].map(kobo_tree(kobo, MAPPERS["bma_b2"].repeats)).location.district_code
    assert parse_kobo_json(kobo)[1].district == mapped == "TJ-SU-ASH"
    twice = kobo.replace(b'"district": "TJ-SU-ASH"', b'"district": "TJ-SU-KHU", "district": "TJ-SU-ASH"', 1)
    assert twice != kobo
    with pytest.raises(ParseError, match="gives district more than once"):
        kobo_tree(twice, MAPPERS["bma_b2"].repeats)


def test_a_single_valued_answer_given_twice_fails_mapping_instead_of_keeping_the_last():
    from xml.etree.ElementTree import ParseError

    xml = (FIXTURES / "b2_2026112202.xml").read_bytes()
    twice = re.sub(rb"(<households>[^<]*</households>)", rb"<households>9999</households>\1", xml, count=1)
    assert twice != xml
    with pytest.raises(ParseError, match="<households> is given more than once"):
        xml_tree(twice, MAPPERS["bma_b2"].repeats)
