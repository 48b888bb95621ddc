"""The site in a real browser: Debian's Chromium driven by Playwright against the real server
(uvicorn in a subprocess on a free loopback port) over a generated leak of ~1,500 persons.

Checks what a family does: search by a name in Uyghur Arabic script, open the person, switch to
Uyghur (right to left), the same with JavaScript off (Tor Browser's safest mode), and the source
link showing the person's row highlighted. Nothing may be fetched from another host. Screenshots
of the main pages go to test-artifacts/screenshots/.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

playwright_sync = pytest.importorskip("playwright.sync_api")

CHROMIUM = os.environ.get("IZDESH_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
SHOTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "screenshots"

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    from izdesh.generate.leak import generate
    from izdesh.ingest.pipeline import ingest

    root = tmp_path_factory.mktemp("site")
    leak = root / "leak"
    generate(leak, persons=1500, seed=7, progress=False)
    db = str(root / "site.sqlite")
    # Scans are left out: OCR is slow and the site shows nothing of them these tests need.
    ingest([leak], db, workers=2, progress=False, exclude=("truth/*", "*/扫描件/*"))
    port = _free_port()
    code = (
        "import sys, uvicorn; from izdesh.web.app import create_app; "
        "uvicorn.run(create_app(sys.argv[1]), host='127.0.0.1', port=int(sys.argv[2]), "
        "access_log=False, log_level='warning')"
    )
    proc = subprocess.Popen([sys.executable, "-c", code, db, str(port)], stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(base + "/", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"the server did not start: {proc.stderr.read() if proc.stderr else ''}")
        time.sleep(0.3)
    try:
        yield {"base": base, "leak": leak, "db": db}
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="session")
def target(site: dict[str, Any]) -> dict[str, Any]:
    """A person of the ground truth found in the store with several records, one of them a table
    row, and a Uyghur name (its Arabic-script form made from the truth's Latin by umsc)."""
    from umsc import UgMultiScriptConverter

    from izdesh.search.person import get_person
    from izdesh.store.db import open_engine

    engine = open_engine(site["db"], readonly=True)
    to_arabic = UgMultiScriptConverter("ULS", "UAS")
    with (site["leak"] / "truth" / "persons.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            t = json.loads(line)
            if not t.get("name_latin") or "·" not in (t.get("name_zh") or "") or not t.get("id_number"):
                continue
            p = get_person(engine, t["id_number"])
            if p is None or len(p["records"]) < 2 or not any(r.get("kind") == "table" for r in p["records"]):
                continue
            return {**t, "person_id": p["person_id"], "arabic": to_arabic(t["name_latin"].lower())}
    pytest.fail("no suitable person in the generated store")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    with playwright_sync.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def _page(browser: Any, base: str, *, js: bool = True) -> tuple[Any, Any, list[str]]:
    ctx = browser.new_context(java_script_enabled=js, viewport={"width": 1100, "height": 900}, locale="en-US")
    page = ctx.new_page()
    foreign: list[str] = []
    page.on("request", lambda req: None if req.url.startswith(base) else foreign.append(req.url))
    return ctx, page, foreign


def _shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _search_and_open(page: Any, base: str, lang: str, target: dict[str, Any], shots: str | None) -> None:
    page.goto(f"{base}{lang}/")
    page.fill("#q", target["arabic"])
    with page.expect_navigation():
        page.click("form.search button[type=submit]")
    assert target["id_number"] not in page.url and target["name_zh"] not in page.url  # POST: not in the address
    item = page.locator("li.result", has=page.locator("dd.id", has_text=target["id_number"]))
    assert item.count() == 1, page.locator("main").inner_text()[:500]
    if shots is not None:
        _shot(page, f"results{shots}")
    with page.expect_navigation():
        item.locator("a.name").click()
    assert page.url.endswith(f"/person/{target['person_id']}")
    assert target["name_zh"] in page.locator("h1").inner_text()
    assert target["id_number"] in page.locator("dl.facts").first.inner_text()


def test_search_by_arabic_script_name_and_open_the_person(browser: Any, site: dict[str, Any], target: dict[str, Any]) -> None:
    ctx, page, foreign = _page(browser, site["base"])
    home = page.goto(site["base"] + "/")
    assert home is not None and home.status == 200
    _shot(page, "home")
    _search_and_open(page, site["base"], "", target, shots="")
    assert page.locator("article.record").count() >= 2
    assert page.locator(".renderings [lang=ug]").inner_text().strip()  # the Arabic-script rendering
    _shot(page, "person")
    assert not foreign, foreign
    ctx.close()


def test_uyghur_pages_are_right_to_left(browser: Any, site: dict[str, Any], target: dict[str, Any]) -> None:
    ctx, page, foreign = _page(browser, site["base"])
    page.goto(site["base"] + "/")
    with page.expect_navigation():
        page.click("nav.langs a[hreflang=ug]")
    html = page.locator("html")
    assert html.get_attribute("dir") == "rtl" and html.get_attribute("lang") == "ug"
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    assert page.locator("label[for=q]").inner_text() == "ئىسىم ياكى كىملىك نومۇرى"
    _shot(page, "home_ug")
    _search_and_open(page, site["base"], "/ug", target, shots="_ug")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert "/ug/person/" in page.url
    # The name column of the record cards sits on the right in a right-to-left page.
    box = page.locator("article.record").first.bounding_box()
    assert box is not None and box["x"] + box["width"] > 1100 / 2
    _shot(page, "person_ug")
    page.goto(site["base"] + "/ug/stats")
    assert page.locator("figure svg").count() == 3
    _shot(page, "stats_ug")
    assert not foreign, foreign
    ctx.close()


def test_the_same_flow_with_javascript_off(browser: Any, site: dict[str, Any], target: dict[str, Any]) -> None:
    ctx, page, foreign = _page(browser, site["base"], js=False)
    _search_and_open(page, site["base"], "", target, shots="_nojs")
    # Filters work too: the birth year narrows the search to the person.
    page.goto(site["base"] + "/")
    page.fill("#q", target["arabic"])
    page.locator("details.filters summary").click()
    page.fill("input[name=birth_year]", target["birth_date"][:4])
    with page.expect_navigation():
        page.click("form.search button[type=submit]")
    ids = page.locator("li.result dd.id").all_inner_texts()
    assert target["id_number"] in ids
    births = page.locator("li.result dl.brief").all_inner_texts()
    assert all(target["birth_date"][:4] in b for b in births)
    # A language switch on a results page posts the query again: it never enters the address.
    with page.expect_navigation():
        page.locator("nav.langs button[lang=ug]").click()
    assert page.url.endswith("/ug/search") and page.locator("html").get_attribute("dir") == "rtl"
    assert target["id_number"] in page.locator("li.result dd.id").all_inner_texts()
    assert not foreign, foreign
    ctx.close()


def test_source_link_shows_the_row_highlighted(browser: Any, site: dict[str, Any], target: dict[str, Any]) -> None:
    ctx, page, foreign = _page(browser, site["base"], js=False)
    page.goto(f"{site['base']}/person/{target['person_id']}")
    card = page.locator("article.record", has_text="table row").first
    path = card.locator(".path").inner_text()
    with page.expect_navigation():
        card.locator("a.srclink").click()
    assert "/source/" in page.url
    assert path in page.locator("dl.file").inner_text()
    hit = page.locator("table.sheet tr.hit")
    assert hit.count() == 1 and hit.is_visible()
    row = hit.inner_text()
    assert target["id_number"][:17] in row.upper() or target["name_zh"].split("·")[0] in row
    assert "hash still matches" in page.locator("dl.file").inner_text()
    _shot(page, "source")
    ctx.close()
    ctx, page, _ = _page(browser, site["base"])
    page.goto(page_url := f"{site['base']}/stats")
    assert page.locator("figure svg").count() == 3, page_url
    _shot(page, "stats")
    page.goto(f"{site['base']}/about")
    _shot(page, "about")
    page.goto(f"{site['base']}/zh/person/{target['person_id']}")
    _shot(page, "person_zh")
    page.goto(f"{site['base']}/tr/person/{target['person_id']}")
    _shot(page, "person_tr")
    assert not foreign, foreign
    ctx.close()


def test_bad_input_in_the_browser(browser: Any, site: dict[str, Any]) -> None:
    ctx, page, _ = _page(browser, site["base"], js=False)
    r = page.goto(site["base"] + "/tr/person/nobody")
    assert r is not None and r.status == 404
    assert "Bulunamadı" in page.locator("h1").inner_text()
    page.goto(site["base"] + "/ug/")
    page.fill("#q", "12")
    with page.expect_navigation():
        page.click("form.search button[type=submit]")
    assert page.locator("[role=alert]").count() == 1 and "Traceback" not in page.content()
    _shot(page, "error_ug")
    ctx.close()

