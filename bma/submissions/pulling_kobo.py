"""What a KoboToolbox asset changed in records already pulled: edits, validation statuses, files that
came later, deletions. Read from kpi's source (kpi/views/v2/data.py, logger_tools._get_instance,
ParsedInstance.to_dict_for_mongo):

* An edit keeps the record's ``_id`` and ``_submission_time`` and gives it a new ``_uuid`` (with
  ``meta/deprecatedID`` and ``meta/rootUuid``); Kobo has no time of change, so a filter on time never
  sees an edit. Only the current version is served (earlier ones stay in Kobo's InstanceHistory).
* ``_validation_status`` is ``{}`` or ``{timestamp, uid, by_whom, label}``; changing it moves nothing
  a filter could read.
* A file sent after its record is added to ``_attachments``; the record is otherwise unchanged.
* A deletion removes the record (Instance.delete()): it is simply no longer listed.

So each sync reads the listing of every record with only the fields it compares (pull_clients.KoboClient.
listing) and fetches, by ``_id``, the records whose current version or files are not all here.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime

from django.utils import timezone

from bma.submissions.header import kobo_json_load
from bma.submissions.models import (
    PayloadFormat,
    PullSource,
    RejectedAttempt,
    Submission,
    SubmissionAttachment,
)
from bma.submissions.pull_clients import KoboClient, KoboRow, PulledRecord
from bma.submissions.pull_facts import chain_review_state_note, chains_deleted_mark, chains_restored
from bma.xforms.models import FormVersion

log = logging.getLogger(__name__)

# Kobo's validation statuses in the words Central uses for its review states, so that one fact, one
# desk notice and one list filter serve both servers.
VALIDATION_AS_REVIEW_STATE = {
    "validation_status_approved": "approved",
    "validation_status_not_approved": "rejected",
    "validation_status_on_hold": "hasIssues",
}

_BIND = re.compile(r"<bind\b[^>]*>")
_ATTRIBUTE = re.compile(r'\b(nodeset|type)="([^"]*)"')


def file_fields(xforms: list[str]) -> list[str]:
    """The top-level questions that take a file (binds of type binary), as Kobo's JSON names them: the
    path from the root without the root's name ("/data/group/photo" -> "group/photo")."""
    fields = set()
    for xml in xforms:
        for bind in _BIND.findall(xml):
            attributes = dict(_ATTRIBUTE.findall(bind))
            if attributes.get("type") == "binary" and attributes.get("nodeset", "").count("/") >= 2:
                fields.add(attributes["nodeset"].split("/", 2)[2])
    return sorted(fields)


def _files_named(row: KoboRow) -> set[str]:
    return {str(value).rsplit("/", 1)[-1] for value in row.answers.values() if isinstance(value, str) and value}


def kobo_changes_read(
    source: PullSource, client: KoboClient, counts: Counter, store: Callable[[PullSource, PulledRecord], str]
) -> None:
    """Bring the stored chains of this source's asset in line with Kobo: store edits and files that came
    later, mirror validation statuses and deletions as facts (pull_facts)."""
    form = source.form
    xforms = list(FormVersion.objects.filter(form=form).values_list("xml", flat=True))
    rows = client.listing(file_fields(xforms))
    here: dict[str, str] = {}  # instanceID -> its chain's root
    chains: dict[str, tuple] = {}  # root -> (current instanceID, review state, deleted at, payload format)
    for instance_id, root, current, state, deleted_at, payload_format in Submission.objects.filter(
        form=form
    ).values_list(
        "instance_id", "root_instance_id", "is_current", "central_review_state", "central_deleted_at", "payload_format"
    ):
        here[instance_id] = root
        if current:
            chains[root] = (instance_id, state, deleted_at, payload_format)
    files_here: dict[str, set[str]] = {}
    for instance_id, name in SubmissionAttachment.objects.filter(
        submission__form=form, submission__is_current=True
    ).values_list("submission__instance_id", "filename"):
        files_here.setdefault(instance_id, set()).add(name)

    # A new version of a chain stored here (an edit), or files Kobo holds that are not here yet.
    # A record of a chain not here is new: the pull by submission time reads it (or refused it).
    wanted = [
        row
        for row in rows
        if row.root in chains
        and (row.instance_id not in here or not row.files_present <= files_here.get(row.instance_id, set()))
    ]
    refused = set(
        RejectedAttempt.objects.filter(
            form_id=form.xml_form_id, instance_id__in=[r.instance_id for r in wanted if r.instance_id not in here]
        ).values_list("instance_id", flat=True)
    )
    # An edit refused once (another user's record) would be refused again on every sync: it is not re-read.
    wanted = [row for row in wanted if row.instance_id not in refused]
    for record in client.records([row.record_id for row in wanted]):
        outcome = store(source, record)
        counts[outcome] += 1
        if outcome == "refused":
            refused.add(kobo_instance_id(record))

    waiting = [
        row.root
        for row in rows
        if row.root in chains and row.instance_id not in refused and _files_named(row) - row.files_present
    ]
    if waiting != source.media_waiting:
        source.media_waiting = waiting
        PullSource.objects.filter(pk=source.pk).update(media_waiting=waiting)

    for row in rows:
        if row.root in chains:
            uid = row.validation.get("uid") or ""
            state = VALIDATION_AS_REVIEW_STATE.get(uid, "")
            if state != chains[row.root][1]:
                stamp = row.validation.get("timestamp")
                at = datetime.fromtimestamp(stamp, UTC) if state and isinstance(stamp, int | float) else None
                chain_review_state_note(form, row.root, state, at)
    listed = {row.root for row in rows}
    chains_restored(form, [root for root in listed if root in chains and chains[root][2] is not None])
    gone = _deleted_on_kobo(source, rows, chains, listed)
    if gone:
        counts["deleted_in_kobo"] += len(chains_deleted_mark(form, dict.fromkeys(gone, timezone.now())))


def kobo_instance_id(record: PulledRecord) -> str:
    found = kobo_json_load(record.payload)
    return found.get("meta/instanceID") or f"uuid:{found.get('_uuid')}"


def _deleted_on_kobo(source: PullSource, rows: list[KoboRow], chains: dict, listed: set[str]) -> list[str]:
    """Chains of this asset stored here as Kobo records and no longer listed: deleted in Kobo, which
    keeps no trace of a deletion (so the date is when this sync saw it). A chain is this asset's when
    its record names the asset's deployed form (formhub/uuid): another asset of the same form, or a
    record sent to this server directly, is not this source's to mark."""
    if not rows:
        # Nothing listed tells which records were this asset's; marking every record would be a guess.
        return []
    formhubs = {row.formhub_uuid for row in rows}
    candidates = [
        chain[0]
        for root, chain in chains.items()
        if root not in listed and chain[2] is None and chain[3] == PayloadFormat.KOBO_JSON
    ]
    gone = []
    for root, payload in Submission.objects.filter(
        form=source.form, instance_id__in=candidates, round=source.round
    ).values_list("root_instance_id", "payload"):
        if kobo_json_load(bytes(payload)).get("formhub/uuid") in formhubs:
            gone.append(root)
    return gone
