"""Local HTTP servers that answer as ODK Central and KoboToolbox do: Central replays the shapes and the
records recorded from a real Central on 2026-12-07 (tests/submissions/fixtures/central-real, a copy of
/work/shared/fixtures/odk-central-api/real-2026-12-07; its README lists what each file shows), Kobo the
shapes kpi's own source sends from its API v2 (see KoboServer). They hold submissions the test adds to or edits, and can be told to fail
the next request with a 5xx."""

from __future__ import annotations

import base64
import copy
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

FIXTURES = Path(__file__).parent / "fixtures"
CENTRAL = FIXTURES / "central"
# The address the recorded Central believed it had: its next-page links name it, not ours.
CENTRAL_OWN_ADDRESS = "http://127.0.0.1:8383"


class FakeServer:
    def __init__(self):
        self.records: list = []
        self.fail_next: list[int] = []  # statuses to answer the next requests with
        self.requests: list[str] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def delete(self, handler):
        handler._send(405, {"detail": "Method not allowed"})

    def close(self):
        self._server.shutdown()
        self._server.server_close()

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, status, body=b"", content_type="application/json", extra_headers=()):
                if isinstance(body, dict | list):
                    body = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                for name, value in extra_headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                fake.requests.append(self.path)
                if fake.fail_next:
                    return self._send(fake.fail_next.pop(0), {"message": "Internal Server Error"})
                fake.get(self)

            def do_DELETE(self):
                fake.requests.append(self.path)
                fake.delete(self)

            def do_POST(self):
                fake.requests.append(self.path)
                length = int(self.headers.get("Content-Length", 0))
                fake.post(self, json.loads(self.rfile.read(length) or b"{}"))

        return Handler


REAL = FIXTURES / "central-real"


def recorded(name: str) -> list[dict]:
    """The exchanges recorded from a real Central (tests/submissions/fixtures/central-real/README.md)."""
    return json.loads((REAL / name).read_text())["exchanges"]


def recorded_response(name: str, label: str) -> dict:
    return next(e["response"] for e in recorded(name) if e["label"] == label)


# The shapes Central answers with, as recorded: a feed row's __system, the login, a 401, a 404, the 501.
_FEED_ROW = recorded_response("03_submissions_and_odata_feed.json", "feed with $select page 1")["body_json"]["value"][0]
_LOGIN = recorded_response("01_session_login.json", "login")
_REFUSED = recorded_response("09_errors.json", "wrong password")["body_json"]
_NOT_FOUND = recorded_response("09_errors.json", "unknown submission .xml")["body_json"]
_ORDERBY_PAGING = recorded_response(
    "03_submissions_and_odata_feed.json", "$orderby submissionDate asc with $top=5 (nextLink) page 2"
)["body_json"]
_INSUFFICIENT_RIGHTS = {
    "message": "The authentication you provided does not have rights to perform that action.",
    "code": 403.1,
}
XML_TYPE = "application/xml; charset=utf-8"
JSON_TYPE = "application/json; charset=utf-8"


@dataclass
class Version:
    instance_id: str
    payload: bytes
    created: str


@dataclass
class CentralRecord:
    """A submission on Central: its __id (the first instanceID), its versions oldest first, its __system."""

    remote_id: str
    versions: list[Version]
    system: dict
    attachments: dict[str, bytes | None] = field(default_factory=dict)  # None: named, not yet sent
    later: tuple = ()  # recorded edits not yet made (add_recorded_chain(only_first=True))

    @property
    def payload(self) -> bytes:
        return self.versions[-1].payload


def _instance_id(payload: bytes, tag: str = "instanceID") -> str:
    found = re.search(rf"<{tag}>([^<]+)</{tag}>".encode(), payload)
    return found.group(1).decode() if found else ""


class CentralServer(FakeServer):
    """ODK Central, answering in the shapes recorded from a real one (fixtures/central-real): POST
    /v1/sessions, DELETE /v1/sessions/<token>, the form's OData feed (newest first by createdAt, $skiptoken
    pages with absolute re-encoded nextLinks, @odata.count on every page, $filter on submissionDate and
    updatedAt, 501 for $orderby with $skiptoken), each submission's current XML, /versions and each
    version's XML, /attachments. A web user logs in; an app user's token goes in /v1/key/<token>/ paths, and
    may send submissions but not read them (403), as in Central's roles."""

    def __init__(self, *, email="sync@example.org", password="s3cret", project=11, form="bma_b2"):
        super().__init__()
        self.email, self.password = email, password
        self.app_user_token = "AppUserTokenReplay0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ"
        self.sessions: set[str] = set()
        self.logged_out: list[str] = []
        self.cookies_seen: list[str] = []
        self.prefix = f"/v1/projects/{project}/forms/{form}"
        self.records: list[CentralRecord] = []
        self._order = 0

    # --- what the test puts on the server ------------------------------------------------------------

    def add(self, payload: bytes, submitted: str, remote_id: str | None = None, **attachments) -> CentralRecord:
        """A submission sent over OpenRosa: one version; attachments given as None are named, not sent."""
        remote_id = remote_id or _instance_id(payload)
        system = {**copy.deepcopy(_FEED_ROW["__system"]), "submissionDate": submitted}
        system.update(
            attachmentsExpected=len(attachments), attachmentsPresent=sum(v is not None for v in attachments.values())
        )
        record = CentralRecord(remote_id, [Version(remote_id, payload, submitted)], system, dict(attachments))
        self.records.append(record)
        return record

    def add_recorded_submissions(self) -> list[CentralRecord]:
        """The twelve submissions of scenario 03, as sent (oldest first), at the times Central gave them."""
        exchanges = recorded("03_submissions_and_odata_feed.json")
        rows = {}
        for e in exchanges:
            if e["label"].startswith("full feed"):
                rows.update({r["__id"]: r["__system"] for r in e["response"]["body_json"]["value"]})
        added = []
        for e in exchanges:
            if e["request"]["method"] == "POST":
                payload = e["request"]["multipart_parts"][0]["body"].encode()
                record = self.add(payload, rows[_instance_id(payload)]["submissionDate"])
                record.system = copy.deepcopy(rows[record.remote_id])
                added.append(record)
        return added

    def add_recorded_chain(self, name: str, *, only_first: bool = False) -> CentralRecord:
        """An edited submission of scenario 04 or 05: every version's XML (from /versions and each
        version's .xml) and its feed row as recorded after the edits. ``only_first``: as it was before
        the edits (the first version, updatedAt null)."""
        exchanges = recorded(name)
        listing = next(e for e in exchanges if e["request"]["path"].endswith("/versions"))
        remote_id = unquote(listing["request"]["path"].split("/submissions/")[1].split("/")[0])
        versions = []
        for entry in reversed(listing["response"]["body_json"]):  # Central lists them newest first
            xml = next(e for e in exchanges if e["request"]["path"].endswith(f"/versions/{entry['instanceId']}.xml"))
            versions.append(Version(entry["instanceId"], xml["response"]["body"].encode(), entry["createdAt"]))
        feed = next(e for e in exchanges if "OData feed rows" in e["label"])["response"]["body_json"]["value"]
        system = copy.deepcopy(next(r["__system"] for r in feed if r["__id"] == remote_id))
        record = CentralRecord(remote_id, versions, system)
        self.records.append(record)
        if only_first:
            record.later = (record.versions[1:], record.system)
            record.versions = record.versions[:1]
            record.system = {**record.system, "updatedAt": None, "reviewState": None, "edits": 0}
        return record

    def apply_recorded_edits(self, record: CentralRecord) -> None:
        """The recorded edits made in Central (each a PUT naming the previous version as deprecatedID)."""
        versions, system = record.later
        record.versions.extend(versions)
        record.system, record.later = system, ()

    def add_recorded_photo_submission(self) -> tuple[CentralRecord, bytes]:
        """Scenario 06: the photo form's XML sent alone (it names fixture.jpg), and the recorded photo,
        which comes in a later request (send_attachment)."""
        exchanges = recorded("06_F4_F5_media_later.json")
        payload = exchanges[0]["request"]["multipart_parts"][0]["body"].encode()
        row = next(e for e in exchanges if e["label"] == "after XML only: OData feed ($select)")
        system = row["response"]["body_json"]["value"][0]["__system"]
        record = self.add(payload, system["submissionDate"], **{"fixture.jpg": None})
        record.system = copy.deepcopy(system)
        photo = next(e for e in exchanges if e["label"] == "download the photo")["response"]["body_base64"]
        return record, base64.b64decode(photo)

    def edit(self, remote_id: str, payload: bytes, updated: str) -> None:
        """An edit made in Central (PUT): a new current version; __id and submissionDate stay."""
        record = self.record(remote_id)
        record.versions.append(Version(_instance_id(payload), payload, updated))
        record.system.update(updatedAt=updated, reviewState="edited", edits=len(record.versions) - 1)

    def review(self, remote_id: str, state: str, updated: str) -> None:
        """A review-state PATCH: updatedAt moves, the XML does not (07_review_state.json)."""
        self.record(remote_id).system.update(reviewState=state, updatedAt=updated)

    def delete_submission(self, remote_id: str, deleted: str) -> None:
        """A DELETE: the record leaves the feed and every path (404), updatedAt does not move, and only
        a $filter on __system/deletedAt lists it, with deletedAt set (08_deletion.json)."""
        self.record(remote_id).system["deletedAt"] = deleted

    def send_attachment(self, remote_id: str, name: str, content: bytes) -> None:
        """The same XML posted again with the file: attachmentsPresent grows, updatedAt does not (06)."""
        record = self.record(remote_id)
        record.attachments[name] = content
        record.system["attachmentsPresent"] = sum(v is not None for v in record.attachments.values())

    def record(self, remote_id: str) -> CentralRecord:
        return next(r for r in self.records if r.remote_id == remote_id)

    # --- the HTTP side ------------------------------------------------------------------------------

    def post(self, handler, body):
        if handler.path != "/v1/sessions":
            return handler._send(404, _NOT_FOUND, JSON_TYPE)
        if (body.get("email"), body.get("password")) != (self.email, self.password):
            return handler._send(401, _REFUSED, JSON_TYPE)
        token = f"SessionToken{len(self.sessions) + len(self.logged_out):052d}"
        self.sessions.add(token)
        login = json.loads(_LOGIN["body"].replace("<SESSION_TOKEN>", token).replace("<CSRF_TOKEN>", "csrf" + token))
        # The recorded cookies, valid for a day from the recording: here for as long as the tests run.
        cookies = [
            re.sub(r"Expires=[^;]+", "Expires=Fri, 01 Jan 2100 00:00:00 GMT", v.replace("<SESSION_TOKEN>", token))
            for k, v in _LOGIN["headers"]
            if k == "Set-Cookie"
        ]
        handler._send(200, login, JSON_TYPE, extra_headers=[("Set-Cookie", c) for c in cookies])

    def delete(self, handler):
        token = handler.path.removeprefix("/v1/sessions/")
        if token in self.sessions and handler.headers.get("Authorization") == f"Bearer {token}":
            self.sessions.discard(token)
            self.logged_out.append(token)
            return handler._send(200, {"success": True}, JSON_TYPE)
        handler._send(401, _REFUSED, JSON_TYPE)

    def _authorized_path(self, handler) -> str | None:
        if handler.headers.get("Cookie"):
            self.cookies_seen.append(handler.headers["Cookie"])
        path = handler.path
        key = re.match(r"/v1/key/([^/]+)(/.*)", path)
        if key:
            return "/v1" + key.group(2) if key.group(1) == self.app_user_token else None
        bearer = (handler.headers.get("Authorization") or "").removeprefix("Bearer ")
        return path if bearer in self.sessions else None

    def get(self, handler):
        full = self._authorized_path(handler)
        if full is None:
            return handler._send(401, _REFUSED, JSON_TYPE)
        if handler.path.startswith("/v1/key/") and "/submissions" in full.lower():
            # An app user's role grants open_form.read and submission.create only; the feed, a record and
            # its versions need submission.read (central-backend: lib/model/migrations/20181212-01-add-roles.js,
            # 20230907-01-opened-form-verb.js; lib/resources/odata.js). Not recorded: Problem 403.1's words.
            return handler._send(403, _INSUFFICIENT_RIGHTS, JSON_TYPE)
        parts = urlsplit(full)
        path, query = unquote(parts.path), parse_qs(parts.query)
        if path == f"{self.prefix}.svc/Submissions":
            if "$orderby" in query and "$skiptoken" in query:
                return handler._send(501, _ORDERBY_PAGING, JSON_TYPE)
            return handler._send(
                200, self._odata_page(query, key_prefix=handler.path[3 : len(handler.path) - len(full) + 3]), JSON_TYPE
            )
        entity = re.fullmatch(rf"{re.escape(self.prefix)}\.svc/Submissions\('([^']+)'\)", path)
        if entity:
            found = [r for r in self.records if r.remote_id == entity.group(1) and not r.system.get("deletedAt")]
            if not found:
                return handler._send(404, _NOT_FOUND, JSON_TYPE)
            row = {"__id": found[0].remote_id, "__system": copy.deepcopy(found[0].system)}
            context = f"{CENTRAL_OWN_ADDRESS}{self.prefix}.svc/$metadata#Submissions"
            return handler._send(200, {"value": [row], "@odata.context": context}, JSON_TYPE)
        match = re.fullmatch(
            rf"{re.escape(self.prefix)}/submissions/([^/]+?)(\.xml|/versions|/versions/([^/]+)\.xml|/attachments(?:/(.+))?)",
            path,
        )
        record = next(
            (r for r in self.records if match and r.remote_id == match.group(1) and not r.system.get("deletedAt")),
            None,
        )
        if record is None:
            return handler._send(404, _NOT_FOUND, JSON_TYPE)
        what = match.group(2)
        if what == ".xml":
            return handler._send(200, record.payload, XML_TYPE)
        if what == "/versions":
            return handler._send(200, self._versions(record), JSON_TYPE)
        if match.group(3):
            version = next((v for v in record.versions if v.instance_id == match.group(3)), None)
            if version is None:
                return handler._send(404, _NOT_FOUND, JSON_TYPE)
            return handler._send(200, version.payload, XML_TYPE)
        if match.group(4):
            content = record.attachments.get(match.group(4))
            if content is None:
                return handler._send(404, _NOT_FOUND, JSON_TYPE)
            return handler._send(200, content, "image/jpeg")
        handler._send(200, [{"name": n, "exists": c is not None} for n, c in record.attachments.items()], JSON_TYPE)

    def _versions(self, record: CentralRecord) -> list[dict]:
        return [
            {
                "submitterId": 5,
                "createdAt": v.created,
                "instanceName": "B2 TJ-SU-ASH V-ASH-0001",
                "instanceId": v.instance_id,
                "current": n == len(record.versions) - 1,
                "deviceId": None,
                "userAgent": "python-requests/2.34.2",
            }
            for n, v in reversed(list(enumerate(record.versions)))
        ]

    def _odata_page(self, query, key_prefix: str = "") -> dict:
        # key_prefix: "/key/<token>" for an app user. Not recorded: its nextLink is taken to keep the path
        # it was asked on, as Central builds the link from the request's own URL.
        top = int(query.get("$top", ["250"])[0])
        # Central: ORDER BY createdAt DESC, id DESC (the order the records were added here).
        rows = list(reversed(self.records))
        rows = sorted(rows, key=lambda r: r.system["submissionDate"], reverse=True)
        condition = query.get("$filter", [""])[0]
        # As recorded (08): deleted records are listed only by a filter on deletedAt, and only they are.
        deletions = re.fullmatch(r"__system/deletedAt (ne null|gt (\S+))", condition)
        rows = [r for r in rows if bool(r.system.get("deletedAt")) == bool(deletions)]
        if deletions and deletions.group(2):
            rows = [r for r in rows if r.system["deletedAt"] > deletions.group(2)]
        for clause in filter(None, condition.split(" or ")) if condition and not deletions else []:
            if not re.fullmatch(r"__system/(submissionDate|updatedAt) gt \S+", clause):
                raise AssertionError(f"a filter this replay does not know: {condition}")
        if condition and not deletions:
            wanted = re.findall(r"__system/(submissionDate|updatedAt) gt (\S+)", condition)
            rows = [r for r in rows if any((r.system.get(k) or "") > v for k, v in wanted)]
        count = len(rows)
        if "$skiptoken" in query:
            after = json.loads(base64.b64decode(query["$skiptoken"][0][2:]))["instanceId"]
            rows = rows[[r.remote_id for r in rows].index(after) + 1 :]
        page, rest = rows[:top], rows[top:]
        value = [{"__id": r.remote_id, "__system": copy.deepcopy(r.system)} for r in page]
        body = {
            "value": value,
            "@odata.context": f"{CENTRAL_OWN_ADDRESS}/v1{key_prefix}{self.prefix[3:]}.svc/$metadata#Submissions",
        }
        if rest:
            token = (
                "01"
                + base64.b64encode(
                    json.dumps({"instanceId": page[-1].remote_id}, separators=(",", ":")).encode()
                ).decode()
            )
            kept = [(k, v[0]) for k, v in query.items() if k != "$skiptoken"] + [("$skiptoken", token)]
            # As recorded: absolute, at Central's own idea of its address, every key re-encoded.
            body["@odata.nextLink"] = (
                f"{CENTRAL_OWN_ADDRESS}/v1{key_prefix}{self.prefix[3:]}.svc/Submissions?{urlencode(kept)}"
            )
        if "$count" in query:
            body["@odata.count"] = count
        return body


# Kobo's three validation statuses (kpi settings.DEFAULT_VALIDATION_STATUSES), as its data API sends them.
KOBO_VALIDATION_LABELS = {
    "validation_status_approved": "Approved",
    "validation_status_not_approved": "Not Approved",
    "validation_status_on_hold": "On Hold",
}


@dataclass
class KoboEntry:
    """A record on Kobo: one logger Instance, whose _id stays through edits; the current version only
    (Kobo keeps earlier ones in InstanceHistory, which its data API does not serve)."""

    record: dict
    files: dict[str, bytes] = field(default_factory=dict)  # by basename, in the order they came
    deleted: bool = False

    @property
    def submitted(self) -> str:
        return self.record["_submission_time"]


class KoboServer(FakeServer):
    """KoboToolbox API v2 in the shapes kpi answers with (kpi/views/v2/data.py, ParsedInstance.
    to_dict_for_mongo, BaseDeploymentBackend._rewrite_json_attachment_urls): /api/v2/assets/<uid>/data/
    with Token auth, `query` ($gt on _submission_time, $in on _id), `sort`, `fields`, `start`/`limit`
    paging with absolute `next` links; each record with meta/rootUuid, _validation_status and
    _attachments (download_url, filename under <owner>/attachments/<formhub uuid>/<root uuid>/,
    media_file_basename, uid, question_xpath, is_deleted). An edit keeps _id and _submission_time and
    changes _uuid (logger_tools._get_instance); a deletion removes the record (Instance.delete())."""

    def __init__(self, *, token="kobo-api-token", asset="aBMAb2asset", owner="bma_owner"):
        super().__init__()
        self.api_token, self.asset, self.owner = token, asset, owner
        self.entries: list[KoboEntry] = []

    # --- what the test puts on the server ------------------------------------------------------------

    def add(self, record: dict, **attachments) -> KoboEntry:
        """A record as Kobo stores a new submission; attachments given as None are named, not sent."""
        record = copy.deepcopy(record)
        record.setdefault("meta/rootUuid", record.get("meta/instanceID") or f"uuid:{record['_uuid']}")
        record.setdefault("_validation_status", {})
        entry = KoboEntry(record, {k: v for k, v in attachments.items() if v is not None})
        self.entries.append(entry)
        return entry

    def entry(self, record_id: int) -> KoboEntry:
        return next(e for e in self.entries if e.record["_id"] == record_id)

    def edit(self, record_id: int, new_uuid: str, **answers) -> dict:
        """An edit in Enketo: the XML names the version it replaces (deprecatedID) and the chain
        (rootUuid); the Instance keeps its _id and date_created, its uuid becomes the new one."""
        entry = self.entry(record_id)
        old = entry.record
        entry.record = {
            **copy.deepcopy(old),
            **answers,
            "_uuid": new_uuid,
            "meta/instanceID": f"uuid:{new_uuid}",
            "meta/deprecatedID": old["meta/instanceID"],
        }
        return entry.record

    def validate(self, record_id: int, uid: str, timestamp: int, by_whom: str = "supervisor") -> None:
        """PATCH .../data/<id>/validation_status/ (logger.utils.instance.get_validation_status)."""
        status = {"timestamp": timestamp, "uid": uid, "by_whom": by_whom, "label": KOBO_VALIDATION_LABELS[uid]}
        self.entry(record_id).record["_validation_status"] = status if uid else {}

    def delete_record(self, record_id: int) -> None:
        self.entry(record_id).deleted = True

    def send_attachment(self, record_id: int, name: str, content: bytes) -> None:
        """The same XML posted again with the file (save_attachments on the existing Instance)."""
        self.entry(record_id).files[name] = content

    # --- the HTTP side ------------------------------------------------------------------------------

    def _output(self, entry: KoboEntry, fields: list[str] | None) -> dict:
        record = copy.deepcopy(entry.record)
        root = record["meta/rootUuid"].removeprefix("uuid:")
        record["_attachments"] = [
            {
                "download_url": f"{self.url}/api/v2/assets/{self.asset}/data/{record['_id']}/attachments/att{n}/",
                "mimetype": "image/jpeg",
                "filename": f"{self.owner}/attachments/{record.get('formhub/uuid', '')}/{root}/{name}",
                "media_file_basename": name,
                "uid": f"att{n}",
                "is_deleted": False,
                "question_xpath": next((k for k, v in record.items() if v == name), ""),
                "download_small_url": f"{self.url}/api/v2/assets/{self.asset}/data/{record['_id']}/attachments/att{n}/small/",
            }
            for n, name in enumerate(entry.files)
        ]
        if fields:
            record = {k: v for k, v in record.items() if k in fields}
        return record

    def post(self, handler, body):
        handler._send(405, {"detail": "Method not allowed"})

    def get(self, handler):
        if handler.headers.get("Authorization") != f"Token {self.api_token}":
            return handler._send(401, {"detail": "Invalid token."})
        parts = urlsplit(handler.path)
        path, query = parts.path, parse_qs(parts.query)
        live = [e for e in self.entries if not e.deleted]
        attachment = re.fullmatch(rf"/api/v2/assets/{self.asset}/data/(\d+)/attachments/att(\d+)/", path)
        if attachment:
            entry = next((e for e in live if str(e.record["_id"]) == attachment.group(1)), None)
            if entry is None or int(attachment.group(2)) >= len(entry.files):
                return handler._send(404, {"detail": "Not found."})
            return handler._send(200, list(entry.files.values())[int(attachment.group(2))], "image/jpeg")
        if path != f"/api/v2/assets/{self.asset}/data/":
            return handler._send(404, {"detail": "Not found."})
        sort = json.loads(query.get("sort", ['{"_id": 1}'])[0])
        (key, direction), *_ = sort.items()
        rows = sorted(live, key=lambda e: (e.record[key], e.record["_id"]), reverse=direction == -1)
        condition = json.loads(query.get("query", ["{}"])[0])
        for name, test in condition.items():
            if set(test) == {"$gt"}:
                rows = [e for e in rows if e.record[name] > test["$gt"]]
            elif set(test) == {"$in"}:
                rows = [e for e in rows if e.record[name] in test["$in"]]
            else:
                raise AssertionError(f"a query this fake does not know: {condition}")
        fields = json.loads(query["fields"][0]) if "fields" in query else None
        start, limit = int(query.get("start", ["0"])[0]), int(query.get("limit", ["100"])[0])
        page = rows[start : start + limit]
        body = {
            "count": len(rows),
            "next": None,
            "previous": None,
            "results": [self._output(e, fields) for e in page],
        }
        if start + limit < len(rows):
            kept = "&".join(f"{k}={quote(v[0])}" for k, v in query.items() if k != "start")
            body["next"] = f"{self.url}{path}?{kept}&start={start + limit}"
        return handler._send(200, body)
