"""Storing a submission's attachments: the files a POST (or a pull) brings, and those an edit keeps
from the version it replaces."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from bma.submissions.models import Submission, SubmissionAttachment


@dataclass(frozen=True)
class IncomingFile:
    filename: str
    content_type: str
    content: bytes


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _store_attachments(submission: Submission, files: list[IncomingFile]) -> list[str]:
    """Insert attachments not stored yet; a file already there under that name is left as it is."""
    if not files:
        return []
    have = set(submission.attachments.values_list("filename", flat=True))
    new = [f for f in files if f.filename not in have]
    SubmissionAttachment.objects.bulk_create(
        [_attachment(submission, f) for f in new],
        ignore_conflicts=True,  # a concurrent chunk of the same submission may insert the same file
    )
    return [f.filename for f in new]


def _attachment(submission: Submission | None, incoming: IncomingFile) -> SubmissionAttachment:
    return SubmissionAttachment(
        submission=submission,
        filename=incoming.filename,
        content_type=incoming.content_type,
        content=incoming.content,
        size=len(incoming.content),
        sha256=sha256(incoming.content),
    )


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
