"""The set-up sheet in a real browser at 1024×768: nothing refused by the CSP, the printed look without the
admin's chrome, a QR code that a decoder reads off the screenshot, and revoking in one click."""

from __future__ import annotations

import io

import pytest

from bma.submissions.collect_setup import collect_settings_decode
from bma.submissions.models import CollectToken
from tests.support import ARTIFACTS, chromium_page, csp_refusals, desk_log_in


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_printed_sheet_scans_and_revokes_in_one_click(live_server, personas):
    import zxingcpp
    from PIL import Image

    enumerator = personas.enumerator
    enumerator.first_name, enumerator.last_name = "Farrukh", "Rahimov"
    enumerator.save()
    with chromium_page(viewport={"width": 1024, "height": 768}) as (page, console):
        desk_log_in(page, f"{live_server.url}/admin/login/", "coordinator")
        page.wait_for_selector("#content")

        page.goto(f"{live_server.url}/admin/submissions/collecttoken/setup/{enumerator.pk}/")
        page.wait_for_selector("#setup-sheet .qr svg")
        assert page.is_visible("#print-sheet")  # the nonced script ran
        box = page.locator("#setup-sheet .qr svg").bounding_box()
        assert box["x"] + box["width"] <= 1024 and box["width"] >= 200  # whole, and big enough to scan
        page.screenshot(path=str(ARTIFACTS / "collect_setup_screen.png"))

        page.emulate_media(media="print")
        assert not page.is_visible("#header") and not page.is_visible("#revoke-device")
        printed = page.screenshot(full_page=True)
        (ARTIFACTS / "collect_setup_print.png").write_bytes(printed)
        page.emulate_media(media="screen")

        # No ORM in here: Playwright's sync API runs an event loop, where Django refuses database calls.
        found = zxingcpp.read_barcodes(Image.open(io.BytesIO(printed)))

        page.click("#revoke-device")
        page.wait_for_selector("#result_list")  # back on the enumerator list

        # A new sheet, a new code; revoked this time from the token list's row button.
        page.goto(f"{live_server.url}/admin/submissions/collecttoken/setup/{enumerator.pk}/")
        page.wait_for_selector("#setup-sheet .qr svg")
        page.goto(f"{live_server.url}/admin/submissions/collecttoken/")
        page.click("#result_list button:has-text('Revoke device')")
        page.wait_for_selector(".messagelist .success")
        after_row_button = page.locator("#result_list").inner_text()
        refusals = csp_refusals(console)

    assert len(found) == 1
    settings = collect_settings_decode(found[0].text)
    first, second = CollectToken.objects.filter(user=enumerator).order_by("pk")
    assert settings["general"]["server_url"] == f"{live_server.url}/collect/key/{first.token}"
    assert first.revoked_at is not None and second.revoked_at is not None
    assert "Revoke device" not in after_row_button
    assert refusals == []
