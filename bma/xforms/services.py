"""The form registry: publishing built forms and keeping the list files devices read."""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bma.core.db import advisory_locks
from bma.core.errors import BmaError, codes, message_lazy
from bma.entities.services import village_entities_sync_if_stale
from bma.geo.models import AdminArea, AreaLevel, Settlement
from bma.xforms import codelists as cl
from bma.xforms.build import BuiltForm, xlsform_build
from bma.xforms.models import Form, FormKind, FormVersion, ListFile
from bma.xforms.workbooks import FORMS, FORMS_DIR, b2_round_workbook_bytes

KIND_BY_FORM_ID = {"bma_b1": FormKind.B1, "bma_b2": FormKind.B2, "bma_spot_check": FormKind.SPOT_CHECK}
OTHER_VILLAGE_LABEL = "Not on the list / Нет в списке / Дар рӯйхат нест"
# "Not on the list" in the list's Russian and Tajik label columns (the words of the village hint).
OTHER_VILLAGE_LABELS = {"ru": "Нет в списке", "tg": "Дар рӯйхат нест"}
# The stored list files carry a Russian and a Tajik name column (label_ru, label_tg) besides `label`.
# ODK Collect and Web Forms read only `label` from a CSV list (getodk/collect#4266, XLSForm/pyxform#593),
# so the server writes `label` in the enumerator's language when it serves the file and leaves these
# columns out (xforms/distribution.py). Not headed label::Russian (ru) as in a workbook: a CSV column
# becomes an XML element, and Web Forms refuses the whole form over that name ("Expression has syntax
# error"), Collect its download.
LOCAL_LABEL_COLUMNS = {code: f"label_{code}" for code, _ in cl.LANGUAGES if code != "en"}


@transaction.atomic
def form_publish(built: BuiltForm, xlsform: bytes, user=None) -> tuple[FormVersion, bool]:
    """Publish a built form. The same form again changes nothing; a changed form must change its version.

    A published version never changes: devices that downloaded it must keep being able to submit it.
    """
    if not built.version:
        raise BmaError(
            codes.FORM_INVALID,
            message_lazy(_("%(form)s: set a version in the settings sheet before publishing."), form=built.form_id),
        )
    form, _created = Form.objects.select_for_update().get_or_create(
        xml_form_id=built.form_id,
        defaults={"title": built.title, "kind": KIND_BY_FORM_ID.get(built.form_id, FormKind.OTHER)},
    )
    existing = FormVersion.objects.filter(form=form, version=built.version).first()
    if existing is not None:
        if existing.xml_md5 == built.xml_md5:
            return existing, False
        raise BmaError(
            codes.FORM_VERSION_CONFLICT,
            message_lazy(
                _(
                    "%(form)s version %(version)s is already published with different content. Raise the version "
                    "in the settings sheet (for example to today's date and a number) and publish again."
                ),
                form=built.form_id,
                version=built.version,
            ),
        )
    if form.title != built.title:
        form.title = built.title
        form.save(update_fields=["title", "updated_at"])
    version = FormVersion.objects.create(
        form=form,
        version=built.version,
        xlsform=xlsform,
        xlsform_sha256=hashlib.sha256(xlsform).hexdigest(),
        xml=built.xml,
        xml_md5=built.xml_md5,
        media_filenames=built.media_filenames,
        published_at=timezone.now(),
        published_by=user,
    )
    return version, True


def xlsform_publish(data: bytes, filename: str, user=None) -> tuple[FormVersion, bool]:
    return form_publish(xlsform_build(data, filename), data, user)


def forms_publish_all(directory: Path = FORMS_DIR, user=None) -> list[tuple[FormVersion, bool]]:
    # The shared forms only: forms_xls/ also shows a round's own B2 (forms_files.ROUND_B2_FILE), which is
    # published per round from the code (b2_publish_for_round), never from that example copy.
    return [xlsform_publish((directory / name).read_bytes(), name, user) for name in sorted(FORMS)]


def b2_publish_for_round(round, user=None, *, entity_list: bool = True) -> tuple[FormVersion, bool]:
    """Publish the B2 version of one round: its own reference years, no round question.

    The round's version string is unique (see workbooks.b2_round_version); publishing it again is a
    no-op, and a changed reference period of a round already published is refused by form_publish.
    ``entity_list=False``: the round's version before the villages entity list (still accepted).
    """
    data = b2_round_workbook_bytes(round.number, round.reference_years, entity_list=entity_list)
    return xlsform_publish(data, "b2_village.xlsx", user)


def round_forms_publish(round, user=None) -> tuple[FormVersion, bool]:
    """Make a round's forms deliverable: its list files, then its own B2.

    Every path that opens a round or publishes its B2 (the worker after *Open the selected rounds*,
    `publish_forms --round`, the demo) calls this, so a device never gets the round's B2 without the
    village lists it reads. The files come first, each in its own transaction: the B2 is built with
    ODK Validate (seconds), which must not hold the list files' lock. Should the build fail, the
    files are still fresh and the form list keeps offering the last complete version
    (distribution.forms_for_devices).
    """
    list_files_refresh(round)
    return b2_publish_for_round(round, user)


# --- List files -----------------------------------------------------------------------------------------


def _csv(header: list[str], rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _label(en: str, local: str) -> str:
    return f"{en} ({local})" if local and local != en else en


def _names(place) -> list[str]:
    """The place's label and its Russian and Tajik names (English where the gazetteer has none)."""
    return [_label(place.name_en, place.name_tg)] + [
        (getattr(place, f"name_{code}") or "").strip() or place.name_en for code in LOCAL_LABEL_COLUMNS
    ]


LABEL_HEADER = ["label", *LOCAL_LABEL_COLUMNS.values()]


# One lock for every writer of list files. A writer reads (the gazetteer, the stored file) and then
# writes: two at once would each write a file without the other's change (two batches each adding a
# village), or both create the same file and one fail on the unique constraint. Held to the end of
# the writer's transaction; taken again by the same transaction, it is already held.
LIST_FILES_LOCK = "xforms:list_files"


@transaction.atomic
def list_file_store(round, filename: str, content: bytes, row_count: int) -> tuple[ListFile, bool]:
    """Store a list file; unchanged content keeps its MD5, so devices download only what changed."""
    advisory_locks([LIST_FILES_LOCK])
    md5 = hashlib.md5(content).hexdigest()  # noqa: S324 - the manifest's change detector
    existing = ListFile.objects.filter(round=round, filename=filename).first()
    if existing is not None and existing.md5 == md5:
        return existing, False
    if existing is None:
        return ListFile.objects.create(
            round=round, filename=filename, content=content, md5=md5, row_count=row_count
        ), True
    existing.content, existing.md5, existing.row_count = content, md5, row_count
    existing.save(update_fields=["content", "md5", "row_count", "updated_at"])
    return existing, True


def districts_csv() -> tuple[bytes, int]:
    districts = (
        AdminArea.objects.filter(level=AreaLevel.DISTRICT).select_related("parent").order_by("parent__code", "name_en")
    )
    rows = [[d.code, *_names(d), d.parent.code] for d in districts]
    return _csv(["name", *LABEL_HEADER, "province"], rows), len(rows)


def provinces_csv() -> tuple[bytes, int]:
    provinces = AdminArea.objects.filter(level=AreaLevel.PROVINCE).order_by("code")
    rows = [[p.code, *_names(p)] for p in provinces]
    return _csv(["name", *LABEL_HEADER], rows), len(rows)


def villages_csv() -> tuple[bytes, int]:
    """Every village, official and provisional (villages added by referral this round included)."""
    villages = Settlement.objects.select_related("district").order_by("district__code", "name_en", "code")
    rows = [[v.code, *_names(v), v.district.code, v.status] for v in villages]
    other = [OTHER_VILLAGE_LABELS[code] for code in LOCAL_LABEL_COLUMNS]
    rows.append([cl.OTHER_VILLAGE, OTHER_VILLAGE_LABEL, *other, "", ""])
    return _csv(["name", *LABEL_HEADER, "district", "status"], rows), len(rows) - 1


def spot_check_villages_csv(settlements) -> tuple[bytes, int]:
    rows = [[v.code, *_names(v), v.district.code] for v in settlements]
    return _csv(["name", *LABEL_HEADER, "district"], rows), len(rows)


@transaction.atomic
def list_files_refresh(round) -> dict[str, bool]:
    """Regenerate the round's list files from the gazetteer. Returns {filename: changed}.

    Call it after the change it publishes has committed (bma.xforms.tasks.round_list_files_refresh,
    on commit), never inside the transaction that made it: the lock is taken before the gazetteer is
    read, so the last writer reads everything committed before it, its own change and the others'.
    Each file is built once; a file's content is decided here only.
    """
    advisory_locks([LIST_FILES_LOCK])
    # The villages entity list is refreshed with the list files: the gazetteer's signals keep it in step
    # one village at a time; this catches bulk writes that send no signal (queryset updates), with a
    # few cheap queries, and runs the full sync only when they find something out of step.
    village_entities_sync_if_stale()
    districts, villages = districts_csv(), villages_csv()
    files = [
        (None, "districts.csv", districts),
        (round, "villages.csv", villages),
        # The location questions' lists: stored whole, cut to each enumerator's areas when served.
        (None, "assigned_provinces.csv", provinces_csv()),
        (None, "assigned_districts.csv", districts),
        (round, "assigned_villages.csv", villages),
    ]
    changed = {}
    for owner, filename, (content, count) in files:
        changed[filename] = list_file_store(owner, filename, content, count)[1]
    # Drawn by the spot-check sample (validation); until then an empty list, so the form can be listed.
    if not ListFile.objects.filter(round=round, filename="spot_check_villages.csv").exists():
        content, count = spot_check_villages_csv([])
        changed["spot_check_villages.csv"] = list_file_store(round, "spot_check_villages.csv", content, count)[1]
    return changed
