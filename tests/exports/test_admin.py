"""Export jobs in the admin: a coordinator starts one, follows its progress and finds the download link."""

import pytest
from django.urls import reverse

from bma.core.roles import ROLE_PERMISSIONS, Role
from bma.exports.models import ExportFormat, ExportJob, ExportState
from bma.exports.services import export_job_run
from tests import factories

pytestmark = pytest.mark.django_db
LIST = "admin:exports_exportjob_changelist"


def progress(client, job):
    return client.get(reverse("admin:exports_exportjob_progress", args=[job.pk]))


def test_the_coordinator_role_may_list_and_start_exports(personas):
    assert {"exports.view_exportjob", "exports.add_exportjob"} <= set(ROLE_PERMISSIONS[Role.COORDINATOR])
    assert personas.coordinator.has_perms(["exports.view_exportjob", "exports.add_exportjob"])
    assert not personas.supervisor.has_perm("exports.add_exportjob")


def test_a_coordinator_starts_an_xlsx_export_from_the_admin_and_it_finishes(
    client, two_villages, personas, tasks_in_process, django_capture_on_commit_callbacks
):
    client.force_login(personas.coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(
            reverse("admin:exports_exportjob_add"), {"round": two_villages.pk, "format": ExportFormat.XLSX}
        )
    assert answer.status_code == 302 and answer["Location"] == reverse(LIST)
    job = ExportJob.objects.get()
    assert (job.state, job.format, job.requested_by) == (ExportState.DONE, ExportFormat.XLSX, personas.coordinator)
    status = progress(client, job).json()
    assert (status["state"], status["progress"], status["finished"]) == ("done", 100, True)
    assert status["download_url"] == reverse("export-download", args=[job.pk])
    page = client.get(reverse(LIST)).content.decode()
    assert f'href="{status["download_url"]}"' in page and '<progress max="100" value="100">' in page
    assert 'http-equiv="refresh"' not in page  # nothing running: the list does not reload itself


def test_a_queued_export_reports_its_progress_and_the_list_reloads_without_script(client, personas):
    job = ExportJob.objects.create(round=personas.round, requested_by=personas.coordinator)
    client.force_login(personas.coordinator)
    status = progress(client, job).json()
    assert (status["state"], status["progress"], status["finished"], status["download_url"]) == (
        "queued",
        0,
        False,
        None,
    )
    ExportJob.objects.filter(pk=job.pk).update(state=ExportState.RUNNING, progress=40)
    assert progress(client, job).json()["progress"] == 40
    page = client.get(reverse(LIST)).content.decode()
    assert '<progress max="100" value="40">' in page and "exports/export_progress.js" in page
    assert '<noscript><meta http-equiv="refresh" content="5"></noscript>' in page


def test_the_progress_of_another_coordinators_personal_export_is_not_found(client, personas):
    job = ExportJob.objects.create(round=personas.round, requested_by=personas.coordinator, include_personal=True)
    client.force_login(factories.make_user("coordinator-2", Role.COORDINATOR))
    assert progress(client, job).status_code == 404


def test_supervisors_and_enumerators_get_no_export_progress(client, personas, tasks_in_process):
    job = ExportJob.objects.create(round=personas.round, requested_by=personas.coordinator)
    export_job_run(job.pk)
    client.force_login(personas.supervisor)
    assert progress(client, job).status_code == 403
    client.force_login(personas.enumerator)
    assert progress(client, job).status_code == 302
