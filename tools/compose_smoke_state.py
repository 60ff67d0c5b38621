"""What tools/compose_smoke.sh compares before a backup and after its restore, printed as one line.

Run in the web container: `python manage.py shell < tools/compose_smoke_state.py`. With SMOKE_PUBLISH=1 it
first publishes a version of the smoke round's report (override note: the B2 is not reviewed). Prints
SMOKE-STATE {"published": {file: sha256}, "media": {path: sha256}} and fails if a published file's SHA-256
on disk differs from the one the database holds for it.
"""

import hashlib
import json
import os
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model

from bma.exports.models import PublishedDocument, PublishedReport
from bma.exports.publishing import report_publish
from bma.rounds.models import Round

if os.environ.get("SMOKE_PUBLISH") == "1":
    report_publish(
        Round.objects.get(number=901),
        get_user_model().objects.get(username="smoke-coordinator"),
        "compose smoke test",
        override_note="compose smoke test: the B2 is not reviewed",
        confirm=True,
    )


def digest(field) -> str:
    with field.open("rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


published = {}
for report in PublishedReport.objects.all():
    for kind in ("figures", "xlsx"):
        field = getattr(report, f"{kind}_file")
        published[field.name] = digest(field)
        assert published[field.name] == getattr(report, f"{kind}_sha256"), f"{field.name}: SHA-256 differs"
for document in PublishedDocument.objects.all():
    published[document.file.name] = digest(document.file)
    assert published[document.file.name] == document.sha256, f"{document.file.name}: SHA-256 differs"
assert published, "nothing is published"

root = Path(settings.MEDIA_ROOT)
media = {
    p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
    for p in sorted(root.rglob("*"))
    if p.is_file()
}
print("SMOKE-STATE " + json.dumps({"published": published, "media": media}, sort_keys=True))
