"""HTTP Digest for ODK Collect: credentials only for enumerators, nonces bound to one URI and one use."""

import base64
import time
from types import SimpleNamespace

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile

from bma.core.roles import GROUP_NAMES, Role
from bma.submissions import auth
from bma.submissions.models import DigestCredential, Submission
from tests import factories
from tests.submissions.conftest import FORM_ID, submission_xml
from tests.support import DigestClient

pytestmark = pytest.mark.django_db
PASSWORD = "pass-for-tests-1"
SUBMISSION = "/collect/submission?deviceID=collect:t1"
LIMIT = 10


def holders() -> set[str]:
    return set(DigestCredential.objects.values_list("user__username", flat=True))


def test_only_enumerators_hold_a_digest_credential(personas):
    assert holders() == {"enumerator"}


def test_an_administrator_cannot_use_digest_even_with_the_right_password(client, personas, b2_form):
    admin = factories.make_user("root", is_superuser=True, is_staff=True)
    admin.groups.add(Group.objects.get(name=GROUP_NAMES[Role.ENUMERATOR]))
    admin.set_password(PASSWORD)
    admin.save()
    assert "root" not in holders()
    device = DigestClient(client, "root", PASSWORD)
    assert device.request("GET", "/collect/formList").status_code == 401


def test_the_credential_goes_when_the_account_stops_collecting(personas):
    enumerator, group = personas.enumerator, Group.objects.get(name=GROUP_NAMES[Role.ENUMERATOR])
    enumerator.groups.remove(group)
    assert holders() == set()

    enumerator.groups.add(group)
    enumerator.set_password(PASSWORD)
    enumerator.save()
    assert holders() == {"enumerator"}
    group.user_set.remove(enumerator)  # from the group's side, as the admin's group page does
    assert holders() == set()

    enumerator.groups.add(group)
    enumerator.set_password(PASSWORD)
    enumerator.save()
    enumerator.is_staff = True
    enumerator.save()
    assert holders() == set()


def test_a_login_with_the_password_writes_the_credential_only_for_collectors(client, personas):
    DigestCredential.objects.all().delete()
    for username in ("enumerator", "coordinator", "administrator"):
        client.post("/accounts/login/", {"username": username, "password": PASSWORD})
    assert holders() == {"enumerator"}


def test_collect_heads_then_posts_a_submission_on_one_nonce(client, personas, b2_form):
    device = DigestClient(client, "enumerator", PASSWORD)
    assert device.request("HEAD", SUBMISSION).status_code == 204
    nonce = device.challenge["nonce"]
    xml = submission_xml("uuid:digest-1")
    response = device.request(
        "POST", SUBMISSION, data={"xml_submission_file": SimpleUploadedFile("s.xml", xml, content_type="text/xml")}
    )
    assert response.status_code == 201
    assert device.challenge["nonce"] == nonce and device.nc == 2  # no second challenge was needed
    assert Submission.objects.get(instance_id="uuid:digest-1").submitted_by == personas.enumerator


def test_a_nonce_from_another_uri_is_stale_and_collect_signs_again(client, personas, b2_form):
    device = DigestClient(client, "enumerator", PASSWORD)
    assert device.request("GET", "/collect/formList").status_code == 200
    ahead = client.get(
        f"/collect/forms/{FORM_ID}/form.xml",
        HTTP_AUTHORIZATION=device.header("GET", f"/collect/forms/{FORM_ID}/form.xml"),
    )
    assert ahead.status_code == 401 and "stale=true" in ahead["WWW-Authenticate"]
    assert device.request("GET", f"/collect/forms/{FORM_ID}/form.xml").status_code == 200


def test_a_captured_header_works_neither_twice_nor_on_another_url(client, personas, b2_form):
    device = DigestClient(client, "enumerator", PASSWORD)
    device.take_challenge(client.get("/collect/formList"))
    captured = device.header("GET", "/collect/formList")
    assert client.get("/collect/formList", HTTP_AUTHORIZATION=captured).status_code == 200

    replayed = client.get("/collect/formList", HTTP_AUTHORIZATION=captured)
    assert replayed.status_code == 401 and b"<xform>" not in replayed.content
    moved = client.get(f"/collect/forms/{FORM_ID}/form.xml", HTTP_AUTHORIZATION=captured)
    assert moved.status_code == 401 and "stale=true" not in moved["WWW-Authenticate"]
    lower = client.get("/collect/formList", HTTP_AUTHORIZATION=device.header("GET", "/collect/formList", nc=1))
    assert lower.status_code == 401

    assert (
        client.get("/collect/formList", HTTP_AUTHORIZATION=device.header("GET", "/collect/formList")).status_code == 200
    )


def test_an_old_nonce_is_stale_and_a_fresh_one_works(client, personas, b2_form, monkeypatch, settings):
    settings.BMA_DIGEST_NONCE_SECONDS = 300
    issued_at = time.time() - 301
    monkeypatch.setattr(auth, "time", SimpleNamespace(time=lambda: issued_at))
    device = DigestClient(client, "enumerator", PASSWORD)
    device.take_challenge(client.get("/collect/formList"))
    monkeypatch.undo()

    old = client.get("/collect/formList", HTTP_AUTHORIZATION=device.header("GET", "/collect/formList"))
    assert old.status_code == 401 and "stale=true" in old["WWW-Authenticate"]
    assert device.request("GET", "/collect/formList").status_code == 200


def test_a_wrong_password_gets_a_plain_challenge_not_stale(client, personas, b2_form):
    device = DigestClient(client, "enumerator", PASSWORD)
    device.take_challenge(client.get("/collect/formList"))
    wrong = client.get("/collect/formList", HTTP_AUTHORIZATION=device.header("GET", "/collect/formList", password="x"))
    assert wrong.status_code == 401 and "stale" not in wrong["WWW-Authenticate"]


def test_openrosa_digest_is_locked_with_an_openrosa_message(client, personas, b2_form, settings):
    settings.AXES_FAILURE_LIMIT = LIMIT
    device = DigestClient(client, "enumerator", PASSWORD)
    device.take_challenge(client.get("/collect/formList"))
    for _ in range(LIMIT):
        header = device.header("GET", "/collect/formList", password="wrong")
        client.get("/collect/formList", HTTP_AUTHORIZATION=header)
    response = client.get("/collect/formList", HTTP_AUTHORIZATION=device.header("GET", "/collect/formList"))
    assert response.status_code == 429
    assert response["Content-Type"].startswith("text/xml") and response["X-OpenRosa-Version"] == "1.0"
    assert b"<OpenRosaResponse" in response.content and b"Too many failed logins" in response.content


def test_stale_nonces_are_not_counted_as_failures(client, personas, b2_form, settings):
    settings.AXES_FAILURE_LIMIT = LIMIT
    device = DigestClient(client, "enumerator", PASSWORD)
    assert device.request("GET", "/collect/formList").status_code == 200
    for _ in range(LIMIT + 2):  # a nonce ahead on other URIs, as Collect does on every form it downloads
        assert device.request("GET", "/collect/forms/intake_test/form.xml").status_code == 200
        assert device.request("GET", "/collect/formList").status_code == 200
    assert not AccessAttempt.objects.exists()


def test_openrosa_basic_over_https_is_locked_too(client, personas, b2_form, settings):
    settings.AXES_FAILURE_LIMIT = LIMIT

    def basic(password):
        auth = "Basic " + base64.b64encode(f"enumerator:{password}".encode()).decode()
        return client.get("/collect/formList", secure=True, HTTP_AUTHORIZATION=auth)

    for _ in range(LIMIT):
        basic("wrong")
    response = basic(PASSWORD)
    assert response.status_code == 429 and b"<OpenRosaResponse" in response.content


def test_a_right_digest_password_forgets_earlier_failures(client, personas, b2_form, settings):
    settings.AXES_FAILURE_LIMIT = LIMIT
    device = DigestClient(client, "enumerator", PASSWORD)
    for _ in range(2):
        device.take_challenge(client.get("/collect/formList"))
        for _ in range(LIMIT - 1):
            client.get("/collect/formList", HTTP_AUTHORIZATION=device.header("GET", "/collect/formList", password="x"))
        assert device.request("GET", "/collect/formList").status_code == 200
    assert not AccessAttempt.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_real_digest_client_heads_then_posts_on_one_challenge(live_server, personas, b2_form):
    import requests
    from requests.auth import HTTPDigestAuth

    session = requests.Session()
    session.auth = HTTPDigestAuth("enumerator", PASSWORD)
    url = f"{live_server.url}{SUBMISSION}"
    head = session.head(url)
    assert head.status_code == 204 and [r.status_code for r in head.history] == [401]
    files = {"xml_submission_file": ("s.xml", submission_xml("uuid:real-digest"), "text/xml")}
    posted = session.post(url, files=files)
    assert posted.status_code == 201 and posted.history == []  # sent ahead on the HEAD's nonce
    assert Submission.objects.filter(instance_id="uuid:real-digest").exists()


def test_parallel_requests_on_one_nonce_may_arrive_out_of_order_but_none_twice(client, personas, b2_form):
    # Collect sends several requests ahead on its cached nonce; they reach the server in any order.
    device = DigestClient(client, "enumerator", PASSWORD)
    device.take_challenge(client.get("/collect/formList"))

    def sent(nc: int):
        return client.get("/collect/formList", HTTP_AUTHORIZATION=device.header("GET", "/collect/formList", nc=nc))

    assert [sent(nc).status_code for nc in (1, 3, 2)] == [200, 200, 200]
    replayed = sent(2)
    assert replayed.status_code == 401 and b"<xform>" not in replayed.content
    assert sent(auth.DIGEST_NC_WINDOW + 2).status_code == 200  # ahead within the window: fine
    assert sent(4).status_code == 200  # arrived late, still within the window and unseen
    for count in (1, 3, auth.DIGEST_NC_WINDOW + 2, 0):
        assert sent(count).status_code == 401

    # Far ahead of the highest count, or so far behind that it left the window: refused as stale,
    # so a real client just signs again with a fresh nonce.
    far_ahead = sent(3 * auth.DIGEST_NC_WINDOW)
    assert far_ahead.status_code == 401 and "stale=true" in far_ahead["WWW-Authenticate"]
    assert sent(2 * auth.DIGEST_NC_WINDOW).status_code == 200
    far_behind = sent(5)
    assert far_behind.status_code == 401 and "stale=true" in far_behind["WWW-Authenticate"]


def test_a_first_use_far_beyond_the_window_is_stale(client, personas, b2_form):
    device = DigestClient(client, "enumerator", PASSWORD)
    device.take_challenge(client.get("/collect/formList"))
    header = device.header("GET", "/collect/formList", nc=1000)
    far = client.get("/collect/formList", HTTP_AUTHORIZATION=header)
    assert far.status_code == 401 and "stale=true" in far["WWW-Authenticate"]
    assert device.request("GET", "/collect/formList").status_code == 200


def test_a_password_taken_away_takes_the_digest_login_with_it(client, personas, b2_form):
    # The admin's "password-based authentication: disabled", or an import row without a password.
    enumerator = personas.enumerator
    enumerator.set_unusable_password()
    enumerator.save()
    assert holders() == set()
    assert DigestClient(client, "enumerator", PASSWORD).request("GET", "/collect/formList").status_code == 401
