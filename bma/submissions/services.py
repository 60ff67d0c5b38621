"""Receiving submissions: store first, losslessly, then ask for processing.

Everything that writes a Submission goes through ``submission_receive`` (OpenRosa) or
``kobo_record_receive`` (Kobo REST service). Duplicates are stopped by the database's unique
constraints, never by looking first: two devices (or one impatient device) posting the same
instance at the same moment cannot both insert.

The rooms around intake live beside it: admission.py (form, version, round, user, area),
attachment_storing.py, edit_chains.py, scoping.py (who sees which) and processing_bookkeeping.py
(requeue, stuck release). What callers use is re-exported here.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from bma.core.errors import BmaError, codes, message_lazy
from bma.submissions.admission import (
    FORMS_WITH_DISTRICT,
    Admission,
    submission_admit,
    submission_version_resolve,
)
from bma.submissions.answers import same_answers
from bma.submissions.attachment_storing import (
    IncomingFile,
    _attachment,
    _carry_over_attachments,
    _store_attachments,
    sha256,
)
from bma.submissions.edit_chains import _edit_parent, _refuse_edit_by_another, header_as_edit_of_current
from bma.submissions.header import HeaderError, SubmissionHeader, parse_kobo_json, parse_xml_header
from bma.submissions.models import (
    KoboSource,
    PayloadFormat,
    RejectedAttempt,
    Submission,
    SubmissionAttachment,
    SubmissionSource,
)
from bma.submissions.processing_bookkeeping import (
    submission_release_stuck,
    submissions_release_claims,
    submissions_requeue,
    submissions_waiting,
)
from bma.submissions.processing_requests import processing_request
from bma.submissions.scoping import submission_scope_q
from bma.xforms.models import Form, FormVersion

__all__ = [
    "FORMS_WITH_DISTRICT",
    "Admission",
    "IncomingFile",
    "Outcome",
    "ReceiveResult",
    "header_as_edit_of_current",
    "header_or_error",
    "kobo_body_limit",
    "kobo_body_too_large",
    "kobo_record_receive",
    "kobo_record_store",
    "rejection_record",
    "sha256",
    "submission_admit",
    "submission_receive",
    "submission_release_stuck",
    "submission_scope_q",
    "submission_version_resolve",
    "submissions_release_claims",
    "submissions_requeue",
    "submissions_waiting",
]

log = logging.getLogger(__name__)


class Outcome(StrEnum):
    CREATED = "created"
    EDIT = "edit"
    DUPLICATE = "duplicate"  # identical resend: success, new attachments kept


@dataclass
class ReceiveResult:
    submission: Submission
    outcome: Outcome
    attachments_added: list[str] = field(default_factory=list)


def _insert(values: dict, files: list[IncomingFile] = ()) -> Submission | None:
    """Insert, or return None when the unique constraint says this instance is already stored.
    ``files``: on PostgreSQL only, inserted by the same statement (_store_new)."""
    submission = Submission(**values)
    if connection.vendor == "postgresql":
        return submission if _insert_unless_stored(submission, files) else None
    try:
        with transaction.atomic():
            submission.save(force_insert=True)
            return submission
    except IntegrityError:
        return None


def _prepared(instance, fields) -> list:
    """Values as save() would send them: prepared by the fields themselves, timestamps included."""
    return [f.get_db_prep_save(f.pre_save(instance, add=True), connection) for f in fields]


@cache
def _insert_unless_stored_sql() -> tuple[str, list]:
    meta = Submission._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    # No conflict target: every unique index is an arbiter. With only (form, instanceID) named, a
    # concurrent resend of the same new submission could still fail on the one-current-per-chain
    # index (root = instanceID) before the first insert committed: a 500 instead of a duplicate.
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))}) "
        f"ON CONFLICT DO NOTHING RETURNING {quote(meta.pk.column)}"
    )
    return sql, fields


@cache
def _attachment_fields() -> list:
    return [f for f in SubmissionAttachment._meta.concrete_fields if not f.primary_key and f.name != "submission"]


@cache
def _insert_with_files_sql(count: int) -> str:
    """The submission and ``count`` attachments in one statement: the attachments' INSERT reads the new
    row's id from the first (a data-modifying CTE), and inserts nothing when the submission conflicted."""
    submission_sql, _ = _insert_unless_stored_sql()
    quote = connection.ops.quote_name
    meta = SubmissionAttachment._meta
    fields = _attachment_fields()
    columns = [f"c{i}" for i in range(len(fields))]
    row = f"({', '.join(['%s'] * len(fields))})"
    return (
        f"WITH s AS ({submission_sql}), a AS ("
        f"INSERT INTO {quote(meta.db_table)} ({quote(meta.get_field('submission').column)}, "
        f"{', '.join(quote(f.column) for f in fields)}) "
        f"SELECT s.{quote(Submission._meta.pk.column)}, {', '.join(f'v.{c}' for c in columns)} "
        f"FROM s CROSS JOIN (VALUES {', '.join([row] * count)}) AS v({', '.join(columns)}) "
        f"ON CONFLICT DO NOTHING) SELECT * FROM s"
    )


def _insert_unless_stored(submission: Submission, files: list[IncomingFile] = ()) -> bool:
    """The intake's hot path on PostgreSQL: one statement, no savepoint, the same unique constraints.

    create() in a savepoint took three round-trips and ~3 ms of a ~9 ms request on the benchmark
    machine. With attachments, they go in the same statement. False when the instance is already
    stored: then nothing was inserted, attachments neither.
    """
    sql, fields = _insert_unless_stored_sql()
    params = _prepared(submission, fields)
    if files:
        sql = _insert_with_files_sql(len(files))
        for incoming in files:
            params += _prepared(_attachment(None, incoming), _attachment_fields())
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return False  # already stored: the caller compares it with this one
    submission.pk = row[0]
    submission._state.adding, submission._state.db = False, connection.alias
    return True


def _one_per_name(files: list[IncomingFile]) -> list[IncomingFile]:
    """The first file of each name, as the unique (submission, filename) constraint keeps."""
    seen: dict[str, IncomingFile] = {}
    for incoming in files:
        seen.setdefault(incoming.filename, incoming)
    return list(seen.values())


def _store_new(values: dict, files: list[IncomingFile]) -> ReceiveResult | None:
    """A new submission that edits nothing, on PostgreSQL: stored with its files in one statement and
    one round trip (autocommit: the statement is its own transaction, so it is whole or not at all).
    None when the instance is already stored: the caller's transaction decides what that means."""
    files = _one_per_name(files)
    submission = _insert(values, files)
    if submission is None:
        return None
    _request_processing(submission.pk)  # outside a transaction: at once, after the commit above
    return ReceiveResult(submission, Outcome.CREATED, [f.filename for f in files])


def _request_processing(submission_id: int) -> None:
    """After commit, ask the worker to process; see processing_requests for why at most one is queued."""
    transaction.on_commit(lambda: processing_request(submission_id))


def _same_instance(existing: Submission, payload: bytes, payload_format: str) -> bool:
    """An instanceID already stored for this form: is this the same instance sent again?

    Through OpenRosa the bytes are the instance; through the other protocol (Collect's XML and then
    Kobo's JSON record of it, or the reverse), or Kobo's JSON read again, the answers are compared.
    """
    if existing.payload_format == payload_format and existing.payload_sha256 == sha256(payload):
        return True
    if existing.payload_format == payload_format == PayloadFormat.XML:
        return False
    # A Kobo record read again carries Kobo's own keys as they are now (_validation_status,
    # _attachments, _tags, _notes): the same instance when its answers are the same.
    return same_answers(existing.payload_bytes, existing.payload_format, payload, payload_format)


def _receive(*, form, version, header, payload, payload_format, source, user, round, device_id, files):
    values = dict(
        form=form,
        form_version=version,
        round=round,
        instance_id=header.instance_id,
        root_instance_id=header.root_instance_id or header.instance_id,
        deprecated_id=header.deprecated_id,
        instance_name=header.instance_name,
        source=source,
        payload_format=payload_format,
        payload=payload,
        payload_sha256=sha256(payload),
        submitted_by=user,
        device_id=device_id[:255],
        district_code=header.district,
    )
    if connection.vendor == "postgresql" and not header.deprecated_id:
        stored = _store_new({**values, "is_current": True}, files)
        if stored is not None:
            return stored
    with transaction.atomic():
        parent = _edit_parent(form, header) if header.deprecated_id else None
        if parent is not None:
            _refuse_edit_by_another(parent, user)
            values["root_instance_id"] = parent.root_instance_id
        # An edit goes in as not current and takes over below, so an identical resend of the edit
        # still finds its own row through the unique constraint and gets a success.
        submission = _insert({**values, "is_current": parent is None})
        if submission is None:
            existing = Submission.objects.get(form=form, instance_id=header.instance_id)
            if not _same_instance(existing, payload, payload_format):
                raise BmaError(
                    codes.SUBMISSION_DUPLICATE_CONFLICT,
                    message_lazy(
                        _(
                            "A different submission with the ID %(id)s is already stored. "
                            "Nothing was changed; ask your supervisor to look at both."
                        ),
                        id=header.instance_id,
                    ),
                )
            if existing.payload_format != payload_format:
                # Stored already through the other protocol: nothing new is stored (its files came with it).
                return ReceiveResult(existing, Outcome.DUPLICATE)
            added = _store_attachments(existing, files)
            return ReceiveResult(existing, Outcome.DUPLICATE, added)
        if parent is not None:
            # Conditional update: of two racing edits of one parent, only one sees is_current=True.
            if not Submission.objects.filter(pk=parent.pk, is_current=True).update(is_current=False):
                raise BmaError(
                    codes.SUBMISSION_EDIT_STALE,
                    message_lazy(
                        _(
                            "This edits an older version of %(id)s; a newer edit is already stored. "
                            "Download the current version before editing again."
                        ),
                        id=parent.root_instance_id,
                    ),
                )
            Submission.objects.filter(pk=submission.pk).update(is_current=True)
            submission.is_current = True
        added = _store_attachments(submission, files)
        if parent is not None:
            _carry_over_attachments(parent, submission, payload)
        _request_processing(submission.pk)
        return ReceiveResult(submission, Outcome.EDIT if parent else Outcome.CREATED, added)


def submission_receive(
    *,
    payload: bytes,
    files: list[IncomingFile],
    user,
    device_id: str = "",
    header: SubmissionHeader | None = None,
    source: str = SubmissionSource.OPENROSA,
    admission: Admission | None = None,
) -> ReceiveResult:
    """Store an OpenRosa submission (one POST of possibly several: attachments are merged).

    ``source`` and ``admission``: a submission pulled from ODK Central is the same XML, admitted into
    the round its pull source feeds (see pulling.py)."""
    if header is None:
        header = header_or_error(payload)
    if admission is None:
        admission = submission_admit(header=header, user=user)
    return _receive(
        form=admission.form,
        version=admission.version,
        header=header,
        payload=payload,
        payload_format=PayloadFormat.XML,
        source=source,
        user=user,
        round=admission.round,
        device_id=device_id,
        files=files,
    )


def header_or_error(payload: bytes) -> SubmissionHeader:
    try:
        return parse_xml_header(payload)
    except HeaderError as exc:
        # The exception's own (lazy) message, not str(exc): it is worded when shown, in the device's language.
        raise BmaError(codes.SUBMISSION_INVALID, exc.args[0]) from exc


def kobo_source_for_token(token: str) -> KoboSource:
    source = KoboSource.objects.select_related("form", "submitted_as").filter(token=token, active=True).first()
    if source is None:
        raise BmaError(codes.KOBO_TOKEN_UNKNOWN, _("This Kobo REST-service URL is not known or has been turned off."))
    return source


def kobo_body_limit() -> int:
    """The largest Kobo record taken: a JSON body is read whole into memory, so Django's
    DATA_UPLOAD_MAX_MEMORY_SIZE bounds it as well as BMA_SUBMISSION_MAX_BYTES (None: no Django bound)."""
    django_bound = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return min(settings.BMA_SUBMISSION_MAX_BYTES, django_bound if django_bound is not None else float("inf"))


def kobo_body_too_large(size: int | None) -> BmaError:
    """A 413 in Kobo's JSON, with the limit (Kobo does not retry a 4xx: the record must be made smaller)."""
    limit = kobo_body_limit()
    if size is None:
        message = message_lazy(
            _("The Kobo record is larger than this server takes (at most %(limit)s bytes); nothing was stored."),
            limit=f"{limit:,}",
        )
    else:
        message = message_lazy(
            _("The Kobo record is %(size)s bytes; this server takes at most %(limit)s bytes. Nothing was stored."),
            size=f"{size:,}",
            limit=f"{limit:,}",
        )
    return BmaError(codes.SUBMISSION_TOO_LARGE, message)


def kobo_record_receive(*, token: str, payload: bytes) -> ReceiveResult:
    """Store one record sent by a KoboToolbox REST service into the same lossless store.

    The payload is stored byte for byte as Kobo sent it; mapping reads it later (kobo_tree).
    A refusal carries the form and instance it concerns in ``extra`` for the Rejected attempts list.
    """
    source = kobo_source_for_token(token)
    return kobo_record_store(
        payload=payload, form=source.form, user=source.submitted_as, version_otherwise=source.form_version
    )


def _stored(form: Form, instance_id: str) -> bool:
    return bool(instance_id) and Submission.objects.filter(form=form, instance_id=instance_id).exists()


def kobo_record_store(
    *,
    payload: bytes,
    form: Form,
    user,
    files: list[IncomingFile] = (),
    into_round=None,
    closed_round_ok=False,
    version_otherwise: FormVersion | None = None,
) -> ReceiveResult:
    """A Kobo record into the store, however it came: posted by Kobo's REST service, or pulled from
    Kobo's API v2 (then with its attachments, into the round the pull source feeds)."""
    context = {"form_id": form.xml_form_id, "user": user}
    try:
        _, header = parse_kobo_json(payload)
    except HeaderError as exc:
        # The (lazy) message itself, as for XML: worded when shown, in the reader's language.
        raise BmaError(codes.SUBMISSION_INVALID, exc.args[0], extra=context) from exc
    context["instance_id"] = header.instance_id
    try:
        admission = submission_admit(
            header=header,
            user=user,
            form=form,
            into_round=into_round,
            closed_round_ok=closed_round_ok,
            version_otherwise=version_otherwise,
        )
        if (
            header.root_instance_id
            and header.root_instance_id != header.instance_id
            and not _stored(form, header.deprecated_id)
        ):
            # An edit made in Kobo names its chain (meta/rootUuid). The version it replaces may never have
            # come here: Kobo serves only a record's current version, so one edited before a pull read it
            # (or twice between two) names a version no one can fetch. It replaces the chain's current
            # version, or begins the chain here; its payload keeps the deprecatedID it was sent with.
            header = header_as_edit_of_current(form, header, header.root_instance_id, or_first=True)
        return _receive(
            form=admission.form,
            version=admission.version,
            header=header,
            payload=payload,
            payload_format=PayloadFormat.KOBO_JSON,
            source=SubmissionSource.KOBO,
            user=user,
            round=admission.round,
            device_id="",
            files=list(files),
        )
    except BmaError as exc:
        exc.extra = {**context, **exc.extra}
        raise


def _in_server_language(message) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return str(message)


def rejection_record(*, source, error: BmaError, user=None, form_id="", instance_id="", device_id="", request=None):
    """Log a refused attempt; never let logging itself fail the response."""
    try:
        RejectedAttempt.objects.create(
            source=source,
            user=user if user is not None and user.is_authenticated else None,
            status=error.http_status,
            code=error.code.code,
            # The log is read by the team: in the server's language, whatever the device was answered in.
            message=_in_server_language(error.message)[:2000],
            form_id=form_id[:255],
            instance_id=instance_id[:255],
            device_id=device_id[:255],
            remote_addr=(request.META.get("REMOTE_ADDR") if request is not None else None) or None,
            body_size=int((request.META.get("CONTENT_LENGTH") or 0) if request is not None else 0),
        )
    except Exception:
        log.exception("Could not record a rejected submission attempt")
    log.info(
        "Submission refused: %s %s (form=%s instance=%s)", error.http_status, error.code.code, form_id, instance_id
    )
