"""Public-mode rules: what an anonymous visitor of a public site may ask, signed links to a person's
own sources, and the server's slow-client and size limits.

A public Izdesh is a *search* site, not a browse site: every query must name one person precisely
enough (an ID number with >= PUBLIC_MIN_DIGITS known digits, or a name together with a birth year or
a township/village), results are capped, and listings (statistics by place, whole source tables,
originals, exports) are for signed-in researchers only. Source pages and photos are reached through
links signed with a per-server secret, handed out only on the page of the person they belong to:
record and photo numbers are sequential and would otherwise let a scraper walk the whole leak.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
import unicodedata
from typing import Any

from izdesh.search.engine import Filters, QueryError, classify, split_years

PUBLIC_MIN_DIGITS = 12  # known digits of a partial ID number (of 18): region + year (10) would list a year of births
PUBLIC_LIMIT = 20  # results per public search
PUBLIC_MIN_NAME = 2  # letters in a name (two Chinese characters, or "Ali" in Latin)

# msgids (translated in izdesh/web/locale/*/messages.po)
MSG_ID_DIGITS = "On this public site a partial ID number needs at least %(n)d known digits."
MSG_NAME_NARROW = (
    "On this public site a name must come with a birth year or a township or village, "
    "so that a search finds one person and not a list."
)
MSG_NAME_SHORT = "The name is too short to search for on this public site."
MSG_RESEARCHERS = "This page is for signed-in researchers only."


def public_refusal(query: str, filters: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """Why a public search is refused ((msgid, params)), or None when it may run. The query
    parser's own errors (empty, wildcard-only, too long) are raised as QueryError."""
    kind, norm = classify(query)
    if kind == "id":
        known = sum(ch.isdigit() or ch == "X" for ch in norm)
        if known < PUBLIC_MIN_DIGITS:
            return MSG_ID_DIGITS, {"n": PUBLIC_MIN_DIGITS}
        return None
    rest, f = split_years(norm, Filters())
    letters = sum(ch.isalpha() for ch in unicodedata.normalize("NFKC", rest))
    if letters < PUBLIC_MIN_NAME:
        return MSG_NAME_SHORT, {}
    has_year = f.birth_year_from is not None and f.birth_year_from == f.birth_year_to
    has_year = has_year or bool(filters.get("birth_year"))
    has_place = bool(filters.get("township") or filters.get("village"))
    if not (has_year or has_place):
        return MSG_NAME_NARROW, {}
    return None


def check_public(query: str, filters: dict[str, Any]) -> None:
    """Raise QueryError(msgid % params) when a public search is refused (the API's form)."""
    why = public_refusal(query, filters)
    if why is not None:
        raise QueryError(why[0] % why[1])


# --------------------------------------------------------------------------- signed links
class Signer:
    """HMAC tokens on (kind, id): /source/123?t=... is only valid when the site itself made the link.
    The key comes from IZDESH_SECRET (so that several web nodes agree), else is random per process."""

    def __init__(self, key: bytes | None = None):
        env = os.environ.get("IZDESH_SECRET")
        self.key = key or (hashlib.sha256(env.encode()).digest() if env else secrets.token_bytes(32))

    def sign(self, kind: str, ident: object) -> str:
        return hmac.new(self.key, f"{kind}:{ident}".encode(), hashlib.sha256).hexdigest()[:24]

    def check(self, kind: str, ident: object, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(self.sign(kind, ident).encode(), str(token).encode())


# --------------------------------------------------------------------------- logs
class _NoQueryText(logging.Filter):
    """SQLAlchemy's lines with arguments carry the visitor's search (bound parameters: an ID number,
    a name) or the rows found ("Row %r"): their arguments are dropped, the SQL text stays."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.msg, record.args = "[parameters or rows hidden by Izdesh]", ()
        return True


def quiet_engine(engine: Any) -> None:
    """Keep search text out of logs and error messages even when an operator turns SQLAlchemy's
    logging on: parameters are hidden in its log lines and in the text of its exceptions."""
    engine.hide_parameters = True
    for name in ("sqlalchemy.engine", "sqlalchemy.engine.Engine"):
        lg = logging.getLogger(name)
        if not any(isinstance(f, _NoQueryText) for f in lg.filters):
            lg.addFilter(_NoQueryText())


# --------------------------------------------------------------------------- server limits
def uvicorn_options() -> dict[str, Any]:
    """Options for uvicorn.run() that bound slow and greedy clients (documented in docs/safety.md):

    - access_log False: no request lines at all; log_level warning (no query text is ever logged
      by Izdesh itself either: the crash handler prints the exception type only).
    - timeout_keep_alive 5 s: an idle kept-alive connection is closed.
    - h11_max_incomplete_event_size 16 KiB: request line + headers larger than that are refused
      (a slowloris sending endless headers is cut off); bodies are bounded by the app (413).
    - limit_concurrency 200: beyond that many open connections uvicorn answers 503 at once.
    - server_header False: do not advertise the server.
    """
    return {
        "access_log": False,
        "log_level": os.environ.get("IZDESH_LOG_LEVEL", "warning"),
        "timeout_keep_alive": int(os.environ.get("IZDESH_KEEPALIVE", "5")),
        "h11_max_incomplete_event_size": 16 * 1024,
        "limit_concurrency": int(os.environ.get("IZDESH_MAX_CONN", "200")),
        "server_header": False,
        "date_header": False,
    }
