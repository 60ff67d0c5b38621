"""Each enumerator's printable ODK Collect set-up sheet: a QR code Collect reads (its own settings format,
server URL with the device token), made only for coordinators and administrators, and revoked in one click."""

from __future__ import annotations

import base64
import io
import json
import logging
import re
import zlib
from urllib.parse import urlsplit

import pytest
import zxingcpp
from PIL import Image

from bma.core.languages import user_language_set
from bma.core.log_redaction import TokenRedactingFilter
from bma.submissions.collect_setup import collect_qr, collect_qr_svg, collect_settings, collect_settings_encode
from bma.submissions.models import CollectToken
from tests import factories

pytestmark = pytest.mark.django_db

# What Collect's settings importer accepts for the keys we send (its client-settings JSON schema):
# ``general`` and ``admin`` are required, unknown keys are dropped, these have fixed value lists.
COLLECT_GENERAL_ENUMS = {
    "form_update_mode": {"manual", "previously_downloaded", "match_exactly"},
    "autosend": {"off", "wifi_only", "cellular_only", "wifi_and_cellular"},
}
COLLECT_GENERAL_STRINGS = {"server_url", "app_language", "metadata_username"}
COLLECT_PROJECT_KEYS = {"name", "icon", "color"}


def setup_url(user) -> str:
    return f"/admin/submissions/collecttoken/setup/{user.pk}/"


def read_qr_like_collect(qr_text: str) -> dict:
    """Decode the code as a scanner does, then as Collect does: base64, then zlib inflate, then JSON."""
    image = io.BytesIO()
    collect_qr(qr_text).save(image, kind="png", scale=6)
    image.seek(0)
    found = zxingcpp.read_barcodes(Image.open(image))
    assert len(found) == 1 and found[0].format == zxingcpp.BarcodeFormat.QRCode
    decoded = found[0].text
    raw = zlib.decompress(base64.b64decode(decoded, validate=True))  # a zlib stream, as Java's Inflater()
    return json.loads(raw.decode("utf-8"))


def collect_form_list_url(server_url: str) -> str:
    """Collect's OpenRosaClient: strip trailing slashes from server_url, then append /formList."""
    return server_url.rstrip("/") + "/formList"


@pytest.fixture
def coordinator_client(client, personas):
    client.force_login(personas.coordinator)
    return client


def test_the_qr_code_is_collects_settings_with_this_servers_token_url(coordinator_client, personas, b2_form):
    user_language_set(personas.enumerator, "ru")
    personas.enumerator.first_name, personas.enumerator.last_name = "Farrukh", "Rahimov"
    personas.enumerator.save()
    response = coordinator_client.get(setup_url(personas.enumerator))
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]  # the sheet is a credential
    page = response.content.decode()
    assert "<svg" in page and "Farrukh Rahimov" in page and "TJ-SU-ASH" in page
    assert "<img" not in page.split('class="qr"')[1].split("</div>")[0]  # inline SVG, nothing fetched

    token = CollectToken.objects.get(user=personas.enumerator, revoked_at__isnull=True)
    assert token.token not in page.replace(response.context["qr_svg"], "")  # only inside the code

    # The page's SVG is segno's code of the view's text; that text, rendered as PNG, is read back with a
    # real decoder (the browser's SVG cannot be rasterised here without another library).
    qr_text = response.context["qr_text"]
    assert response.context["qr_svg"] == collect_qr_svg(qr_text) and collect_qr_svg(qr_text) in page
    settings = read_qr_like_collect(qr_text)
    assert {"general", "admin"} <= set(settings)  # Collect refuses settings without both
    general = settings["general"]
    assert set(general) <= COLLECT_GENERAL_STRINGS | set(COLLECT_GENERAL_ENUMS)
    for key, allowed in COLLECT_GENERAL_ENUMS.items():
        assert general[key] in allowed
    assert set(settings["project"]) <= COLLECT_PROJECT_KEYS
    assert "Farrukh Rahimov" in settings["project"]["name"]
    assert re.fullmatch(r"#[0-9a-fA-F]{6}", settings["project"]["color"])
    assert general["app_language"] == "ru"
    assert general["metadata_username"] == "enumerator"

    server_url = general["server_url"]
    parts = urlsplit(server_url)
    assert (parts.scheme, parts.netloc, parts.path) == ("http", "testserver", f"/collect/key/{token.token}")

    # Collect works with it over OpenRosa: the form list at that URL, with no other credentials.
    coordinator_client.logout()
    form_list = coordinator_client.get(urlsplit(collect_form_list_url(server_url)).path, HTTP_X_OPENROSA_VERSION="1.0")
    assert form_list.status_code == 200
    assert f"<formID>{b2_form.form.xml_form_id}</formID>" in form_list.content.decode()
    assert form_list.headers["X-OpenRosa-Version"] == "1.0"


def test_tajik_gets_collect_in_russian_and_no_language_sends_none():
    tajik = collect_settings(server_url="https://x/collect/key/t/", project_name="BMA", language="tg")
    assert tajik["general"]["app_language"] == "ru"  # Collect has no Tajik screens
    assert tajik["general"]["server_url"] == "https://x/collect/key/t"
    assert "app_language" not in collect_settings(server_url="https://x", project_name="BMA")["general"]


def test_the_encoding_is_base64_of_a_zlib_stream():
    text = collect_settings_encode({"general": {"server_url": "https://x/collect/key/abc"}, "admin": {}})
    raw = base64.b64decode(text, validate=True)
    assert raw[:1] == b"\x78"  # a zlib header (Java's Inflater() without nowrap needs it)
    assert json.loads(zlib.decompress(raw)) == {"general": {"server_url": "https://x/collect/key/abc"}, "admin": {}}


def test_opening_the_sheet_again_reuses_the_token(coordinator_client, personas):
    coordinator_client.get(setup_url(personas.enumerator))
    coordinator_client.get(setup_url(personas.enumerator))
    assert CollectToken.objects.filter(user=personas.enumerator).count() == 1


def test_the_token_is_never_logged(coordinator_client, personas, b2_form, caplog):
    with caplog.at_level(logging.DEBUG):
        coordinator_client.get(setup_url(personas.enumerator))
    token = CollectToken.objects.get(user=personas.enumerator).token
    assert token not in caplog.text

    # Django logs the path of every error answer ("Not Found: /collect/key/<token>/..."): the
    # server's log handler blanks the token out.
    handler = next(
        h for h in logging.getLogger().handlers if any(isinstance(f, TokenRedactingFilter) for f in h.filters)
    )
    written = io.StringIO()
    previous = handler.setStream(written)
    try:
        coordinator_client.logout()
        assert coordinator_client.get(f"/collect/key/{token}/forms/nope/form.xml").status_code == 404
    finally:
        handler.setStream(previous)
    assert "/collect/key/[token]/forms/nope/form.xml" in written.getvalue()
    assert token not in written.getvalue()


def test_one_click_on_the_sheet_revokes_the_device_and_collect_is_refused(coordinator_client, personas, b2_form):
    response = coordinator_client.get(setup_url(personas.enumerator))
    token = CollectToken.objects.get(user=personas.enumerator)
    form_list = f"/collect/key/{token.token}/formList"
    assert coordinator_client.get(form_list).status_code == 200

    page = response.content.decode()
    revoke = re.search(r'<form method="post" action="([^"]+)">', page).group(1)
    done = coordinator_client.post(revoke, {"next": "/admin/rounds/enumerator/"})
    assert done.status_code == 302 and done.url == "/admin/rounds/enumerator/"

    token.refresh_from_db()
    assert token.revoked_at is not None
    coordinator_client.logout()
    # 403 with a message Collect shows, not 401: a 401 makes Collect ask for a user name and password,
    # which a QR-code device does not have (test_openrosa_forms keeps this answer).
    refused = coordinator_client.get(form_list)
    assert refused.status_code == 403
    assert b"Ask your supervisor for a new QR code" in refused.content
    assert coordinator_client.post(f"/collect/key/{token.token}/submission").status_code == 403

    # The next sheet carries a new code.
    coordinator_client.force_login(personas.coordinator)
    coordinator_client.get(setup_url(personas.enumerator))
    assert CollectToken.objects.filter(user=personas.enumerator, revoked_at__isnull=True).exclude(pk=token.pk).exists()


def test_revoking_from_the_token_list_row_button_and_action(coordinator_client, personas, b2_form):
    from bma.submissions.auth import collect_token_issue

    first = collect_token_issue(personas.enumerator, "tablet 1")
    second = collect_token_issue(personas.enumerator, "tablet 2")
    listing = coordinator_client.get("/admin/submissions/collecttoken/").content.decode()
    row_button = f'formaction="/admin/submissions/collecttoken/{first.pk}/revoke/"'
    assert row_button in listing
    assert coordinator_client.post(f"/admin/submissions/collecttoken/{first.pk}/revoke/").status_code == 302
    coordinator_client.post(
        "/admin/submissions/collecttoken/", {"action": "revoke_selected", "_selected_action": [second.pk]}
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.revoked_at and second.revoked_at
    coordinator_client.logout()
    for token in (first, second):
        assert coordinator_client.get(f"/collect/key/{token.token}/formList").status_code == 403


def test_revoke_needs_a_post(coordinator_client, personas):
    from bma.submissions.auth import collect_token_issue

    token = collect_token_issue(personas.enumerator, "tablet")
    assert coordinator_client.get(f"/admin/submissions/collecttoken/{token.pk}/revoke/").status_code == 405
    token.refresh_from_db()
    assert token.revoked_at is None


@pytest.mark.parametrize("persona", ["enumerator", "supervisor", "outsider"])
def test_others_cannot_open_an_enumerators_sheet_or_revoke(client, personas, persona):
    from bma.submissions.auth import collect_token_issue

    other = factories.make_user("other_enumerator", "enumerator")
    token = collect_token_issue(other, "tablet")
    client.force_login(getattr(personas, persona))
    response = client.get(setup_url(other))
    assert response.status_code in (302, 403)
    assert token.token not in response.content.decode()
    assert CollectToken.objects.filter(user=other).count() == 1  # no code made for them either
    assert client.post(f"/admin/submissions/collecttoken/{token.pk}/revoke/").status_code in (302, 403)
    token.refresh_from_db()
    assert token.revoked_at is None


def test_no_sheet_for_accounts_that_are_not_enumerators(coordinator_client, personas):
    assert coordinator_client.get(setup_url(personas.supervisor)).status_code == 404
    assert not CollectToken.objects.filter(user=personas.supervisor).exists()


def test_the_sheet_warns_on_a_loopback_address_and_uses_bma_public_url_when_set(coordinator_client, personas, settings):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "127.0.0.1"]
    page = coordinator_client.get(setup_url(personas.enumerator), HTTP_HOST="127.0.0.1:8000")
    assert 'id="address-warning"' in page.content.decode() and "127.0.0.1" in page.context["address_warning"]
    assert read_qr_like_collect(page.context["qr_text"])["general"]["server_url"].startswith("http://127.0.0.1:8000/")

    settings.BMA_PUBLIC_URL = "https://bma.example.org/"
    page = coordinator_client.get(setup_url(personas.enumerator), HTTP_HOST="127.0.0.1:8000")
    token = CollectToken.objects.get(user=personas.enumerator, revoked_at__isnull=True)
    server_url = read_qr_like_collect(page.context["qr_text"])["general"]["server_url"]
    assert server_url == f"https://bma.example.org/collect/key/{token.token}"
    assert 'id="address-warning"' not in page.content.decode()
    assert '<dd id="server-address">https://bma.example.org</dd>' in page.content.decode()


@pytest.mark.parametrize(
    "url, warned",
    [
        ("http://localhost:8000/collect/key/x", "the tablet itself"),
        ("http://[::1]/collect/key/x", "the tablet itself"),
        ("http://192.168.1.20/collect/key/x", "private address 192.168.1.20"),
        ("http://10.0.0.5/collect/key/x", "private address"),
        ("https://bma.example.org/collect/key/x", ""),
        ("http://8.8.8.8/collect/key/x", ""),
    ],
)
def test_addresses_tablets_cannot_reach_are_named(url, warned):
    from bma.submissions.collect_setup import unreachable_address_warning

    found = unreachable_address_warning(url)
    assert (warned in found) if warned else found == ""


def test_the_steps_quote_collects_buttons_in_the_tablets_language(coordinator_client, personas):
    user_language_set(personas.enumerator, "tg")  # Collect has no Tajik: its screens are Russian
    page = coordinator_client.get(setup_url(personas.enumerator)).content.decode()
    assert "“Настроить с помощью QR-кода”" in page and "“Начать новую форму”" in page
    assert "Configure with QR code" not in page
