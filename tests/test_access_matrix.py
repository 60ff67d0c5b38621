"""Every URL the server answers × every kind of person: the status each may get, and that no informant's
name or phone, and nothing outside the person's areas, is in what they get.

The rows are checked against the URL resolver: a new URL (or a newly registered admin model) without a
row here fails ``test_every_url_has_a_row``. Each section seeds one small data set (two provinces, a
village assessment in each with a named key informant, a district assessment) and sends every request
of the section, reporting every mismatch at once.

Statuses are written per persona, in the order of PERSONAS:
anonymous, enumerator (Asht), a user with no role, supervisor of Sughd, the same with
view_personal_data, coordinator, administrator.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from bma.core.roles import Role
from tests import factories

pytestmark = pytest.mark.django_db

PERSONAS = ("anonymous", "enumerator", "no_role", "supervisor", "supervisor_pd", "coordinator", "administrator")

# Distinctive key informants: Sughd's may be seen only with view_personal_data, Khatlon's by nobody here
# (the supervisor with the permission is not assigned to Khatlon; no role grants the permission).
SUGHD_NAME, SUGHD_PHONE = "Zarina Sughdova", "+992 90 111 2222"
KHATLON_NAME, KHATLON_PHONE = "Farrukh Khatlonov", "+992 93 333 4444"
# Out-of-scope markers: the Khatlon assessment's instance ID and its household count.
KHATLON_ID, KHATLON_HOUSEHOLDS = "uuid:khatlon-matrix-0001", "97531"
SCOPED = {"enumerator", "no_role", "supervisor", "supervisor_pd", "anonymous"}


def statuses(spec: str) -> dict[str, int]:
    codes = spec.split()
    assert len(codes) == len(PERSONAS), spec
    return dict(zip(PERSONAS, map(int, codes), strict=True))


@dataclass
class Case:
    url: str  # formatted with the seed's attributes: {kt_village_pk}, {token}...
    expect: str  # seven statuses
    method: str = "get"
    headers: dict = field(default_factory=dict)
    csrf: bool = False  # check CSRF as a browser's request is checked (Django's test client skips it)


# --- Everything outside the admin, by URL name ------------------------------------------------------
JSON = {"HTTP_ACCEPT": "application/json"}
ROUTES: dict[str, list[Case]] = {
    "healthz": [Case("/healthz", "200 200 200 200 200 200 200")],
    # Anyone may choose a language (kept on the account when signed in); only POST.
    "language-choose": [
        Case("/language/", "405 405 405 405 405 405 405"),
        Case("/language/", "400 400 400 400 400 400 400", method="post"),  # no language named
    ],
    "login": [Case("/accounts/login/", "200 200 200 200 200 200 200")],
    "api:token": [Case("/api/token/", "405 405 405 405 405 405 405", headers=JSON)],
    "api:schema": [Case("/api/schema/", "401 200 200 200 200 200 200", headers=JSON)],
    "api:docs": [Case("/api/docs/", "302 200 200 200 200 200 200")],
    "api:area-list": [Case("/api/areas/", "401 403 403 200 200 200 200", headers=JSON)],
    "api:village-list": [Case("/api/villages/", "401 403 403 200 200 200 200", headers=JSON)],
    "api:round-list": [Case("/api/rounds/", "401 403 403 200 200 200 200", headers=JSON)],
    "api:assessment-list": [Case("/api/assessments/", "401 403 403 200 200 200 200", headers=JSON)],
    "api:round-report": [Case("/api/rounds/2/report/", "401 403 403 403 403 200 200", headers=JSON)],
    "api:district-profile": [
        Case("/api/rounds/2/districts/TJ-SU-ASH/profile/", "401 403 403 200 200 200 200", headers=JSON),
        Case("/api/rounds/2/districts/TJ-KT-PAN/profile/", "401 403 403 403 403 200 200", headers=JSON),
    ],
    "api:export-list": [Case("/api/exports/", "401 403 403 403 403 200 200", headers=JSON)],
    "api:export-detail": [
        Case("/api/exports/{export_pk}/", "401 403 403 403 403 200 200", headers=JSON),
        # An export with personal data: only whoever asked for it, holding the permission it needs;
        # the administrator asked for this one but does not hold view_personal_data.
        Case("/api/exports/{personal_export_pk}/", "401 403 403 403 403 404 404", headers=JSON),
    ],
    # OpenRosa: a browser session counts as a login (Web Forms' own requests). The blank form is no
    # secret, but it goes only with the village lists it reads (a form without them cannot be filled):
    # to those with an assignment (enumerator, supervisors) and to staff who see everything; a user in
    # no round gets neither. A submission would still be refused outside an enumerator's assignment.
    "openrosa-root": [Case("/collect/", "404 404 404 404 404 404 404")],
    "openrosa-form-list": [Case("/collect/formList", "401 200 200 200 200 200 200")],
    "openrosa-form-download": [Case("/collect/forms/bma_b2/form.xml", "401 200 404 200 200 200 200")],
    "openrosa-form-manifest": [Case("/collect/forms/bma_b2/manifest", "401 200 404 200 200 200 200")],
    "openrosa-form-media": [Case("/collect/forms/bma_b2/media/villages.csv", "401 200 404 200 200 200 200")],
    # Which entity ids were deleted: ids and flags only, no names, to any login (as Central's app users).
    "openrosa-dataset-integrity": [Case("/collect/datasets/villages/integrity", "401 200 200 200 200 200 200")],
    "openrosa-submission": [
        Case("/collect/submission", "401 204 204 204 204 204 204", method="head"),
        # An empty post gets a clear 400; from a browser session without the CSRF token (another site
        # could make a signed-in browser post) it is refused first.
        Case("/collect/submission", "401 400 400 400 400 400 400", method="post"),
        Case("/collect/submission", "401 403 403 403 403 403 403", method="post", csrf=True),
    ],
    # With a device token the token is the login, whoever else is signed in in the browser.
    "openrosa-token-root": [Case("/collect/key/{token}/", "404 404 404 404 404 404 404")],
    "openrosa-token-form-list": [
        Case("/collect/key/{token}/formList", "200 200 200 200 200 200 200"),
        Case("/collect/key/not-a-token/formList", "403 403 403 403 403 403 403"),
    ],
    "openrosa-token-form-download": [Case("/collect/key/{token}/forms/bma_b2/form.xml", "200 200 200 200 200 200 200")],
    "openrosa-token-form-manifest": [Case("/collect/key/{token}/forms/bma_b2/manifest", "200 200 200 200 200 200 200")],
    "openrosa-token-form-media": [
        Case("/collect/key/{token}/forms/bma_b2/media/villages.csv", "200 200 200 200 200 200 200")
    ],
    "openrosa-token-dataset-integrity": [
        Case("/collect/key/{token}/datasets/villages/integrity", "200 200 200 200 200 200 200")
    ],
    "openrosa-token-submission": [
        Case("/collect/key/{token}/submission", "204 204 204 204 204 204 204", method="head")
    ],
    # ODK Central's read API for the villages entity list (pyodk, ruODK): staff with a review role, as the
    # rest of the API; the list is what every tablet holds (no informant's data), so not narrowed to areas.
    # pyodk logs in at /v1/sessions (POST only; an empty one is a 400) and checks its token at users/current.
    "central:sessions": [
        Case("/v1/sessions", "405 405 405 405 405 405 405"),
        Case("/v1/sessions", "400 400 400 400 400 400 400", method="post"),
    ],
    "central:user-current": [Case("/v1/users/current", "401 200 200 200 200 200 200")],
    "central:dataset-list": [
        Case("/v1/projects/1/datasets", "401 403 403 200 200 200 200"),
        Case("/v1/projects/2/datasets", "401 403 403 404 404 404 404"),
    ],
    "central:dataset": [Case("/v1/projects/1/datasets/villages", "401 403 403 200 200 200 200")],
    "central:entity-list": [Case("/v1/projects/1/datasets/villages/entities", "401 403 403 200 200 200 200")],
    "central:entity-csv": [Case("/v1/projects/1/datasets/villages/entities.csv", "401 403 403 200 200 200 200")],
    "central:entity": [
        Case("/v1/projects/1/datasets/villages/entities/{entity_uuid}", "401 403 403 200 200 200 200"),
        Case("/v1/projects/1/datasets/villages/entities/not-an-entity", "401 403 403 404 404 404 404"),
    ],
    "central:entity-versions": [
        Case("/v1/projects/1/datasets/villages/entities/{entity_uuid}/versions", "401 403 403 200 200 200 200")
    ],
    "central:odata-service": [Case("/v1/projects/1/datasets/villages.svc", "401 403 403 200 200 200 200")],
    "central:odata-metadata": [Case("/v1/projects/1/datasets/villages.svc/$metadata", "401 403 403 200 200 200 200")],
    "central:odata-entities": [
        Case("/v1/projects/1/datasets/villages.svc/Entities?$top=2&$count=true", "401 403 403 200 200 200 200")
    ],
    "kobo-record": [
        Case("/kobo/{kobo_token}/", "405 405 405 405 405 405 405"),
        Case("/kobo/not-a-token/", "405 405 405 405 405 405 405"),
        Case("/kobo/{kobo_token}/", "400 400 400 400 400 400 400", method="post"),
        Case("/kobo/not-a-token/", "403 403 403 403 403 403 403", method="post"),
    ],
    "webform": [Case("/collect/webforms/bma_b2/", "302 200 404 200 200 200 200")],
    # The enumerator's own page (only their own submissions); desk users are sent on to the desk.
    "field-home": [Case("/me/", "302 200 200 302 302 302 302")],
    "round-report": [Case("/reports/rounds/2/", "302 403 403 403 403 200 200")],
    "round-report-xlsx": [Case("/reports/rounds/2/xlsx/", "302 403 403 403 403 200 200")],
    "round-report-pdf": [Case("/reports/rounds/2/pdf/", "302 403 403 403 403 200 200")],
    "round-report-published": [Case("/reports/rounds/2/published/", "302 403 403 403 403 200 200")],
    # Coordinators and administrators publish (and are sent back to the versions page).
    "round-report-publish": [
        Case("/reports/rounds/2/published/publish/", "302 403 403 403 403 302 302", method="post")
    ],
    # A publication's progress, for the versions page of coordinators (a job of another round: 404).
    "round-report-publish-job": [Case("/reports/rounds/2/published/jobs/999999/", "302 403 403 403 403 404 404")],
    "round-report-published-file": [Case("/reports/rounds/2/published/99/xlsx/", "302 403 403 403 403 404 404")],
    "round-report-published-document": [Case("/reports/rounds/2/published/99/pdf/ru/", "302 403 403 403 403 404 404")],
    "district-profile": [
        Case("/reports/rounds/2/districts/TJ-SU-ASH/", "302 403 403 200 200 200 200"),
        Case("/reports/rounds/2/districts/TJ-KT-PAN/", "302 403 403 403 403 200 200"),
    ],
    "export-download": [
        Case("/exports/{export_pk}/download/", "302 403 403 403 403 200 200"),
        Case("/exports/{personal_export_pk}/download/", "302 403 403 403 403 403 403"),
    ],
}

# --- The admin: its own pages by URL name, and every registered model's views from one row ----------
ADMIN_ROUTES: dict[str, list[Case]] = {
    "admin:index": [Case("/admin/", "302 302 302 200 200 200 200")],
    "admin:login": [Case("/admin/login/", "200 200 200 302 302 302 302")],
    "admin:logout": [Case("/admin/logout/", "302 302 302 405 405 405 405")],
    "admin:password_change": [Case("/admin/password_change/", "302 302 302 200 200 200 200")],
    "admin:password_change_done": [Case("/admin/password_change/done/", "302 302 302 200 200 200 200")],
    "admin:autocomplete": [
        Case("/admin/autocomplete/", "302 302 302 403 403 403 403"),
        # User names for the device-token form: coordinators (auth.view_user) and administrators.
        Case(
            "/admin/autocomplete/?app_label=submissions&model_name=collecttoken&field_name=user&term=enu",
            "302 302 302 403 403 200 200",
        ),
    ],
    "admin:jsi18n": [Case("/admin/jsi18n/", "302 302 302 200 200 200 200")],
    "admin:view_on_site": [Case("/admin/r/{village_ct}/{kt_village_pk}/", "302 302 302 404 404 404 404")],
    "admin:app_list": [
        Case("/admin/assessments/", "302 302 302 200 200 200 200"),
        Case("/admin/submissions/", "302 302 302 200 200 200 200"),
    ],
    "admin:assessments_attachment": [
        Case("/admin/assessments/villageassessment/attachment/{sughd_attachment_pk}/", "302 302 302 200 200 200 200"),
        Case("/admin/assessments/villageassessment/attachment/{kt_attachment_pk}/", "302 302 302 403 403 200 200"),
    ],
    # The assessment page's decision and the inline resolve/waive of an issue: POST only; outside a
    # supervisor's areas the row does not exist (404). An empty decision shows the page again with the
    # reason (400); an empty resolve/waive is refused with a message and goes back (302).
    "admin:assessments_villageassessment_review": [
        Case("/admin/assessments/villageassessment/{kt_village_pk}/review/", "302 302 302 405 405 405 405"),
        Case(
            "/admin/assessments/villageassessment/{kt_village_pk}/review/",
            "302 302 302 404 404 400 400",
            method="post",
        ),
    ],
    # The same decision on a B1 (the seed's is in Sughd: a supervisor there decides) and on a spot-check
    # visit (the seed has none: no such row for anyone).
    "admin:assessments_districtassessment_review": [
        Case("/admin/assessments/districtassessment/{sughd_b1_pk}/review/", "302 302 302 405 405 405 405"),
        Case(
            "/admin/assessments/districtassessment/{sughd_b1_pk}/review/",
            "302 302 302 400 400 400 400",
            method="post",
        ),
    ],
    "admin:assessments_spotcheckvisit_review": [
        Case("/admin/assessments/spotcheckvisit/999999/review/", "302 302 302 405 405 405 405"),
        Case("/admin/assessments/spotcheckvisit/999999/review/", "302 302 302 404 404 404 404", method="post"),
    ],
    "admin:validation_qualityissue_decide": [
        Case("/admin/validation/qualityissue/{kt_issue_pk}/decide/", "302 302 302 405 405 405 405"),
        Case("/admin/validation/qualityissue/{kt_issue_pk}/decide/", "302 302 302 404 404 302 302", method="post"),
    ],
    "admin:auth_user_password_change": [
        Case("/admin/auth/user/{enumerator_pk}/password/", "302 302 302 403 403 403 200")
    ],
    "admin:geo_gazetteer_import": [Case("/admin/geo/adminarea/import/", "302 302 302 403 403 200 200")],
    "admin:xforms_form_upload": [Case("/admin/xforms/form/upload/", "302 302 302 403 403 200 200")],
    "admin:geo_settlement_import": [Case("/admin/geo/settlement/import/", "302 302 302 403 403 200 200")],
    "admin:geo_settlement_process_import": [
        Case("/admin/geo/settlement/process_import/", "302 302 302 405 405 405 405"),
        Case("/admin/geo/settlement/process_import/", "302 302 302 403 403 200 200", method="post"),
    ],
    "admin:geo_settlement_export": [Case("/admin/geo/settlement/export/", "302 302 302 200 200 200 200")],
    # Enumerators in bulk (coordinators and administrators) and each one's ODK Collect set-up sheet.
    "admin:rounds_enumerator_import": [Case("/admin/rounds/enumerator/import/", "302 302 302 403 403 200 200")],
    "admin:rounds_enumerator_process_import": [
        Case("/admin/rounds/enumerator/process_import/", "302 302 302 405 405 405 405"),
        Case("/admin/rounds/enumerator/process_import/", "302 302 302 403 403 200 200", method="post"),
    ],
    "admin:submissions_collecttoken_setup": [
        Case("/admin/submissions/collecttoken/setup/{enumerator_pk}/", "302 302 302 403 403 200 200")
    ],
    "admin:submissions_collecttoken_revoke": [
        Case("/admin/submissions/collecttoken/{token_pk}/revoke/", "302 302 302 405 405 405 405"),
        Case("/admin/submissions/collecttoken/{token_pk}/revoke/", "302 302 302 403 403 302 302", method="post"),
    ],
    # The referral queue's one-click decisions and search box, on a Khatlon name: outside the supervisors'
    # areas it does not exist for them; the post without a village is answered with a message (302).
    "admin:referrals_referralmatch_decide": [
        Case("/admin/referrals/referralmatch/{kt_match_pk}/decide/", "302 302 302 405 405 405 405"),
        Case("/admin/referrals/referralmatch/{kt_match_pk}/decide/", "302 302 302 404 404 302 302", method="post"),
    ],
    "admin:exports_exportjob_progress": [
        Case("/admin/exports/exportjob/{export_pk}/progress/", "302 302 302 403 403 200 200"),
        # Personal data: only its requester with the permission (neither persona here holds it).
        Case("/admin/exports/exportjob/{personal_export_pk}/progress/", "302 302 302 403 403 404 404"),
    ],
    "admin:referrals_referralmatch_villages": [
        Case("/admin/referrals/referralmatch/{kt_match_pk}/villages/?q=Pa", "302 302 302 404 404 200 200")
    ],
    # Resolving a village's entity conflict from the queue: a post only; a village not in conflict (or
    # outside the supervisor's areas) is not found (tests/entities/test_spot_check_updates.py resolves one).
    "admin:referrals_referralmatch_entity_resolve": [
        Case("/admin/referrals/referralmatch/entity-conflicts/{kt_entity_pk}/resolve/", "302 302 302 405 405 405 405"),
        Case(
            "/admin/referrals/referralmatch/entity-conflicts/{kt_entity_pk}/resolve/",
            "302 302 302 404 404 404 404",
            method="post",
        ),
    ],
}

# model: statuses of its changelist, add page, change page and delete page (of the row the seed names,
# else its first row; a model with no row gets a missing id: 302 for those who may view it). The
# history page follows the change page. Supervisors open the Khatlon row of area-scoped models: outside
# their areas the admin says it does not exist (302 to the index).
ADMIN_MODELS: dict[str, tuple[str, str, str, str]] = {
    # django-axes: failed logins and lockouts, for administrators (who unlock accounts there).
    "axes.accessattempt": (
        "302 302 302 403 403 403 200",
        "302 302 302 403 403 403 403",
        "302 302 302 403 403 403 302",
        "302 302 302 403 403 403 302",
    ),
    "axes.accessfailurelog": (
        "302 302 302 403 403 403 200",
        "302 302 302 403 403 403 403",
        "302 302 302 403 403 403 302",
        "302 302 302 403 403 403 302",
    ),
    "axes.accesslog": (
        "302 302 302 403 403 403 200",
        "302 302 302 403 403 403 403",
        "302 302 302 403 403 403 302",
        "302 302 302 403 403 403 302",
    ),
    "auth.user": (
        "302 302 302 403 403 200 200",
        "302 302 302 403 403 403 200",
        "302 302 302 403 403 200 200",
        "302 302 302 403 403 403 200",
    ),
    "auth.group": (
        "302 302 302 403 403 403 200",
        "302 302 302 403 403 403 200",
        "302 302 302 403 403 403 200",
        "302 302 302 403 403 403 200",
    ),
    "authtoken.tokenproxy": (
        "302 302 302 403 403 403 200",
        "302 302 302 403 403 403 200",
        "302 302 302 403 403 403 200",
        "302 302 302 403 403 403 200",
    ),
    "geo.adminarea": (
        "302 302 302 200 200 200 200",
        "302 302 302 403 403 200 200",
        "302 302 302 302 302 200 200",
        "302 302 302 403 403 200 200",
    ),
    "geo.settlement": (
        "302 302 302 200 200 200 200",
        "302 302 302 403 403 200 200",
        "302 302 302 302 302 200 200",
        "302 302 302 403 403 200 200",
    ),
    "rounds.round": (
        "302 302 302 200 200 200 200",
        "302 302 302 403 403 200 200",
        "302 302 302 200 200 200 200",
        "302 302 302 403 403 200 200",
    ),
    # Added by the bulk import or one at a time (Add enumerator), never deleted (their submissions
    # point at them).
    "rounds.enumerator": (
        "302 302 302 403 403 200 200",
        "302 302 302 403 403 200 200",
        "302 302 302 403 403 200 200",
        "302 302 302 403 403 403 403",
    ),
    "rounds.assignment": (
        "302 302 302 200 200 200 200",
        "302 302 302 403 403 200 200",
        "302 302 302 200 200 200 200",
        "302 302 302 403 403 200 200",
    ),
    "xforms.form": (
        "302 302 302 200 200 200 200",
        "302 302 302 403 403 403 403",
        "302 302 302 200 200 200 200",
        "302 302 302 403 403 200 200",
    ),
    "xforms.formversion": (
        "302 302 302 200 200 200 200",
        "302 302 302 403 403 403 403",
        "302 302 302 200 200 200 200",
        "302 302 302 403 403 200 200",
    ),
    "xforms.listfile": (
        "302 302 302 403 403 200 200",
        "302 302 302 403 403 403 403",
        "302 302 302 403 403 200 200",
        "302 302 302 403 403 200 200",
    ),
    "submissions.submission": (
        "302 302 302 200 200 200 200",
        "302 302 302 403 403 403 403",
        "302 302 302 302 302 200 200",
        "302 302 302 403 403 403 403",
    ),
    "submissions.rejectedattempt": (
        "302 302 302 403 403 200 200",
        "302 302 302 403 403 403 403",
        "302 302 302 403 403 302 302",
        "302 302 302 403 403 403 403",
    ),
    "submissions.kobosource": (
        "302 302 302 403 403 200 200",
        "302 302 302 403 403 200 200",
        "302 302 302 403 403 200 200",
        "302 302 302 403 403 200 200",
    ),
    "submissions.collecttoken": (
        "302 302 302 403 403 200 200",
        "302 302 302 403 403 200 200",
        "302 302 302 403 403 200 200",
        "302 302 302 403 403 200 200",
    ),
    "assessments.villageassessment": (
        "302 302 302 200 200 200 200",
        "302 302 302 403 403 403 403",
        "302 302 302 302 302 200 200",
        "302 302 302 403 403 403 403",
    ),
    "assessments.districtassessment": (
        "302 302 302 200 200 200 200",
        "302 302 302 403 403 403 403",
        "302 302 302 200 200 200 200",
        "302 302 302 403 403 403 403",
    ),
    "assessments.spotcheckvisit": (
        "302 302 302 200 200 200 200",
        "302 302 302 403 403 403 403",
        "302 302 302 302 302 302 302",
        "302 302 302 403 403 403 403",
    ),
    "assessments.contactpurge": (
        "302 302 302 200 200 200 200",
        "302 302 302 403 403 403 403",
        "302 302 302 200 200 200 200",
        "302 302 302 403 403 403 403",
    ),
    "referrals.referralmatch": (
        "302 302 302 200 200 200 200",
        "302 302 302 403 403 403 403",
        "302 302 302 302 302 200 200",
        "302 302 302 403 403 200 200",
    ),
    "referrals.visitplanentry": (
        "302 302 302 200 200 200 200",
        "302 302 302 403 403 403 403",
        "302 302 302 302 302 200 200",
        "302 302 302 403 403 200 200",
    ),
    "validation.qualityissue": (
        "302 302 302 200 200 200 200",
        "302 302 302 403 403 403 403",
        "302 302 302 302 302 200 200",
        "302 302 302 403 403 200 200",
    ),
    # Entities the server refused: read only, for the district's supervisors and above.
    "validation.entityproblem": (
        "302 302 302 200 200 200 200",
        "302 302 302 403 403 403 403",
        "302 302 302 302 302 200 200",
        "302 302 302 403 403 403 403",
    ),
    "validation.roundqualitysettings": (
        "302 302 302 200 200 200 200",
        "302 302 302 403 403 200 200",
        "302 302 302 302 302 302 302",
        "302 302 302 403 403 302 302",
    ),
    "validation.spotchecksample": (
        "302 302 302 200 200 200 200",
        "302 302 302 403 403 200 200",
        "302 302 302 302 302 302 302",
        "302 302 302 403 403 302 302",
    ),
    # Pull sources: coordinators (submissions.*) and administrators; supervisors do not see them.
    "submissions.pullsource": (
        "302 302 302 403 403 200 200",
        "302 302 302 403 403 200 200",
        "302 302 302 403 403 302 302",
        "302 302 302 403 403 302 302",
    ),
    "exports.exportjob": (
        "302 302 302 403 403 200 200",
        "302 302 302 403 403 200 200",
        "302 302 302 403 403 200 200",
        "302 302 302 403 403 403 200",
    ),
    "exports.exportdownload": (
        "302 302 302 403 403 200 200",
        "302 302 302 403 403 403 403",
        "302 302 302 403 403 302 302",
        "302 302 302 403 403 403 403",
    ),
    "exports.publishedreport": (
        "302 302 302 403 403 200 200",
        "302 302 302 403 403 403 403",
        "302 302 302 403 403 302 302",
        "302 302 302 403 403 403 403",
    ),
    "exports.referencefigure": (
        "302 302 302 200 200 200 200",
        "302 302 302 403 403 200 200",
        "302 302 302 200 200 200 200",
        "302 302 302 403 403 200 200",
    ),
}
# The history page looks the row up before it checks permissions: where a persona's list holds no such
# row (a missing id, another coordinator's export job) it answers 302 rather than the change page's 403.
HISTORY_DIFFERS = {
    "axes.accessattempt": "302 302 302 302 302 302 302",
    "axes.accessfailurelog": "302 302 302 302 302 302 302",
    "axes.accesslog": "302 302 302 302 302 302 302",
    "submissions.rejectedattempt": "302 302 302 302 302 302 302",
    "exports.exportjob": "302 302 302 302 302 200 200",
    "exports.exportdownload": "302 302 302 302 302 302 302",
    "exports.publishedreport": "302 302 302 302 302 302 302",  # none published in the seed
    "submissions.pullsource": "302 302 302 302 302 302 302",  # none in the seed
}
ADMIN_VIEW_SUFFIXES = ("changelist", "add", "change", "delete", "history")


# --- Walking the resolver ---------------------------------------------------------------------------
def url_names(patterns=None, namespace="") -> list[tuple[str, str]]:
    """(namespaced name, route) of every URL pattern."""
    found = []
    for p in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            found += [(name, f"{p.pattern}{route}") for name, route in url_names(p.url_patterns, ns)]
        elif isinstance(p, URLPattern):
            found.append((f"{namespace}{p.name}" if p.name else "", str(p.pattern)))
    return found


def admin_model_of(name: str) -> str | None:
    """'assessments.villageassessment' for admin:assessments_villageassessment_change, else None."""
    if not name.startswith("admin:"):
        return None
    for model in admin.site._registry:
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}_"
        if name.startswith(prefix) and name[len(prefix) :] in ADMIN_VIEW_SUFFIXES:
            return model._meta.label_lower
    return None


def test_every_url_has_a_row():
    missing, unnamed = [], []
    registered = {model._meta.label_lower for model in admin.site._registry}
    # The admin's two unnamed patterns: an object's bare URL (redirects to its change page, covered by
    # the model's row) and the catch-all that sends unknown admin URLs to the login or a 404.
    model_redirects = {f"admin/{label.replace('.', '/')}/<path:object_id>/" for label in registered}
    for name, route in url_names():
        if not name:
            if route not in model_redirects and route != "admin/(?P<url>.*)$":
                unnamed.append(route)
        elif admin_model_of(name) is None and name not in ROUTES and name not in ADMIN_ROUTES:
            missing.append(f"{name} ({route})")
    assert not unnamed, f"URL patterns without a name cannot have a row: {unnamed}"
    assert not missing, f"URLs without a row in the access matrix: {missing}"
    names = {name for name, _ in url_names()}
    stale = sorted((set(ROUTES) | set(ADMIN_ROUTES)) - names)
    assert not stale, f"rows for URL names that no longer exist: {stale}"
    assert registered == set(ADMIN_MODELS), (
        f"admin models without a row: {sorted(registered - set(ADMIN_MODELS))}; "
        f"rows for models no longer registered: {sorted(set(ADMIN_MODELS) - registered)}"
    )


# --- The seed ---------------------------------------------------------------------------------------
def _informant(xml: str, name: str, phone: str) -> str:
    return xml.replace(
        "<ki_contact><ki_name/><ki_phone>+992 92 555 1234</ki_phone></ki_contact>",
        f"<ki_contact><ki_name>{name}</ki_name><ki_phone>{phone}</ki_phone></ki_contact>",
        1,
    )


@pytest.fixture
def seed(personas, published_forms, django_capture_on_commit_callbacks, tasks_in_process):
    from django.contrib.contenttypes.models import ContentType
    from django.core.files.base import ContentFile
    from django.utils import timezone

    from bma.assessments import models as am
    from bma.entities.models import Entity
    from bma.exports.models import ExportJob, ExportState, ReferenceFigure
    from bma.submissions.auth import collect_token_issue
    from bma.submissions.models import KoboSource, SubmissionAttachment
    from bma.submissions.services import IncomingFile, submission_receive
    from bma.xforms.models import Form
    from tests.conftest import SUBMISSION_FIXTURES

    supervisor_pd = factories.make_user("supervisor_pd", Role.SUPERVISOR)
    factories.assign(supervisor_pd, personas.geo.sughd, personas.round, "supervisor")
    supervisor_pd.user_permissions.add(Permission.objects.get(codename="view_personal_data"))

    b2 = (SUBMISSION_FIXTURES / "b2_2026112202.xml").read_text(encoding="utf-8")
    sughd_b2 = _informant(b2, SUGHD_NAME, SUGHD_PHONE)
    khatlon_b2 = (
        _informant(b2, KHATLON_NAME, KHATLON_PHONE)
        .replace("uuid:342071ed-911c-4e50-9659-3f73b09c383c", KHATLON_ID)
        .replace("<province>TJ-SU</province>", "<province>TJ-KT</province>")
        .replace("<district>TJ-SU-ASH</district>", "<district>TJ-KT-PAN</district>")
        .replace("<village>V-ASH-0001</village>", "<village>V-PAN-0001</village>")
        .replace("<households>420</households>", f"<households>{KHATLON_HOUSEHOLDS}</households>")
    )
    b1 = _informant((SUBMISSION_FIXTURES / "b1_2026112202.xml").read_text(encoding="utf-8"), SUGHD_NAME, SUGHD_PHONE)
    photo = IncomingFile(filename="photo.jpg", content_type="image/jpeg", content=b"\xff\xd8\xff")
    received = []
    for payload in (sughd_b2, khatlon_b2, b1):
        with django_capture_on_commit_callbacks(execute=True):
            received.append(
                submission_receive(payload=payload.encode(), files=[photo], user=personas.enumerator).submission
            )
    assert KHATLON_HOUSEHOLDS in khatlon_b2 and KHATLON_ID in khatlon_b2
    am.VillageAssessment.objects.update(review_state=am.ReviewState.APPROVED)
    kt_village = am.VillageAssessment.objects.get(root_instance_id=KHATLON_ID)
    sughd_village = am.VillageAssessment.objects.exclude(pk=kt_village.pk).get()
    assert am.InformantContact.objects.filter(name__in=[SUGHD_NAME, KHATLON_NAME]).count() == 3

    export = ExportJob.objects.create(round=personas.round, requested_by=personas.coordinator, state=ExportState.DONE)
    export.file.save("matrix.csv", ContentFile(b"x"))
    personal_export = ExportJob.objects.create(
        round=personas.round, requested_by=personas.administrator, include_personal=True, state=ExportState.QUEUED
    )
    am.ContactPurge.objects.create(
        round=personas.round,
        round_closed_at=timezone.now(),
        retention_days=90,
        informants=0,
        payloads=0,
        answers=0,
        job="matrix",
    )
    ReferenceFigure.objects.create(
        area=personas.geo.asht, population="imw", source="Migration Service", as_of=dt.date(2023, 1, 1), value=10
    )
    KoboSource.objects.create(name="Kobo B2", form=Form.objects.get(xml_form_id="bma_b2"))
    from rest_framework.authtoken.models import Token

    Token.objects.create(user=personas.coordinator)
    token = collect_token_issue(personas.enumerator, "tablet")
    attachment = {s.pk: SubmissionAttachment.objects.get(submission=s).pk for s in received}

    from bma.geo.models import AdminArea, Settlement
    from bma.referrals.models import ReferralMatch, VisitPlanEntry
    from bma.validation.models import EntityProblem, QualityIssue

    refused = EntityProblem.objects.create(
        submission=kt_village.submission,
        district=personas.geo.panj,
        code="400.2",
        row=1,
        dataset="villages",
        message="Required parameter label missing.",
    )
    # The row each area-scoped model's change page is opened on: one in Khatlon.
    khatlon_rows = {
        "assessments.villageassessment": kt_village,
        "submissions.submission": kt_village.submission,
        "geo.adminarea": personas.geo.khatlon,
        "geo.settlement": Settlement.objects.get(code="V-PAN-0001"),
        "validation.qualityissue": QualityIssue.objects.filter(village_assessment=kt_village).first(),
        "validation.entityproblem": refused,
        "referrals.referralmatch": ReferralMatch.objects.filter(village_assessment=kt_village).first(),
        "referrals.visitplanentry": VisitPlanEntry.objects.filter(village__district=personas.geo.panj).first(),
    }
    assert all(khatlon_rows.values()), khatlon_rows
    assert AdminArea.objects.filter(code="TJ-KT-PAN").exists()
    return SimpleNamespace(
        personas=personas,
        supervisor_pd=supervisor_pd,
        khatlon_rows=khatlon_rows,
        fmt=dict(
            kt_village_pk=kt_village.pk,
            kt_issue_pk=khatlon_rows["validation.qualityissue"].pk,
            sughd_b1_pk=am.DistrictAssessment.objects.get().pk,
            village_ct=ContentType.objects.get_for_model(am.VillageAssessment).pk,
            sughd_attachment_pk=attachment[sughd_village.submission_id],
            kt_attachment_pk=attachment[kt_village.submission_id],
            enumerator_pk=personas.enumerator.pk,
            export_pk=export.pk,
            kt_match_pk=khatlon_rows["referrals.referralmatch"].pk,
            kt_entity_pk=Entity.objects.get(settlement=personas.geo.panj_centre, deleted_at__isnull=True).pk,
            personal_export_pk=personal_export.pk,
            token=token.token,
            token_pk=token.pk,
            kobo_token=KoboSource.objects.get().token,
            entity_uuid=Entity.objects.filter(deleted_at__isnull=True).order_by("pk").first().uuid,
        ),
    )


def clients(seed, enforce_csrf_checks=False) -> dict[str, Client]:
    p = seed.personas
    users = {
        "enumerator": p.enumerator,
        "no_role": p.outsider,
        "supervisor": p.supervisor,
        "supervisor_pd": seed.supervisor_pd,
        "coordinator": p.coordinator,
        "administrator": p.administrator,
    }
    result = {"anonymous": Client(enforce_csrf_checks=enforce_csrf_checks)}
    for persona, user in users.items():
        result[persona] = Client(enforce_csrf_checks=enforce_csrf_checks)
        result[persona].force_login(user)
    return result


def forbidden_text(persona: str) -> list[str]:
    """What must not be in any answer to this persona."""
    texts = [KHATLON_NAME, KHATLON_PHONE]
    if persona != "supervisor_pd":
        texts += [SUGHD_NAME, SUGHD_PHONE]
    if persona in SCOPED:
        texts += [KHATLON_ID, KHATLON_HOUSEHOLDS]
    if persona in ("coordinator", "administrator"):  # they see Khatlon, but still no names without the permission
        texts = [SUGHD_NAME, SUGHD_PHONE, KHATLON_NAME, KHATLON_PHONE]
    return texts


def body(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", errors="replace")
    return response.content.decode("utf-8", errors="replace")


def run_cases(seed, cases: list[tuple[str, Case]], personas=PERSONAS) -> list[str]:
    problems = []
    checking = clients(seed, enforce_csrf_checks=True) if any(case.csrf for _, case in cases) else {}
    for persona, client in clients(seed).items():
        if persona not in personas:
            continue
        for label, case in cases:
            url = case.url.format(**seed.fmt)
            response = getattr(checking[persona] if case.csrf else client, case.method)(url, **case.headers)
            expected = statuses(case.expect)[persona]
            if response.status_code != expected:
                problems.append(f"{persona:14} {url}: {response.status_code}, expected {expected} ({label})")
                continue
            text = body(response)
            for forbidden in forbidden_text(persona):
                if forbidden in text:
                    problems.append(f"{persona:14} {url}: shows {forbidden!r} ({label})")
    return problems


def test_pages_api_openrosa_kobo_web_forms_reports_and_exports(seed):
    cases = [(name, case) for name, rows in ROUTES.items() for case in rows]
    problems = run_cases(seed, cases)
    assert not problems, "\n" + "\n".join(problems)


def test_admin_pages(seed):
    cases = [(name, case) for name, rows in ADMIN_ROUTES.items() for case in rows]
    problems = run_cases(seed, cases)
    assert not problems, "\n" + "\n".join(problems)


@pytest.mark.parametrize("persona", PERSONAS)
def test_admin_model_views(seed, persona):
    """Split by persona: the largest part of the matrix, spread over the test workers."""
    from django.apps import apps

    cases = []
    for label, (changelist, add, change, delete) in ADMIN_MODELS.items():
        model = apps.get_model(label)
        base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        cases += [(label, Case(base, changelist)), (label, Case(f"{base}add/", add))]
        row = seed.khatlon_rows.get(label) or model._default_manager.order_by("pk").first()
        pk = row.pk if row is not None else 999999
        cases += [
            (label, Case(f"{base}{pk}/change/", change)),
            (label, Case(f"{base}{pk}/history/", HISTORY_DIFFERS.get(label, change))),
            (label, Case(f"{base}{pk}/delete/", delete)),
        ]
    problems = run_cases(seed, cases, personas=[persona])
    assert not problems, "\n" + "\n".join(problems)


def test_the_markers_are_there_for_those_who_may_see_them(seed):
    """The checks above look for strings that really are in the answers when seeing them is allowed."""
    c = clients(seed)
    kt = f"/admin/assessments/villageassessment/{seed.fmt['kt_village_pk']}/change/"
    coordinator_page = body(c["coordinator"].get(kt))
    assert KHATLON_ID in coordinator_page and "[hidden: personal data]" in coordinator_page
    assert KHATLON_HOUSEHOLDS in body(c["coordinator"].get("/api/assessments/", **JSON))
    assert KHATLON_HOUSEHOLDS not in body(c["supervisor"].get("/api/assessments/", **JSON))
    from bma.assessments.models import VillageAssessment

    sughd = VillageAssessment.objects.exclude(pk=seed.fmt["kt_village_pk"]).get()
    page = f"/admin/assessments/villageassessment/{sughd.pk}/change/"
    with_permission = body(c["supervisor_pd"].get(page))
    assert SUGHD_NAME in with_permission and SUGHD_PHONE in with_permission
    without = body(c["supervisor"].get(page))
    assert SUGHD_NAME not in without and "[hidden: personal data]" in without
