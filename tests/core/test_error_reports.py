"""Error reports leave without informants' names and phones or device tokens: Sentry's before_send
(through the real SDK, with a transport stub: no network) and the ADMINS mail."""

import logging

import pytest
import sentry_sdk
from django.core import mail
from sentry_sdk.transport import Transport

from bma.core.error_reports import admins_from_env, scrub_text, sentry_init

NAME, PHONE = "Zarina Rahimova", "+992 92 555 1234"


class CapturingTransport(Transport):
    def __init__(self, options=None):
        super().__init__(options)
        self.events = []

    def capture_envelope(self, envelope):
        for item in envelope.items:
            if item.type == "event":
                self.events.append(item.payload.json)


@pytest.fixture
def sentry_events():
    transport = CapturingTransport()
    sentry_init("https://public@sentry.example.org/1", transport=transport)
    try:
        yield transport.events
    finally:
        sentry_sdk.get_client().close()
        sentry_sdk.init()  # a client with no DSN: nothing is sent by later tests


def _fail_mapping(payload: bytes):
    informant_name = NAME  # noqa: F841  (a local variable Sentry would otherwise send)
    raise ValueError(f"cannot map <ki_name>{NAME}</ki_name><ki_phone>{PHONE}</ki_phone> from /kobo/secret-token-123/")


def test_sentry_events_carry_no_names_phones_locals_or_tokens(sentry_events):
    try:
        _fail_mapping(f"<ki_name>{NAME}</ki_name>".encode())
    except ValueError:
        sentry_sdk.capture_exception()
    sentry_sdk.add_breadcrumb(message=f"called {PHONE}", data={"body": NAME})
    logging.getLogger("bma.test").error("informant %s, phone %s, submission %s", NAME, PHONE, "uuid:k-1")
    sentry_sdk.flush()

    assert len(sentry_events) == 2
    sent = repr(sentry_events)
    assert NAME not in sent and "Zarina" not in sent and "555" not in sent and "secret-token-123" not in sent
    frames = sentry_events[0]["exception"]["values"][0]["stacktrace"]["frames"]
    assert frames and not any("vars" in frame for frame in frames)
    assert "<ki_name>[removed]</ki_name>" in sentry_events[0]["exception"]["values"][0]["value"]
    assert "user" not in sentry_events[1]
    assert sentry_events[1]["logentry"]["formatted"] == "informant [text], phone [phone], submission uuid:k-1"


def test_scrubbing_keeps_what_locates_the_fault():
    text = "Key (round_id, name)=(3, Zarina) at 2026-12-07 18:53:40 in submission 123456"
    assert scrub_text(text) == "Key (round_id, name)=([removed]) at 2026-12-07 18:53:40 in submission 123456"


def test_admins_are_read_from_the_environment():
    assert admins_from_env("IT Officer <it@example.org>, ops@example.org") == [
        ("IT Officer", "it@example.org"),
        ("ops@example.org", "ops@example.org"),
    ]


def test_the_admins_mail_has_no_local_variables_post_data_or_names(rf, settings):
    from bma.core.error_mail import AdminEmailHandler

    settings.ADMINS = [("IT", "it@example.org")]
    settings.DEBUG = False
    request = rf.post("/collect/key/secret-token-123/submission", {"ki_name": NAME})
    handler = AdminEmailHandler()
    try:
        _fail_mapping(b"")
    except ValueError:
        import sys

        record = logging.LogRecord(
            "django.request", logging.ERROR, __file__, 1, "Internal Server Error: %s", (request.path,), sys.exc_info()
        )
        record.request = request
        handler.emit(record)
    (message,) = mail.outbox
    text = message.subject + message.body
    assert "ValueError" in text
    assert NAME not in text and "555" not in text and "secret-token-123" not in text
    assert "informant_name" not in text  # no local variables
