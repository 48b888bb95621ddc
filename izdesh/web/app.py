"""The web site and JSON API: server-rendered pages that work with JavaScript off, searches by POST
so names and ID numbers stay out of URLs, history and logs.

Languages: /ug/…, /zh/…, /tr/… (English without a prefix) and a hidden `lang` field on POST forms.
No cookie is set: the language travels with the address, nothing else is kept about a visitor.
Nothing is loaded from another host (the CSP says so too).
"""

from __future__ import annotations

import functools
import html
import inspect
import logging
import os
import re
import sys
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import jinja2
from markupsafe import Markup
from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from izdesh import __version__
from izdesh.identity.idnumber import describe
from izdesh.search import engine as search_engine
from izdesh.search.engine import QueryError, classify
from izdesh.search.person import get_person
from izdesh.search.township import resolve_township_hint
from izdesh.store.db import open_engine
from izdesh.store.files import roots as stored_roots
from izdesh.web import i18n
from izdesh.web import security
from izdesh.web.auth import COOKIE, AuthStore, User, auth_path, csrf_ok, login_token, login_token_ok
from izdesh.web.ratelimit import RateLimit
from izdesh.web.data import IMAGE_TYPES, Store
from izdesh.web.views import PageError, person_view, query_error_message, result_views, source_view, stats_view

WEB = Path(__file__).resolve().parent
log = logging.getLogger("izdesh.web")

CSP = (
    "default-src 'none'; img-src 'self'; style-src 'self'; script-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; connect-src 'self'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"referrer-policy", b"no-referrer"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"cache-control", b"no-store"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), interest-cohort=()"),
]
MAX_BODY = 16 * 1024  # a search form is a few hundred bytes
MAX_FIELD = {"csrf": 64, "q": 200, "birth_year": 4, "sex": 8, "township": 100, "township_hint": 100, "village": 100,
             "status": 40, "lang": 4, "limit": 3}
PAGE_LIMIT = 30
MAX_ROWID = 2**63  # row numbers in addresses: a bigger one would overflow the database driver (500)
FILTERS = ("birth_year", "sex", "township", "village", "status", "township_hint")
_PERSON_ID = re.compile(r"^[0-9a-z]{1,32}$")


class LangAndHeaders:
    """Pure ASGI: take the language prefix off the path (kept in the scope), add the security
    headers and Content-Language to every response."""

    def __init__(self, app: Any):
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        lang = i18n.DEFAULT
        seg = path.split("/", 2)
        if len(seg) > 1 and seg[1] in i18n.LANGS and seg[1] != i18n.DEFAULT:
            lang = seg[1]
            rest = "/" + (seg[2] if len(seg) > 2 else "")
            scope["izdesh.lang"] = lang  # also seen by the outermost error handler
            scope = {**scope, "path": rest, "raw_path": rest.encode()}
        scope["izdesh.lang"] = lang

        async def send_with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"cache-control"]
                message = {**message, "headers": headers + SECURITY_HEADERS + [(b"content-language", lang.encode())]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def lang_of(request: Request) -> str:
    return request.scope.get("izdesh.lang", i18n.DEFAULT)


def url_for_lang(lang: str, path: str) -> str:
    return path if lang == i18n.DEFAULT else f"/{lang}{path}"


_DICT_ATTRS = frozenset(dir(dict))


class ViewEnvironment(jinja2.Environment):
    """The page models are plain dicts, read in templates as `p.name`. Jinja first tries
    getattr(obj, "name") and catches the AttributeError before it reads obj["name"]: a tenth of a
    person page's CPU. For a dict and a name that is no dict attribute the answer is the same,
    so the key is read first."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict and attribute not in _DICT_ATTRS:
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)


def template_gettext(translations: Any) -> dict[str, Any]:
    """Jinja's newstyle `_`, `gettext` and `ngettext` for one language, as plain functions: Jinja's
    own pass the template context through two calls per `_()` (a tenth of a person page). Same
    result: the translation marked safe (autoescape is on) and always %-formatted with the keyword
    arguments, so a literal % stays written %% in msgids."""

    @functools.lru_cache(maxsize=2048)  # the templates' msgids: a fixed set of literals
    def translated(msgid: str) -> Markup:
        return Markup(translations.ugettext(msgid))

    def gettext(msgid: str, **variables: Any) -> str:
        return translated(msgid) % variables

    def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str:
        variables.setdefault("num", num)
        return Markup(translations.ungettext(singular, plural, num)) % variables

    return {"_": gettext, "gettext": gettext, "ngettext": ngettext}


class SearchRequest(BaseModel):
    query: str = Field(max_length=200, description="An ID number (whole or partial) or a name in any script.")
    limit: int = Field(10, ge=1, le=100)
    birth_year: int | None = Field(None, ge=1880, le=2030, description="Year of birth.")
    sex: str | None = Field(None, max_length=8, pattern="^(male|female)$")
    township: str | None = Field(None, max_length=100, description="Township as the records write it (Chinese).")
    village: str | None = Field(None, max_length=100, description="Village as the records write it (Chinese).")
    township_hint: str | None = Field(
        None, max_length=100,
        description="The township the family remembers, in any script (Toqquzaq, 托克扎克): not a filter; "
                    "persons the records place elsewhere rank lower, nobody is left out.")
    status: str | None = Field(None, max_length=40, description="A status key of terms.toml, e.g. detained.")


@functools.cache
def engine_filters() -> set[str]:
    """The filters the search engine takes itself (checked at runtime: the engine grows them).
    Today's engine takes `filters: Filters` (birth_year_from/to, sex, township, village, status);
    an older one took none and the site filtered its results."""
    try:
        params = inspect.signature(search_engine.search).parameters
    except (TypeError, ValueError):
        return set()
    if "filters" in params and hasattr(search_engine, "Filters"):
        fields = set(getattr(search_engine.Filters, "__dataclass_fields__", {}))
        have = {k for k in FILTERS if k in fields}
        if {"birth_year_from", "birth_year_to"} <= fields:
            have.add("birth_year")
        return have
    return {k for k in FILTERS if k in params}


def run_search(engine: Any, query: str, limit: int, filters: dict[str, Any]) -> list[Any]:
    """The CLI's search; filters the engine does not take are applied to its results here.
    `status` is a terms.toml key ("detained"): the store keeps latest_status as that key."""
    filters = {k: v for k, v in filters.items() if v not in (None, "")}
    accepted = engine_filters()
    passed = {k: v for k, v in filters.items() if k in accepted}
    rest = {k: v for k, v in filters.items() if k not in accepted}
    fetch = 100 if rest else limit
    if _takes_filters():
        kw = dict(passed)
        if "township_hint" in kw:  # as the family types it -> as the store writes it (or no hint)
            kw["township_hint"] = resolve_township_hint(engine, kw["township_hint"])
        if "birth_year" in kw:
            year = kw.pop("birth_year")
            kw["birth_year_from"] = kw["birth_year_to"] = year
        results = search_engine.search(engine, query, limit=fetch, filters=search_engine.Filters(**kw))
    else:
        results = search_engine.search(engine, query, limit=fetch, **passed)
    if rest:
        results = [r for r in results if _keep(r, rest)][:limit]
    return results


@functools.cache
def _takes_filters() -> bool:
    return "filters" in inspect.signature(search_engine.search).parameters and hasattr(search_engine, "Filters")


def _keep(r: Any, f: dict[str, Any]) -> bool:
    if "birth_year" in f and not (r.birth_date or "").startswith(str(f["birth_year"])):
        return False
    if "sex" in f and r.sex != f["sex"]:
        return False
    if "township" in f and r.township != f["township"]:
        return False
    if "village" in f and r.village != f["village"]:
        return False
    if "status" in f and (i18n.term_key("status", r.latest_status) or r.latest_status) != f["status"]:
        return False
    return True


def create_app(
    db: str,
    *,
    public: bool = False,
    roots: list[Path] | None = None,
    auth: str | os.PathLike[str] | None = None,
    rate: str | None = None,
    trusted_proxies: int | None = None,
) -> FastAPI:
    """`roots`: where the originals are, when not where the ingest saw them (default: the
    IZDESH_ORIGINALS environment variable, folders separated by os.pathsep, else the store's meta
    "root:<n>" keys written by the ingest).

    `public`: the public search site (izdesh.web.security): precise searches only, capped results,
    no listings, unless a researcher is signed in. `auth`: the accounts file (default IZDESH_AUTH;
    none: nobody can sign in). `rate`: per-client limit like "30/minute" (default IZDESH_RATE, else
    60/minute on a public site and none otherwise); `trusted_proxies`: see izdesh.web.ratelimit."""
    i18n.compile_catalogs()
    engine = open_engine(db, readonly=True)
    security.quiet_engine(engine)
    apath = auth_path(auth)
    accounts = AuthStore(apath) if apath else None
    signer = security.Signer()
    if rate is None:
        rate = os.environ.get("IZDESH_RATE") or ("60/minute" if public else "0")

    def current_user(request: Request) -> User | None:
        if accounts is None:
            return None
        if "izdesh.user" not in request.scope:
            request.scope["izdesh.user"] = accounts.session(request.cookies.get(COOKIE))
        return request.scope["izdesh.user"]

    def restricted(request: Request) -> bool:
        """A public site and no researcher signed in."""
        if not public:
            return False
        u = current_user(request)
        return u is None or not u.researcher

    def researchers_only(request: Request) -> None:
        if restricted(request):
            raise PageError(403, security.MSG_RESEARCHERS)
    if roots is None and os.environ.get("IZDESH_ORIGINALS"):  # the leak moved since the ingest
        roots = [Path(p) for p in os.environ["IZDESH_ORIGINALS"].split(os.pathsep) if p]
    store = Store(engine, roots if roots is not None else stored_roots(engine))
    app = FastAPI(
        title="Izdesh",
        version=__version__,
        docs_url=None,
        redoc_url=None,
        description="Search the Xinjiang Police Files: the same search as `izdesh search`, by POST.",
    )
    app.mount("/static", StaticFiles(directory=str(WEB / "static")), name="static")

    envs: dict[str, jinja2.Environment] = {}
    for code in i18n.LANGS:
        env = ViewEnvironment(
            loader=jinja2.FileSystemLoader(WEB / "templates"),
            autoescape=True,
            extensions=["jinja2.ext.i18n"],
            trim_blocks=True,
            lstrip_blocks=True,
            auto_reload=False,  # templates do not change under a running server: no stat per page
        )
        env.install_gettext_translations(i18n.translations(code), newstyle=True)  # type: ignore[attr-defined]
        env.globals.update(template_gettext(i18n.translations(code)))
        env.globals.update(
            lang=i18n.LANGS[code],
            langs=i18n.LANGS,
            u=lambda path, _c=code: url_for_lang(_c, path),
            field_label=lambda key, _c=code: i18n.field_label(key, _c),
            term=lambda kind, value, _c=code: i18n.translate_value(kind, value, _c),
            term_label=lambda kind, key, _c=code: i18n.term_label(kind, key, _c),
            sex_label=lambda v, _c=code: i18n.sex_label(v, _c),
            public=public,
            sq=lambda kind, i: f"?t={signer.sign(kind, i)}" if public else "",
            sa=lambda kind, i: f"&t={signer.sign(kind, i)}" if public else "",
            version=__version__,
        )
        envs[code] = env

    def page(request: Request, name: str, code: int = 200, **ctx: Any) -> HTMLResponse:
        lang = lang_of(request)
        here = request.scope["path"]
        switch = {c: url_for_lang(c, here) for c in i18n.LANGS}
        user = current_user(request)
        ctx.setdefault("user", user)
        ctx.setdefault("csrf", user.csrf if user else "")
        ctx.setdefault("restricted", restricted(request))
        html = envs[lang].get_template(name).render(request=request, here=here, switch=switch, **ctx)
        return HTMLResponse(html, status_code=code)

    def gettext(request: Request, msg: str, **kw: Any) -> str:
        text = i18n.translations(lang_of(request)).ugettext(msg)
        return text % kw if kw else text

    async def read(fn: Any, *args: Any) -> Any:
        """A read of the store from an async handler, run in place on both engines. Handing it to
        a worker thread and back cost more than the read: on SQLite (an indexed read from the
        page cache) it was half the CPU of an API search; on PostgreSQL, whose round trip it
        would let the event loop use, ID searches from 50 clients (loopback server, 2 cores)
        went at 373 a second with p99 319 ms through the thread pool against 823 a second with
        p99 99 ms in place, the server's CPU per search 2.2 ms against 1.1. Requests then run
        one after the other instead of taking turns on the GIL (shorter tails); a node serves
        one read at a time, so run a node per core behind the proxy (docs/deploy.md)."""
        return fn(*args)

    option_cache: dict[str, dict[str, str]] = {}

    def options(lang: str) -> dict[str, str]:
        """The dropdowns' <option>s, rendered once per language (the store does not change)."""
        if lang not in option_cache:
            ch = store.choices()
            e = html.escape
            town = "".join(f'<option value="{e(t)}">{e(t)}</option>' for t in ch["townships"])
            village = "".join(
                f'<optgroup label="{e(t)}">' + "".join(f'<option value="{e(v)}">{e(v)}</option>' for v in vs) + "</optgroup>"
                for t, vs in ch["townships"].items() if vs
            )
            status = "".join(f'<option value="{e(k)}">{e(i18n.term_label("status", k, lang))}</option>' for k in ch["statuses"])
            option_cache[lang] = {"township": town, "village": village, "status": status}
        return option_cache[lang]

    def search_ctx(request: Request, form: dict[str, str] | None = None) -> dict[str, Any]:
        form = form or {}
        opts = dict(options(lang_of(request)))
        for k in ("township", "village", "status"):
            v = form.get(k)
            if v:
                attr = f'<option value="{html.escape(v)}">'
                opts[k] = opts[k].replace(attr, attr[:-1] + " selected>", 1)
        return {"options": {k: Markup(v) for k, v in opts.items()}}

    # ------------------------------------------------------------------------------ pages
    @app.get("/", response_class=HTMLResponse)
    def index(request: Request) -> HTMLResponse:
        return page(request, "search.html", form={}, results=None, **search_ctx(request))

    @app.get("/search", response_class=HTMLResponse, include_in_schema=False)
    def search_get(request: Request) -> HTMLResponse:
        return page(request, "search.html", form={}, results=None, **search_ctx(request))

    @app.post("/search", response_class=HTMLResponse)
    async def search_page(request: Request) -> HTMLResponse:
        form = await read_form(request)
        if not csrf_ok(current_user(request), form.pop("csrf", None)):
            raise PageError(403, "The form has expired: reload the page and try again.")
        if form.get("lang") in i18n.LANGS and lang_of(request) == i18n.DEFAULT and form["lang"] != i18n.DEFAULT:
            request.scope["izdesh.lang"] = form["lang"]  # a form posted to the bare address
        ctx = search_ctx(request, form)
        filters: dict[str, Any] = {k: form.get(k) or None for k in FILTERS}
        if filters["birth_year"] is not None:
            year = filters["birth_year"]
            if not (year.isdigit() and 1880 <= int(year) <= 2030):
                msg = gettext(request, "The birth year must be a year like 1985.")
                return page(request, "search.html", 400, form=form, results=None, error=msg, **ctx)
            filters["birth_year"] = int(year)
        if filters["sex"] not in (None, "male", "female"):
            filters["sex"] = None
        q = form.get("q", "")
        id_note = None
        limit = PAGE_LIMIT
        try:
            kind, norm = classify(q)
            if restricted(request):
                why = security.public_refusal(q, filters)
                if why is not None:
                    msg = gettext(request, why[0], **why[1])
                    return page(request, "search.html", 400, form=form, results=None, error=msg, **ctx)
                limit = min(limit, security.PUBLIC_LIMIT)
            results = await read(run_search, engine, q, limit, filters)
        except QueryError as exc:
            msg = query_error_message(str(exc), lambda m, **kw: gettext(request, m, **kw))
            return page(request, "search.html", 400, form=form, results=None, error=msg, **ctx)
        if kind == "id" and "?" not in norm and "*" not in norm and len(norm) >= 15:
            d = describe(norm)
            if not d["valid"]:
                id_note = d
        photos = store.first_photos([r.person_id for r in results])  # a dict read once: no thread hop
        views = result_views(results, photos, lang_of(request))
        hint = filters.get("township_hint")
        hint_note = bool(hint) and kind == "name" and await read(resolve_township_hint, engine, hint) is None
        return page(request, "search.html", form=form, results=views, id_note=id_note, hint_note=hint_note, **ctx)

    @app.get("/person/{person_id}", response_class=HTMLResponse)
    async def person_page(request: Request, person_id: str) -> HTMLResponse:
        if not _PERSON_ID.match(person_id):
            raise StarletteHTTPException(404)
        p = await read(get_person, engine, person_id)
        if p is None or p["person_id"] != person_id:  # opaque ids only: no ID numbers in URLs
            raise StarletteHTTPException(404)
        return page(request, "person.html", p=person_view(p, lang_of(request), store))

    @app.get("/source/{record_id}", response_class=HTMLResponse)
    def source_page(request: Request, record_id: int, t: str | None = None) -> HTMLResponse:
        if not 0 < record_id < MAX_ROWID:
            raise StarletteHTTPException(404)
        limited = restricted(request)
        if limited and not signer.check("source", record_id, t):
            raise StarletteHTTPException(404)  # only through a link on the person's own page
        rec = store.record(record_id)
        if rec is None:
            raise StarletteHTTPException(404)
        s = source_view(rec, lang_of(request), store)
        if limited and s.get("sheet"):  # the person's own row, not the neighbours'
            sheet = dict(s["sheet"])
            sheet["rows"] = [(i, row) for i, row in sheet.get("rows") or [] if i == sheet.get("hit")]
            s["sheet"] = sheet
        return page(request, "source.html", s=s)

    @app.get("/photo/{photo_id}", include_in_schema=False)
    def photo(request: Request, photo_id: int, size: str = "full", t: str | None = None) -> Response:
        if not 0 < photo_id < MAX_ROWID or (restricted(request) and not signer.check("photo", photo_id, t)):
            raise StarletteHTTPException(404)
        ph = store.photo(photo_id)
        if ph is None:
            raise StarletteHTTPException(404)
        return original_image(ph["path"], ph["sha256"], ph["type"], thumb=size == "thumb")

    @app.get("/original/{file_id}", include_in_schema=False)
    def original(request: Request, file_id: int, size: str = "full") -> Response:
        researchers_only(request)
        if not 0 < file_id < MAX_ROWID:
            raise StarletteHTTPException(404)
        f = store.file(file_id)
        if f is None or f["type"] not in IMAGE_TYPES:
            raise StarletteHTTPException(404)
        return original_image(f["path"], f["sha256"], f["type"], thumb=size == "thumb")

    def original_image(path: str, sha256: str, ftype: str, *, thumb: bool) -> Response:
        data, _same = store.original(path, sha256)
        if data is None:
            raise StarletteHTTPException(404, "original not available")
        if thumb:
            small = thumbnail(sha256, data)
            if small is not None:
                return Response(small, media_type="image/jpeg")
        return Response(data, media_type=IMAGE_TYPES.get(ftype, "application/octet-stream"))

    def thumbnail(key: str, data: bytes) -> bytes | None:
        """A small JPEG made on each request. Deliberately not cached: a cache of recently viewed
        photos would be a record of whom visitors looked up, in the memory of a seized server."""
        try:
            import io

            from PIL import Image

            with Image.open(io.BytesIO(data)) as src:
                im = src.convert("RGB")
                im.thumbnail((96, 128))
                out = io.BytesIO()
                im.save(out, "JPEG", quality=80)  # re-encoded: no EXIF in a thumbnail
                return out.getvalue()
        except Exception:
            return None

    @app.get("/stats", response_class=HTMLResponse)
    def stats_page(request: Request) -> HTMLResponse:
        researchers_only(request)
        return page(request, "stats.html", s=stats_view(store.stats(), lang_of(request)))

    @app.get("/about", response_class=HTMLResponse)
    def about_page(request: Request) -> HTMLResponse:
        return page(request, "about.html", s=store.stats())

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        return RedirectResponse("/static/favicon.svg", status_code=301)

    # ------------------------------------------------------------------------------ accounts
    login_key = signer.key

    @app.get("/login", response_class=HTMLResponse, include_in_schema=False)
    def login_page(request: Request) -> HTMLResponse:
        return page(request, "login.html", token=login_token(login_key), failed=False)

    @app.post("/login", response_class=HTMLResponse, include_in_schema=False)
    async def login_post(request: Request) -> Response:
        form = await read_form(request, extra={"name": 64, "password": 256, "token": 80})
        if not login_token_ok(login_key, form.get("token")):
            raise PageError(403, "The form has expired: reload the page and try again.")
        token = None
        if accounts is not None and form.get("name") and form.get("password"):
            token = await run_in_threadpool(accounts.login, form["name"], form["password"])
        if token is None:
            return page(request, "login.html", 401, token=login_token(login_key), failed=True)
        resp = RedirectResponse(url_for_lang(lang_of(request), "/"), status_code=303)
        https = request.url.scheme == "https" or os.environ.get("IZDESH_SECURE_COOKIE") == "1"
        resp.set_cookie(COOKIE, token, httponly=True, samesite="strict", secure=https, path="/",
                        max_age=12 * 3600)
        return resp

    @app.post("/logout", include_in_schema=False)
    async def logout(request: Request) -> Response:
        form = await read_form(request)
        user = current_user(request)
        if user is not None and not csrf_ok(user, form.get("csrf")):
            raise PageError(403, "The form has expired: reload the page and try again.")
        if accounts is not None:
            accounts.logout(request.cookies.get(COOKIE))
        resp = RedirectResponse(url_for_lang(lang_of(request), "/"), status_code=303)
        resp.delete_cookie(COOKIE, path="/")
        return resp

    async def read_form(request: Request, extra: dict[str, int] | None = None) -> dict[str, str]:
        """A urlencoded form, bounded in size and in field lengths (PageError otherwise)."""
        cl = request.headers.get("content-length")
        if cl is not None and (not cl.isdigit() or int(cl) > MAX_BODY):
            raise PageError(413, "The form is too large.")
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_BODY:
                raise PageError(413, "The form is too large.")
        try:
            parsed = parse_qs(body.decode("utf-8"), keep_blank_values=True, max_num_fields=30)
        except (UnicodeDecodeError, ValueError):
            raise PageError(400, "The form could not be read.") from None
        limits = {**MAX_FIELD, **(extra or {})}
        form = {k: (v[0] if k == "password" else v[0].strip()) for k, v in parsed.items() if k in limits}
        for k, v in form.items():
            if len(v) > limits[k]:
                raise PageError(400, "A field is too long: at most %(n)d characters.", n=limits[k], field=k, form=form)
        return form

    # ------------------------------------------------------------------------------ API
    @app.post("/api/search")
    async def api_search(request: Request, body: SearchRequest) -> JSONResponse:
        """The same search as `izdesh search --json`: {"query", "results": [{"person_id",
        "id_number", "name", "score", "why", ...}]}. Filters are optional. On a public site a query
        must name one person (an ID number with 12 known digits, or a name with a birth year or a
        township/village) and at most 20 results come back."""
        filters = {k: getattr(body, k) for k in FILTERS}
        limit = body.limit
        try:
            if restricted(request):
                security.check_public(body.query, filters)
                limit = min(limit, security.PUBLIC_LIMIT)
            results = await read(run_search, engine, body.query, limit, filters)
        except QueryError as exc:
            return JSONResponse({"query": body.query, "error": str(exc), "results": []}, status_code=400)
        return JSONResponse({"query": body.query, "results": [r.as_json() for r in results]})

    @app.get("/api/person/{person_id}")
    async def api_person(person_id: str) -> JSONResponse:
        """One person (as `izdesh person --json`), by opaque person_id."""
        if not _PERSON_ID.match(person_id):
            raise StarletteHTTPException(404, "no such person")
        p = await read(get_person, engine, person_id)
        if p is None or p["person_id"] != person_id:
            raise StarletteHTTPException(404, "no such person")
        return JSONResponse(jsonable(p))

    @app.get("/api/stats")
    def api_stats(request: Request) -> JSONResponse:
        """Counts behind the statistics page (researchers only on a public site)."""
        researchers_only(request)
        return JSONResponse(jsonable(store.stats()))

    # ------------------------------------------------------------------------------ errors
    @app.exception_handler(PageError)
    async def page_error(request: Request, exc: PageError) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": exc.message % exc.kw}, status_code=exc.status)
        msg = gettext(request, exc.message, **{k: v for k, v in exc.kw.items() if k == "n"})
        if exc.kw.get("form") is not None:
            return page(request, "search.html", exc.status, form={}, results=None, error=msg, **search_ctx(request))
        return page(request, "error.html", exc.status, status=exc.status, message=msg)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if request.scope["path"].startswith("/api/"):
            return JSONResponse({"error": exc.detail}, status_code=exc.status_code)
        return page(request, "error.html", exc.status_code, status=exc.status_code, message=None)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        if request.scope["path"].startswith("/api/"):
            errors = [{"loc": list(e.get("loc", ())), "msg": e.get("msg")} for e in exc.errors()]
            return JSONResponse({"error": "invalid request", "detail": errors}, status_code=422)
        return page(request, "error.html", 404, status=404, message=None)

    @app.exception_handler(Exception)
    async def crashed(request: Request, exc: Exception) -> Response:
        # The type only: a message or trace could carry the query (a name, an ID number).
        print(f"izdesh web: {request.method} {request.scope['path'][:40]}: {type(exc).__name__}", file=sys.stderr)
        if request.scope["path"].startswith("/api/"):
            return JSONResponse({"error": "internal error"}, status_code=500)
        return page(request, "error.html", 500, status=500, message=None)

    from izdesh.web.docs_routes import add_docs_routes  # documents page (issue 10): researchers only on a public site
    add_docs_routes(app, engine, page, guard=researchers_only, read_form=read_form, csrf=lambda r, t: csrf_ok(current_user(r), t))
    app.add_middleware(RateLimit, rate=rate, trusted_proxies=trusted_proxies)
    app.add_middleware(LangAndHeaders)
    return app


def jsonable(v: Any) -> Any:
    if isinstance(v, dict):
        return {str(k): jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [jsonable(x) for x in v]
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return v
