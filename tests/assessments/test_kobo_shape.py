"""A KoboToolbox record, in the exact shape Kobo's REST service posts it, maps to the same values as the
same answers sent as XML (fixtures/kobo/, made from the XML fixtures by fixtures/kobo/make_fixtures.py)."""

import json
from pathlib import Path
from xml.etree.ElementTree import ParseError

import pytest

from bma.assessments.instance_tree import flatten, kobo_tree, xml_tree
from bma.assessments.mappers import MAPPERS, map_b2

FIXTURES = Path(__file__).parent / "fixtures"
KOBO = FIXTURES / "kobo"
PAIRS = [
    ("bma_b2", KOBO / "b2_2026112202.json", FIXTURES / "b2_2026112202.xml"),
    ("bma_b2", KOBO / "b2_2026112202_edit.json", KOBO / "b2_2026112202_edit.xml"),
    ("bma_b1", KOBO / "b1_2026112202.json", FIXTURES / "b1_2026112202.xml"),
    ("bma_spot_check", KOBO / "spot_check_2026112202.json", FIXTURES / "spot_check_2026112202.xml"),
]


def _trees(form_id, kobo_file, xml_file):
    repeats = MAPPERS[form_id].repeats
    return kobo_tree(kobo_file.read_bytes(), repeats), xml_tree(xml_file.read_bytes(), repeats)


@pytest.mark.parametrize(("form_id", "kobo_file", "xml_file"), PAIRS, ids=[p[1].name for p in PAIRS])
def test_kobo_record_maps_to_the_same_values_as_its_xml(form_id, kobo_file, xml_file):
    kobo, xml = _trees(form_id, kobo_file, xml_file)
    assert MAPPERS[form_id].map(kobo) == MAPPERS[form_id].map(xml)


@pytest.mark.parametrize(("form_id", "kobo_file", "xml_file"), PAIRS, ids=[p[1].name for p in PAIRS])
def test_every_answer_of_the_kobo_record_is_in_its_tree(form_id, kobo_file, xml_file):
    """Field by field: what the XML answered, the Kobo tree holds at the same path (Kobo leaves out
    unanswered fields and adds formhub/uuid, and meta/rootUuid to an edit; nothing else differs)."""
    kobo, xml = _trees(form_id, kobo_file, xml_file)
    answered = {path: value for path, value in flatten(xml).items() if value}
    kobo_only = ("formhub/", "meta/rootUuid")
    assert {path: value for path, value in flatten(kobo).items() if not path.startswith(kobo_only)} == answered


def test_informants_name_and_phone_inside_the_ki_repeat_are_mapped():
    """Kobo keys inside a repeat are full paths ('ki/ki_contact/ki_name'): they were dropped before."""
    record = json.loads((KOBO / "b2_2026112202_edit.json").read_text())
    assert record["ki"][0]["ki/ki_contact/ki_name"] == "Gulnora Rahimova"  # the shape under test
    values = map_b2(kobo_tree((KOBO / "b2_2026112202_edit.json").read_bytes(), MAPPERS["bma_b2"].repeats))
    assert [(i.name, i.phone) for i in values.informants] == [
        ("Gulnora Rahimova", "+992 92 555 1234"),
        ("Mullo Karimov", ""),
    ]
    assert values.households == 425
    assert [(c, n) for c, n in values.populations[0].countries] == [("AF", 9), ("CN", 3)]


def test_a_repeat_inside_a_repeat_keeps_full_paths_at_every_level():
    # kobocat's shape (formpack fixture grouped_repeatable): the inner repeat's key and its items' keys
    # are full paths from the root too.
    record = {
        "_id": 1,
        "visit/members": [
            {
                "visit/members/name": "peter",
                "visit/members/phones": [{"visit/members/phones/number": "1"}, {"visit/members/phones/number": "2"}],
            }
        ],
        "meta/instanceID": "uuid:x",
    }
    tree = kobo_tree(json.dumps(record).encode(), frozenset({"members", "phones"}))
    assert tree == {
        "visit": {"members": [{"name": "peter", "phones": [{"number": "1"}, {"number": "2"}]}]},
        "meta": {"instanceID": "uuid:x"},
    }


def test_kobo_metadata_never_becomes_an_answer_and_odd_values_read_as_xml_would():
    record = {
        "_attachments": [{"filename": "a.jpg"}],
        "_validation_status": {"uid": "validation_status_approved"},
        "__version__": "v1",
        "households": 420,
        "choices": ["a", "b"],
        "empty": None,
        "group": {"nested": "kept"},
    }
    tree = kobo_tree(json.dumps(record).encode(), frozenset())
    assert tree == {"households": "420", "choices": "a b", "empty": "", "group": {"nested": "kept"}}


def test_a_record_too_deep_or_not_an_object_is_a_parse_error_not_a_crash():
    deep = b'{"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    with pytest.raises(ParseError, match="nests deeper"):
        kobo_tree(deep, frozenset())
    nested = {"a": {}}
    node = nested["a"]
    for _ in range(100):
        node["b"] = {}
        node = node["b"]
    with pytest.raises(ParseError, match="nests deeper"):
        kobo_tree(json.dumps(nested).encode(), frozenset())
    with pytest.raises(ParseError, match="not a JSON object"):
        kobo_tree(b"[1]", frozenset())
    with pytest.raises(ParseError, match="both a value"):
        kobo_tree(b'{"a": "x", "a/b": "y"}', frozenset())


@pytest.mark.django_db
def test_kobo_record_and_its_edit_are_stored_as_sent_and_become_the_same_assessment(
    client, personas, published_forms, django_capture_on_commit_callbacks, tasks_in_process
):
    from bma.assessments import models as m
    from bma.submissions.models import KoboSource, ProcessingState, Submission
    from bma.xforms.models import Form

    source = KoboSource.objects.create(
        name="Kobo B2", form=Form.objects.get(xml_form_id="bma_b2"), submitted_as=personas.enumerator
    )
    original, edit = (KOBO / "b2_2026112202.json").read_bytes(), (KOBO / "b2_2026112202_edit.json").read_bytes()
    for payload in (original, edit):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(f"/kobo/{source.token}/", payload, content_type="application/json")
        assert response.status_code == 201, response.content
    first, second = Submission.objects.order_by("pk")
    # Nothing lost: the bytes Kobo sent, as sent (indentation, key order, Kobo's own keys).
    assert (first.payload_bytes, second.payload_bytes) == (original, edit)
    assert second.deprecated_id == first.instance_id and second.is_current and not first.is_current
    assert second.state == ProcessingState.PROCESSED, second.last_error
    assessment = m.VillageAssessment.objects.get()
    assert assessment.submission == second and assessment.households == 425
    assert sorted(m.InformantContact.objects.values_list("name", "phone")) == [
        ("Gulnora Rahimova", "+992 92 555 1234"),
        ("Mullo Karimov", ""),
    ]


def test_a_record_carrying_kobos_own_version_id_is_read_as_the_version_its_source_names(
    client, personas, published_forms, django_capture_on_commit_callbacks, tasks_in_process
):
    """Real KoboToolbox records carry Kobo's asset version (__version__ "vGqX..."), not ours."""
    from django.core.exceptions import ValidationError

    from bma.assessments import models as m
    from bma.submissions.models import KoboSource, Submission
    from bma.xforms.models import Form, FormVersion

    b2 = Form.objects.get(xml_form_id="bma_b2")
    ours = FormVersion.objects.get(form=b2, version="2026112202")
    source = KoboSource.objects.create(name="Kobo B2", form=b2, submitted_as=personas.enumerator, form_version=ours)
    record = json.loads((KOBO / "b2_2026112202.json").read_text())
    record["__version__"] = "vGqXk3bN9mVZx7p2WQeLfD"
    payload = json.dumps(record).encode()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/kobo/{source.token}/", payload, content_type="application/json").status_code == 201
    stored = Submission.objects.get()
    assert stored.form_version == ours and stored.payload_bytes == payload  # Kobo's id kept in the payload
    assert stored.state == "processed", stored.last_error
    assert m.VillageAssessment.objects.get().households == 420

    source.form_version = FormVersion.objects.exclude(form=b2).first()
    with pytest.raises(ValidationError, match="is not a version of"):
        source.full_clean()
