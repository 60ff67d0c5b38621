"""Exports with informants' personal data: downloaded only by who asked for them while they hold the
permission, listed to nobody else, logged at every download, deleted after their time."""

import datetime as dt
import os
import stat

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from bma.exports.models import ExportDownload, ExportJob, ExportState
from bma.exports.services import exports_expire
from bma.exports.tasks import export_job_start
from tests import factories

pytestmark = pytest.mark.django_db


def grant_personal_data(user):
    user.user_permissions.add(Permission.objects.get(codename="view_personal_data"))
    return type(user).objects.get(pk=user.pk)  # a fresh instance: permissions are cached per instance


@pytest.fixture
def personal_export(two_villages, personas, tasks_in_process, django_capture_on_commit_callbacks):
    requester = grant_personal_data(personas.coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        job = export_job_start(round=two_villages, user=requester, format="csv", include_personal=True)
    job.refresh_from_db()
    assert job.state == ExportState.DONE
    return job


def download(client, user, job):
    client.force_login(user)
    return client.get(reverse("export-download", args=[job.pk]))


def test_only_the_requester_with_the_permission_downloads_a_personal_export(client, personal_export, personas):
    other_coordinator = factories.make_user("coordinator-2", "coordinator")
    other_with_permission = grant_personal_data(factories.make_user("coordinator-3", "coordinator"))
    assert download(client, personas.coordinator, personal_export).status_code == 200
    assert download(client, other_coordinator, personal_export).status_code == 403
    assert download(client, other_with_permission, personal_export).status_code == 403  # not theirs
    assert download(client, personas.supervisor, personal_export).status_code == 403
    administrator = grant_personal_data(personas.administrator)
    assert download(client, administrator, personal_export).status_code == 200
    # The permission is checked at download time: withdrawn, the requester is refused too.
    personas.coordinator.user_permissions.clear()
    assert download(client, personas.coordinator, personal_export).status_code == 403
    downloads = ExportDownload.objects.filter(job=personal_export)
    assert sorted(d.user.username for d in downloads) == ["administrator", "coordinator"]


def test_a_personal_export_is_not_listed_to_other_coordinators(client, personal_export, personas):
    other = factories.make_user("coordinator-2", "coordinator")
    client.force_login(other)
    assert client.get("/api/exports/").json() == []
    assert client.get(f"/api/exports/{personal_export.pk}/").status_code == 404
    assert client.get(reverse("admin:exports_exportjob_changelist")).context["cl"].result_count == 0
    client.force_login(personas.coordinator)
    assert [j["id"] for j in client.get("/api/exports/").json()] == [personal_export.pk]


def test_a_personal_export_expires_and_its_file_is_deleted(client, personal_export, personas, settings):
    assert personal_export.expires_at - personal_export.finished_at == dt.timedelta(
        days=settings.BMA_PERSONAL_EXPORT_DAYS
    )
    path = personal_export.file.path
    assert exports_expire(now=timezone.now()) == 0
    assert exports_expire(now=personal_export.expires_at + dt.timedelta(seconds=1)) == 1
    personal_export.refresh_from_db()
    assert personal_export.state == ExportState.EXPIRED and not personal_export.file
    import os

    assert not os.path.exists(path)
    gone = download(client, personas.coordinator, personal_export)
    assert gone.status_code == 410 and "deleted" in gone.content.decode()


def test_an_export_without_personal_data_does_not_expire(
    two_villages, personas, tasks_in_process, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = export_job_start(round=two_villages, user=personas.coordinator, format="csv")
    job.refresh_from_db()
    assert job.expires_at is None
    assert exports_expire(now=timezone.now() + dt.timedelta(days=365)) == 0
    assert ExportJob.objects.get(pk=job.pk).state == ExportState.DONE


def test_an_export_file_is_readable_by_the_servers_user_only(personal_export):
    assert stat.S_IMODE(os.stat(personal_export.file.path).st_mode) == 0o600
