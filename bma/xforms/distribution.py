"""What a device gets: the forms it may fill and the list files they read."""

from __future__ import annotations

from bma.xforms.models import Form, FormState, FormVersion, ListFile
from bma.xforms.workbooks import version_round_number


def forms_for_devices(form_id: str | None = None, round=None) -> list[tuple[Form, FormVersion]]:
    """Open forms with the version a device collecting in ``round`` fills (closing forms drop out of the
    list, as on Central)."""
    forms = Form.objects.filter(state=FormState.OPEN).order_by("xml_form_id")
    if form_id:
        forms = forms.filter(xml_form_id=form_id)
    listed = []
    for form in forms:
        version = _version_for_round(form.versions.order_by("-published_at", "-pk"), round)
        if version is not None:
            listed.append((form, version))
    return listed


def current_version(form_id: str, round=None) -> FormVersion | None:
    versions = FormVersion.objects.filter(form__xml_form_id=form_id).order_by("-published_at", "-pk")
    return _version_for_round(versions, round)


def _version_for_round(versions, round) -> FormVersion | None:
    """The version built for this round (a B2 asking the round's years), else the newest version that
    was not built for another round: a device in Round 3 must never get Round 4's questions."""
    newest_shared = None
    for version in versions:
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
