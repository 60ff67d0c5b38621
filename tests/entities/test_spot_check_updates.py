"""The spot check updates its village's entity (issue 32.3), end to end: a submission built as Collect sends
it goes through intake and processing, the entity gets its next version, the list the tablets download
says so; two tablets that updated the village from one version end as one village whose conflict the
referral queue shows until a supervisor resolves it."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from bma.entities.models import Entity
from bma.submissions.auth import collect_token_issue
from bma.submissions.models import ProcessingState

PLACEHOLDER = "7f9c2ba4-e88f-4c3a-9d5e-1c2b3a4d5e6f"  # the entity id in the fixture spot_check_2026120701.xml
INSTANCE = "uuid:5c1a2b3d-0000-4000-8000-000000000002"


def _village_entity(geo) -> Entity:
    return Entity.objects.get(settlement=geo.oshoba_village, deleted_at__isnull=True)


def _visit(receive, entity, *, instance=INSTANCE, base=1, trunk="", branch="", date="2026-12-07"):
    return receive(
        "spot_check_2026120701.xml",
        {
            PLACEHOLDER: str(entity.uuid),
            INSTANCE: instance,
            'baseVersion="1" trunkVersion="" branchId=""': (
                f'baseVersion="{base}" trunkVersion="{trunk}" branchId="{branch}"'
            ),
            "2026-12-07": date,
        },
    )


@pytest.mark.django_db
def test_a_spot_check_sent_as_collect_sends_it_updates_the_village_on_the_tablets_list(receive, personas, geo, client):
    from bma.validation.services import spot_check_sample_draw

    receive("b2_2026112202.xml")  # Oshoba assessed, then drawn for a check: the form's list is there
    spot_check_sample_draw(personas.round, share=1.0, min_per_district=1, seed=1)
    entity = _village_entity(geo)
    assert entity.version == 1
    submission = _visit(receive, entity)
    assert submission.state == ProcessingState.PROCESSED, submission.last_error
    entity.refresh_from_db()
    assert (entity.version, entity.properties["visited"], entity.properties["last_visit"]) == (2, "yes", "2026-12-07")
    assert entity.label and entity.properties["code"] == geo.oshoba_village.code  # the gazetteer's part unchanged

    # What the tablet downloads: the spot check's manifest lists villages.csv as Central's entity list,
    # and the list serves the village at version 2.
    token = collect_token_issue(personas.enumerator, "tablet").token
    headers = {"X-OpenRosa-Version": "1.0"}
    manifest = client.get(f"/collect/key/{token}/forms/bma_spot_check/manifest", headers=headers)
    assert manifest.status_code == 200
    assert b'<mediaFile type="entityList"><filename>villages.csv</filename>' in manifest.content
    listed = client.get(f"/collect/key/{token}/forms/bma_spot_check/media/villages.csv", headers=headers)
    rows = list(csv.DictReader(io.StringIO(listed.content.decode())))
    row = next(r for r in rows if r["name"] == str(entity.uuid))
    assert (row["__version"], row["visited"], row["last_visit"]) == ("2", "yes", "2026-12-07")

    # Processed again (the supervisor's "Process again"): the update is not applied twice.
    from bma.pipeline.services import submission_process
    from bma.submissions.services import submissions_requeue

    submissions_requeue(type(submission).objects.filter(pk=submission.pk))
    submission_process(submission.pk)
    entity.refresh_from_db()
    assert entity.version == 2


@pytest.mark.django_db
def test_the_previous_spot_check_version_still_maps_and_updates_nothing(receive, geo):
    submission = receive("spot_check_2026112202.xml")
    assert submission.state == ProcessingState.PROCESSED, submission.last_error
    assert _village_entity(geo).version == 1


@pytest.mark.django_db
def test_a_visit_of_a_village_the_server_deleted_is_processed_and_the_refusal_recorded(receive, personas, geo, client):
    entity = _village_entity(geo)
    Entity.objects.filter(pk=entity.pk).update(deleted_at="2026-12-01T00:00:00Z")
    submission = _visit(receive, entity)
    assert submission.state == ProcessingState.PROCESSED, submission.last_error
    # One record kind with refused creations: the submission's entity problem, in its district.
    from bma.validation.models import EntityAction, EntityProblem

    problem = EntityProblem.objects.get()
    assert (problem.code, problem.action, problem.submission_id) == ("404.11", EntityAction.UPDATE, submission.pk)
    assert problem.district is not None and problem.district.code == submission.district_code
    assert problem.entity_id == str(entity.uuid)
    assert "was deleted on the server" in problem.text

    # Processed again: still one record, not two.
    from bma.pipeline.services import submission_process
    from bma.submissions.services import submissions_requeue

    submissions_requeue(type(submission).objects.filter(pk=submission.pk))
    submission_process(submission.pk)
    assert EntityProblem.objects.get().code == "404.11"
    # The referral queue, where the conflicts are, leads to the one list's refused updates.
    client.force_login(personas.coordinator)
    queue = client.get(reverse("admin:referrals_referralmatch_changelist"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    listing = reverse("admin:validation_entityproblem_changelist") + "?action__exact=update"
    assert listing in queue
    assert "was deleted on the server" in client.get(listing, HTTP_ACCEPT_LANGUAGE="en").content.decode()


@pytest.mark.django_db
def test_two_updates_from_one_base_version_end_as_one_village_with_the_conflict_shown(receive, personas, geo, client):
    """Two supervisors' tablets, both offline with the village at version 1, visit it on the same day."""
    entity = _village_entity(geo)
    first = _visit(receive, entity, instance="uuid:tablet-a", base=1, trunk=1, branch="branch-a")
    second = _visit(receive, entity, instance="uuid:tablet-b", base=1, trunk=1, branch="branch-b")
    assert first.state == second.state == ProcessingState.PROCESSED
    assert Entity.objects.filter(settlement=geo.oshoba_village, deleted_at__isnull=True).count() == 1  # one village
    entity.refresh_from_db()
    assert (entity.version, entity.conflict) == (3, "soft")  # both applied; nothing sent differed

    client.force_login(personas.supervisor)
    queue = reverse("admin:referrals_referralmatch_changelist")
    page = client.get(queue).content.decode()
    assert 'id="entity-conflicts"' in page and str(entity.uuid) in page
    assert "uuid:tablet-a" in page and "uuid:tablet-b" in page
    resolve = reverse("admin:referrals_referralmatch_entity_resolve", args=[entity.pk])
    assert resolve in page

    response = client.post(resolve, {"version": entity.version})
    assert response.status_code == 302
    entity.refresh_from_db()
    assert entity.conflict == "" and entity.version == 3
    assert 'id="entity-conflicts"' not in client.get(queue).content.decode()


@pytest.mark.django_db
def test_a_later_visit_on_a_changed_date_from_an_old_version_is_a_hard_conflict(receive, geo):
    entity = _village_entity(geo)
    _visit(receive, entity, instance="uuid:tablet-a", base=1, trunk=1, branch="branch-a", date="2026-12-05")
    _visit(receive, entity, instance="uuid:tablet-b", base=1, trunk=1, branch="branch-b", date="2026-12-06")
    entity.refresh_from_db()
    assert entity.conflict == "hard"
    assert entity.versions.get(version=3).conflicting_properties == ["last_visit"]


@pytest.mark.django_db
def test_a_supervisor_does_not_see_or_resolve_conflicts_outside_their_areas(receive, personas, geo, client):
    entity = Entity.objects.get(settlement=geo.panj_centre, deleted_at__isnull=True)
    Entity.objects.filter(pk=entity.pk).update(conflict="soft")
    client.force_login(personas.supervisor)  # Sughd; Panj is in Khatlon
    assert str(entity.uuid) not in client.get(reverse("admin:referrals_referralmatch_changelist")).content.decode()
    response = client.post(reverse("admin:referrals_referralmatch_entity_resolve", args=[entity.pk]), {"version": 1})
    assert response.status_code == 404


@pytest.mark.django_db
def test_a_held_visit_refused_when_the_sweep_applies_it_is_its_own_submissions_problem(receive, geo, settings):
    """A tablet's second offline update arrives alone (held for its branch); the village is then deleted;
    the sweep's refusal is kept on that submission, as any refused entity."""
    from bma.pipeline.services import submissions_sweep_due
    from bma.validation.models import EntityAction, EntityProblem

    entity = _village_entity(geo)
    submission = _visit(receive, entity, base=2, trunk=1, branch="8d997b31-5b7a-4d5a-aefa-58282599b870")
    assert submission.state == ProcessingState.PROCESSED, submission.last_error
    assert entity.versions.count() <= 1 and not EntityProblem.objects.exists()  # held, not refused
    Entity.objects.filter(pk=entity.pk).update(deleted_at="2026-12-01T00:00:00Z")
    settings.BMA_ENTITY_BACKLOG_HOURS = 0
    submissions_sweep_due()
    problem = EntityProblem.objects.get()
    assert (problem.submission_id, problem.code, problem.action) == (submission.pk, "404.11", EntityAction.UPDATE)
