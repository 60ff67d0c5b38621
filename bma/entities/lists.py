"""An entity list as devices download it: its CSV, built once per change and kept in the cache.

The manifest (its hash) and the list's download (its bytes and ETag) ask for the same list several
times a minute per tablet during a round; building it reads every entity. The cache key is a
fingerprint of what the CSV is made of, read with one aggregate query: any change to an entity (a
version, a deletion, a new one; whichever writer, signals or queryset updates) or to the round's visit
plan gives a new key, so a change is served at once and nothing has to be told to forget.

``planned``: whether the village is in the visit plan of the device's round ("yes"/"no"), so a form
can offer the planned villages first or only them. The list is therefore per round, as the round's
villages.csv list file is. The plan lives above this app (bma/referrals), which tells this module how
to read it when it starts (planned_villages_source, from ReferralsConfig.ready). The column is computed
when served, not a stored property: a plan change does not move an entity's ``__version`` (which
counts the entity's own updates, as devices' baseVersion compares it), only the list's hash and ETag.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
from collections.abc import Callable

from django.core.cache import cache
from django.db.models import Count, Max, Q, Sum

from bma.entities.models import VILLAGES, Entity

log = logging.getLogger(__name__)

VILLAGE_PROPERTIES = ["code", "district", "jamoat", "name_ru", "name_tg", "status"]
# The properties forms save (the spot check: bma/xforms/workbooks.py), served after the gazetteer's.
FORM_PROPERTIES = ["visited", "last_visit"]
PLANNED = "planned"
LIST_COLUMNS = [*VILLAGE_PROPERTIES, *FORM_PROPERTIES, PLANNED]
CACHE_SECONDS = 24 * 3600  # an old key is never asked for again; this only bounds the space it takes

# (fingerprint of a round's plan, the ids of the villages it plans), set by the app that holds the plan.
_plan_fingerprint: Callable[[int], str] | None = None
_plan_village_ids: Callable[[int], set[int]] | None = None


def planned_villages_source(fingerprint: Callable[[int], str], village_ids: Callable[[int], set[int]]) -> None:
    global _plan_fingerprint, _plan_village_ids
    _plan_fingerprint, _plan_village_ids = fingerprint, village_ids


def _planned_ids(round_id: int | None) -> set[int]:
    return _plan_village_ids(round_id) if round_id and _plan_village_ids else set()


# The property holding a village's name in each language a device may read it in besides the label's.
LABEL_PROPERTIES = {"ru": "name_ru", "tg": "name_tg"}


def entity_list_csv(dataset: str = VILLAGES, round_id: int | None = None, language: str = "en") -> bytes:
    """The list as Collect reads it from Central: LF line ends, no BOM, newest entity first, deleted
    entities absent, empty properties as empty fields; ``planned`` for ``round_id``'s visit plan.

    ``label`` comes in the device's language where the village has a name in it (ODK clients read only
    ``label`` from a list, as xforms/distribution.py serves the list files): a Russian-speaking enumerator
    reads "Шайдан", as with the list file before. A village typed on a tablet has only its label."""
    planned = _planned_ids(round_id)
    local = LABEL_PROPERTIES.get(language, "")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["name", "label", "__version", *LIST_COLUMNS])
    live = Entity.objects.filter(dataset=dataset, deleted_at__isnull=True).order_by("-created_at", "-pk")
    for e in live.iterator():
        writer.writerow(
            [
                str(e.uuid),
                ((e.properties.get(local) or "").strip() if local else "") or e.label,
                e.version,
                *(e.properties.get(p, "") for p in (*VILLAGE_PROPERTIES, *FORM_PROPERTIES)),
                "yes" if e.settlement_id in planned else "no",
            ]
        )
    return buffer.getvalue().encode("utf-8")


def entity_list_etag(content: bytes) -> str:
    """The strong ETag and manifest hash of the list (Central's equal each other too)."""
    return hashlib.md5(content).hexdigest()  # noqa: S324 - the protocol's change detector


def _fingerprint(dataset: str, round_id: int | None) -> str:
    """What the list is made of, in one aggregate: how many entities and live ones, the sum of the live
    ones' versions (every label or property change adds one), the newest id and change time. Two
    transactions committing out of order still move the counts or the sum, which max(updated_at)
    alone would miss. Then the round's plan, as its holder fingerprints it."""
    live = Q(deleted_at__isnull=True)
    figures = Entity.objects.filter(dataset=dataset).aggregate(
        n=Count("pk"),
        live=Count("pk", filter=live),
        versions=Sum("version", filter=live),
        top=Max("pk"),
        changed=Max("updated_at"),
    )
    plan = _plan_fingerprint(round_id) if round_id and _plan_fingerprint else ""
    parts = [
        dataset,
        str(round_id or ""),
        *(str(figures[k]) for k in ("n", "live", "versions", "top", "changed")),
        plan,
    ]
    return hashlib.sha1("|".join(parts).encode()).hexdigest()  # noqa: S324 - a cache key


def entity_list_served(dataset: str = VILLAGES, round_id: int | None = None, language: str = "en") -> tuple[bytes, str]:
    """(the list's CSV, its ETag) for a device of ``round_id`` reading ``language``, from the cache while
    nothing changed. Without a cache (unreachable), built afresh: the cache is a help, never a dependency."""
    language = language if language in LABEL_PROPERTIES else "en"
    key = f"entity-list:{language}:{_fingerprint(dataset, round_id)}"
    try:
        found = cache.get(key)
    except Exception:
        log.warning("The cache cannot be reached: the entity list is built afresh", exc_info=True)
        found = None
    if found is not None:
        return found
    content = entity_list_csv(dataset, round_id, language)
    served = (content, entity_list_etag(content))
    try:
        cache.set(key, served, timeout=CACHE_SECONDS)
    except Exception:
        log.warning("Could not keep the entity list in the cache", exc_info=True)
    return served
