"""The OpenRosa server ODK Collect and Web Forms talk to (server URL: https://host/collect/).

Views stay thin: authenticate, read the request, call one service, answer in OpenRosa's terms.
Every response carries X-OpenRosa-Version (Collect calls a server without it "not OpenRosa") and
the accepted content length; every URL tolerates Collect's ?deviceID=.
"""

from __future__ import annotations

import logging
from functools import wraps

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.middleware.csrf import CsrfViewMiddleware
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt

from bma.core.db import transient_db_error
from bma.core.errors import BmaError, codes, message_lazy
from bma.core.languages import device_language
from bma.core.lockout import lockout_message
from bma.core.openrosa_messages import openrosa_headers, openrosa_message, openrosa_xml
from bma.core.params import text_param
from bma.entities.lists import entity_list_served
from bma.entities.services import ENTITY_LISTS, entity_integrity, entity_list_files, integrity_ids
from bma.rounds.services import round_for_collection
from bma.submissions.auth import challenge_headers, openrosa_authenticate
from bma.submissions.collect_login import collect_login_refusal_log
from bma.submissions.header import SubmissionHeader
from bma.submissions.models import SubmissionSource
from bma.submissions.services import (
    IncomingFile,
    Outcome,
    header_or_error,
    rejection_record,
    submission_receive,
)
from bma.xforms.distribution import current_version, forms_for_devices, list_file_content_for
from bma.xforms.openrosa import FormListEntry, MediaEntry, form_list_xml, integrity_xml, manifest_xml, md5_hash

log = logging.getLogger(__name__)

XML_PART = "xml_submission_file"
INCOMPLETE_PART = "*isIncomplete*"
SUCCESS_MESSAGES = {
    Outcome.CREATED: _("Submission received. Thank you!"),
    Outcome.EDIT: _("Your edit was received and replaces the earlier version."),
    Outcome.DUPLICATE: _("This submission was already received; any new files were added."),
}


def _challenge(request, stale: bool = False) -> HttpResponse:
    response = openrosa_message(_("Log in with your enumerator user name and password."), 401)
    # Several challenges share one header, comma-separated, as RFC 7235 allows.
    response["WWW-Authenticate"] = ", ".join(challenge_headers(request, stale=stale))
    return response


def _check_query(params) -> None:
    """The parameters Collect sends that we read or store: no NULs (PostgreSQL refuses them), and a
    deviceID that fits the column it is kept in (Submission/RejectedAttempt.device_id)."""
    text_param(params, "deviceID", max_length=255)
    text_param(params, "formID", max_length=255)


DATABASE_DOWN = _(
    "The server cannot store submissions at the moment (its database is not answering). Nothing was lost: "
    "the form is still on your device and will be sent again; try again in a few minutes."
)


def service_unavailable(message: str = DATABASE_DOWN) -> HttpResponse:
    """503 with Retry-After: Collect keeps the submission and sends it again later."""
    response = openrosa_message(message, 503, nature="error")
    response["Retry-After"] = str(settings.BMA_RETRY_AFTER_SECONDS)
    return response


def openrosa_endpoint(view):
    """Authenticate (token in path, Digest, Basic over HTTPS) and add the OpenRosa headers.

    Collect shows the <message> of each answer to the enumerator, so the endpoint answers in their
    language: the one they chose (core.UserLanguage), else the device's (Accept-Language), else English.
    Before the user is known, only the device's language can be read.

    A database that is down or restarting answers 503 + Retry-After in OpenRosa's terms (Collect
    retries it), never Django's HTML 500; the submission's transaction rolled back, so nothing is
    half-stored and the resend is stored whole, once.
    """

    @csrf_exempt
    @wraps(view)
    def wrapper(request, *args, token: str | None = None, **kwargs):
        with translation.override(device_language(request)):
            try:
                return _authenticated(request, *args, token=token, **kwargs)
            except DatabaseError as exc:
                if not transient_db_error(exc):
                    raise
                log.warning("Database unavailable for %s (%s): answered 503", request.path, exc)
                return service_unavailable()

    def _authenticated(request, *args, token: str | None = None, **kwargs):
        outcome = openrosa_authenticate(request, token)
        if outcome.locked:
            response = openrosa_message(lockout_message(), codes.AUTH_LOCKED_OUT.http_status, nature="error")
            response.bma_lockout = True  # the Axes middleware keeps this answer instead of its own page
            return response
        if outcome.user is None:
            if token is not None:
                return openrosa_message(
                    _("This device link is not valid any more. Ask your supervisor for a new QR code."), 403
                )
            if outcome.uncredentialed is not None:
                collect_login_refusal_log(outcome.uncredentialed)
            return _challenge(request, stale=outcome.stale)
        if outcome.by_session and request.method == "POST":
            # A browser session would let any site post as the user: ask for the CSRF token too.
            refused = CsrfViewMiddleware(lambda r: None).process_view(request, None, (), {})
            if refused is not None:
                return openrosa_message(_("The page's security token is missing or old. Reload the form page."), 403)
        try:
            _check_query(request.GET)
        except BmaError as exc:
            return openrosa_message(exc.message, exc.http_status, nature="error")
        request.openrosa_user = outcome.user
        request.openrosa_language = device_language(request, outcome.user)
        request.openrosa_prefix = (
            reverse("openrosa-token-root", kwargs={"token": token}) if token else reverse("openrosa-root")
        )
        with translation.override(request.openrosa_language):
            return view(request, *args, **kwargs)

    return wrapper


def _url(request, path: str) -> str:
    return request.build_absolute_uri(request.openrosa_prefix + path)


@openrosa_endpoint
def form_list(request):
    try:
        round_ = round_for_collection(request.openrosa_user)
    except BmaError:
        listed = []  # no open round or no assignment: nothing to fill
    else:
        listed = forms_for_devices(request.GET.get("formID") or None, round_)
    entries = []
    for form, version in listed:
        xml = version.xml.encode("utf-8")
        entries.append(
            FormListEntry(
                form_id=form.xml_form_id,
                name=form.title,
                version=version.version,
                hash=md5_hash(xml),
                download_url=_url(request, f"forms/{form.xml_form_id}/form.xml"),
                manifest_url=_url(request, f"forms/{form.xml_form_id}/manifest") if version.media_filenames else "",
                description=form.get_kind_display(),
            )
        )
    return openrosa_xml(form_list_xml(entries, verbose=request.GET.get("verbose") == "true"))


def _version_or_404(form_id: str, user):
    version = current_version(form_id, _round_or_none(user))
    if version is None or not version.form.listed_to_devices:
        raise BmaError(
            codes.FORM_UNKNOWN, message_lazy(_("The form '%(form)s' is not available for download."), form=form_id)
        )
    return version


def _round_or_none(user):
    try:
        return round_for_collection(user)
    except BmaError:
        return None


@openrosa_endpoint
def form_download(request, form_id: str):
    try:
        version = _version_or_404(form_id, request.openrosa_user)
    except BmaError as exc:
        return openrosa_message(exc.message, exc.http_status)
    return openrosa_xml(version.xml.encode("utf-8"))


@openrosa_endpoint
def form_manifest(request, form_id: str):
    try:
        version = _version_or_404(form_id, request.openrosa_user)
    except BmaError as exc:
        return openrosa_message(exc.message, exc.http_status)
    round = _round_or_none(request.openrosa_user)
    entries = []
    entity_lists = entity_list_files(version.xml, version.media_filenames)
    for filename in version.media_filenames:
        if filename in entity_lists:
            # Central's entry: the hash equals the list's ETag, and the integrity URL sits beside it.
            entries.append(
                MediaEntry(
                    filename=filename,
                    hash="md5:"
                    + entity_list_served(
                        entity_lists[filename], round.pk if round else None, request.openrosa_language
                    )[1],
                    download_url=_url(request, f"forms/{form_id}/media/{filename}"),
                    type="entityList",
                    integrity_url=_url(request, f"datasets/{entity_lists[filename]}/integrity"),
                )
            )
            continue
        # The hash of the bytes this user is served: location lists differ per enumerator.
        content = list_file_content_for(round, filename, request.openrosa_user, request.openrosa_language)
        if content is not None:  # like Central, list only files we can serve
            entries.append(
                MediaEntry(
                    filename=filename,
                    hash=md5_hash(content),
                    download_url=_url(request, f"forms/{form_id}/media/{filename}"),
                )
            )
    return openrosa_xml(manifest_xml(entries))


@openrosa_endpoint
def form_media(request, form_id: str, filename: str):
    try:
        version = _version_or_404(form_id, request.openrosa_user)
    except BmaError as exc:
        return openrosa_message(exc.message, exc.http_status)
    entity_lists = entity_list_files(version.xml, version.media_filenames)
    if filename in entity_lists:
        round = _round_or_none(request.openrosa_user)
        return _entity_list(request, entity_lists[filename], filename, round.pk if round else None)
    content = list_file_content_for(
        _round_or_none(request.openrosa_user), filename, request.openrosa_user, request.openrosa_language
    )
    if filename not in version.media_filenames or content is None:
        return openrosa_message(
            message_lazy(_("The file %(file)s is not part of the form '%(form)s'."), file=filename, form=form_id), 404
        )
    content_type = "text/csv; charset=utf-8" if filename.endswith(".csv") else "application/octet-stream"
    response = openrosa_headers(HttpResponse(content, content_type=content_type))
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _entity_list(request, dataset: str, filename: str, round_id: int | None) -> HttpResponse:
    """An entity list's CSV as Central serves it: a strong ETag equal to the manifest hash, and 304 to a
    device that already holds this content (it sends the ETag back in If-None-Match). Built once per
    change (bma/entities/lists.py), for the device's round (its ``planned`` column) and language (its labels)."""
    content, tag = entity_list_served(dataset, round_id, request.openrosa_language)
    etag = f'"{tag}"'
    held = [tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")]
    if etag in held or "*" in held:
        response = openrosa_headers(HttpResponse(status=304))
    else:
        response = openrosa_headers(HttpResponse(content, content_type="text/csv; charset=utf-8"))
        response["Content-Disposition"] = f"attachment; filename=\"{filename}\"; filename*=UTF-8''{filename}"
    response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache"
    return response


@openrosa_endpoint
def dataset_integrity(request, dataset: str):
    """Which of the entities a device holds were deleted (merged or retired villages), in Central's shape.

    Ids come as ``?id=a,b`` (what Central reads) or ``?id=a&id=b`` (on which Central answers 500): both
    are read. Without ids, every entity is listed, deleted ones included; unknown ids are left out.
    """
    if dataset not in ENTITY_LISTS.values():
        return openrosa_message(
            message_lazy(_("There is no entity list named %(list)s."), list=dataset), 404, nature="error"
        )
    response = openrosa_xml(integrity_xml(entity_integrity(dataset, integrity_ids(request.GET.getlist("id")))))
    response["Cache-Control"] = "private, no-cache"
    return response


def _refuse(request, error: BmaError, header: SubmissionHeader | None = None) -> HttpResponse:
    rejection_record(
        source=SubmissionSource.OPENROSA,
        error=error,
        user=getattr(request, "openrosa_user", None),
        form_id=header.form_id if header else "",
        instance_id=header.instance_id if header else "",
        device_id=request.GET.get("deviceID", ""),
        request=request,
    )
    return openrosa_message(error.message, error.http_status, nature="error")


def _too_large(size: int) -> BmaError:
    return BmaError(
        codes.SUBMISSION_TOO_LARGE,
        message_lazy(
            _(
                "The submission is %(size)s bytes; this server takes at most %(limit)s. "
                "Send it again over a better connection or ask your supervisor."
            ),
            size=f"{size:,}",
            limit=f"{settings.BMA_SUBMISSION_MAX_BYTES:,}",
        ),
    )


@openrosa_endpoint
def submission(request):
    if request.method in ("HEAD", "GET"):
        return openrosa_headers(HttpResponse(status=204))  # Collect requires exactly 204 here
    if request.method != "POST":
        return openrosa_message(_("Use POST to send a submission."), 405)
    declared = int(request.META.get("CONTENT_LENGTH") or 0)
    if declared > settings.BMA_SUBMISSION_MAX_BYTES:
        return _refuse(request, _too_large(declared))
    try:
        files = request.FILES
        xml_part = files.get(XML_PART)
        payload = xml_part.read() if xml_part is not None else request.POST.get(XML_PART, "").encode("utf-8")
    except (MultiPartParserError, ValueError) as exc:
        return _refuse(
            request,
            BmaError(
                codes.SUBMISSION_INVALID,
                message_lazy(_("The upload could not be read (%(reason)s)."), reason=str(exc)),
            ),
        )
    if not payload:
        return _refuse(
            request,
            BmaError(
                codes.SUBMISSION_INVALID,
                message_lazy(_("The upload has no '%(part)s' part with the form data."), part=XML_PART),
            ),
        )
    attachments = [
        IncomingFile(f.name or name, f.content_type or "", f.read()) for name, f in files.items() if name != XML_PART
    ]
    total = len(payload) + sum(len(a.content) for a in attachments)
    if total > settings.BMA_SUBMISSION_MAX_BYTES:  # chunked uploads announce no length
        return _refuse(request, _too_large(total))
    header = None
    try:
        header = header_or_error(payload)
        result = submission_receive(
            payload=payload,
            files=attachments,
            user=request.openrosa_user,
            device_id=request.GET.get("deviceID", ""),
            header=header,
        )
    except BmaError as exc:
        return _refuse(request, exc, header)
    # *isIncomplete*=yes needs nothing special: each chunk repeats the XML and its files are merged.
    return openrosa_message(SUCCESS_MESSAGES[result.outcome], 201)
