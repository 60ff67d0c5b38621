"""ODK Central's read API for entity lists, for analysts' tools (pyodk, ruODK): /v1/projects/1/datasets/...

One project, id 1, holds the server's entity lists (today ``villages``): the list is the same for every
round (the gazetteer and the villages tablets added), so a project per round would repeat it. Any other
project id is Central's 404. What is served: the lists and their properties, the entities (``?deleted=true``
for the deleted ones), one entity with its data, its versions (its history, with Central's conflict fields;
``?relevantToConflict=true`` for those a conflict concerns), the OData service, its ``$metadata`` and ``Entities`` feed (``$top``, ``$skip``, ``$count``,
``$filter``, ``$orderby``, ``$select``), and the admin CSV export. Read-only: nothing here changes an entity.

The entity list is what every tablet downloads (no informant's data), so it is not narrowed to the
caller's areas; it is for staff with a review role, as the rest of the API.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from urllib.parse import urlencode

from django.contrib.auth.models import update_last_login
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from bma.api.central_auth import (
    NOT_AUTHENTICATED,
    CentralApiMixin,
    CentralError,
    central_exception_handler,
    central_json,
    not_found,
    user_for_login,
)
from bma.core.lockout import lockout_success
from bma.core.params import nul_refuse
from bma.entities import central
from bma.entities.central import PROJECT_ID, Creator, FormRef
from bma.entities.odata import odata_filter, odata_orderby
from bma.entities.services import entity_list_files
from bma.submissions.models import Submission
from bma.xforms.distribution import forms_for_devices

ODATA_JSON = "application/json; charset=utf-8; odata.metadata=minimal"
SAVES = re.compile(r"""entities:saveto\s*=\s*["']([^"']+)["']""")
ENTITY_ID_BIND = re.compile(r"""<bind\b[^>]*\bnodeset\s*=\s*["']([^"']*)/meta/entity/@id["']""")
REPEAT = re.compile(r"""<repeat\b[^>]*\bnodeset\s*=\s*["']([^"']+)["']""")


def _dataset(project_id: int, dataset: str) -> str:
    if project_id != PROJECT_ID or not central.dataset_exists(dataset):
        raise not_found()
    return dataset


def _creators(instance_ids) -> dict[str, Creator]:
    """Who sent the submission that created each tablet-made entity (its first version)."""
    ids = {i for i in instance_ids if i}
    if not ids:
        return {}
    rows = (
        Submission.objects.filter(root_instance_id__in=ids, submitted_by__isnull=False)
        .order_by("-created_at")
        .values_list("root_instance_id", "submitted_by_id", "submitted_by__username")
    )
    return {root: Creator(user_id, username) for root, user_id, username in rows}


def _forms(dataset: str) -> tuple[list[FormRef], list[FormRef]]:
    """The open forms that read the list (linked) and those that write its entities (sources)."""
    linked, sources = [], []
    # An entity block that creates or updates entities of the list (Central counts both as sources).
    writes = re.compile(rf"""<entity\b[^>]*\bdataset\s*=\s*["']{re.escape(dataset)}["'][^>]*\b(?:create|update)\s*=""")
    for form, version in forms_for_devices():
        name = form.title
        if entity_list_files(version.xml, version.media_filenames or []).get(f"{dataset}.csv") == dataset:
            linked.append(FormRef(form.xml_form_id, name))
        if writes.search(version.xml):
            saves = tuple(SAVES.findall(version.xml))
            sources.append(FormRef(form.xml_form_id, name, saves, _repeat_path(version.xml)))
    return linked, sources


def _repeat_path(xml: str) -> str:
    """Central's ``repeatPath`` ("/ref/"): the repeat whose rows each hold an entity block, if any."""
    block = ENTITY_ID_BIND.search(xml)
    if block is None:
        return ""
    for repeat in REPEAT.findall(xml):
        if f"{block.group(1)}/".startswith(f"{repeat}/"):
            return "/" + repeat.split("/", 2)[-1] + "/"
    return ""


def _properties(dataset: str) -> list[str]:
    return central.dataset_properties(dataset, _forms(dataset)[1])


class DatasetListApi(CentralApiMixin, APIView):
    def get(self, request, project_id: int):
        if project_id != PROJECT_ID:
            raise not_found()
        extended = request.headers.get("X-Extended-Metadata", "").lower() == "true"
        names = sorted(set(central.ENTITY_LISTS.values()))
        return central_json([central.dataset_json(name, extended) for name in names])


class DatasetApi(CentralApiMixin, APIView):
    def get(self, request, project_id: int, dataset: str):
        dataset = _dataset(project_id, dataset)
        linked, sources = _forms(dataset)
        return central_json(central.dataset_detail_json(dataset, linked, sources))


class EntityListApi(CentralApiMixin, APIView):
    def get(self, request, project_id: int, dataset: str):
        dataset = _dataset(project_id, dataset)
        deleted = request.query_params.get("deleted", "").lower() == "true"
        rows = list(central.entities(dataset, deleted=deleted))
        current = central.current_rows(rows)
        creators = _creators([e.source_instance_id for e in rows] + [r.source_instance_id for r in current.values()])
        return central_json([central.entity_json(e, creators, row=current.get(e.pk)) for e in rows])


def _entity(dataset: str, entity_id: str):
    try:
        entity = central.entities(dataset).filter(uuid=uuid.UUID(entity_id)).first()
    except ValueError:
        entity = None
    if entity is None:
        raise not_found()
    return entity


class EntityApi(CentralApiMixin, APIView):
    def get(self, request, project_id: int, dataset: str, entity_id: str):
        entity = _entity(_dataset(project_id, dataset), entity_id)
        row = central.current_rows([entity]).get(entity.pk)
        creators = _creators([entity.source_instance_id, row.source_instance_id if row else ""])
        return central_json(central.entity_json(entity, creators, _properties(dataset), row))


class EntityVersionsApi(CentralApiMixin, APIView):
    def get(self, request, project_id: int, dataset: str, entity_id: str):
        entity = _entity(_dataset(project_id, dataset), entity_id)
        sources = entity.versions.values_list("source_instance_id", flat=True)
        creators = _creators([entity.source_instance_id, *sources])
        relevant_only = request.query_params.get("relevantToConflict", "").lower() == "true"
        return central_json(central.entity_versions_json(entity, creators, _properties(dataset), relevant_only))


class EntityCsvApi(CentralApiMixin, APIView):
    """Central's admin export, ``$filter`` as on the feed (ruODK's ``entitylist_download(filter=)``);
    ``If-None-Match`` with its ETag gets 304."""

    def get(self, request, project_id: int, dataset: str):
        dataset = _dataset(project_id, dataset)
        nul_refuse(request.query_params)
        properties = _properties(dataset)
        rows = central.entities(dataset).filter(odata_filter(request.query_params.get("$filter", ""), properties))
        creators = _creators(rows.values_list("source_instance_id", flat=True))
        content = central.admin_csv(rows, creators, properties)
        etag = f'"{central.content_etag(content)}"'
        if etag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
            response = HttpResponse(status=304)
        else:
            response = HttpResponse(content, content_type="text/csv; charset=utf-8")
            filename = f"{dataset}.csv"
            response["Content-Disposition"] = f"attachment; filename=\"{filename}\"; filename*=UTF-8''{filename}"
        response["ETag"] = etag
        response["Cache-Control"] = "private, no-cache"
        return response


def _service_base(request, dataset: str) -> str:
    return request.build_absolute_uri(f"/v1/projects/{PROJECT_ID}/datasets/{dataset}.svc")


def _odata(response: HttpResponse) -> HttpResponse:
    response["OData-Version"] = "4.0"
    return response


class ServiceDocumentApi(CentralApiMixin, APIView):
    def get(self, request, project_id: int, dataset: str):
        dataset = _dataset(project_id, dataset)
        return _odata(central_json(central.service_document(_service_base(request, dataset)), content_type=ODATA_JSON))


class MetadataApi(CentralApiMixin, APIView):
    def get(self, request, project_id: int, dataset: str):
        dataset = _dataset(project_id, dataset)
        xml = central.metadata_xml(dataset, _properties(dataset))
        response = HttpResponse(xml, content_type="application/xml")
        response["Cache-Control"] = "private, no-cache"
        return _odata(response)


def _count_param(params, name: str) -> int | None:
    value = params.get(name)
    if value is None or value == "":
        return None
    if not value.isdigit():
        raise CentralError(
            400,
            400.11,
            gettext("Invalid input data type: expected (%(field)s) to be (integer)") % {"field": name},
            {"field": name, "expected": "integer"},
        )
    return int(value)


class EntitiesFeedApi(CentralApiMixin, APIView):
    """``Entities``: newest first, paged with ``$top``/``$skip`` (``@odata.nextLink`` to the next page)."""

    def get(self, request, project_id: int, dataset: str):
        dataset = _dataset(project_id, dataset)
        params = request.query_params
        nul_refuse(params)
        if params.get("$skiptoken"):
            raise CentralError(400, 400.35, gettext("Invalid $skiptoken"))
        top, skip = _count_param(params, "$top"), _count_param(params, "$skip") or 0
        properties = _properties(dataset)
        rows = central.entities(dataset).filter(odata_filter(params.get("$filter", ""), properties))
        if params.get("$orderby"):
            ordering = odata_orderby(params["$orderby"])
            # Ties go the way of the first key, so that ascending is exactly the default order reversed.
            rows = rows.order_by(*ordering, "-pk" if not ordering or ordering[0].startswith("-") else "pk")
        # One row past the page says whether a next page exists, without counting every row.
        page = list(rows[skip : skip + top + 1] if top is not None else rows[skip:])
        more = top is not None and len(page) > top
        page = page[:top] if more else page
        creators = _creators(e.source_instance_id for e in page)
        values = [central.odata_row(e, creators, properties) for e in page]
        selected = [s.strip() for s in params.get("$select", "").split(",") if s.strip()]
        if selected and "*" not in selected:
            values = [{k: v for k, v in row.items() if k in selected} for row in values]
        base = _service_base(request, dataset)
        body = {"value": values, "@odata.context": f"{base}/$metadata#Entities"}
        if more:
            following = {k: v for k, v in params.items() if k not in ("$skip",)} | {"$skip": skip + top}
            body["@odata.nextLink"] = f"{base}/Entities?{urlencode(following)}"
        if params.get("$count", "").lower() == "true":
            body["@odata.count"] = rows.count()
        return _odata(central_json(body))


# --- Logging in as pyodk does ----------------------------------------------------------------------------


class SessionApi(APIView):
    """``POST /v1/sessions`` ``{"email", "password"}`` → ``{"token", "csrf", "expiresAt", "createdAt"}``.

    The token is the user's API token (the one /api/token/ gives), sent back as ``Authorization: Bearer``.
    It does not expire with a day as Central's sessions do; ``expiresAt`` says a day, so tools log in again.
    """

    authentication_classes: list = []
    permission_classes = [AllowAny]
    schema = None

    def get_exception_handler(self):
        return central_exception_handler

    def post(self, request):
        data = request.data if isinstance(request.data, dict) else {}
        login, password = data.get("email"), data.get("password")
        if not isinstance(login, str) or not isinstance(password, str) or not login or not password:
            raise CentralError(400, 400.3, gettext("Required parameters email and password are missing."))
        user = user_for_login(request._request, login, password)
        if user is None or not user.is_active:
            raise CentralError(401, 401.2, NOT_AUTHENTICATED)
        lockout_success(request._request, user)
        update_last_login(None, user)
        token, _ = Token.objects.get_or_create(user=user)
        now = timezone.now()
        body = {
            "token": token.key,
            "csrf": "",
            "expiresAt": central.central_time(now + dt.timedelta(days=1)),
            "createdAt": central.central_time(now),
        }
        response = central_json(body)
        response["Cache-Control"] = "no-store"
        return response


class CurrentUserApi(CentralApiMixin, APIView):
    """``GET /v1/users/current``: pyodk checks a cached token with it. Any signed-in user may ask."""

    permission_classes: list = []

    def get(self, request):
        user = request.user
        if not user.is_authenticated:
            raise CentralError(401, 401.2, NOT_AUTHENTICATED)
        return central_json(
            {
                "id": user.pk,
                "type": "user",
                "displayName": user.get_username(),
                "createdAt": central.central_time(user.date_joined),
                "updatedAt": None,
                "deletedAt": None,
                "email": user.email,
            }
        )
