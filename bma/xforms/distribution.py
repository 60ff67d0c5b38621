"""What a device gets: the forms it may fill and the list files they read."""

from __future__ import annotations

from bma.xforms.models import Form, FormState, FormVersion, ListFile


def forms_for_devices(form_id: str | None = None) -> list[tuple[Form, FormVersion]]:
    """Open forms with their newest published version (closing forms drop out of the list, as on Central)."""
    forms = Form.objects.filter(state=FormState.OPEN).order_by("xml_form_id")
    if form_id:
        forms = forms.filter(xml_form_id=form_id)
    listed = []
    for form in forms:
        version = form.versions.order_by("-published_at", "-pk").first()
        if version is not None:
            listed.append((form, version))
    return listed


def current_version(form_id: str) -> FormVersion | None:
    return FormVersion.objects.filter(form__xml_form_id=form_id).order_by("-published_at", "-pk").first()


def list_file_for(round, filename: str) -> ListFile | None:
    """The round's own copy of a list file, else the file shared by all rounds."""
    if round is not None:
        own = ListFile.objects.filter(round=round, filename=filename).first()
        if own is not None:
            return own
    return ListFile.objects.filter(round__isnull=True, filename=filename).first()
