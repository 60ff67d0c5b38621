"""Receiving submissions: store first, losslessly, then ask for processing.

Everything that writes a Submission goes through ``submission_receive`` (OpenRosa) or
``kobo_record_receive`` (Kobo REST service). Duplicates are stopped by the database's unique
constraints, never by looking first: two devices (or one impatient device) posting the same
instance at the same moment cannot both insert.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from bma.core.errors import BmaError, codes, lower_lazy, message_lazy
from bma.core.reference_cache import intake_cache
from bma.rounds.services import NO_OPEN_ROUND, assignment_refuse_outside, round_for_collection
from bma.submissions.answers import same_answers
from bma.submissions.header import HeaderError, SubmissionHeader, parse_kobo_json, parse_xml_header
from bma.submissions.models import (
    KoboSource,
    PayloadFormat,
    ProcessingState,
    PullSource,
    RejectedAttempt,
    Submission,
    SubmissionAttachment,
    SubmissionSource,
)
from bma.submissions.processing_requests import processing_request
from bma.xforms.models import Form, FormKind, FormVersion

log = logging.getLogger(__name__)


class Outcome(StrEnum):
    CREATED = "created"
    EDIT = "edit"
    DUPLICATE = "duplicate"  # identical resend: success, new attachments kept


@dataclass(frozen=True)
class IncomingFile:
    filename: str
    content_type: str
    content: bytes


@dataclass
class ReceiveResult:
    submission: Submission
    outcome: Outcome
    attachments_added: list[str] = field(default_factory=list)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _resolve_form(header: SubmissionHeader) -> tuple[Form, FormVersion]:
    return intake_cache.get_or_load(("form", header.form_id, header.version), lambda: _look_up_form(header))


def _look_up_form(header: SubmissionHeader) -> tuple[Form, FormVersion]:
    # One query for the common case; the large XForm and XLSForm columns are not needed here.
    version = (
        FormVersion.objects.select_related("form")
        .defer("xml", "xlsform")
        .filter(form__xml_form_id=header.form_id, version=header.version)
        .first()
    )
    form = version.form if version else Form.objects.filter(xml_form_id=header.form_id).first()
    if form is None:
        raise BmaError(
            codes.FORM_UNKNOWN, message_lazy(_("The form '%(form)s' is not on this server."), form=header.form_id)
        )
    _refuse_closed(form)
    if version is None:
        raise BmaError(
            codes.FORM_VERSION_UNKNOWN,
            message_lazy(
                _(
                    "Version '%(version)s' of the form '%(form)s' is not on this server. "
                    "Get the latest forms (Get Blank Form) and fill it again."
                ),
                version=header.version,
                form=form.title,
            ),
        )
    return form, version


def _refuse_closed(form: Form) -> None:
    if not form.accepts_submissions:
        raise BmaError(
            codes.FORM_CLOSED,
            message_lazy(
                _("The form '%(form)s' is closed and takes no more submissions. Ask your supervisor."), form=form.title
            ),
        )


@dataclass(frozen=True)
class Admission:
    form: Form
    version: FormVersion | None
    round: object  # bma.rounds.models.Round


def submission_admit(
    *,
    header: SubmissionHeader,
    user,
    form: Form | None = None,
    into_round=None,
    closed_round_ok: bool = False,
    version_otherwise: FormVersion | None = None,
) -> Admission:
    """The intake decisions every source shares: form known and open, version, round, user, area.

    OpenRosa names its form in the XML (``form`` is None); a Kobo source is bound to one form, and
    Kobo's ``__version__`` strings are its own, so a version this server does not hold is kept and
    reported by processing rather than refused (Kobo keeps no copy we could ask for again). Everything
    else is decided here, once: a closed form, a B1, B2 or spot check naming no district, no open round,
    a user not assigned to the round, or a district outside the assignment is refused alike. Duplicates are decided by ``_receive``'s insert.
    """
    if form is None:
        form, version = _resolve_form(header)
    else:
        _refuse_closed(form)
        version = intake_cache.get_or_load(
            ("form-version", form.pk, header.version),
            lambda: FormVersion.objects.defer("xml", "xlsform").filter(form=form, version=header.version).first(),
        )
        # Kobo names versions with its own ids (__version__ "vGqX..."): a source says which of ours
        # its records were filled with. The payload keeps Kobo's id; the row points at our version.
        version = version or version_otherwise
    _refuse_without_district(form, header)
    if into_round is not None:
        # A pull source feeds the round it names; only an import of a past round may fill a closed one.
        _refuse_round_not_open(into_round, closed_round_ok)
    if user is None:
        # A Kobo source left without a "submitted as" user stores as nobody: like a coordinator, it
        # collects in the newest open round, and no assignment limits it.
        round = into_round or intake_cache.get_or_load(("round", None), _newest_open_round)
        return Admission(form, version, round)
    if not user.is_active:
        raise BmaError(
            codes.PERMISSION_DENIED,
            message_lazy(
                _(
                    "The account %(user)s that these submissions are stored as is turned off. "
                    "Nothing was stored; ask an administrator."
                ),
                user=user.get_username(),
            ),
        )
    round = into_round or intake_cache.get_or_load(("round", user.pk), lambda: round_for_collection(user))
    assignment_refuse_outside(round, user, header.district)
    return Admission(form, version, round)


# B1, B2 and the spot check ask the district as a required top-level question (xforms/workbooks.py):
# one without it could pass no assignment check and map to no district. An uploaded form of another
# kind asks what it likes.
FORMS_WITH_DISTRICT = frozenset({FormKind.B1, FormKind.B2, FormKind.SPOT_CHECK})


def _refuse_without_district(form: Form, header: SubmissionHeader) -> None:
    if form.kind in FORMS_WITH_DISTRICT and not header.district:
        raise BmaError(
            codes.SUBMISSION_INVALID,
            message_lazy(
                _(
                    "This submission of '%(form)s' names no district. Nothing was stored; "
                    "choose the district in the form and send it again."
                ),
                form=form.title,
            ),
        )


def _refuse_round_not_open(round, closed_round_ok: bool) -> None:
    from bma.rounds.models import RoundState

    if round.state == RoundState.OPEN or (closed_round_ok and round.state == RoundState.CLOSED):
        return
    if round.state == RoundState.CLOSED:
        template = _("%(round)s is %(state)s: it takes no data (only a past-round import fills a closed round).")
    else:
        template = _("%(round)s is %(state)s: it takes no data.")
    raise BmaError(
        codes.ROUND_NOT_OPEN, message_lazy(template, round=round, state=lower_lazy(RoundState(round.state).label))
    )


def _newest_open_round():
    from bma.rounds.models import Round, RoundState

    round = Round.objects.filter(state=RoundState.OPEN).order_by("-number").first()
    if round is None:
        raise BmaError(codes.ROUND_NOT_OPEN, NO_OPEN_ROUND)
    return round


def _store_attachments(submission: Submission, files: list[IncomingFile]) -> list[str]:
    """Insert attachments not stored yet; a file already there under that name is left as it is."""
    if not files:
        return []
    have = set(submission.attachments.values_list("filename", flat=True))
    new = [f for f in files if f.filename not in have]
    SubmissionAttachment.objects.bulk_create(
        [
            SubmissionAttachment(
                submission=submission,
                filename=f.filename,
                content_type=f.content_type,
                content=f.content,
                size=len(f.content),
                sha256=sha256(f.content),
            )
            for f in new
        ],
        ignore_conflicts=True,  # a concurrent chunk of the same submission may insert the same file
    )
    return [f.filename for f in new]


def _carry_over_attachments(parent: Submission, child: Submission, payload: bytes) -> None:
    """An edit keeps the parent's files that its XML still names, unless it sent new ones."""
    sent = set(child.attachments.values_list("filename", flat=True))
    kept = [a for a in parent.attachments.all() if a.filename not in sent and a.filename.encode() in payload]
    SubmissionAttachment.objects.bulk_create(
        [
            SubmissionAttachment(
                submission=child,
                filename=a.filename,
                content_type=a.content_type,
                content=a.content,
                size=a.size,
                sha256=a.sha256,
            )
            for a in kept
        ],
        ignore_conflicts=True,
    )


def _edit_parent(form: Form, header: SubmissionHeader) -> Submission | None:
    parent = Submission.objects.select_for_update().filter(form=form, instance_id=header.deprecated_id).first()
    if parent is None:
        if Submission.objects.filter(form=form, instance_id=header.instance_id).exists():
            # This version itself is stored (a re-read by a pull, whose chain came another way): a
            # resend, compared with what is stored below, not a refusal.
            return None
        raise BmaError(
            codes.SUBMISSION_EDIT_UNKNOWN,
            message_lazy(
                _("This is an edit of %(id)s, which is not on this server. Send the original first."),
                id=header.deprecated_id,
            ),
        )
    return parent


def _refuse_edit_by_another(parent: Submission, user) -> None:
    """A device edit replaces the version it names: only from the one who sent that submission, or from
    someone who may edit in its district (a supervisor assigned over it in its round, a coordinator).
    Without this, any enumerator could replace another's submission by naming it in deprecatedID."""
    if user is None:
        return  # a Kobo source stored as nobody collects as a coordinator does (submission_admit)
    if user.pk == parent.submitted_by_id:
        return
    if parent.root_instance_id != parent.instance_id:
        # The chain's first version: its enumerator may edit again after a supervisor's edit.
        first = Submission.objects.filter(form_id=parent.form_id, instance_id=parent.root_instance_id)
        if user.pk in first.values_list("submitted_by_id", flat=True):
            return
    if _may_edit_in(user, parent):
        return
    raise BmaError(
        codes.SUBMISSION_EDIT_FORBIDDEN,
        message_lazy(
            _(
                "This is an edit of %(id)s, which another user sent. Only they, a supervisor of its district "
                "or a coordinator may replace it. Nothing was stored."
            ),
            id=parent.instance_id,
        ),
    )


def _may_edit_in(user, parent: Submission) -> bool:
    from bma.core.roles import Role, user_sees_everything
    from bma.geo.models import AdminArea
    from bma.rounds.scoping import user_may_act_in

    if user_sees_everything(user):
        return True
    district = AdminArea.objects.filter(code=parent.district_code).only("path").first()
    # An enumerator's assignment covers their district too: supervising it is what allows an edit.
    return district is not None and user_may_act_in(user, district, round=parent.round_id, role=Role.SUPERVISOR)


def _insert(values: dict) -> Submission | None:
    """Insert, or return None when the unique constraint says this instance is already stored."""
    submission = Submission(**values)
    if connection.vendor == "postgresql":
        return submission if _insert_unless_stored(submission) else None
    try:
        with transaction.atomic():
            submission.save(force_insert=True)
            return submission
    except IntegrityError:
        return None


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


def _insert_unless_stored(submission: Submission) -> bool:
    """The intake's hot path on PostgreSQL: one statement, no savepoint, the same unique constraint.

    create() in a savepoint took three round-trips and ~3 ms of a ~9 ms request on the benchmark
    machine. Values are prepared by the fields themselves, as save() does (timestamps included).
    """
    sql, fields = _insert_unless_stored_sql()
    params = [f.get_db_prep_save(f.pre_save(submission, add=True), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return False  # already stored: the caller compares it with this one
    submission.pk = row[0]
    submission._state.adding, submission._state.db = False, connection.alias
    return True


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
    with transaction.atomic():
        parent = _edit_parent(form, header) if header.deprecated_id else None
        if parent is not None:
            _refuse_edit_by_another(parent, user)
        root = parent.root_instance_id if parent else (header.root_instance_id or header.instance_id)
        values = dict(
            form=form,
            form_version=version,
            round=round,
            instance_id=header.instance_id,
            root_instance_id=root,
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


def submission_version_resolve(submission: Submission) -> FormVersion | None:
    """The version of ours a stored record was filled with, looked up again when it is processed.

    A Kobo record naming a version we do not hold is stored without one (Kobo keeps no copy we could
    ask for again). The remedy the README gives, publishing that version or setting a Kobo source's
    *Form version*, must work on the records already stored: so processing asks again, first for the
    version the record names, then for the one the form's Kobo sources (REST or pull) say their
    records are read as. Sources that name different versions leave the choice to a person.
    """
    if submission.form_version_id is not None:
        return submission.form_version
    if submission.payload_format == PayloadFormat.KOBO_JSON:
        header = parse_kobo_json(submission.payload_bytes)[1]
    else:
        header = parse_xml_header(submission.payload_bytes)
    version = (
        FormVersion.objects.defer("xml", "xlsform").filter(form_id=submission.form_id, version=header.version).first()
    )
    if version is None:
        named = {
            *KoboSource.objects.filter(form_id=submission.form_id, form_version__isnull=False).values_list(
                "form_version", flat=True
            ),
            *PullSource.objects.filter(form_id=submission.form_id, form_version__isnull=False).values_list(
                "form_version", flat=True
            ),
        }
        if len(named) > 1:
            raise BmaError(
                codes.FORM_VERSION_UNKNOWN,
                message_lazy(
                    _(
                        "Version '%(version)s' of this form is not on this server, and the form's Kobo sources "
                        "name different versions to read it as (%(versions)s). Publish the version, or leave "
                        "one source's form version set, then reprocess."
                    ),
                    version=header.version,
                    versions=", ".join(
                        sorted(FormVersion.objects.filter(pk__in=named).values_list("version", flat=True))
                    ),
                ),
            )
        if named:
            version = FormVersion.objects.defer("xml", "xlsform").get(pk=named.pop())
    if version is not None:
        Submission.objects.filter(pk=submission.pk).update(form_version=version)
        submission.form_version = version
    return version


def header_as_edit_of_current(
    form: Form, header: SubmissionHeader, chain_root: str, *, or_first: bool = False
) -> SubmissionHeader:
    """The header as an edit of the chain's current version here, when the sender named the chain but
    not (or not a stored) version it replaces: Kobo's rootUuid, or a Central record whose history cannot
    be read. Unchanged when the chain has no current version other than this one; with ``or_first``, a
    chain with nothing here begins with this version (its payload still names the version it replaced)."""
    current = Submission.objects.filter(form=form, root_instance_id=chain_root, is_current=True).first()
    if current is None and or_first:
        return SubmissionHeader(**{**header.__dict__, "deprecated_id": "", "root_instance_id": chain_root})
    if current is None or current.instance_id == header.instance_id:
        return header
    return SubmissionHeader(**{**header.__dict__, "deprecated_id": current.instance_id})


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


# --- Who sees which stored submissions ---------------------------------------------------------------


def submission_scope_q(user) -> Q:
    """Submissions in the user's areas: by the district the submission names, or, when it names none
    this server knows (the reason it failed, often), by its submitter's assignment there.

    A failed submission may have no typed assessment to scope by; the raw row's district is enough.
    """
    from bma.core.roles import user_sees_everything
    from bma.geo.models import AdminArea
    from bma.rounds.models import Assignment
    from bma.rounds.scoping import NOTHING, area_scope_q

    if user_sees_everything(user):
        return Q()
    areas = area_scope_q(user)
    if areas == NOTHING:
        return NOTHING
    in_scope = AdminArea.objects.filter(areas).values("code")
    submitters = Assignment.objects.filter(area_scope_q(user, "area")).values("user")
    unknown_district = ~Q(district_code__in=AdminArea.objects.values("code"))
    return Q(district_code__in=in_scope) | (unknown_district & Q(submitted_by__in=submitters))


# --- Processing bookkeeping (the pipeline app decides what processing means) ---------------------


def submissions_waiting(*, older_than_seconds: int = 60, stuck_after_seconds: int | None = None, limit: int = 500):
    """Ids the sweeper should (re)queue: waiting but never picked up, due for a retry after a
    transient failure, or claimed by a worker that died (still processing after the stuck time)."""
    now = timezone.now()
    stuck_after = settings.BMA_PROCESSING_STUCK_SECONDS if stuck_after_seconds is None else stuck_after_seconds
    received = Q(state=ProcessingState.RECEIVED)
    never_picked = received & Q(
        retry_at__isnull=True, created_at__lt=now - timezone.timedelta(seconds=older_than_seconds)
    )
    retry_due = received & Q(retry_at__lte=now)
    stuck = Q(state=ProcessingState.PROCESSING, claimed_at__lt=now - timezone.timedelta(seconds=stuck_after))
    return list(
        Submission.objects.filter(never_picked | retry_due | stuck)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )


def submission_release_stuck(submission_id: int, claim_token: int | None = None) -> None:
    """A row left in processing by a worker that died goes back to waiting, or fails once it has
    used up its attempts (a submission that kills its worker every time must not loop for ever)."""
    stuck = Submission.objects.filter(pk=submission_id, state=ProcessingState.PROCESSING)
    if claim_token is not None:  # only while that claim holds it: another worker may have taken it up since
        stuck = stuck.filter(claim_token=claim_token)
    stuck.filter(attempts__gte=settings.BMA_PROCESSING_MAX_ATTEMPTS).update(
        state=ProcessingState.FAILED,
        retry_at=None,
        claim_token=None,
        claimed_by="",
        last_error=(
            f"Processing stopped {settings.BMA_PROCESSING_MAX_ATTEMPTS} times without finishing (the worker was "
            "stopped or ran out of time or memory on this submission). Ask an administrator to look at the "
            "worker, then use 'Process again'."
        ),
    )
    stuck.update(state=ProcessingState.RECEIVED, claimed_at=None, retry_at=None, claim_token=None, claimed_by="")


def submissions_release_claims(tokens: list[int]) -> int:
    """The rows still processing under these claims, whose claimer is gone, back to waiting (or failed
    once out of attempts, as submission_release_stuck). Filtered by token, so a row another worker has
    taken up since is left alone."""
    rows = Submission.objects.filter(state=ProcessingState.PROCESSING, claim_token__in=tokens)
    count = 0
    for submission_id, token in rows.values_list("pk", "claim_token"):
        submission_release_stuck(submission_id, token)
        count += 1
    return count


def submissions_requeue(queryset) -> int:
    """Process these submissions again from the start: waiting, attempts counted afresh, and a
    processing request after commit. Rows a worker is processing right now are left to it."""
    ids = list(queryset.exclude(state=ProcessingState.PROCESSING).values_list("pk", flat=True))
    Submission.objects.filter(pk__in=ids).exclude(state=ProcessingState.PROCESSING).update(
        state=ProcessingState.RECEIVED, attempts=0, retry_at=None
    )
    if ids:
        _request_processing(ids[0])  # one request: a processing run takes every waiting row along
    return len(ids)
