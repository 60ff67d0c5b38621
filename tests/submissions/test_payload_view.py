"""Raw submissions as reviewers read them: the answers the form marks as personal are hidden from
anyone without the personal-data permission, and the page says so."""

import json

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from bma.submissions.models import PayloadFormat, Submission
from bma.submissions.payload_view import HIDDEN, payload_for_reader, redact_json
from bma.xforms.personal import PERSONAL_NAMESPACE, marked_personal_fields, personal_fields

PHONE = "+992 92 555 1234"


def with_personal_data(user):
    user.user_permissions.add(Permission.objects.get(codename="view_personal_data"))
    return type(user).objects.get(pk=user.pk)


@pytest.mark.django_db
def test_the_assessment_page_hides_informants_phones_without_the_permission(client, receive, personas):
    from bma.assessments.models import VillageAssessment

    receive("b2_2026112202.xml")
    page = reverse("admin:assessments_villageassessment_change", args=[VillageAssessment.objects.get().pk])
    for reader in (personas.supervisor, personas.coordinator, personas.administrator):
        client.force_login(reader)
        text = client.get(page).content.decode()
        assert PHONE not in text and "personal answer (informants" in text, reader
        assert "Imam of the mosque" in text  # the rest of the payload is still shown
    client.force_login(with_personal_data(personas.coordinator))
    text = client.get(page).content.decode()
    assert PHONE in text and HIDDEN not in text and "personal answer" not in text


@pytest.mark.django_db
def test_the_raw_submission_page_hides_them_too(client, receive, personas):
    submission = receive("b2_2026112202.xml")
    page = reverse("admin:submissions_submission_change", args=[submission.pk])
    client.force_login(personas.coordinator)
    response = client.get(page)
    assert response.status_code == 200
    assert PHONE not in response.content.decode() and HIDDEN in response.content.decode()
    client.force_login(with_personal_data(personas.coordinator))
    assert PHONE in client.get(page).content.decode()
    assert PHONE.encode() in Submission.objects.get().payload_bytes  # what is stored never changes


def test_kobo_records_hide_personal_answers_under_their_group_paths():
    record = {
        "_uuid": "u1",
        "ki": [{"ki/ki_sex": "male", "ki/ki_contact/ki_name": "Rustam", "ki/ki_contact/ki_phone": PHONE}],
        "households": "420",
    }
    text, hidden = redact_json(json.dumps(record).encode(), frozenset({"ki_name", "ki_phone"}))
    shown = json.loads(text)
    assert hidden == 2 and "Rustam" not in text and PHONE not in text
    assert shown["ki"][0]["ki/ki_sex"] == "male" and shown["households"] == "420"


@pytest.mark.django_db
def test_an_unreadable_payload_is_not_shown_to_a_reader_without_the_permission(receive, personas):
    submission = receive("b2_2026112202.xml")
    submission.payload = b"<data><ki_phone>" + PHONE.encode() + b"</ki_phone"  # truncated XML
    submission.payload_format = PayloadFormat.XML
    shown = payload_for_reader(submission, personas.supervisor)
    assert shown.text == "" and "could not be read" in shown.note


def test_a_form_marks_its_personal_questions_with_a_bind_attribute():
    xform = (
        '<h:html xmlns="http://www.w3.org/2002/xforms" xmlns:h="http://www.w3.org/1999/xhtml" '
        f'xmlns:bma="{PERSONAL_NAMESPACE}"><h:head><model><instance><data id="x"><contact><who/></contact>'
        '<age/></data></instance><bind nodeset="/data/contact/who" type="string" bma:personal="true"/>'
        '<bind nodeset="/data/age" type="int"/></model></h:head><h:body/></h:html>'
    )
    assert marked_personal_fields(xform) == frozenset({"who"})
    assert personal_fields("an_uploaded_form", xform) == frozenset({"who"})
    # A version of our own form published before the marks takes them from its workbook tables.
    assert personal_fields("bma_b2", "<h:html/>") == frozenset({"ki_name", "ki_phone"})
