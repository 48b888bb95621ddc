"""The documents page: full-text search of documents and table cells (izdesh.docs), by POST like
the person search, for researchers (a public site shows it only to signed-in researchers: pass
`guard`).

Wiring (in create_app, after `page` and `read_form` are defined):

    from izdesh.web.docs_routes import add_docs_routes
    add_docs_routes(app, engine, page, guard=researchers_only, read_form=read_form,
                    csrf=lambda request, token: csrf_ok(current_user(request), token))
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse
from markupsafe import Markup
from pydantic import BaseModel, Field
from sqlalchemy import Engine

from izdesh.docs.query import DocsQueryError, Filters, search_docs

FORM_FIELDS = {"q": 200, "type": 40, "folder": 200, "date_from": 10, "date_to": 10, "lang": 4, "csrf": 64}
PAGE_LIMIT = 30


class DocsRequest(BaseModel):
    query: str = Field(max_length=200)
    limit: int = Field(default=20, ge=1, le=200)
    type: str | None = Field(default=None, max_length=40)
    folder: str | None = Field(default=None, max_length=200)
    date_from: str | None = Field(default=None, max_length=10)
    date_to: str | None = Field(default=None, max_length=10)


async def _simple_form(request: Request) -> dict[str, str]:
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > 16 * 1024:
            break
    parsed = parse_qs(body[: 16 * 1024].decode("utf-8", "replace"), keep_blank_values=True, max_num_fields=30)
    return {k: v[0][: FORM_FIELDS[k]] for k, v in parsed.items() if k in FORM_FIELDS}


def add_docs_routes(
    app: FastAPI,
    engine: Engine,
    templates: Callable[..., HTMLResponse],
    *,
    guard: Callable[[Request], None] | None = None,
    read_form: Callable[..., Awaitable[dict[str, str]]] | None = None,
    csrf: Callable[[Request, str | None], bool] | None = None,
) -> None:
    """`templates`: the site's page renderer, page(request, template name, status, **context)."""

    def run(form: dict[str, str], limit: int) -> dict[str, Any]:
        f = Filters(type=form.get("type") or None, folder=form.get("folder") or None,
                    date_from=form.get("date_from") or None, date_to=form.get("date_to") or None)  # fmt: skip
        return search_docs(engine, form["q"], limit=limit, filters=f)

    @app.get("/documents", response_class=HTMLResponse, include_in_schema=False)
    def docs_get(request: Request) -> HTMLResponse:
        if guard:
            guard(request)
        return templates(request, "docs.html", form={}, out=None, error=None)

    @app.post("/documents", response_class=HTMLResponse, include_in_schema=False)
    async def docs_post(request: Request) -> HTMLResponse:
        if guard:
            guard(request)
        form = await (read_form(request, FORM_FIELDS) if read_form else _simple_form(request))
        token = form.pop("csrf", None)
        if csrf is not None and not csrf(request, token):
            return templates(request, "docs.html", 403, form=form, out=None, error="The form has expired: reload the page and try again.")
        form = {k: v for k, v in form.items() if k in FORM_FIELDS}
        if not (form.get("q") or "").strip():
            return templates(request, "docs.html", form=form, out=None, error=None)
        try:
            out = await run_in_threadpool(run, form, PAGE_LIMIT)
        except DocsQueryError as exc:
            return templates(request, "docs.html", 400, form=form, out=None, error=str(exc))
        for r in out["results"]:
            r["snippet_html"] = Markup(r["snippet"])  # escaped by search_docs; only <mark> is markup
            r["where"] = ", ".join(f"{k} {v}" for k, v in r["locator"].items())
        return templates(request, "docs.html", form=form, out=out, error=None)

    @app.post("/api/documents")
    def api_docs(request: Request, body: DocsRequest) -> JSONResponse:
        """Full-text search of documents and table cells: the same as `izdesh docs --json`."""
        if guard:
            guard(request)
        form = {"q": body.query, "type": body.type or "", "folder": body.folder or "",
                "date_from": body.date_from or "", "date_to": body.date_to or ""}  # fmt: skip
        try:
            return JSONResponse(run(form, body.limit))
        except DocsQueryError as exc:
            return JSONResponse({"query": body.query, "results": [], "error": str(exc)}, status_code=400)
