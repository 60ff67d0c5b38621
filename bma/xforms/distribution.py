"""What a device gets: the forms it may fill and the list files they read."""

from __future__ import annotations

import csv
import io

from django.db.models import Q

from bma.core.roles import user_sees_everything
from bma.entities.services import entity_list_files
from bma.geo.models import AdminArea, Settlement
from bma.rounds.scoping import area_scope_q, assigned_area_paths, path_within
from bma.xforms import codelists as cl
from bma.xforms.models import Form, FormState, FormVersion, ListFile
from bma.xforms.workbooks import version_round_number


def forms_for_devices(form_id: str | None = None, round=None) -> list[tuple[Form, FormVersion]]:
    """Open forms with the version a device collecting in ``round`` fills (closing forms drop out of the
    list, as on Central)."""
    forms = Form.objects.filter(state=FormState.OPEN).order_by("xml_form_id")
    if form_id:
        forms = forms.filter(xml_form_id=form_id)
    available = list_files_available(round)
    listed = []
    for form in forms:
        version = _version_for_round(form.versions.order_by("-published_at", "-pk"), round, available)
        if version is not None:
            listed.append((form, version))
    return listed


def current_version(form_id: str, round=None) -> FormVersion | None:
    versions = FormVersion.objects.filter(form__xml_form_id=form_id).order_by("-published_at", "-pk")
    return _version_for_round(versions, round, list_files_available(round))


def list_files_available(round) -> set[str]:
    """The list files a device collecting in ``round`` can be served (list_file_for finds each)."""
    owners = Q(round__isnull=True) | Q(round=round) if round is not None else Q(round__isnull=True)
    return set(ListFile.objects.filter(owners).values_list("filename", flat=True))


def _version_for_round(versions, round, available: set[str]) -> FormVersion | None:
    """The version built for this round (a B2 asking the round's years), else the newest version that
    was not built for another round: a device in Round 3 must never get Round 4's questions.

    A version whose list files are not all there yet is passed over, for the last one that is: a form
    and every file it reads reach a device together (opening a round publishes its B2 and builds its
    files in the worker, and Collect cannot fill a form whose lists its manifest lacks).
    """
    newest_shared = None
    for version in versions:
        # An entity list is always there to serve (bma.entities): only list files can be missing.
        files = set(version.media_filenames) - set(entity_list_files(version.xml, version.media_filenames))
        if not files <= available:
            continue
        built_for = version_round_number(version.version)
        if built_for is not None and round is not None and built_for == round.number:
            return version
        if built_for is None and newest_shared is None:
            newest_shared = version
    return newest_shared


def list_file_for(round, filename: str) -> ListFile | None:
    """The round's own copy of a list file, else the file shared by all rounds."""
    if round is not None:
        own = ListFile.objects.filter(round=round, filename=filename).first()
        if own is not None:
            return own
    return ListFile.objects.filter(round__isnull=True, filename=filename).first()


# The location lists cut to the user's assignment, and the column that holds each row's area code.
ASSIGNED_LISTS = {
    "assigned_provinces.csv": "areas",
    "assigned_districts.csv": "areas",
    "assigned_villages.csv": "villages",
}


def list_file_content_for(round, filename: str, user, language: str = "en") -> bytes | None:
    """The bytes a user's device gets for a list file; the manifest hashes these same bytes.

    Place names come in ``language`` (the enumerator's: bma.core.languages.device_language): the
    stored file has Russian and Tajik name columns beside ``label``; the device gets only ``label``,
    in its person's language, since ODK clients read no other (LOCAL_LABEL_COLUMNS, xforms/services.py).

    An enumerator or supervisor assigned in the round gets the location lists (assigned_*.csv) with
    only their areas, the provinces and districts above them and the villages below; a coordinator,
    or a user with no assignment in the round, gets the whole list. The hash then differs per user,
    and changes when the assignment does, so Collect downloads the list again.
    """
    list_file = list_file_for(round, filename)
    if list_file is None:
        return None
    content = bytes(list_file.content)
    if not filename.endswith(".csv"):
        return content
    if filename not in ASSIGNED_LISTS or user_sees_everything(user):
        return _csv_rows_kept(content, None, language)
    paths = assigned_area_paths(user, round=round)
    if not paths:
        return _csv_rows_kept(content, None, language)
    if ASSIGNED_LISTS[filename] == "villages":
        keep = set(Settlement.objects.filter(area_scope_q(user, "area", round=round)).values_list("code", flat=True))
        keep.add(cl.OTHER_VILLAGE)
    else:
        keep = _codes_on_or_above(paths)
    return _csv_rows_kept(content, keep, language)


def _codes_on_or_above(paths: list[str]) -> set[str]:
    """Areas inside an assignment, and the areas an assignment lies in (the province of a district)."""
    codes = set()
    for area in AdminArea.objects.only("code", "path"):
        if path_within(area.path, paths) or any(p.startswith(area.path) for p in paths):
            codes.add(area.code)
    return codes


# Written by xforms/services.py (LOCAL_LABEL_COLUMNS): one name column per form language but English.
LANGUAGE_LABEL_COLUMNS = {f"label_{code}": code for code, _ in cl.LANGUAGES if code != "en"}


# Alphabetical order in the reader's alphabet: Python's code-point order puts the Tajik letters (Ғ Ӣ Қ Ӯ Ҳ Ҷ)
# after Я and mixes them wrongly with Russian, so each Cyrillic letter gets its place in its alphabet.
ALPHABETS = {
    "ru": "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
    "tg": "абвгғдеёжзиӣйкқлмнопрстуӯфхҳчҷшъэюя",
}


def reader_sort_key(label: str, language: str):
    """Sorts labels as the reader's alphabet does; letters outside it (Latin for a place with no Cyrillic
    name yet) come after, in code-point order."""
    alphabet = ALPHABETS.get(language, "")
    return [alphabet.index(c) if c in alphabet else len(alphabet) + ord(c) for c in label.strip().casefold()]


def _csv_rows_kept(content: bytes, keep: set[str] | None, language: str) -> bytes:
    """The rows whose code is in ``keep`` (all for None), ``label`` in ``language``, and no other
    label column. A file stored before the per-language columns passes unchanged but for the cut.

    The rows come sorted by ``label`` in the reader's alphabet (reader_sort_key): ODK Collect and Web
    Forms offer a list file's choices in file order, and the files are stored in English order, which
    reads as no order in Cyrillic. "Not on the list" (cl.OTHER_VILLAGE) comes last. One stored file cannot be
    sorted for all three languages at once; the file a person gets is in their language, so it is sorted here."""
    rows = list(csv.reader(io.StringIO(content.decode("utf-8"))))
    if not rows:
        return content
    header = rows[0]
    languages = {i: LANGUAGE_LABEL_COLUMNS[col] for i, col in enumerate(header) if col in LANGUAGE_LABEL_COLUMNS}
    if keep is None and not languages:
        return content
    source = next((i for i, code in languages.items() if code == language), None)
    label = header.index("label") if "label" in header else None
    kept_columns = [i for i in range(len(header)) if i not in languages]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([header[i] for i in kept_columns])
    out = []
    for row in rows[1:]:
        if not row or (keep is not None and row[0] not in keep):
            continue
        if source is not None and label is not None and source < len(row) and row[source]:
            row = [*row]
            row[label] = row[source]
        out.append([row[i] if i < len(row) else "" for i in kept_columns])
    if label is not None and languages:
        at = kept_columns.index(label)
        out.sort(key=lambda r: (r[0] == cl.OTHER_VILLAGE, reader_sort_key(r[at] if at < len(r) else "", language)))
    writer.writerows(out)
    return buffer.getvalue().encode("utf-8")
