"""Content-Security-Policy: every page carries one that allows no inline script or style without the
request's nonce and nothing from elsewhere; the only page with more is ODK Web Forms; the API schema
and its docs are for signed-in users."""

import re

import pytest

from bma.assessments.models import VillageAssessment
from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.django_db

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")([^>]*)>", re.I)
INLINE_STYLE = re.compile(r"<style([^>]*)>", re.I)


def directives(response) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy", "")
    assert header, f"{response.request['PATH_INFO']} has no Content-Security-Policy"
    parts = [p.strip().split() for p in header.split(";") if p.strip()]
    return {p[0]: p[1:] for p in parts}


def assert_inline_blocks_carry_the_nonce(response, style_attributes_allowed=False):
    policy = directives(response)
    nonces = {
        v[len("'nonce-") : -1] for v in policy.get("script-src", []) + policy.get("style-src", []) if "nonce-" in v
    }
    html = response.content.decode()
    for pattern in (INLINE_SCRIPT, INLINE_STYLE):
        for attrs in pattern.findall(html):
            found = re.search(r'nonce="([^"]+)"', attrs)
            assert found and found.group(1) in nonces, (
                f"{response.request['PATH_INFO']}: an inline block without the page's nonce: {attrs!r}"
            )
    if not style_attributes_allowed:
        assert ' style="' not in html, "an inline style attribute, which the policy refuses"


def assert_strict(policy):
    for directive in ("script-src", "style-src"):
        assert "'unsafe-inline'" not in policy[directive] and "'unsafe-eval'" not in policy[directive]
        assert all(v == "'self'" or v.startswith("'nonce-") for v in policy[directive]), policy[directive]
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]


def test_every_kind_of_page_carries_a_strict_policy(client, two_villages, personas):
    client.force_login(personas.administrator)
    assessment_pk = VillageAssessment.objects.first().pk
    pages = [
        "/admin/",
        "/admin/assessments/villageassessment/",
        f"/admin/assessments/villageassessment/{assessment_pk}/change/",
        "/reports/rounds/2/",
        "/reports/rounds/2/districts/TJ-SU-ASH/",
        "/api/docs/",
    ]
    for page in pages:
        response = client.get(page, HTTP_ACCEPT="text/html")
        assert response.status_code == 200, page
        assert_strict(directives(response))
        assert_inline_blocks_carry_the_nonce(response)
    # Third-party pages with a few cosmetic style attributes (refused by the browser, harmless): the
    # import-export page (padding, bold) and DRF's browsable API (float: right). Their scripts are files.
    for page in ("/admin/geo/settlement/export/", "/api/rounds/"):
        response = client.get(page, HTTP_ACCEPT="text/html")
        assert response.status_code == 200, page
        assert_strict(directives(response))
        assert_inline_blocks_carry_the_nonce(response, style_attributes_allowed=True)
    anonymous = client.__class__()
    login = anonymous.get("/accounts/login/")
    assert_strict(directives(login))
    assert_inline_blocks_carry_the_nonce(login)


def test_api_json_and_openrosa_answers_carry_the_policy_too(client, personas):
    client.force_login(personas.coordinator)
    assert_strict(directives(client.get("/api/rounds/", HTTP_ACCEPT="application/json")))
    assert_strict(directives(client.get("/healthz")))


def test_web_forms_page_adds_only_what_its_engine_needs(client, personas, published_forms):
    from bma.xforms.services import list_files_refresh

    list_files_refresh(personas.round)  # as publish_forms leaves it: a form is served with its lists
    client.force_login(personas.enumerator)
    response = client.get("/collect/webforms/bma_b2/")
    assert response.status_code == 200
    policy = directives(response)
    # WebAssembly for the XPath engine, but no JavaScript eval and no inline script without the nonce.
    assert "'wasm-unsafe-eval'" in policy["script-src"]
    assert "'unsafe-eval'" not in policy["script-src"] and "'unsafe-inline'" not in policy["script-src"]
    html = response.content.decode()
    scripts = INLINE_SCRIPT.findall(html)
    assert len(scripts) == 1 and 'type="importmap"' in scripts[0], scripts  # the import map, with its nonce
    nonce = re.search(r'nonce="([^"]+)"', scripts[0]).group(1)
    assert f"'nonce-{nonce}'" in policy["script-src"]
    # The site-wide policy stays strict everywhere else.
    assert_strict(directives(client.get("/accounts/login/")))


def test_attachments_keep_their_sandbox_policy(client, personas):
    from bma.submissions.attachment_serving import SANDBOX_POLICY, attachment_response

    assert attachment_response(b"<p>x</p>", "x.html", "text/html")["Content-Security-Policy"] == SANDBOX_POLICY


def test_project_templates_have_no_inline_script_or_style_without_a_nonce():
    for path in (REPO_ROOT / "templates").rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for pattern in (INLINE_SCRIPT, INLINE_STYLE):
            for attrs in pattern.findall(text):
                assert "request.csp_nonce" in attrs, f"{path.relative_to(REPO_ROOT)}: inline block without nonce"
        assert " style=" not in text, f"{path.relative_to(REPO_ROOT)}: a style attribute (use a class)"


def test_api_schema_and_docs_need_a_login(client, personas):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 401
    docs = client.get("/api/docs/")
    assert docs.status_code == 302 and docs["Location"].startswith("/accounts/login/")
    client.force_login(personas.supervisor)
    assert client.get("/api/schema/", HTTP_ACCEPT="application/json").status_code == 200
    assert client.get("/api/docs/").status_code == 200
