"""The web site and JSON API: server-rendered pages that work with JavaScript off, searches by POST
so names and ID numbers stay out of URLs, history and logs."""

from __future__ import annotations

import gettext
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from fastapi import FastAPI, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from izdesh import __version__
from izdesh.search.engine import QueryError, search
from izdesh.search.person import get_person
from izdesh.store.db import open_engine

WEB = Path(str(resources.files("izdesh.web")))

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; "
    "script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


class SearchRequest(BaseModel):
    query: str = Field(max_length=200, description="An ID number (whole or partial) or a name.")
    limit: int = Field(10, ge=1, le=100)


def create_app(db: str, *, public: bool = False) -> FastAPI:
    engine = open_engine(db, readonly=True)
    app = FastAPI(title="Izdesh", version=__version__, docs_url=None, redoc_url=None)
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(WEB / "templates"), autoescape=True, extensions=["jinja2.ext.i18n"]
    )
    env.install_gettext_translations(gettext.NullTranslations(), newstyle=True)  # type: ignore[attr-defined]
    templates = Jinja2Templates(env=env)
    app.mount("/static", StaticFiles(directory=str(WEB / "static")), name="static")

    @app.middleware("http")
    async def headers(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        response.headers.update(SECURITY_HEADERS)
        return response

    def page(request: Request, name: str, code: int = 200, **ctx: Any) -> HTMLResponse:
        return templates.TemplateResponse(request, name, {"public": public, **ctx}, status_code=code)

    @app.get("/", response_class=HTMLResponse)
    def index(request: Request) -> HTMLResponse:
        return page(request, "search.html", query="", results=None)

    @app.post("/search", response_class=HTMLResponse)
    def search_page(request: Request, q: str = Form("", max_length=200)) -> HTMLResponse:
        try:
            results = search(engine, q, limit=20)
        except QueryError as exc:
            return page(request, "search.html", 400, query=q, results=None, error=str(exc))
        return page(request, "search.html", query=q, results=results)

    @app.get("/person/{person_id}", response_class=HTMLResponse)
    def person_page(request: Request, person_id: str) -> HTMLResponse:
        if len(person_id) > 32:
            raise HTTPException(404)
        p = get_person(engine, person_id)
        if p is None or p["person_id"] != person_id.lower():  # opaque ids only: no ID numbers in URLs
            raise HTTPException(404)
        return page(request, "person.html", p=p)

    @app.post("/api/search")
    def api_search(body: SearchRequest) -> JSONResponse:
        try:
            results = search(engine, body.query, limit=body.limit)
        except QueryError as exc:
            return JSONResponse({"error": str(exc), "results": []}, status_code=400)
        return JSONResponse({"results": [r.as_json() for r in results]})

    @app.get("/api/person/{person_id}")
    def api_person(person_id: str) -> dict[str, Any]:
        p = get_person(engine, person_id)
        if p is None or p["person_id"] != person_id.lower():
            raise HTTPException(404, "no such person")
        return p

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": exc.detail}, status_code=exc.status_code)
        return page(request, "error.html", exc.status_code, status=exc.status_code, detail=exc.detail)

    return app
