"""The `izdesh` command: a thin layer over the packages (CLI.md is the contract)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import click

from izdesh import __version__

from izdesh.clitools import DB_HELP
from izdesh.clitools import emit as _emit
from izdesh.clitools import store as _engine


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="izdesh")
def main() -> None:
    """Izdesh: search and verify a leaked archive of police records."""


@main.command()
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--persons", type=int, default=None, help="Population size (default 3,000; --full 830,000).")
@click.option("--full", is_flag=True, help="The real leak's scale: 830,000 persons, 11,477 documents.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--quiet", is_flag=True, help="No progress bar.")
def generate(out: Path, persons: int | None, full: bool, seed: int, quiet: bool) -> None:
    """Write a synthetic leak to OUT and its ground truth to OUT/truth/."""
    from izdesh.generate.leak import generate as run

    summary = run(out, persons=persons, full=full, seed=seed, progress=not quiet)
    click.echo(json.dumps(summary, ensure_ascii=False, default=str), err=True)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--db", required=True, help=DB_HELP)
@click.option("--workers", type=int, default=2, show_default=True, help="Processes extracting files.")
@click.option("--exclude", multiple=True, help="Glob on paths inside a folder to leave out, e.g. 'truth/*'.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.option("--ocr", type=click.Choice(["on", "off", "defer"]), default=None,
              help="OCR of scans: on (default), off, or defer to a later `izdesh ocr` (sets IZDESH_OCR).")  # fmt: skip
def ingest(paths: tuple[Path, ...], db: str, workers: int, exclude: tuple[str, ...], quiet: bool, ocr: str | None) -> None:
    """Ingest files, folders and archives; re-running skips what the store knows."""
    from izdesh.ingest.pipeline import ingest as run

    if ocr is not None:
        os.environ["IZDESH_OCR"] = {"on": "1", "off": "0", "defer": "defer"}[ocr]  # read by the workers too
    s = run(list(paths), db, workers=workers, progress=not quiet, exclude=exclude)
    counts = ", ".join(f"{n} {k}" for k, n in sorted(s.by_status.items())) or "nothing new"
    click.echo(
        f"{s.files} files read ({counts}), {s.skipped} already known; "
        f"{s.records} records; {s.persons} persons in the store.",
        err=True,
    )
    if s.elsewhere:
        click.echo(f"{s.elsewhere} files were being read by other workers.", err=True)
    if s.deferred:
        click.echo("Other workers are still at work: the last to finish rebuilds persons.", err=True)
    if s.integrity:
        click.echo(f"Integrity check: {len(s.integrity)} problem(s), first: {s.integrity[0]}", err=True)
        sys.exit(3)


@main.command()
@click.option("--db", required=True, help=DB_HELP)
@click.option("--workers", type=int, default=2, show_default=True, help="Processes reading the scans.")
@click.option("--quiet", is_flag=True, help="No progress lines.")
def ocr(db: str, workers: int, quiet: bool) -> None:
    """OCR the scans an `ingest --ocr defer` left queued, then rebuild persons."""
    from izdesh.ingest.ocr_queue import run

    os.environ["IZDESH_OCR"] = "1"
    s = run(db, workers, progress=not quiet)
    click.echo(f"{s.ocr_done} queued files read with OCR; {s.persons} persons in the store.", err=True)
    if s.integrity:
        click.echo(f"Integrity check: {len(s.integrity)} problem(s), first: {s.integrity[0]}", err=True)
        sys.exit(3)


@main.command()
@click.option("--db", required=True, help=DB_HELP)
@click.option("--json", "as_json", is_flag=True, help="One JSON object a line.")
@click.option("--status", default=None, help="Only files with this status.")
def files(db: str, as_json: bool, status: str | None) -> None:
    """Every input file with its fate."""
    from sqlalchemy import select

    from izdesh.store import schema

    f = schema.source_file
    q = select(f.c.path, f.c.sha256, f.c.type, f.c.status, f.c.reason, f.c.size, f.c.records).order_by(f.c.path)
    if status:
        q = q.where(f.c.status == status)
    with _engine(db).connect() as conn:
        for row in conn.execute(q).mappings():
            if as_json:
                _emit(dict(row))
            else:
                reason = f"  {row['reason']}" if row["reason"] else ""
                click.echo(f"{row['status']:<12} {row['type']:<14} {row['path']}{reason}")


@main.command()
@click.argument("query", required=False)
@click.option("--db", required=True, help=DB_HELP)
@click.option("--batch", type=click.File("r", encoding="utf-8"), help="A file of queries, one a line.")
@click.option("--limit", type=int, default=10, show_default=True)
@click.option("--birth-year", help="A year (1985) or a range (1980-1985).")
@click.option("--sex", type=click.Choice(["male", "female"]))
@click.option("--township", help="Part of the township's name as the records write it.")
@click.option("--township-hint", metavar="NAME",
              help="The township the family remembers, in any script (Toqquzaq, 托克扎克): persons the "
                   "records place there rank first; nobody is left out.")
@click.option("--village", help="Part of the village's name.")
@click.option("--status", help="Part of the latest status as written (e.g. 在押).")
@click.option("--file", "in_file", help="Part of a source file's path.")
@click.option("--json", "as_json", is_flag=True)
def search(
    query: str | None, db: str, batch: Any, limit: int, birth_year: str | None, sex: str | None,
    township: str | None, township_hint: str | None, village: str | None, status: str | None,
    in_file: str | None, as_json: bool,
) -> None:
    """Search by ID number (whole, 15-digit, partial with ? and *) or by name in any script:
    Chinese characters, Uyghur Arabic or Latin, Cyrillic, pinyin, English or Turkish spelling.
    A birth year written after a name ("Memet Tursun 1985") narrows to it."""
    from izdesh.search.engine import Filters, QueryError
    from izdesh.search.engine import search as run

    if (query is None) == (batch is None):
        raise click.UsageError("give a QUERY or --batch FILE (one of them)")
    years: tuple[int | None, int | None] = (None, None)
    if birth_year:
        try:
            lo, _, hi = birth_year.partition("-")
            years = (int(lo), int(hi or lo))
        except ValueError as exc:
            raise click.BadParameter("a year or a range like 1980-1985", param_hint="--birth-year") from exc
    engine = _engine(db)
    hint = None
    if township_hint:
        from izdesh.search.township import resolve_township_hint

        hint = resolve_township_hint(engine, township_hint)
        if hint is None:
            click.echo(f"--township-hint {township_hint}: no township of the records reads so; "
                       "results are not ordered by it.", err=True)
    filters = Filters(years[0], years[1], sex, township, village, status, in_file, township_hint=hint)
    queries = [query] if query is not None else [line.rstrip("\n") for line in batch if line.strip()]
    failed = False
    for q in queries:
        try:
            results = [r.as_json() for r in run(engine, q, limit=limit, filters=filters)]
            error = None
        except QueryError as exc:
            results, error, failed = [], str(exc), True
        if as_json:
            _emit({"query": q, "results": results} | ({"error": error} if error else {}))
        elif error:
            click.echo(f"{q}: {error}", err=True)
        else:
            click.echo(f"{q}: {len(results)} result(s)")
            for r in results:
                born = r["birth_date"] or "?"
                click.echo(f"  {r['score']:.2f}  {r['name'] or '?'}  {r['id_number'] or ''}  born {born}  "
                           f"{r['village'] or ''}  {r['latest_status'] or ''}  [{r['person_id']}]  {r['why']}")
    if failed and query is not None:
        sys.exit(2)


@main.command("id")
@click.argument("number")
@click.option("--json", "as_json", is_flag=True)
def id_(number: str, as_json: bool) -> None:
    """Validate and decode one resident ID number."""
    from izdesh.identity.idnumber import describe

    d = describe(number)
    if as_json:
        _emit(d)
        return
    if d["valid"]:
        click.echo(f"valid: {d['normalized']}  born {d['birth_date']}  {d['sex']}  "
                   f"{d['region_code']} {d['region_name'] or '(unknown region)'}")
    else:
        click.echo(f"not valid: {d['reason']}")
        sys.exit(1)


@main.command()
@click.argument("ref")
@click.option("--db", required=True, help=DB_HELP)
@click.option("--json", "as_json", is_flag=True)
def person(ref: str, db: str, as_json: bool) -> None:
    """One person, by ID number or person_id."""
    from izdesh.search.person import get_person

    p = get_person(_engine(db), ref)
    if p is None:
        raise click.ClickException(f"no person {ref!r} in {db}")
    if as_json:
        _emit(p)
        return
    click.echo(f"{p['name']}  {p['id_number']}  born {p['birth_date']}  {p['sex']}  [{p['person_id']}]")
    click.echo(f"  names: {', '.join(p['names'])}")
    for r in p["records"]:
        loc = r["locator"]
        where = f"{loc.get('sheet', '')} row {loc['row'] + 1}" if "row" in loc else r["kind"]
        click.echo(f"  {r.get('event_date', '          ')}  {r.get('status', ''):<10} {r['file']['path']} ({where})")
    for rel in p["relatives"]:
        click.echo(f"  relative: {rel['relation']}  {rel['name']}  {rel['id_number']}")
    for ph in p["photos"]:
        click.echo(f"  photo: {ph['path']}  {ph['taken_at']}")


@main.command()
@click.option("--db", required=True, help=DB_HELP)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8000, show_default=True)
@click.option("--public", is_flag=True, help="Public mode: search, not browse (docs/safety.md).")
@click.option("--auth", envvar="IZDESH_AUTH", help="Researcher accounts file (SQLite), made by `izdesh user add`.")
@click.option("--rate", envvar="IZDESH_RATE", help="Searches per client, e.g. 30/minute (public default 60/minute).")
@click.option("--trust-proxy", "trust_proxy", type=int, envvar="IZDESH_TRUST_PROXY",
              help="Proxies in front whose X-Forwarded-For to believe (default: none).")
def serve(db: str, host: str, port: int, public: bool, auth: str | None, rate: str | None,
          trust_proxy: int | None) -> None:
    """The web site and the JSON API."""
    import uvicorn

    from izdesh.web.app import create_app
    from izdesh.web.security import uvicorn_options

    app = create_app(db, public=public, auth=auth, rate=rate, trusted_proxies=trust_proxy)
    # uvicorn_options: no access log (request lines hold client addresses; the people searching are
    # at risk), and limits on slow and greedy clients.
    uvicorn.run(app, host=host, port=port, **uvicorn_options())


@main.command()
@click.option("--dir", "workdir", type=click.Path(file_okay=False, path_type=Path), default=Path("demo"),
              show_default=True, help="Where the synthetic leak and the store go.")
@click.option("--persons", type=int, default=3000, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8000, show_default=True)
@click.option("--no-serve", is_flag=True, help="Build the demo store and stop.")
def demo(workdir: Path, persons: int, host: str, port: int, no_serve: bool) -> None:
    """Generate a small synthetic leak, ingest it, serve it on SQLite."""
    from izdesh.generate.leak import generate as run_generate
    from izdesh.ingest.pipeline import ingest as run_ingest

    leak, db = workdir / "leak", workdir / "izdesh.sqlite"
    if not (leak / "truth" / "persons.jsonl").exists():
        click.echo(f"Generating a synthetic leak of {persons:,} persons in {leak} ...", err=True)
        run_generate(leak, persons=persons, seed=0, progress=True)
    click.echo(f"Ingesting into {db} ...", err=True)
    # The truth folder is the generator's answer key: it is never ingested.
    s = run_ingest([leak], str(db), workers=2, progress=True, exclude=("truth/*",))
    click.echo(f"{s.records} records, {s.persons} persons.", err=True)
    sample = _sample_ids(leak)
    if sample:
        click.echo("Try these ID numbers from the synthetic truth: " + ", ".join(sample), err=True)
    if not no_serve:
        import uvicorn

        from izdesh.web.app import create_app

        from izdesh.web.security import uvicorn_options

        click.echo(f"Serving on http://{host}:{port}  (Ctrl-C to stop)", err=True)
        uvicorn.run(create_app(str(db)), host=host, port=port, **uvicorn_options())


def _sample_ids(leak: Path, n: int = 3) -> list[str]:
    out: list[str] = []
    with (leak / "truth" / "persons.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            p = json.loads(line)
            if p.get("statuses") and len(p["statuses"]) > 1:
                out.append(f"{p['id_number']} ({p['name_zh']})")
            if len(out) >= n:
                break
    return out


def _register() -> None:
    """Commands kept beside the packages they drive."""
    from izdesh.analysis.commands import export, stats, verify, xref
    from izdesh.docs.commands import docs
    from izdesh.store.backup import backup_command
    from izdesh.store.integrity import check_command
    from izdesh.web.commands import user

    for command in (verify, stats, xref, export, docs, user, backup_command, check_command):
        main.add_command(command)


_register()

if __name__ == "__main__":
    main()
