"""The site's pages through the real ASGI app, over the hand-made leak (on every store engine):
languages and right-to-left layout, translated field names and terms, sources with the row
highlighted, statistics as inline SVG, bad input answered with a page in the visitor's language."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient

from izdesh.web import i18n
from izdesh.web.app import create_app
from tests.conftest import PEOPLE

LOCALE = Path(i18n.__file__).resolve().parent / "locale"
EXTERNAL = re.compile(r"""(?:src|href|action)\s*=\s*["'](?:https?:)?//""", re.I)


@pytest.fixture(scope="module")
def client(small_db: str) -> TestClient:
    return TestClient(create_app(small_db))


def _pid(client: TestClient, idn: str) -> str:
    return client.post("/api/search", json={"query": idn}).json()["results"][0]["person_id"]


@pytest.mark.parametrize(("lang", "html_lang", "direction"), [("", "en", "ltr"), ("/ug", "ug", "rtl"), ("/zh", "zh-Hans", "ltr"), ("/tr", "tr", "ltr")])
def test_every_language_renders_with_its_direction(client: TestClient, lang: str, html_lang: str, direction: str) -> None:
    for path in ("/", "/stats", "/about"):
        r = client.get(lang + path)
        assert r.status_code == 200, (lang, path)
        assert f'<html lang="{html_lang}" dir="{direction}">' in r.text
        assert not EXTERNAL.search(r.text), "nothing may be loaded from another host"
        assert "set-cookie" not in r.headers
        assert "default-src 'none'" in r.headers["content-security-policy"]
    home = client.get(lang + "/").text
    assert f'action="{lang}/search"' in home and 'method="post"' in home
    assert f'name="lang" value="{html_lang.split("-")[0]}"' in home


def test_uyghur_page_is_translated() -> None:
    t = i18n.translations("ug")
    assert t.ugettext("Search") == "ئىزدەش"
    assert i18n.field_label("name", "ug") == "ئىسىم"


def test_search_and_person_in_uyghur(client: TestClient) -> None:
    name, idn = PEOPLE[0][0], PEOPLE[0][1]
    r = client.post("/ug/search", data={"q": idn, "lang": "ug"})
    assert r.status_code == 200 and name in r.text and 'dir="rtl"' in r.text
    pid = _pid(client, idn)
    assert f'href="/ug/person/{pid}"' in r.text
    page = client.get(f"/ug/person/{pid}")
    assert page.status_code == 200
    text = page.text
    assert "ئىسىم" in text  # 姓名 as a Uyghur field name
    assert "قايتا تەربىيەلەش لاگېرى" in text  # 教育转化 as a Uyghur term
    assert "教育转化" in text and "人员名单.xlsx" in text  # the original beside it
    assert "مەمەت تۇرسۇن" in text and "Memet Tursun" in text  # name renderings
    assert "1985-03-04" in text and "疏附县" in text  # what the ID number says
    assert 'href="/ug/source/' in text


def test_english_person_translates_terms(client: TestClient) -> None:
    pid = _pid(client, PEOPLE[0][1])
    text = client.get(f"/person/{pid}").text
    assert "Re-education camp" in text and "Using the file-sharing app Zapya" in text
    assert "Township" in text and "托克扎克镇" in text


def test_source_page_highlights_the_row_from_the_original(client: TestClient) -> None:
    pid = _pid(client, PEOPLE[1][1])
    person = client.get(f"/person/{pid}").text
    sources = re.findall(r'href="/source/(\d+)"', person)
    assert sources
    pages = [client.get(f"/source/{rid}").text for rid in sources]
    xlsx = next(p for p in pages if "人员名单.xlsx" in p)
    hit = re.search(r'<tr class="hit" id="hit"[^>]*>(.*?)</tr>', xlsx, re.S)
    assert hit and PEOPLE[1][0] in hit.group(1)
    assert "hash still matches" in xlsx
    assert "托克扎克镇重点人员名单" in xlsx or "序号" in xlsx  # the sheet as it is, header included


def test_source_page_without_the_originals_uses_stored_cells(small_db: str) -> None:
    c = TestClient(create_app(small_db, roots=[]))
    pid = _pid(c, PEOPLE[1][1])
    rid = re.findall(r'href="/source/(\d+)"', c.get(f"/person/{pid}").text)[0]
    page = c.get(f"/source/{rid}").text
    assert "not on this server" in page and 'class="hit"' in page


def test_statistics_are_inline_svg_without_script(client: TestClient) -> None:
    page = client.get("/stats").text
    assert page.count("<svg") == 3 and "<script>" not in page.replace('<script src="/static/enhance.js" defer></script>', "")
    assert client.get("/api/stats").json()["persons"] >= 4


def test_filters_on_the_form_and_the_api(client: TestClient) -> None:
    r = client.post("/search", data={"q": "653121", "birth_year": "1990"})
    found = re.findall(r'class="name" href="/person/\w+"><span lang="zh">([^<]+)</span>', r.text)
    assert r.status_code == 200 and found == [PEOPLE[1][0]]
    r = client.post("/search", data={"q": "653121", "township": "托克扎克镇", "status": "re_education"})
    found = re.findall(r'class="name" href="/person/\w+"><span lang="zh">([^<]+)</span>', r.text)
    assert found == [PEOPLE[0][0]]
    assert '<option value="托克扎克镇" selected>' in r.text and '<option value="re_education" selected>' in r.text
    api = client.post("/api/search", json={"query": "653121", "birth_year": 1985, "limit": 5}).json()
    assert [x["id_number"] for x in api["results"]] == [PEOPLE[0][1]]
    spec = client.get("/openapi.json").json()
    body = spec["components"]["schemas"]["SearchRequest"]["properties"]
    assert {"query", "limit", "birth_year", "sex", "township", "village", "status"} <= set(body)


@pytest.mark.parametrize("lang", ["", "/ug", "/zh", "/tr"])
def test_bad_input_gets_a_page_in_the_visitors_language(client: TestClient, lang: str) -> None:
    code = lang.strip("/") or "en"
    t = i18n.translations(code).ugettext
    r = client.get(f"{lang}/person/nobody")
    assert r.status_code == 404 and t("Not found") in r.text and "Traceback" not in r.text
    r = client.get(f"{lang}/person/{'x' * 500}")
    assert r.status_code == 404
    r = client.get(f"{lang}/source/notanumber")
    assert r.status_code == 404 and t("Not found") in r.text
    r = client.post(f"{lang}/search", data={"q": "12345"})  # a malformed ID: too few digits
    assert r.status_code == 400 and 'role="alert"' in r.text and "Traceback" not in r.text
    r = client.post(f"{lang}/search", data={"q": "x" * 5000})
    assert r.status_code == 400 and t("A field is too long: at most %(n)d characters.") % {"n": 200} in r.text
    r = client.post(f"{lang}/search", content=b"q=" + b"1" * 40_000, headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 413 and t("The form is too large.") in r.text
    r = client.post(f"{lang}/search", data={"q": "653121", "birth_year": "19x5"})
    assert r.status_code == 400 and t("The birth year must be a year like 1985.") in r.text
    r = client.post(f"{lang}/search", data={"q": PEOPLE[0][1][:-1] + ("0" if PEOPLE[0][1][-1] != "0" else "1")})
    assert r.status_code == 200 and t("This ID number is not valid as written") in r.text


def test_api_errors_are_json(client: TestClient) -> None:
    assert client.post("/api/search", json={"query": ""}).status_code == 400
    r = client.post("/api/search", json={"query": "653121", "limit": 1000})
    assert r.status_code == 422 and "error" in r.json()
    r = client.get("/api/person/nobody")
    assert r.status_code == 404 and r.json() == {"error": "no such person"}


def test_every_message_is_translated() -> None:
    i18n.compile_catalogs()
    for code in ("ug", "zh", "tr"):
        po = LOCALE / code / "LC_MESSAGES" / "messages.po"
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=code)
        empty = [m.id for m in catalog if m.id and (not m.string or (isinstance(m.string, tuple) and not all(m.string)))]
        assert not empty, (code, empty[:5])
        assert (po.with_suffix(".mo")).exists()


def test_every_record_term_has_four_languages() -> None:
    for kind in ("status", "reason", "category", "relation"):
        for key, entry in i18n.terms().get(kind, {}).items():
            for lang in ("en", "ug", "tr"):
                assert entry.get(lang), (kind, key, lang)
            assert i18n.term_label(kind, key, "zh")
