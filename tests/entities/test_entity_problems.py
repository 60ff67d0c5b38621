"""Entities the server refuses are shown on the desk (issue 32): ODK Central only writes them to an audit log
(recorded in 07_entity_errors.json, codes 400.2, 409.3, 400.43); here each is a record of its submission,
on the assessment's page and in a list the district's supervisors reach from the desk."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from bma.entities.models import Entity
from bma.entities.services import BlockError
from bma.pipeline.services import create_entities, submission_process
from bma.submissions.services import submission_receive
from bma.validation.entity_problems import entity_problems_record
from bma.validation.models import EntityProblem
from bma.xforms.models import Form, FormVersion

RECORDED = Path(__file__).resolve().parents[1] / "fixtures" / "central_entities"
LIST = "admin:validation_entityproblem_changelist"


def _recorded_submission(file: str, label: str) -> str:
    exchanges = json.loads((RECORDED / file).read_text())["exchanges"]
    exchange = next(e for e in exchanges if e["label"] == label)
    return next(p for p in exchange["request"]["multipart_parts"] if p["name"] == "xml_submission_file")["body"]


@pytest.fixture
def village_reg(db):
    form = Form.objects.create(xml_form_id="village_reg", title="Village registration (repeat)")
    FormVersion.objects.create(
        form=form,
        version="2026120701",
        xlsform=b"",
        xlsform_sha256="",
        xml=(RECORDED / "forms" / "village_reg.xml").read_text(),
        xml_md5="0" * 32,
        published_at=timezone.now(),
    )


@pytest.mark.django_db
def test_a_repeat_with_an_empty_label_is_kept_as_problems_with_centrals_codes_and_rows(personas, village_reg, client):
    """The recorded R submission whose second row has no label: Central created neither entity and logged
    400.43 with the row's 400.2. Here: no entity, the submission processed, one problem per row."""
    payload = _recorded_submission("07_entity_errors.json", "R with row 1 valid, row 2 empty label")
    received = submission_receive(payload=payload.encode(), files=[], user=personas.enumerator).submission
    submission_process(received.pk)
    received.refresh_from_db()
    assert received.state == "processed", received.last_error
    assert not Entity.objects.filter(provisional=True).exists()
    problems = list(EntityProblem.objects.filter(submission=received).order_by("row"))
    assert [(p.row, p.code) for p in problems] == [(1, "400.43"), (2, "400.2")]
    assert problems[1].message == "Required parameter label missing."  # Central's errorMessage, the record
    # Processed again: the same problems, not twice.
    create_entities([received])
    assert EntityProblem.objects.filter(submission=received).count() == 2

    client.force_login(personas.coordinator)
    page = client.get(reverse(LIST), HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "Село 2 не добавлено в список планшетов: у него нет названия." in page
    page = client.get(reverse(LIST), HTTP_ACCEPT_LANGUAGE="tg").content.decode()
    assert "Деҳаи 2 ба рӯйхати планшетҳо илова нашуд: номаш нест." in page


@pytest.mark.django_db
def test_the_assessment_page_shows_its_refused_villages_and_links_the_list(receive, personas, client):
    """Refused creations and refused updates are one record kind: on the page and in the one list, scoped."""
    submission = receive("b2_2026112202.xml")
    deleted = "The entity with UUID (37fa696d) has been deleted."
    entity_problems_record(
        submission,
        [
            BlockError(1, "A resource already exists with uuid value(s) of x.", "409.3", "1d60e55b", "Navobod"),
            BlockError(2, deleted, "404.11", "37fa696d", update=True, instance_id=submission.root_instance_id),
        ],
    )
    from bma.assessments.models import VillageAssessment

    assessment = VillageAssessment.objects.get(root_instance_id=submission.root_instance_id)
    client.force_login(personas.supervisor)
    url = reverse("admin:assessments_villageassessment_change", args=[assessment.pk])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Villages the tablet created or updated that the server refused (2)" in page
    assert "Village 1 (“Navobod”) was not added: its entity ID 1d60e55b is already used by another village." in page
    assert "The update of village 2 was refused: the village (entity ID 37fa696d) was deleted on the server" in page
    assert reverse(LIST) in page
    # The list: the supervisor of the district sees both, with the way to the assessment's page, and
    # Central's codes are kept.
    listing = client.get(reverse(LIST), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "already used by another village" in listing and url in listing
    assert "was deleted on the server" in listing
    updates = client.get(reverse(LIST) + "?action__exact=update", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "was deleted on the server" in updates and "already used by another village" not in updates
    assert sorted(EntityProblem.objects.values_list("code", "action")) == [("404.11", "update"), ("409.3", "create")]
    # A supervisor of another province does not.
    from bma.core.roles import Role
    from tests import factories

    other = factories.make_user("supervisor-kt", Role.SUPERVISOR)
    factories.assign(other, personas.geo.khatlon, personas.round, "supervisor")
    client.force_login(other)
    listing = client.get(reverse(LIST)).content.decode()
    assert "already used by another village" not in listing and "was deleted on the server" not in listing
