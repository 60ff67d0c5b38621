"""A coordinator's export in a real browser at 1024x768: start it in the admin, see it finish, download it."""

import threading

import pytest
from openpyxl import load_workbook

from bma.exports.models import ExportDownload, ExportJob, ExportState
from tests.support import ARTIFACTS, chromium_page, csp_refusals, desk_log_in


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_coordinator_starts_an_xlsx_export_sees_it_done_and_downloads_it(
    live_server, two_villages, personas, tasks_in_process
):
    saved = ARTIFACTS / "export-from-admin.xlsx"
    with chromium_page(viewport={"width": 1024, "height": 768}, accept_downloads=True, locale="en-GB") as (
        page,
        console,
    ):
        desk_log_in(page, f"{live_server.url}/admin/exports/exportjob/", "coordinator")
        page.get_by_role("link", name="Add export job").click()
        page.select_option("#id_round", str(two_villages.pk))
        page.select_option("#id_format", "xlsx")
        page.click("input[name=_save]")
        # The task ran in-process (as the other export tests run it): the list shows the job finished.
        page.wait_for_selector("text=The export is being built: its progress shows in the list below.")
        link = page.locator("#result_list .export-file a", has_text="Download")
        link.wait_for()
        state = page.inner_text("#result_list .export-state")
        bar = page.locator("#result_list progress").get_attribute("value")
        boxes = [link.bounding_box(), page.locator("#result_list progress").bounding_box()]
        page.screenshot(path=str(ARTIFACTS / "export-jobs-1024x768.png"))
        with page.expect_download() as download:
            link.click()
        download.value.save_as(saved)

    assert csp_refusals(console) == []
    assert (state, bar) == ("Ready to download", "100")
    for box in boxes:  # the download link and the progress bar are both in view at 1024 px
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 1024 and box["y"] + box["height"] <= 768
    job = ExportJob.objects.get()
    assert (job.state, job.requested_by) == (ExportState.DONE, personas.coordinator)
    book = load_workbook(saved, read_only=True)
    assert {"villages", "codebook"} <= set(book.sheetnames)
    records = [row[0] for row in book["villages"].iter_rows(min_row=2, values_only=True)]
    assert len(records) == 2  # the round's two approved villages
    assert ExportDownload.objects.filter(job=job, user=personas.coordinator).count() == 1


def run_and_close(service, *args):
    from django.db import connections

    try:
        service(*args)
    finally:
        connections.close_all()  # this thread's own connection, which would hold the test database open


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_list_follows_a_running_export_and_shows_its_link_without_a_reload(live_server, two_villages, personas):
    from bma.exports.services import export_job_run

    job = ExportJob.objects.create(
        round=two_villages, requested_by=personas.coordinator, state=ExportState.RUNNING, progress=40
    )
    with chromium_page(viewport={"width": 1024, "height": 768}, locale="en-GB") as (page, console):
        desk_log_in(page, f"{live_server.url}/admin/exports/exportjob/", "coordinator")
        before = (page.inner_text("#result_list .export-state"), page.inner_text("#result_list .export-percent"))
        page.evaluate("window.notReloaded = true")  # gone if the page reloaded instead of updating itself
        # The worker's part, while the page polls; in a thread of its own, as Playwright's loop runs in this one.
        worker = threading.Thread(target=run_and_close, args=[export_job_run, job.pk])
        worker.start()
        worker.join()
        page.locator("#result_list .export-file a", has_text="Download").wait_for()
        after = (page.inner_text("#result_list .export-state"), page.inner_text("#result_list .export-percent"))
        same_page = page.evaluate("window.notReloaded === true")

    assert csp_refusals(console) == []
    assert before == ("Running", "40%")
    assert after == ("Ready to download", "100%") and same_page
