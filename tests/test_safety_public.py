"""Public mode, researcher accounts, CSRF and abuse limits, through the real ASGI app."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from izdesh.web.app import create_app
from izdesh.web.auth import AuthStore
from tests.conftest import PEOPLE

PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def auth_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("auth") / "auth.sqlite"
    AuthStore(path).add_user("ayse", PASSWORD, "researcher")
    return path


@pytest.fixture(scope="module")
def public(small_db: str, auth_file: Path) -> TestClient:
    return TestClient(create_app(small_db, public=True, auth=auth_file, rate="0"))


def _err(r) -> str:  # type: ignore[no-untyped-def]
    m = re.search(r'role="alert"[^>]*>(.*?)</', r.text, re.S)
    return m.group(1) if m else r.text


@pytest.mark.parametrize("q", ["", "*", "??????", "6531", "653121*", "6531211985*", "65312119850*"])
def test_public_refuses_broad_id_queries(public: TestClient, q: str) -> None:
    r = public.post("/search", data={"q": q})
    assert r.status_code in (400, 422) and 'class="results"' not in r.text
    api = public.post("/api/search", json={"query": q})
    assert api.status_code in (400, 422) and not api.json().get("results")


def test_public_takes_an_id_whole_or_with_twelve_digits(public: TestClient) -> None:
    name, idn = PEOPLE[0][0], PEOPLE[0][1]
    assert name in public.post("/search", data={"q": idn}).text
    part = idn[:12] + "*"
    r = public.post("/api/search", json={"query": part})
    assert r.status_code == 200 and idn in [x["id_number"] for x in r.json()["results"]]


def test_public_name_needs_a_year_or_a_place_in_the_visitors_language(public: TestClient) -> None:
    name = PEOPLE[0][0]
    r = public.post("/search", data={"q": name})
    assert r.status_code == 400 and "birth year" in r.text
    zh = public.post("/zh/search", data={"q": name})
    assert zh.status_code == 400 and "出生年份" in zh.text
    ug = public.post("/ug/search", data={"q": name})
    assert ug.status_code == 400 and "تۇغۇلغان يىل" in ug.text
    assert name in public.post("/search", data={"q": name, "birth_year": "1985"}).text
    assert name in public.post("/search", data={"q": f"{name} 1985"}).text
    assert name in public.post("/search", data={"q": name, "township": PEOPLE[0][3]}).text
    api = public.post("/api/search", json={"query": name})
    assert api.status_code == 400 and "birth year" in api.json()["error"]
    assert public.post("/api/search", json={"query": name, "birth_year": 1985}).status_code == 200


def test_public_caps_results(public: TestClient) -> None:
    r = public.post("/api/search", json={"query": PEOPLE[0][1], "limit": 100})
    assert r.status_code == 200 and len(r.json()["results"]) <= 20


def test_public_has_no_listings(public: TestClient) -> None:
    assert public.get("/stats").status_code == 403
    assert public.get("/api/stats").status_code == 403
    assert public.get("/original/1").status_code == 403
    assert 'href="/stats"' not in public.get("/").text
    for rid in range(1, 6):  # sequential record numbers cannot be walked
        assert public.get(f"/source/{rid}").status_code == 404
        assert public.get(f"/photo/{rid}").status_code == 404


def test_public_source_only_from_the_persons_page_and_only_their_row(public: TestClient) -> None:
    pid = public.post("/api/search", json={"query": PEOPLE[1][1]}).json()["results"][0]["person_id"]
    person = public.get(f"/person/{pid}").text
    links = re.findall(r'href="(/source/\d+\?t=[0-9a-f]+)"', person)
    assert links
    page = public.get(links[0].replace("&amp;", "&"))
    assert page.status_code == 200 and PEOPLE[1][0] in page.text
    assert PEOPLE[0][0] not in page.text and PEOPLE[2][0] not in page.text  # no neighbours' rows
    rid = re.search(r"/source/(\d+)", links[0]).group(1)  # type: ignore[union-attr]
    assert public.get(f"/source/{rid}?t=" + "0" * 24).status_code == 404


def _login(client: TestClient, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    token = re.search(r'name="token" value="([^"]+)"', client.get("/login").text).group(1)  # type: ignore[union-attr]
    return client.post("/login", data={"token": token, "name": "ayse", "password": password}, follow_redirects=False)


def test_researcher_login_unlocks_and_needs_csrf(small_db: str, auth_file: Path) -> None:
    c = TestClient(create_app(small_db, public=True, auth=auth_file, rate="0"), base_url="https://testserver")
    assert _login(c, "wrong password!!").status_code == 401
    assert c.post("/login", data={"name": "ayse", "password": PASSWORD}).status_code == 403  # no form token
    r = _login(c)
    assert r.status_code == 303
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "secure" in cookie
    assert PASSWORD not in cookie and "ayse" not in cookie
    assert c.get("/stats").status_code == 200 and c.get("/api/stats").status_code == 200
    home = c.get("/").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', home).group(1)  # type: ignore[union-attr]
    name = PEOPLE[0][0]
    assert c.post("/search", data={"q": name}).status_code == 403  # a session without the token
    assert c.post("/search", data={"q": name, "csrf": "x" * 32}).status_code == 403
    ok = c.post("/search", data={"q": name, "csrf": csrf})  # a researcher may search broadly
    assert ok.status_code == 200 and name in ok.text
    assert c.post("/logout", data={"csrf": csrf}, follow_redirects=False).status_code == 303
    c.cookies.clear()
    assert c.get("/stats").status_code == 403


def test_user_add_reads_the_password_from_stdin(tmp_path: Path) -> None:
    from izdesh.web.commands import user

    path = tmp_path / "a.sqlite"
    r = CliRunner().invoke(user, ["add", "Bob", "--role", "admin", "--auth", str(path)], input=PASSWORD + "\n")
    assert r.exit_code == 0, r.output
    store = AuthStore(path)
    assert store.users() == [("bob", "admin")]
    assert store.verify("bob", PASSWORD) == "admin" and store.verify("bob", "nope") is None
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("a.sqlite"))  # + WAL
    assert PASSWORD.encode() not in raw and b"$argon2id$" in raw
    short = CliRunner().invoke(user, ["add", "eve", "--auth", str(path)], input="short\n")
    assert short.exit_code != 0


def test_rate_limit_answers_429_with_retry_after(small_db: str) -> None:
    c = TestClient(create_app(small_db, public=True, rate="5/minute"))
    codes = [c.get("/about").status_code for _ in range(7)]
    assert codes[:5] == [200] * 5 and codes[5:] == [429, 429]
    r = c.get("/about", headers={"X-Forwarded-For": "203.0.113.9"})  # not trusted by default
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
    assert r.headers["x-frame-options"] == "DENY"
    assert c.get("/static/site.css").status_code == 200  # static files are not counted


def test_rate_limit_behind_a_trusted_proxy(small_db: str) -> None:
    c = TestClient(create_app(small_db, public=True, rate="2/minute", trusted_proxies=1))
    for who in ("198.51.100.1", "198.51.100.2"):
        h = {"X-Forwarded-For": f"10.9.9.9, {who}"}
        assert [c.get("/about", headers=h).status_code for _ in range(3)] == [200, 200, 429]


def test_oversized_bodies_are_refused(public: TestClient) -> None:
    big = "q=" + "a" * 20000
    r = public.post("/search", content=big, headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 413
    assert public.post("/login", content=big, headers={"content-type": "application/x-www-form-urlencoded"}).status_code == 413


def test_security_headers_on_every_answer(public: TestClient) -> None:
    for r in (public.get("/"), public.get("/nowhere"), public.post("/search", data={"q": ""}), public.get("/openapi.json")):
        h = r.headers
        assert h["referrer-policy"] == "no-referrer" and h["x-content-type-options"] == "nosniff"
        assert h["x-frame-options"] == "DENY" and "frame-ancestors 'none'" in h["content-security-policy"]
        assert "default-src 'none'" in h["content-security-policy"] and "set-cookie" not in h
    page = public.get("/").text
    assert not re.search(r'(src|href|action)="(https?:)?//', page)  # nothing from another host
    assert not re.search(r'<form[^>]*method="get"', page, re.I)


def test_static_files_make_no_requests_and_keep_nothing() -> None:
    static = Path(__file__).resolve().parents[1] / "izdesh" / "web" / "static"
    js = "".join(p.read_text(encoding="utf-8") for p in static.glob("*.js"))
    for word in ("fetch(", "XMLHttpRequest", "localStorage", "sessionStorage", "document.cookie", "sendBeacon",
                 "history.pushState", "WebSocket", "import("):
        assert word not in js
    css = "".join(p.read_text(encoding="utf-8") for p in static.glob("*.css"))
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", css) and "@import" not in css
