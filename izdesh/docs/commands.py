"""`izdesh docs`: full-text search of documents and table cells, and the entities found in them."""

from __future__ import annotations

import json
import sys

import click

from izdesh.docs.index import rebuild_index
from izdesh.docs.query import DocsQueryError, Filters, list_entities, search_docs
from izdesh.store.db import StoreError, open_engine


@click.command("docs")
@click.argument("query", required=False)
@click.option("--db", required=True, help="A SQLite store file or a postgresql:// URL.")
@click.option("--limit", type=int, default=20, show_default=True, help="Documents to return.")
@click.option("--type", "ftype", default=None, help="Only files of this type (docx, pdf, xlsx...; several: comma-separated).")
@click.option("--folder", default=None, help="Only files under this folder (a path prefix).")
@click.option("--from", "date_from", default=None, help="Only documents dated on or after YYYY[-MM[-DD]].")
@click.option("--to", "date_to", default=None, help="Only documents dated on or before YYYY[-MM[-DD]].")
@click.option("--public-only", is_flag=True, help="Only documents from which no person record was extracted.")
@click.option("--entities", "entities", default=None,
              help="List entities instead of searching: phone, officer, unit, badge, township, village, facility, or all.")  # fmt: skip
@click.option("--reindex", is_flag=True, help="Make the full-text index again from the stored text (a store indexed by an older version).")
@click.option("--json", "as_json", is_flag=True, help="One JSON line (CLI.md).")
def docs(
    query: str | None,
    db: str,
    limit: int,
    ftype: str | None,
    folder: str | None,
    date_from: str | None,
    date_to: str | None,
    public_only: bool,
    entities: str | None,
    reindex: bool,
    as_json: bool,
) -> None:
    """Search documents and table cells: words (AND), "phrases", OR, NOT or -word.

    Chinese words of any length are found, 开枪 as well as 职业技能教育培训中心."""
    try:
        engine = open_engine(db, readonly=not reindex)
    except StoreError as exc:
        raise click.ClickException(str(exc)) from exc
    if reindex:
        n = rebuild_index(engine)
        click.echo(json.dumps({"reindexed_blocks": n}) if as_json else f"{n} text blocks indexed again")
        return
    if entities:
        items = list_entities(engine, None if entities == "all" else entities)
        if as_json:
            for it in items:
                click.echo(json.dumps(it, ensure_ascii=False))
        else:
            for it in items:
                detail = "; ".join(", ".join(f"{k}={v}" for k, v in d.items()) for d in it["details"][:2])
                click.echo(f"{it['kind']:9} {it['value']}  ({len(it['places'])} places){'  ' + detail if detail else ''}")
        return
    if not query:
        raise click.UsageError("give a QUERY, or --entities KIND")
    filters = Filters(type=ftype, folder=folder, date_from=date_from, date_to=date_to, public_only=public_only)
    try:
        out = search_docs(engine, query, limit=limit, filters=filters)
    except DocsQueryError as exc:
        if as_json:
            click.echo(json.dumps({"query": query, "results": [], "error": str(exc)}, ensure_ascii=False))
            sys.exit(2)
        raise click.ClickException(str(exc)) from exc
    if as_json:
        click.echo(json.dumps(out, ensure_ascii=False))
        return
    click.echo(f"{out['total']} document(s) match {query!r}")
    for r in out["results"]:
        loc = ", ".join(f"{k} {v}" for k, v in r["locator"].items())
        click.echo(f"{r['score']:8.3f}  {r['path']}  [{loc}]  ({r['hits']} place(s))")
        click.echo(f"          {r['snippet'].replace('<mark>', '[').replace('</mark>', ']')}")
        for g in r["glossary"][:3]:
            click.echo(f"          {g['zh']}: {g['en']} / {g['ug']}")
    for kind, vals in out.get("facets", {}).items():
        click.echo(f"{kind}: " + ", ".join(f"{v['value']} ({v['files']})" for v in vals[:5]))
