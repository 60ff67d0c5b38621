"""Retention: informants' contact details are deleted BMA_CONTACT_RETENTION_DAYS after their round closes.

Two places hold them: the typed InformantContact rows (deleted) and the raw payloads, whose personal
answers (the questions the form marks bma:personal, as the review desk hides them) are blanked in
place. Raw rows are never deleted and nothing else in them changes, so the figures, the report and any
replay (reprocess_submissions) come out the same; a replay of a blanked payload writes no contacts.
Each run that removed something leaves a ContactPurge row. Running again finds nothing left: idempotent.

A third place is every export file with personal data made before the purge: those files are deleted
too (their jobs say why), by the exports layer's task, named here because exports sits above this layer.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from bma.assessments import models as m
from bma.core.task_names import task_named
from bma.rounds.models import Round, RoundState
from bma.submissions.models import PayloadFormat, Submission
from bma.submissions.payload_blanking import BlankingError, blank_json, blank_xml
from bma.xforms.models import FormVersion
from bma.xforms.personal import personal_fields

log = logging.getLogger(__name__)

BATCH = 200
EXPORTS_DELETE = "bma.exports.tasks.round_personal_exports_delete"


@dataclass(frozen=True)
class PurgeResult:
    round_number: int
    informants: int
    payloads: int
    answers: int
    unreadable: int
    dry_run: bool
    record: m.ContactPurge | None = None
    exports: int = 0  # export files with personal data deleted (or, on a dry run, that would be)

    @property
    def removed_anything(self) -> bool:
        return bool(self.informants or self.payloads or self.exports)


def retention_days() -> int:
    return settings.BMA_CONTACT_RETENTION_DAYS


def round_closed_since(round_: Round) -> dt.datetime | None:
    """When the retention period of a closed round starts: its closing time (or, for a round closed
    before that was recorded, the end of its collection period)."""
    if round_.state != RoundState.CLOSED:
        return None
    if round_.closed_at:
        return round_.closed_at
    end = dt.datetime.combine(round_.collection_end, dt.time.max)
    return timezone.make_aware(end) if settings.USE_TZ else end


def rounds_due(now: dt.datetime | None = None, days: int | None = None) -> list[Round]:
    """Closed rounds whose retention period is over."""
    now, days = now or timezone.now(), retention_days() if days is None else days
    due = []
    for round_ in Round.objects.filter(state=RoundState.CLOSED).order_by("number"):
        closed = round_closed_since(round_)
        if closed is not None and closed + dt.timedelta(days=days) <= now:
            due.append(round_)
    return due


def _contacts(round_: Round):
    return m.InformantContact.objects.filter(
        Q(informant__village_assessment__round=round_) | Q(informant__district_assessment__round=round_)
    )


def _blank(submission: Submission, names_of: dict) -> tuple[bytes, int]:
    key = (submission.form_id, submission.form_version_id)
    if key not in names_of:  # once per form version and run, not once per submission
        xml = FormVersion.objects.values_list("xml", flat=True).get(pk=key[1]) if key[1] else ""
        names_of[key] = personal_fields(submission.form.xml_form_id, xml)
    blank = blank_json if submission.payload_format == PayloadFormat.KOBO_JSON else blank_xml
    return blank(submission.payload_bytes, names_of[key])


def round_contacts_purge(
    round_: Round, *, days: int | None = None, actor=None, job: str = "", dry_run: bool = False, now=None
) -> PurgeResult:
    """Delete a closed round's informant contacts and blank the personal answers in its raw payloads,
    once its retention period is over. Refuses (ValueError) a round that is not due yet."""
    days = retention_days() if days is None else days
    now = now or timezone.now()
    with transaction.atomic():
        # Locking the round serialises two runs (the beat job and a command) over the same round.
        locked = Round.objects.select_for_update().get(pk=round_.pk)
        closed = round_closed_since(locked)
        if closed is None:
            raise ValueError(f"Round {locked.number} is not closed: its contacts are still needed.")
        if closed + dt.timedelta(days=days) > now:
            raise ValueError(
                f"Round {locked.number} closed on {closed:%Y-%m-%d}; its contacts are kept until "
                f"{closed + dt.timedelta(days=days):%Y-%m-%d} ({days} days)."
            )
        contacts = _contacts(locked)
        informants = contacts.count()
        payloads = answers = unreadable = 0
        changed, names_of = [], {}
        submissions = (
            Submission.objects.filter(round=locked).select_related("form").order_by("pk").iterator(chunk_size=BATCH)
        )
        for submission in submissions:
            try:
                blanked, count = _blank(submission, names_of)
            except (BlankingError, ValueError, SyntaxError) as exc:  # unreadable XML/JSON: left exactly as it was
                unreadable += 1
                log.warning("retention: submission %s left as it was: %s", submission.pk, exc)
                continue
            if count:
                payloads, answers = payloads + 1, answers + count
                if not dry_run:
                    # payload_sha256 stays the hash of what was received, so a device that resends the
                    # original is still recognised as resending it (and not as a conflicting edit).
                    submission.payload = blanked
                    changed.append(submission)
                    if len(changed) >= BATCH:
                        Submission.objects.bulk_update(changed, ["payload"])
                        changed = []
        if dry_run:
            exports = task_named(EXPORTS_DELETE)(locked.pk, dry_run=True)
            return PurgeResult(locked.number, informants, payloads, answers, unreadable, True, exports=exports)
        if changed:
            Submission.objects.bulk_update(changed, ["payload"])
        contacts.delete()
        # Inside the round's lock, after the contacts: should deleting a file fail, the whole run is
        # undone and the next one tries again (a file already gone stays gone, its job says so).
        exports = task_named(EXPORTS_DELETE)(locked.pk)
        record = None
        if informants or payloads or exports:
            record = m.ContactPurge.objects.create(
                round=locked,
                round_closed_at=closed,
                retention_days=days,
                informants=informants,
                payloads=payloads,
                answers=answers,
                unreadable=unreadable,
                exports=exports,
                requested_by=actor,
                job=job[:100],
            )
    return PurgeResult(locked.number, informants, payloads, answers, unreadable, False, record, exports)


def contacts_purge_due(*, job: str, actor=None, dry_run: bool = False, now=None) -> list[PurgeResult]:
    """Every closed round whose retention period is over (the beat job and the command)."""
    return [round_contacts_purge(r, actor=actor, job=job, dry_run=dry_run, now=now) for r in rounds_due(now=now)]
