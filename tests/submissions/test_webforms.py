"""ODK Web Forms in headless Chromium: our page loads the form and its village list, the enumerator
fills it in the browser, and the submission lands in the lossless store through /collect/submission."""

import io
import shutil
import time

import pytest
from openpyxl import Workbook

from bma.submissions.models import Submission
from bma.xforms.services import list_files_refresh, xlsform_publish
from tests.conftest import REPO_ROOT
from tests.support import csp_refusals, require

CHROMIUM = "/usr/bin/chromium"


def small_form() -> bytes:
    """A short form in the same shape as B2's first page: a village from the list and a count."""
    workbook = Workbook()
    survey = workbook.active
    survey.title = "survey"
    survey.append(["type", "name", "label", "constraint", "constraint_message", "required"])
    survey.append(["select_one_from_file villages.csv", "village", "Village", "", "", "yes"])
    survey.append(["integer", "households", "Households", ". >= 0", "Enter 0 or more.", "yes"])
    settings = workbook.create_sheet("settings")
    settings.append(["form_id", "form_title", "version"])
    settings.append(["webforms_check", "Web Forms check", "1"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_enumerator_fills_and_sends_a_form_in_odk_web_forms(live_server, personas):
    require(shutil.which("java") is not None, "ODK Validate needs Java")
    require(shutil.which(CHROMIUM) is not None, "Debian's chromium is needed (apt-get install chromium)")
    require((REPO_ROOT / "node_modules" / "@getodk" / "web-forms").exists(), "run `make node` (npm ci)")
    from playwright.sync_api import sync_playwright

    xlsform_publish(small_form(), "webforms_check.xlsx")
    list_files_refresh(personas.round)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page()
        console = []
        page.on("console", lambda msg: console.append(msg.text))
        page.on("pageerror", lambda exc: console.append(f"page error: {exc}"))
        page.goto(f"{live_server.url}/collect/webforms/webforms_check/")
        page.fill("input[name=username]", "enumerator")
        page.fill("input[name=password]", "pass-for-tests-1")
        page.click("button[type=submit]")
        try:
            page.get_by_text("Oshoba", exact=False).first.click(timeout=30_000)
        except Exception as exc:
            raise AssertionError(f"the form did not show: browser console={console[-10:]}") from exc
        households = page.get_by_role("spinbutton").first
        households.click()
        households.press_sequentially("57")  # PrimeVue's number input takes keystrokes, not fill()
        households.press("Tab")
        page.get_by_role("button", name="Send").click()
        try:
            page.wait_for_selector("#submission-status[data-status='201']", timeout=30_000)
        except Exception as exc:
            status = page.inner_text("#submission-status")
            raise AssertionError(f"no 201: status={status!r} browser console={console[-10:]}") from exc
        message = page.inner_text("#submission-status")
        browser.close()

    assert "Submission received" in message
    # The page runs under its Content-Security-Policy: nothing was refused on the way.
    assert csp_refusals(console) == []
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not Submission.objects.filter(form__xml_form_id="webforms_check").exists():
        time.sleep(0.2)
    stored = Submission.objects.get(form__xml_form_id="webforms_check")
    xml = stored.payload_bytes.decode()
    assert "<village>V-ASH-0001</village>" in xml and "<households>57</households>" in xml
    assert stored.submitted_by == personas.enumerator


def test_without_the_npm_assets_the_page_says_what_to_run_instead_of_staying_white(
    client, b2_form, personas, monkeypatch
):
    from bma.submissions import webforms
    from tests.submissions.conftest import FORM_ID

    client.force_login(personas.enumerator)
    assert client.get(f"/collect/webforms/{FORM_ID}/").status_code == 200  # installed here

    monkeypatch.setattr(webforms, "WEBFORMS_ASSETS", ("vendor/web-forms/not-installed.js",))
    response = client.get(f"/collect/webforms/{FORM_ID}/")

    assert response.status_code == 503
    page = response.content.decode()
    assert "Web Forms assets are not installed" in page and "npm ci" in page
    assert "importmap" not in page
