import re

import pytest

pytestmark = pytest.mark.django_db


def test_openapi_schema_lists_the_endpoints(client, personas):
    client.force_login(personas.coordinator)
    r = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert r.status_code == 200
    paths = r.json()["paths"]
    assert {"/api/rounds/", "/api/areas/", "/api/villages/"} <= set(paths)


def test_docs_page_loads_every_script_and_style_from_this_server(client, personas):
    page = "/api/docs/"
    client.force_login(personas.coordinator)
    r = client.get(page)
    assert r.status_code == 200
    html = r.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources, "the docs page should reference its assets"
    for src in sources:
        assert not src.startswith(("http://", "https://", "//")), f"{page} loads {src} from elsewhere"
