"""Pulling submissions from an ODK Central form or a KoboToolbox asset, into the same intake as a device.

Every pulled record goes through the decisions a pushed one does (form open, round, user, duplicates,
edits, conflicts): a record that a device or Kobo's REST service already pushed is an identical resend
and is stored once; an edit made in Central comes back with its deprecatedID and is stored as an edit.

Progress is saved after each page: ``resume_url`` is the next page, ``pending_cursor`` the newest time
seen so far. A page that fails (Central down, a 5xx) leaves both, and the next try starts at that page;
only a pull that reached the last page moves ``cursor`` on, so nothing between is skipped.
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from datetime import timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bma.core.errors import BmaError, codes, message_lazy
from bma.submissions.header import SubmissionHeader
from bma.submissions.models import PullKind, PullSource, Submission, SubmissionSource
from bma.submissions.pull_clients import CentralClient, KoboClient, PulledRecord, PullError
from bma.submissions.services import (
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
    if (
        header.deprecated_id
        and not Submission.objects.filter(form=source.form, instance_id=header.deprecated_id).exists()
    ):
        # Edited more than once in Central between two pulls: the version it replaces never came here.
        # Central's __id names the chain (its first instanceID): the edit replaces our current version.
        header = header_as_edit_of_current(source.form, header, record.remote_id)
    return header


def _store(source: PullSource, record: PulledRecord) -> str:
    """Store one pulled record; the outcome's name, or "refused" (listed under Rejected attempts)."""
    round_options = {"into_round": source.round, "closed_round_ok": source.past_round_import}
    kobo_options = {**round_options, "version_otherwise": source.form_version}
    try:
        if source.kind == PullKind.KOBO:
            result = kobo_record_store(
                payload=record.payload, form=source.form, user=source.submitted_as, files=record.files, **kobo_options
            )
        else:
            header = _central_header(source, record)
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
        rejection_record(
            source=SubmissionSource.KOBO if source.kind == PullKind.KOBO else SubmissionSource.CENTRAL,
            error=exc,
            user=source.submitted_as,
            form_id=source.form.xml_form_id,
            instance_id=exc.extra.get("instance_id", record.remote_id),
        )
        return "refused"
    return str(result.outcome)


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
    counts: Counter = Counter()
    _save(source, last_started_at=timezone.now(), last_error="")
    if not secret:
        message = (
            f"The environment variable {source.secret_env} that holds this source's "
            f"{'API token' if source.kind == PullKind.KOBO else 'password'} is not set on this server."
        )
        _save(source, last_error=message)
        raise PullError(message, transient=False)
    client = _client(source, secret)
    url = source.resume_url or client.first_url(source.cursor)
    pending = source.pending_cursor or source.cursor
    try:
        while url:
            page = client.page(url)
            for record in page.records:
                counts[_store(source, record)] += 1
            pending = max(pending, page.newest)
            url = page.next_url
            _save(source, resume_url=url, pending_cursor=pending)
    except PullError as exc:
        log.warning("pull source %s stopped: %s", source.pk, exc.message)
        _save(source, last_error=exc.message, last_counts=dict(counts))
        raise
    finally:
        stored = counts["created"] + counts["edit"]
        if stored:
            PullSource.objects.filter(pk=source.pk).update(stored_total=F("stored_total") + stored)
            source.stored_total += stored
    _save(
        source,
        cursor=pending,
        resume_url="",
        pending_cursor="",
        last_finished_at=timezone.now(),
        last_counts=dict(counts),
    )
    return counts


def pull_sources_due() -> list[int]:
    """The active sources the beat job syncs."""
    return list(PullSource.objects.filter(active=True).values_list("pk", flat=True))


def pull_sources_sync_start(queryset) -> int:
    """Ask the worker to sync these sources now (paused ones too: a person asked), after commit."""
    from bma.submissions.tasks import pull_source_sync as task  # here: the task module imports this one

    ids = list(queryset.values_list("pk", flat=True))
    for source_id in ids:
        transaction.on_commit(lambda source_id=source_id: task.delay(source_id))
    return len(ids)


def pull_sources_restart(queryset) -> int:
    """Forget how far these sources got: the next sync reads everything again. What is stored stays
    (identical records are resends), and Kobo edits, which keep their submission time, come across."""
    return queryset.update(cursor="", resume_url="", pending_cursor="")
