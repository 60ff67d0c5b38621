"""Reading a submission's header without building its tree: what ODK Collect, Enketo and Kobo send."""

import json

import pytest

from bma.submissions.header import HeaderError, parse_kobo_json, parse_xml_header


def test_namespaced_meta_and_version_as_collect_sends_them():
    header = parse_xml_header(
        b'<?xml version="1.0"?><data xmlns:orx="http://openrosa.org/xforms" id="bma_b2" orx:version="2026112202">'
        b"<village>V-1</village><orx:meta><orx:instanceID>uuid:a</orx:instanceID>"
        b"<orx:deprecatedID>uuid:old</orx:deprecatedID><orx:instanceName>Oshoba <b>x</b></orx:instanceName>"
        b"</orx:meta></data>"
    )
    assert (header.form_id, header.version, header.instance_id, header.deprecated_id) == (
        "bma_b2",
        "2026112202",
        "uuid:a",
        "uuid:old",
    )
    assert header.instance_name == "Oshoba"  # the element's own text, as ElementTree's .text


def test_plain_meta_a_root_level_instance_id_and_a_nested_one_that_does_not_count():
    plain = parse_xml_header(b'<d id="f" version="1"><meta><instanceID> uuid:b </instanceID></meta></d>')
    assert plain.instance_id == "uuid:b"
    top = parse_xml_header(b'<d id="f"><instanceID>uuid:c</instanceID></d>')
    assert top.instance_id == "uuid:c"
    with pytest.raises(HeaderError, match="no meta/instanceID"):
        parse_xml_header(b'<d id="f"><grp><meta><instanceID>uuid:deep</instanceID></meta></grp></d>')


def test_encodings_expat_reads_and_one_it_does_not():
    xml = '<?xml version="1.0" encoding="UTF-16"?><d id="деҳа"><meta><instanceID>uuid:u</instanceID></meta></d>'
    assert parse_xml_header(xml.encode("utf-16")).form_id == "деҳа"
    with pytest.raises(HeaderError, match="encoding"):
        parse_xml_header(b'<?xml version="1.0" encoding="x-unknown"?><d id="f"/>')


@pytest.mark.parametrize(
    "payload",
    [
        b'<!DOCTYPE d [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><d id="f">&b;</d>',
        b'<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><d id="f">&x;</d>',
        b'<!DOCTYPE d SYSTEM "http://example.org/d.dtd"><d id="f"/>',
    ],
    ids=["entity expansion", "xxe", "external dtd"],
)
def test_dtds_and_entities_are_refused(payload):
    with pytest.raises(HeaderError, match="DTD or entities"):
        parse_xml_header(payload)


def test_the_top_level_district_is_read_for_the_assignment_check():
    xml = b"<data id='bma_b2' version='1'><district>TJ-KT-PAN</district><g><district>no</district></g>"
    xml += b"<meta><instanceID>uuid:d</instanceID></meta></data>"
    assert parse_xml_header(xml).district == "TJ-KT-PAN"
    _, header = parse_kobo_json(b'{"_uuid": "d", "district": "TJ-KT-PAN"}')
    assert header.district == "TJ-KT-PAN"


@pytest.mark.parametrize("key", ["_uuid", "meta/instanceID", "meta/deprecatedID", "meta/rootUuid"])
def test_a_kobo_id_longer_than_the_store_keeps_is_refused(key):
    record = {"_uuid": "d", key: "uuid:" + "x" * 251}
    with pytest.raises(HeaderError, match="longer than 255"):
        parse_kobo_json(json.dumps(record).encode())
    record[key] = "uuid:" + "x" * 250  # exactly 255: stored
    parse_kobo_json(json.dumps(record).encode())


def test_kobo_json_deeper_than_any_record_is_refused_however_deep():
    for depth in (33, 900, 100_000):
        with pytest.raises(HeaderError, match="nests deeper than 32"):
            parse_kobo_json(b'{"_uuid": "d", "a": ' + b"[" * depth + b"]" * depth + b"}")
    ok = b'{"_uuid": "d", "a": ' + b"[" * 31 + b"]" * 31 + b"}"  # 32 levels with the record itself
    assert parse_kobo_json(ok)[1].instance_id == "uuid:d"


def test_a_district_given_twice_or_too_long_is_refused_in_xml_and_in_kobo_json():
    """One reading of the district (submission_district) for intake and the mapper: a second one is
    refused, not read as the first (intake did) or the last (the tree did)."""
    xml = b"<data id='bma_b2' version='1'><district>TJ-SU-KHU</district><district>TJ-SU-ASH</district>"
    xml += b"<meta><instanceID>uuid:d</instanceID></meta></data>"
    with pytest.raises(HeaderError, match=r"gives the district 2 times \(TJ-SU-KHU, TJ-SU-ASH\)"):
        parse_xml_header(xml)
    with pytest.raises(HeaderError, match="gives district more than once"):
        parse_kobo_json(b'{"_uuid": "d", "district": "TJ-SU-KHU", "district": "TJ-SU-ASH"}')
    with pytest.raises(HeaderError, match="gives a, b more than once"):  # any key, at any depth
        parse_kobo_json(b'{"_uuid": "d", "g": [{"b": 1, "a": 1, "b": 2, "a": 2}]}')
    long = "TJ-" + "X" * 62
    with pytest.raises(HeaderError, match="longer than 64"):
        parse_xml_header(xml.replace(b"<district>TJ-SU-KHU</district>", b"").replace(b"TJ-SU-ASH", long.encode()))
    assert parse_xml_header(xml.replace(b"<district>TJ-SU-KHU</district>", b"")).district == "TJ-SU-ASH"
