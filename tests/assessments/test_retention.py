"""Retention: informants' names and phones go BMA_CONTACT_RETENTION_DAYS after their round closes, from
the typed rows and from inside the raw payloads, with a record of what went; the figures stay."""

import datetime as dt
import json
import zipfile
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone

from bma.assessments import models as am
from bma.assessments.retention import round_contacts_purge
from bma.assessments.tasks import contacts_purge
from bma.celery import BEAT_SCHEDULE
from bma.exports.models import ExportJob, ExportState
from bma.exports.report import round_figures
from bma.exports.tasks import export_job_start
from bma.rounds.models import RoundState
from bma.submissions.models import Submission
from bma.submissions.payload_blanking import BlankingError, blank_json, blank_xml

pytestmark = pytest.mark.django_db

NAME, PHONE = "Gulnora Rahimova", "+992 92 555 1234"
WITH_NAME = {"<ki_name/>": f"<ki_name>{NAME}</ki_name>"}


@pytest.fixture
def collected(receive, personas):
    """A B2 and a B1 with informants' names and phones, approved, in round 2."""
    receive("b2_2026112202.xml", WITH_NAME)
    receive("b1_2026112202.xml", WITH_NAME)
    am.VillageAssessment.objects.update(review_state=am.ReviewState.APPROVED)
    am.DistrictAssessment.objects.update(review_state=am.ReviewState.APPROVED)
    return personas.round


def close(round_, days_ago):
    round_.state, round_.closed_at = RoundState.CLOSED, timezone.now() - dt.timedelta(days=days_ago)
    round_.save()


def report(round_) -> str:
    return json.dumps(round_figures(round_), sort_keys=True, default=str)


def payloads() -> list[bytes]:
    return [s.payload_bytes for s in Submission.objects.order_by("pk")]


def test_contacts_go_90_days_after_closing_and_the_figures_stay(collected, client, personas):
    before_report, before_payloads = report(collected), payloads()
    assert am.InformantContact.objects.count() == 4  # B2: 2 named informants (one with a phone), B1: likewise
    assert all(NAME.encode() in p and PHONE.encode() in p for p in before_payloads)
    close(collected, days_ago=91)

    call_command("purge_contacts")

    assert am.InformantContact.objects.count() == 0
    after = payloads()
    for old, new in zip(before_payloads, after, strict=True):
        assert NAME.encode() not in new and PHONE.encode() not in new
        # Only the personal answers' text went: every other byte is as received.
        assert new == old.replace(NAME.encode(), b"").replace(PHONE.encode(), b"")
    assert am.Informant.objects.count() == 4  # the informants (sex, type) stay: they are counted
    assert report(collected) == before_report
    record = am.ContactPurge.objects.get()
    assert (record.round, record.informants, record.payloads, record.answers) == (collected, 4, 2, 6)
    assert (record.job, record.retention_days, record.requested_by) == ("manage.py purge_contacts", 90, None)

    # The admin shows the record to a coordinator.
    client.force_login(personas.coordinator)
    page = client.get("/admin/assessments/contactpurge/").content.decode()
    assert "manage.py purge_contacts" in page and "Round 2" in page


def test_running_again_removes_nothing_and_records_nothing(collected):
    close(collected, days_ago=91)
    call_command("purge_contacts")
    stored = payloads()
    call_command("purge_contacts")
    result = round_contacts_purge(collected, job="again")
    assert (result.informants, result.payloads, result.record) == (0, 0, None)
    assert payloads() == stored and am.ContactPurge.objects.count() == 1


def test_a_replay_after_the_purge_writes_no_contacts_and_the_same_figures(
    collected, django_capture_on_commit_callbacks
):
    close(collected, days_ago=91)
    before = report(collected)
    call_command("purge_contacts")
    with django_capture_on_commit_callbacks(execute=True):
        call_command("reprocess_submissions", "--round", str(collected.number))
    assert not Submission.objects.exclude(state="processed").exists()
    assert am.InformantContact.objects.count() == 0
    am.VillageAssessment.objects.update(review_state=am.ReviewState.APPROVED)
    assert report(collected) == before


def test_a_round_still_within_its_period_or_open_keeps_its_contacts(collected, capsys):
    call_command("purge_contacts")  # open round: nothing is due
    assert "No closed round" in capsys.readouterr().out
    close(collected, days_ago=89)
    call_command("purge_contacts")
    with pytest.raises(CommandError, match="kept until"):
        call_command("purge_contacts", "--round", "2")
    assert am.InformantContact.objects.count() == 4 and not am.ContactPurge.objects.exists()


def test_the_record_names_who_asked(collected, personas):
    close(collected, days_ago=91)
    call_command("purge_contacts", "--round", "2", "--user", "coordinator")
    assert am.ContactPurge.objects.get().requested_by == personas.coordinator
    with pytest.raises(CommandError, match="no user 'nobody'"):
        call_command("purge_contacts", "--user", "nobody")


def test_the_period_is_a_setting(collected):
    close(collected, days_ago=6)
    with override_settings(BMA_CONTACT_RETENTION_DAYS=5):
        call_command("purge_contacts")
    assert am.InformantContact.objects.count() == 0
    assert am.ContactPurge.objects.get().retention_days == 5


def test_dry_run_says_what_would_go_and_changes_nothing(collected, capsys):
    close(collected, days_ago=91)
    stored = payloads()
    call_command("purge_contacts", "--dry-run")
    out = capsys.readouterr().out
    assert "Round 2: would delete the contacts of 4 informants and 6 personal answers in 2 raw submissions" in out
    assert payloads() == stored and am.InformantContact.objects.count() == 4
    assert not am.ContactPurge.objects.exists()


def test_the_beat_job_runs_the_purge(collected, tasks_in_process):
    assert BEAT_SCHEDULE["contacts-purge"]["task"] == contacts_purge.name
    close(collected, days_ago=91)
    assert contacts_purge.delay().get() == 1
    assert am.ContactPurge.objects.get().job == "beat: contacts-purge"
    assert am.InformantContact.objects.count() == 0


@pytest.fixture
def personal_export(collected, personas, tasks_in_process, django_capture_on_commit_callbacks):
    """A CSV export of round 2 with the informants' names, made before the purge."""
    coordinator = personas.coordinator
    coordinator.user_permissions.add(Permission.objects.get(codename="view_personal_data"))
    coordinator = type(coordinator).objects.get(pk=coordinator.pk)
    with django_capture_on_commit_callbacks(execute=True):
        job = export_job_start(round=collected, user=coordinator, format="csv", include_personal=True)
    job.refresh_from_db()
    assert job.state == ExportState.DONE
    with zipfile.ZipFile(job.file.path) as archive:
        assert any(NAME.encode() in archive.read(name) for name in archive.namelist())
    return job


def test_the_purge_deletes_export_files_with_names_made_before_it(collected, personal_export, capsys):
    without_names = ExportJob.objects.create(round=collected, state=ExportState.DONE, file="exports/plain.zip")
    path = Path(personal_export.file.path)
    close(collected, days_ago=91)

    call_command("purge_contacts", "--dry-run")
    assert "would delete 1 export files with personal data" in capsys.readouterr().out
    assert path.exists()

    call_command("purge_contacts")

    assert not path.exists()
    personal_export.refresh_from_db()
    assert personal_export.state == ExportState.EXPIRED and not personal_export.file
    assert "contacts were purged (retention)" in personal_export.error
    without_names.refresh_from_db()
    assert without_names.state == ExportState.DONE  # no names in it: it stays until someone deletes it
    assert am.ContactPurge.objects.get().exports == 1
    assert "deleted 1 export files with personal data made before" in capsys.readouterr().out


def test_an_export_made_before_an_earlier_purge_is_deleted_by_the_next_run(collected, personal_export):
    """A round purged before this rule existed: the next run finds its leftover export and records that."""
    close(collected, days_ago=91)
    am.InformantContact.objects.all().delete()
    Submission.objects.update(payload=b"<data/>")
    result = round_contacts_purge(collected, job="again")
    assert (result.informants, result.payloads, result.exports) == (0, 0, 1)
    assert result.record.exports == 1 and not Path(personal_export.file.path).exists()


def test_blanking_xml_keeps_prefixes_declaration_and_everything_else():
    payload = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<data xmlns:orx="http://openrosa.org/xforms" id="f">'
        b"<ki><ki_name>A &amp; B</ki_name><ki_phone/><x:ki_phone xmlns:x='urn:x' a='1'>123</x:ki_phone>"
        b"<note>ki_name</note></ki><orx:meta><orx:instanceID>uuid:1</orx:instanceID></orx:meta></data>"
    )
    blanked, count = blank_xml(payload, frozenset({"ki_name", "ki_phone"}))
    assert count == 2
    assert blanked == payload.replace(b"A &amp; B", b"").replace(b">123<", b"><")
    assert blank_xml(blanked, frozenset({"ki_name", "ki_phone"})) == (blanked, 0)
    with pytest.raises(SyntaxError):
        blank_xml(b"<data><ki_name>x</data>", frozenset({"ki_name"}))
    # An answer in a CDATA section cannot be blanked in place: reported, and the payload left as it was.
    with pytest.raises(BlankingError):
        blank_xml(b"<data><ki_name><![CDATA[A <b> B]]></ki_name></data>", frozenset({"ki_name"}))


def test_blanking_kobo_json_empties_the_personal_keys():
    payload = json.dumps({"ki": [{"ki/ki_contact/ki_name": NAME, "ki/ki_sex": "female"}], "x": 1}).encode()
    blanked, count = blank_json(payload, frozenset({"ki_name"}))
    assert count == 1 and json.loads(blanked) == {"ki": [{"ki/ki_contact/ki_name": "", "ki/ki_sex": "female"}], "x": 1}
    with pytest.raises(BlankingError):
        blank_json(b"not json", frozenset({"ki_name"}))


def test_an_unreadable_payload_is_left_as_it_was_and_counted(collected, capsys):
    broken = Submission.objects.order_by("pk").first()
    Submission.objects.filter(pk=broken.pk).update(payload=b"<data><ki_name>x</data>")
    close(collected, days_ago=91)
    call_command("purge_contacts")
    record = am.ContactPurge.objects.get()
    assert (record.payloads, record.unreadable, record.informants) == (1, 1, 4)
    assert Submission.objects.get(pk=broken.pk).payload_bytes == b"<data><ki_name>x</data>"
    assert "1 unreadable submissions left as they were" in capsys.readouterr().out
