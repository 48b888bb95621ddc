"""No query text, ID number or name in any log: the real server (uvicorn in a subprocess) logging
everything at DEBUG (its own loggers, the access log, SQLAlchemy, the root logger) into one file,
searched by ID number and by name through HTTP; then the whole output is grepped."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import PEOPLE

SERVER = """
import logging, sys, uvicorn
logging.basicConfig(level=logging.DEBUG, filename=sys.argv[3], format="%(name)s %(levelname)s %(message)s")
logging.getLogger("sqlalchemy").setLevel(logging.DEBUG)  # an operator debugging: SQL and its parameters
from izdesh.web.app import create_app
app = create_app(sys.argv[1], public=sys.argv[4] == "public", rate="0")
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="debug", access_log=True, log_config=None)
"""


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize("mode", ["public", "private"])
def test_searches_leave_no_trace_in_the_logs(small_db: str, tmp_path: Path, mode: str) -> None:
    if mode == "private" and small_db.startswith("postgresql"):
        pytest.skip("the private site on SQLite is enough: the engine does not change what is logged")
    port, log = _port(), tmp_path / "server.log"
    out = (tmp_path / "stdout.log").open("wb")
    proc = subprocess.Popen([sys.executable, "-c", SERVER, small_db, str(port), str(log), mode],
                            stdout=out, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if httpx.get(base + "/about", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            pytest.fail("the server did not start: " + (tmp_path / "stdout.log").read_text(errors="replace")[-2000:])
        asked: list[str] = []
        for name, idn, *_ in PEOPLE:
            for q, extra in ((idn, {}), (idn[:14] + "*", {}), (name, {"birth_year": idn[6:10]}), (name, {})):
                asked.append(q)
                r = httpx.post(base + "/search", data={"q": q, **extra}, timeout=30)
                assert r.status_code in (200, 400)
                r = httpx.post(base + "/api/search", json={"query": q}, timeout=30)
                assert r.status_code in (200, 400)
                assert q not in r.headers.get("set-cookie", "") and q not in r.headers.get("location", "")
        # an error path too: a query that crashes nothing but is refused, and a too-long one
        httpx.post(base + "/search", data={"q": PEOPLE[0][0] * 100}, timeout=30)
        httpx.post(base + "/api/search", json={"query": PEOPLE[1][1] * 20}, timeout=30)
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        out.close()
    text = log.read_text(encoding="utf-8", errors="replace") + (tmp_path / "stdout.log").read_text(errors="replace")
    assert "POST /search" in text or "/search" in text, "the access log was not on: the test proves nothing"
    for name, idn, *_ in PEOPLE:
        for secret in (idn, idn[:14], name, *name.replace("・", "·").split("·")):
            if len(secret) >= 2:
                assert secret not in text, f"{secret!r} is in the server's log"
