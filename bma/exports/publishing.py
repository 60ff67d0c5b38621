"""Publishing a round's report: freeze its figures, workbook and PDF as a numbered version, and say what
changed since (live figures against the last published version)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from bma.core.errors import BmaError, codes, message_lazy
from bma.exports.comparison import latest_published, published_with_codes
from bma.exports.models import PublishedDocument, PublishedReport
from bma.exports.readiness import ReadinessItem, readiness_in_words, readiness_record, report_readiness
from bma.exports.report import community_points, previous_round_of, round_figures
from bma.exports.report_document import report_pdf
from bma.exports.report_language import figures_in_language
from bma.exports.report_workbook import figures_workbook

# How far a publication is (per cent) after each step: the PDFs take most of the time on a big round.
PROGRESS = {"figures": 15, "checked": 25, "workbook": 30, "documents": 95}

# A list item is named in a change by the first of these keys it has: "populations[ret].by_province[TJ-SU]"
# (area rows by code, so a rename is not a row gone and a row added).
ITEM_KEYS = ("code", "province", "district", "year", "more_than_km", "figure", "label")


def figures_bytes(figures: dict) -> bytes:
    """The figures file: canonical JSON, so the same figures always hash the same."""
    return json.dumps(figures, ensure_ascii=False, sort_keys=True, indent=1).encode()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _document(figures: dict, points: list, cover: dict, language: str) -> bytes:
    with translation.override(language):
        return report_pdf(figures_in_language(figures, language), points, cover)


def _no_progress(percent: int) -> None:
    pass


def report_publish(
    round_,
    user,
    note: str = "",
    *,
    override_note: str = "",
    confirm: bool = False,
    progress: Callable[[int], None] = _no_progress,
    saved: Callable[[PublishedReport], None] | None = None,
) -> PublishedReport:
    """Freeze the round's report from its approved assessments as the next version: the figures, the
    workbook, and the PDF in each of the server's languages (the same figures in each).

    Refused while an item that blocks publishing is open, unless ``override_note`` says why it goes out
    anyway; refused when nothing changed since the latest version, unless ``confirm`` (see the gate below).
    The figures are computed afresh, never taken from the live-figures cache: what is frozen is what the
    database holds now. ``progress`` hears the per cent done; ``saved`` runs in the transaction that
    stores the version (a publish job records its outcome there, so the two are never apart)."""
    figures = round_figures(round_, include_unapproved=False, previous_round=previous_round_of(round_), fresh=True)
    progress(PROGRESS["figures"])
    override_note = override_note.strip()
    readiness = report_readiness(round_)
    publish_gate_check(round_, figures, readiness, override_note=override_note, confirm=confirm)
    points = community_points(round_)
    progress(PROGRESS["checked"])
    published_at = timezone.now()
    readiness_kept = readiness_record(readiness, at=published_at)
    # No transaction around the rendering: the PDFs take minutes on a big round, and a publish job's
    # progress must be seen meanwhile. Two coordinators publishing at once: the unique (round, version)
    # makes the second one fail cleanly instead of both getting the same number.
    version = (PublishedReport.objects.filter(round=round_).aggregate(v=Max("version"))["v"] or 0) + 1
    cover = {"version": version, "published_at": f"{published_at:%Y-%m-%d %H:%M} UTC", "published_by": str(user)}
    cover |= readiness_cover(readiness_kept, override_note)
    stem = f"bma-round-{round_.number}-v{version}"
    files = {
        "figures": (f"{stem}-figures.json", figures_bytes(figures)),
        "xlsx": (
            f"{stem}-report.xlsx",
            figures_workbook(figures, language="en"),
        ),  # in English, as the figures file's labels are
    }
    progress(PROGRESS["workbook"])
    documents = {}
    languages = [language for language, _label in settings.LANGUAGES]
    for done, language in enumerate(languages, start=1):
        documents[language] = (f"{stem}-report-{language}.pdf", _document(figures, points, cover, language))
        share = (PROGRESS["documents"] - PROGRESS["workbook"]) * done // len(languages)
        progress(PROGRESS["workbook"] + share)
    report = PublishedReport(
        round=round_,
        version=version,
        published_at=published_at,
        published_by=user,
        note=note,
        figures=figures,
        readiness=readiness_kept,
        override_note=override_note,
        **{f"{kind}_sha256": sha256(data) for kind, (_, data) in files.items()},
    )
    for kind, (name, data) in files.items():
        getattr(report, f"{kind}_file").save(name, ContentFile(data), save=False)
    stored = [getattr(report, f"{kind}_file") for kind in files]
    try:
        with transaction.atomic():
            report.save()
            for language, (name, data) in documents.items():
                document = PublishedDocument(report=report, language=language, sha256=sha256(data))
                document.file.save(name, ContentFile(data), save=False)
                stored.append(document.file)
                document.save()
            if saved is not None:
                saved(report)
    except IntegrityError as exc:
        for field in stored:
            field.delete(save=False)
        raise BmaError(
            codes.REPORT_PUBLISH_CONFLICT,
            _("Another version of this round's report was published at the same moment; reload and try again."),
        ) from exc
    return report


# --- The gate before publishing: nothing half-finished goes out unsaid, nothing unchanged goes out twice ---


def _items_in_words(items: list[ReadinessItem]) -> str:
    return "; ".join(f"{item.label}: {item.count}" for item in items)


_items_in_words_lazy = lazy(_items_in_words, str)


def publish_blockers_check(readiness: list[ReadinessItem], override_note: str) -> None:
    """Refuse while an item that blocks publishing is open (bma.exports.readiness says which do),
    naming each with its count, unless the coordinator wrote why this version goes out now."""
    blocking = [item for item in readiness if item.blocks]
    if blocking and not override_note.strip():
        raise BmaError(
            codes.REPORT_NOT_READY,
            message_lazy(
                _(
                    "The round is not ready to publish: %(items)s. Finish these first, or write an override "
                    "note saying why this version goes out now."
                ),
                items=_items_in_words_lazy(blocking),
            ),
        )


def report_unchanged_since(round_, figures: dict) -> PublishedReport | None:
    """The latest published version when ``figures`` are its figures (no figure differs), else None."""
    latest = latest_published(round_)
    if latest is not None and not report_changes(latest.figures, figures):
        return latest
    return None


def publish_unchanged_check(round_, figures: dict, confirm: bool) -> None:
    """Publishing the same figures again makes a new version that says nothing new: only on purpose."""
    if confirm:
        return
    if (latest := report_unchanged_since(round_, figures)) is not None:
        raise BmaError(
            codes.REPORT_PUBLISH_UNCHANGED,
            message_lazy(
                _(
                    "Nothing changed since version %(version)s: its figures are the live ones. Confirm to "
                    "publish them again as a new version."
                ),
                version=latest.version,
            ),
        )


def publish_gate_check(round_, figures: dict, readiness: list[ReadinessItem], *, override_note: str, confirm: bool):
    publish_blockers_check(readiness, override_note)
    publish_unchanged_check(round_, figures, confirm)


def readiness_cover(record: dict, override_note: str) -> dict:
    """What the PDF prints of the round's readiness: "figures as of" with each count, and the note."""
    return {"as_of": record["as_of"], "readiness": readiness_in_words(record), "override_note": override_note}


def _named_leaves(value, path: str = ""):
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _named_leaves(inner, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            name = next((inner[k] for k in ITEM_KEYS if isinstance(inner, dict) and k in inner), index)
            yield from _named_leaves(inner, f"{path}[{name}]")
    elif not isinstance(value, bool) and isinstance(value, int | float):
        yield path, value


def report_changes(published: dict, live: dict) -> list[dict]:
    """Every figure that differs between a published version and the live figures (or is in only one)."""
    before, now = dict(_named_leaves(published_with_codes(published, live))), dict(_named_leaves(live))
    return [
        {"figure": path, "published": before.get(path), "live": now.get(path)}
        for path in sorted(set(before) | set(now))
        if before.get(path) != now.get(path)
    ]
