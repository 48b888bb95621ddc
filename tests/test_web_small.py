"""The site and API over the hand-made leak, through the real ASGI app."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from izdesh.web.app import create_app
from tests.conftest import PEOPLE


@pytest.fixture(scope="module")
def client(small_db: str) -> TestClient:
    return TestClient(create_app(small_db))


def test_search_form_is_a_post_and_finds_the_person(client: TestClient) -> None:
    home = client.get("/")
    assert home.status_code == 200 and 'method="post"' in home.text
    page = client.post("/search", data={"q": PEOPLE[0][1]})
    assert page.status_code == 200 and PEOPLE[0][0] in page.text
    assert page.headers["referrer-policy"] == "no-referrer"
    assert "default-src 'none'" in page.headers["content-security-policy"]  # nothing from elsewhere


def test_person_page_by_opaque_id_only(client: TestClient) -> None:
    res = client.post("/api/search", json={"query": PEOPLE[0][1]}).json()["results"]
    pid = res[0]["person_id"]
    page = client.get(f"/person/{pid}")
    assert page.status_code == 200
    assert "教育转化" in page.text and "人员名单.xlsx" in page.text and "导出.csv" in page.text
    assert client.get(f"/person/{PEOPLE[0][1]}").status_code == 404  # no ID numbers in URLs


def test_bad_input_gets_a_page_not_a_trace(client: TestClient) -> None:
    r = client.post("/search", data={"q": "??"})
    assert r.status_code == 400 and "Traceback" not in r.text and 'role="alert"' in r.text
    assert client.get("/person/nobody").status_code == 404
    assert client.post("/search", data={"q": "x" * 5000}).status_code in (400, 422)
    assert client.post("/api/search", json={"query": ""}).status_code == 400


def test_openapi(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert "/api/search" in spec["paths"]
