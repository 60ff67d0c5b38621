"""ODK Web Forms in the enumerator's language: the form opens in it (the account's choice, else the
browser's), Web Forms' own words ("Send", "Add", the error banner) read in it, the form keeps it for
the next, empty form after Send, and the answer to Send shows in the form's card."""

import io
import shutil

import pytest
from openpyxl import Workbook

from bma.core.languages import user_language_set
from bma.xforms.services import list_files_refresh, xlsform_publish
from tests.conftest import REPO_ROOT
from tests.support import ARTIFACTS, TEST_PASSWORD, chromium, console_of, csp_refusals, require

LANGS = ("English (en)", "Russian (ru)", "Tajik (tg)")
HOUSEHOLDS = ("Households", "Домохозяйства", "Хонаводаҳо")
MEMBER = ("Member", "Член семьи", "Аъзои оила")


def three_language_form() -> bytes:
    """A short form with labels in our three languages, English first (as our workbooks have them)."""
    workbook = Workbook()
    survey = workbook.active
    survey.title = "survey"
    labels = [f"label::{lang}" for lang in LANGS]
    survey.append(["type", "name", *labels, "required"])
    survey.append(["integer", "households", *HOUSEHOLDS, "yes"])
    survey.append(["begin_repeat", "member", *MEMBER, ""])
    survey.append(["text", "name_of", "Name", "Имя", "Ном", ""])
    survey.append(["end_repeat", "", "", "", "", ""])
    settings = workbook.create_sheet("settings")
    settings.append(["form_id", "form_title", "version", "default_language"])
    settings.append(["webforms_lang", "Web Forms language check", "1", LANGS[0]])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("chosen", "browser_locale", "index", "send"),
    [("tg", "en-US", 2, "Фиристодан"), (None, "ru-RU", 1, "Отправить")],
    ids=["tg-account-choice", "ru-browser-language"],
)
def test_web_form_opens_in_the_users_language_and_keeps_it_after_send(
    live_server, personas, chosen, browser_locale, index, send
):
    require(shutil.which("java") is not None, "ODK Validate needs Java")
    require((REPO_ROOT / "node_modules" / "@getodk" / "web-forms").exists(), "run `make node` (npm ci)")
    xlsform_publish(three_language_form(), "webforms_lang.xlsx")
    list_files_refresh(personas.round)
    if chosen:
        user_language_set(personas.enumerator, chosen)

    with chromium() as browser:
        context = browser.new_context(viewport={"width": 1024, "height": 768}, locale=browser_locale)
        page = context.new_page()
        console = console_of(page)
        page.on("pageerror", lambda exc: console.append(f"page error: {exc}"))
        page.goto(f"{live_server.url}/collect/webforms/webforms_lang/")
        page.fill("input[name=username]", "enumerator")
        page.fill("input[name=password]", TEST_PASSWORD)
        page.click("button[type=submit]")
        try:
            page.get_by_text(HOUSEHOLDS[index], exact=False).first.wait_for(timeout=30_000)
            body = page.inner_text("body")
            assert HOUSEHOLDS[0] not in body
            assert page.get_by_role("button", name=send).count() == 1
            assert "Add" not in page.locator(".button-add-instance").inner_text()

            # Send with the required figure missing: the error banner reads in the language too.
            page.get_by_role("button", name=send).click()
            banner = page.locator(".form-error-message").inner_text(timeout=10_000)
            assert "question" not in banner and "1" in banner, banner

            field = page.get_by_role("spinbutton").first
            field.click()
            field.press_sequentially("12")
            field.press("Tab")
            page.get_by_role("button", name=send).click()
            page.wait_for_selector("#submission-status[data-status='201']", timeout=30_000)

            # The next, empty form is in the same language, and the answer shows in the card above it.
            page.get_by_text(HOUSEHOLDS[index], exact=False).first.wait_for(timeout=10_000)
            assert HOUSEHOLDS[0] not in page.inner_text(".questions-card")
            assert page.get_by_role("button", name=send).count() == 1
            in_card = page.evaluate(
                "document.querySelector('.form-wrapper').contains(document.getElementById('submission-status'))"
            )
            assert in_card
            status_box = page.locator("#submission-status").bounding_box()
            footer_box = page.locator(".footer").bounding_box()
            assert status_box["y"] < footer_box["y"]
            message = page.inner_text("#submission-status")
        except Exception as exc:
            raise AssertionError(f"console={console[-10:]} page={page.inner_text('body')[-1500:]}") from exc
        page.screenshot(path=str(ARTIFACTS / f"webforms-language-{chosen or browser_locale}.png"))

    assert "Submission received" not in message  # the server's answer is in the language too
    assert csp_refusals(console) == []
