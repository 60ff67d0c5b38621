"""ODK Web Forms in headless Chromium: our page loads the form and its village list, the enumerator
fills it in the browser, and the submission lands in the lossless store through /collect/submission."""

import io
import re
import shutil
import time

import pytest
from openpyxl import Workbook

from bma.submissions.models import Submission
from bma.xforms import codelists as cl
from bma.xforms.services import list_files_refresh, xlsform_publish
from tests.conftest import REPO_ROOT
from tests.support import chromium, chromium_page, console_of, csp_refusals, require


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
    require((REPO_ROOT / "node_modules" / "@getodk" / "web-forms").exists(), "run `make node` (npm ci)")

    xlsform_publish(small_form(), "webforms_check.xlsx")
    list_files_refresh(personas.round)

    with chromium_page() as (page, console):
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


def _enumerator_opens(browser, live_server, form_id: str, password: str = "pass-for-tests-1"):
    """A page at 1024x768 with a GPS fix, logged in as the enumerator on the form's Web Forms page."""
    context = browser.new_context(
        viewport={"width": 1024, "height": 768},
        geolocation={"latitude": 40.78, "longitude": 70.79, "accuracy": 5},
        permissions=["geolocation"],
    )
    page = context.new_page()
    console = console_of(page)
    page.on("pageerror", lambda exc: console.append(f"page error: {exc}"))
    page.goto(f"{live_server.url}/collect/webforms/{form_id}/")
    page.fill("input[name=username]", "enumerator")
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    return page, console


def _question(page, label: str):
    return page.locator(".question-container").filter(has=page.locator("label", has_text=label)).first


def _choose(page, label: str, option: str):
    _question(page, label).locator("label.value-option").filter(has=page.get_by_text(option, exact=True)).first.click()


def _type_number(page, label: str, value: int):
    field = _question(page, label).get_by_role("spinbutton")
    field.click()
    field.press_sequentially(str(value))  # PrimeVue's number input takes keystrokes, not fill()
    field.press("Tab")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_enumerator_sends_the_round_b2_with_no_referral_from_web_forms(live_server, demo_data, tasks_in_process):
    """After the demo data, the demo enumerator (Asht) opens the round's own B2: offered only Asht,
    dates shown unambiguously, sent, stored and processed into an assessment."""
    require(shutil.which("java") is not None, "ODK Validate needs Java")
    require((REPO_ROOT / "node_modules" / "@getodk" / "web-forms").exists(), "run `make node` (npm ci)")
    from bma.assessments.models import VillageAssessment
    from bma.rounds.management.commands.demo_users import DEMO_PASSWORD
    from bma.submissions.models import ProcessingState

    with chromium() as browser:
        page, console = _enumerator_opens(browser, live_server, "bma_b2", DEMO_PASSWORD)
        try:
            _question(page, "Province").wait_for(timeout=30_000)
            assert "Round number" not in page.inner_text("body")  # the round's own B2
            provinces = _question(page, "Province").locator("label.value-option").all_inner_texts()
            assert [t.split(" (")[0] for t in provinces] == ["Sughd"]  # assigned to Asht only
            # One province and one district assigned: both already chosen when the form opens.
            assert _question(page, "Province").locator("input:checked").count() == 1
            assert _question(page, "District or city").locator("input:checked").count() == 1
            _choose(page, "Province", "Sughd (Вилояти Суғд)")
            districts = _question(page, "District or city").locator("label.value-option").all_inner_texts()
            assert [t.split(" (")[0] for t in districts] == ["Asht"]
            _choose(page, "District or city", "Asht (Ноҳияи Ашт)")
            # The village is a drop-down searched by typing ("minimal autocomplete"), not radio buttons.
            _question(page, "Village").locator(".p-select").click()
            page.keyboard.type("Osh")
            page.get_by_role("option", name="Oshoba (Ошоба)").click()
            visit_date = _question(page, "Date of the visit").locator("input").first.input_value()
            assert re.fullmatch(r"\d{1,2} [A-Z][a-z]{2} \d{4}", visit_date), visit_date  # 2 Dec 2026
            _question(page, "Location (GPS)").get_by_role("button", name="Get location").click()
            page.get_by_role("button", name="Save location").click()
            _choose(page, "Sex", "Female")
            _choose(page, "Type of informant", "Local authority (jamoat, mahalla)")
            _type_number(page, "Number of households in the village", 120)
            for population in cl.POPULATIONS.values():
                _choose(page, f"{population[0]}: present in the village?", "No")
            _type_number(page, "Houses standing empty now", 0)
            _choose(page, "Do elderly people stay behind alone", "No")
            for service in cl.SERVICES.values():
                _choose(page, f"{service[0]}: available in the village?", "Yes")
            _choose(page, "Do the informants name other villages with migrants?", "No")
            assert page.locator(".question-container", has_text="Other village the informants refer").count() == 0
            page.get_by_role("button", name="Send").click()
            page.wait_for_selector("#submission-status[data-status='201']", timeout=30_000)
        except Exception as exc:
            status = page.inner_text("#submission-status") if page.locator("#submission-status").count() else ""
            text = page.inner_text("body")[-1500:]
            raise AssertionError(f"status={status!r} console={console[-10:]} page={text}") from exc

    assert csp_refusals(console) == []
    stored = Submission.objects.get(form__xml_form_id="bma_b2", submitted_by__username="enumerator")
    assert stored.state == ProcessingState.PROCESSED, stored.error
    assessment = VillageAssessment.objects.get(village__code="V-ASH-0001")
    assert assessment.households == 120
    assert "<ref_district>" not in stored.payload_bytes.decode()
