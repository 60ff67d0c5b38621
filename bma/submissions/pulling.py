"""Pulling submissions from an ODK Central form or a KoboToolbox asset, into the same intake as a device.

Every pulled record goes through the decisions a pushed one does (form open, round, user, duplicates,
edits, conflicts): a record that a device or Kobo's REST service already pushed is an identical resend
and is stored once; an edit made in Central comes back with its deprecatedID and is stored as an edit.

Central's feed is newest first: the window since the cursor is read whole and stored oldest first, so
a pull stores records in the order a push would have. ``pending_cursor`` moves only past stored records,
and a pull that stops (Central down, a 5xx) starts again there. Kobo pages oldest first: progress is
saved after each page (``resume_url`` the next page, ``pending_cursor`` the newest time seen), then
the asset's listing shows edits, validation statuses, files and deletions (pulling_kobo). Only a
pull that reached the end moves ``cursor`` on, so nothing between is skipped; a re-read of a stored
record is an identical resend, not a refusal.
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from datetime import timedelta

from django.db.models import F, Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop as N_

from bma.core.errors import BmaError, codes, message_lazy
from bma.submissions.header import SubmissionHeader
from bma.submissions.models import PullKind, PullSource, Submission, SubmissionAttachment, SubmissionSource
from bma.submissions.pull_clients import (
    CentralClient,
    FeedRow,
    KoboClient,
    PulledRecord,
    PullError,
    pull_error_words,
)
from bma.submissions.pull_facts import chain_review_state_note, chains_deleted_mark, chains_restored
from bma.submissions.pulling_kobo import kobo_changes_read
from bma.submissions.services import (
    Outcome,
    header_as_edit_of_current,
    header_or_error,
    kobo_record_store,
    rejection_record,
    submission_admit,
    submission_receive,
)

log = logging.getLogger(__name__)


def _client(source: PullSource, secret: str):
    if source.kind == PullKind.CENTRAL:
        return CentralClient(
            base_url=source.base_url,
            username=source.username,
            password=secret,
            project_id=source.project_id,
            form_id=source.remote_form_id,
        )
    return KoboClient(base_url=source.base_url, token=secret, asset_uid=source.remote_form_id)


def _central_header(source: PullSource, record: PulledRecord) -> SubmissionHeader:
    header = header_or_error(record.payload)
    if header.form_id != source.form.xml_form_id:
        raise BmaError(
            codes.SUBMISSION_INVALID,
            message_lazy(
                _(
                    "This Central form's submissions are of the form '%(form)s', not '%(expected)s' "
                    "that the source is set to fill; nothing was stored."
                ),
                form=header.form_id,
                expected=source.form.xml_form_id,
            ),
        )
    return header


def _stored(source: PullSource, instance_id: str) -> bool:
    return Submission.objects.filter(form=source.form, instance_id=instance_id).exists()


def _refused(source: PullSource, exc: BmaError, instance_id: str) -> str:
    rejection_record(
        source=SubmissionSource.KOBO if source.kind == PullKind.KOBO else SubmissionSource.CENTRAL,
        error=exc,
        user=source.submitted_as,
        form_id=source.form.xml_form_id,
        instance_id=exc.extra.get("instance_id", instance_id),
    )
    return "refused"


def _store(source: PullSource, record: PulledRecord, header: SubmissionHeader | None = None) -> str:
    """Store one pulled record; the outcome's name, or "refused" (listed under Rejected attempts)."""
    round_options = {"into_round": source.round, "closed_round_ok": source.past_round_import}
    kobo_options = {**round_options, "version_otherwise": source.form_version}
    try:
        if source.kind == PullKind.KOBO:
            result = kobo_record_store(
                payload=record.payload, form=source.form, user=source.submitted_as, files=record.files, **kobo_options
            )
        else:
            header = header or _central_header(source, record)
            admission = submission_admit(header=header, user=source.submitted_as, form=source.form, **round_options)
            result = submission_receive(
                payload=record.payload,
                files=record.files,
                user=source.submitted_as,
                header=header,
                source=SubmissionSource.CENTRAL,
                admission=admission,
            )
    except BmaError as exc:
        return _refused(source, exc, record.remote_id)
    if result.outcome == Outcome.DUPLICATE and result.attachments_added:
        return "media"  # files that came after the record
    return str(result.outcome)


def _central_store(source: PullSource, client: CentralClient, row: FeedRow) -> list[str]:
    """Store a Central submission and, when it was edited in Central, the versions this server lacks.

    Central serves only the current version; its deprecatedID names the version before it, which this
    server may never have seen (edited before the first pull, or twice between two pulls). The missing
    versions are read from /versions and stored oldest first, each an edit of the one before, as the
    device's edits would have been: the chain is whole and nothing Central holds is dropped."""
    record = client.record(row)
    try:
        header = _central_header(source, record)
    except BmaError as exc:
        return [_refused(source, exc, record.remote_id)]
    if not header.deprecated_id or _stored(source, header.instance_id) or _stored(source, header.deprecated_id):
        return [_store(source, record, header)]
    try:
        history = client.versions(row.remote_id)
    except PullError as exc:
        if exc.transient:
            raise
        # The history cannot be read (a role without it): the current version begins its chain here,
        # named by Central's __id, or follows what of the chain is here; its payload keeps the deprecatedID.
        log.warning("pull source %s: no versions of %s: %s", source.pk, row.remote_id, exc)
        return [_store(source, record, header_as_edit_of_current(source.form, header, row.remote_id, or_first=True))]
    outcomes = []
    for instance_id, payload in history[:-1]:
        if not _stored(source, instance_id):
            outcomes.append(_store(source, PulledRecord(row.remote_id, payload)))
    return [*outcomes, _store(source, record, header)]


def _save(source: PullSource, **fields) -> None:
    for name, value in fields.items():
        setattr(source, name, value)
    PullSource.objects.filter(pk=source.pk).update(**fields)


# A pull that has held its source this long is taken to have died (its worker was killed).
SYNC_LEASE = timedelta(hours=1)


def pull_source_sync(source: PullSource) -> Counter:
    """Pull what is new on the source since its cursor (or resume a pull that stopped). Raises PullError
    when a page cannot be read (``transient``: worth retrying); the error is also kept on the source.
    A source already being pulled is left alone (``{"already_running": 1}``)."""
    now = timezone.now()
    free = Q(syncing_since__isnull=True) | Q(syncing_since__lt=now - SYNC_LEASE)
    if not PullSource.objects.filter(free, pk=source.pk).update(syncing_since=now):
        return Counter(already_running=1)
    try:
        return _pull(source)
    finally:
        _save(source, syncing_since=None)


def _pull(source: PullSource) -> Counter:
    secret = os.environ.get(source.secret_env, "")
    # A pull that stopped half-way goes on where it stopped: its counts are one run's.
    resumed = bool(source.resume_url or source.pending_cursor)
    counts: Counter = Counter(source.last_counts if resumed else {})
    _save(source, last_started_at=timezone.now(), last_error="", last_error_detail={})
    if not secret:
        if source.kind == PullKind.KOBO:
            what = N_("API token")
        else:
            what = N_("password") if source.username else N_("app user token")
        error = PullError(
            N_("The environment variable %(variable)s that holds this source's %(what)s is not set on this server."),
            transient=False,
            variable=source.secret_env,
            what=what,
        )
        _save(source, last_error=str(error), last_error_detail=error.detail)
        raise error
    client = _client(source, secret)
    stored_before = counts["created"] + counts["edit"]
    try:
        if source.kind == PullKind.CENTRAL:
            cursor = _pull_central(source, client, counts)
        else:
            cursor = _pull_pages(source, client, counts)
            kobo_changes_read(source, client, counts, _store)
    except PullError as exc:
        log.warning("pull source %s stopped: %s", source.pk, exc)
        # In the server's language as text; the detail puts it into the reader's words on the page.
        _save(source, last_error=str(exc), last_error_detail=exc.detail, last_counts=dict(counts))
        raise
    finally:
        stored = counts["created"] + counts["edit"] - stored_before
        if stored:
            PullSource.objects.filter(pk=source.pk).update(stored_total=F("stored_total") + stored)
            source.stored_total += stored
        if source.kind == PullKind.CENTRAL:
            client.close()
    _save(
        source,
        cursor=cursor,
        resume_url="",
        pending_cursor="",
        last_finished_at=timezone.now(),
        last_counts=dict(counts),
    )
    return counts


def _pull_pages(source: PullSource, client: KoboClient, counts: Counter) -> str:
    """Kobo: pages oldest first, progress saved after each (``resume_url``, ``pending_cursor``)."""
    url = source.resume_url or client.first_url(source.cursor)
    pending = source.pending_cursor or source.cursor
    while url:
        page = client.page(url)
        for record in page.records:
            counts[_store(source, record)] += 1
        pending = max(pending, page.newest)
        url = page.next_url
        _save(source, resume_url=url, pending_cursor=pending)
    return pending


def _pull_central(source: PullSource, client: CentralClient, counts: Counter) -> str:
    """Central: the window since the cursor, stored oldest first. ``pending_cursor`` only moves past
    records that are stored: to a submissionDate once every record of the window up to it is stored
    (a later record with the same time would be skipped by the ``gt`` filter otherwise)."""
    safe = source.pending_cursor or source.cursor
    window = client.window(safe)
    newest = safe
    waiting = dict.fromkeys(source.media_waiting)
    try:
        for n, row in enumerate(window):
            outcomes = _central_store(source, client, row)
            counts.update(outcomes)
            _central_facts_note(source, row)
            _note_media(waiting, row, refused="refused" in outcomes)
            newest = max(newest, row.newest)
            if n + 1 == len(window) or window[n + 1].submitted > row.submitted:
                safe = max(safe, row.submitted)
        _central_deletions_read(source, client, counts)
        in_window = {row.remote_id for row in window}
        for remote_id in [w for w in waiting if w not in in_window]:
            _central_media_reread(source, client, remote_id, waiting, counts)
    finally:
        if safe != (source.pending_cursor or source.cursor):
            _save(source, pending_cursor=safe)
        if list(waiting) != source.media_waiting:
            _save(source, media_waiting=list(waiting))
    return newest


def _central_facts_note(source: PullSource, row: FeedRow) -> None:
    """Keep Central's review state on the stored chain, as a fact shown to the supervisor: our own
    review decision is never changed by it. A row in the feed is not deleted (Central's restore)."""
    # Each review PATCH moves updatedAt: the state's time is the row's last change.
    at = parse_datetime(row.updated) if row.updated and row.review_state else None
    chain_review_state_note(source.form, row.remote_id, row.review_state, at)
    chains_restored(source.form, [row.remote_id])


def _central_deletions_read(source: PullSource, client: CentralClient, counts: Counter) -> None:
    """Submissions deleted in Central since the deletions cursor: marked with the date on the stored
    chain (nothing stored here is removed) and their villages settled again, since a deleted visit
    stops counting until a supervisor decides (assessments.counting)."""
    try:
        rows = client.deleted(source.deleted_cursor)
    except PullError as exc:
        if exc.transient:
            raise
        # Not readable for every role: the records themselves still come across.
        log.warning("pull source %s: deletions not readable: %s", source.pk, exc)
        return
    marked = chains_deleted_mark(source.form, {row.remote_id: parse_datetime(row.deleted_at) for row in rows})
    if marked:
        counts["deleted_in_central"] += len(marked)
    newest = max([source.deleted_cursor, *(row.deleted_at for row in rows)])
    if newest != source.deleted_cursor:
        _save(source, deleted_cursor=newest)


def _note_media(waiting: dict, row: FeedRow, *, refused: bool) -> None:
    # A refused record is not waited for: reading it again would log the same refusal on every sync.
    if row.attachments_present < row.attachments_expected and not refused:
        waiting[row.remote_id] = None
    else:
        waiting.pop(row.remote_id, None)


def _central_media_reread(source: PullSource, client: CentralClient, remote_id: str, waiting: dict, counts) -> None:
    """A record still missing files: Central's feed will not bring it back when they come, so it is
    read again; its files are added to the stored version (an identical resend with new files)."""
    try:
        row = client.entity(remote_id)
    except PullError as exc:
        if exc.transient:
            raise
        log.warning("pull source %s: %s is no longer readable: %s", source.pk, remote_id, exc)
        waiting.pop(remote_id, None)
        return
    have = SubmissionAttachment.objects.filter(
        submission__form=source.form, submission__root_instance_id=remote_id, submission__is_current=True
    ).count()
    outcomes = _central_store(source, client, row) if row.attachments_present > have else []
    counts.update(outcomes)
    _note_media(waiting, row, refused="refused" in outcomes)


def pull_source_error(source: PullSource) -> str:
    """The source's last error in the reader's language (as stored text when it has no detail)."""
    return pull_error_words(source.last_error_detail) if source.last_error_detail else source.last_error


def pull_sources_due() -> list[int]:
    """The active sources the beat job syncs."""
    return list(PullSource.objects.filter(active=True).values_list("pk", flat=True))


def pull_sources_restart(queryset) -> int:
    """Forget how far these sources got: the next sync reads everything again. What is stored stays
    (identical records are resends); Kobo edits need no restart (every sync reads Kobo's listing)."""
    return queryset.update(cursor="", resume_url="", pending_cursor="")
