"""Click commands of the evidence tools: ``verify``, ``stats``, ``xref``, ``export`` (CLI.md).

The lead registers them: ``main.add_command(verify)`` etc. in izdesh/cli.py. Each is a thin layer
over its module (verify.py, stats.py, xref.py, export.py); HTML goes through templates/.
"""

from __future__ import annotations

import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import click

from izdesh.clitools import DB_HELP
from izdesh.clitools import emit as _emit
from izdesh.clitools import store as _engine


def render(template: str, **ctx: Any) -> str:
    from jinja2 import Environment, PackageLoader, select_autoescape

    from izdesh import __version__

    env = Environment(loader=PackageLoader("izdesh.analysis", "templates"), autoescape=select_autoescape(["html"]))
    ctx.setdefault("version", __version__)
    ctx.setdefault("generated", datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"))
    return env.get_template(template).render(**ctx)


@click.command()
@click.option("--db", required=True, help=DB_HELP)
@click.option("--json", "as_json", is_flag=True, help="The whole report as one JSON object.")
@click.option("--html", "html", type=click.Path(dir_okay=False, path_type=Path), help="Write an HTML report here.")
@click.option("--leak", multiple=True, type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Folder of the originals (for photo hashes) when the store does not know it.")
@click.option("--no-store-hashes", is_flag=True, help="Do not cache perceptual hashes in the store.")
def verify(db: str, as_json: bool, html: Path | None, leak: tuple[Path, ...], no_store_hashes: bool) -> None:
    """Authenticity report: EXIF, ID numbers, dates, duplicates, file anomalies."""
    from izdesh.analysis import phash
    from izdesh.analysis.verify import run

    rep = run(_engine(db), leak=list(leak), write_db=None if no_store_hashes else db)
    if html:
        html.write_text(render("verify.html", r=rep, near_bits=phash.NEAR_BITS), encoding="utf-8")
    if as_json:
        _emit(rep)
        return
    ph, ids = rep["photos"], rep["ids"]
    click.echo(f"{rep['store']['files']} files, {rep['store']['records']} records ({rep['seconds']} s)")
    click.echo(f"photos: {ph['photos']} ({ph['with_exif']} with EXIF), EXIF times {ph['exif_time_range'][0]} .. "
               f"{ph['exif_time_range'][1]}, offsets {ph['offsets']}")
    click.echo(f"cameras: {', '.join(f'{k} ({n})' for k, n in ph['models'].items())}")
    click.echo(f"ID numbers: {ids['records_with_id']} written, {ids['valid']} valid, {ids['partial']} partial, "
               f"{ids['invalid']} invalid; check character right in {ids['checksum_valid_rate']}")
    click.echo(f"  contradictions: birth date {ids['birth_date_mismatch']}/{ids['birth_date_stated']}, age "
               f"{ids['age_mismatch']}/{ids['age_stated']}, sex {ids['sex_mismatch']}/{ids['sex_stated']}, region "
               f"{ids['region_mismatch']}/{ids['county_stated']}")
    click.echo(f"dates: {rep['dates']}")
    click.echo(f"duplicates: {rep['duplicates']}")
    for k, n in rep["finding_counts"].items():
        click.echo(f"  {n:>7}  {k}")
    if html:
        click.echo(f"HTML report: {html}", err=True)


@click.command()
@click.option("--db", required=True, help=DB_HELP)
@click.option("--json", "as_json", is_flag=True, help="All statistics as one JSON object.")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path), help="Write a long CSV here.")
@click.option("--charts", "charts_dir", type=click.Path(file_okay=False, path_type=Path), help="Write SVG charts here.")
@click.option("--html", "html", type=click.Path(dir_okay=False, path_type=Path), help="Write an HTML report here.")
def stats(db: str, as_json: bool, csv_path: Path | None, charts_dir: Path | None, html: Path | None) -> None:
    """Counts and rates by status, place, age, sex, month; the camp/prison share, defined."""
    from izdesh.analysis import stats as st

    s = st.compute(_engine(db))
    if csv_path:
        csv_path.write_text(st.to_csv(s), encoding="utf-8")
    ch = st.charts(s) if (charts_dir or html) else {}
    if charts_dir:
        charts_dir.mkdir(parents=True, exist_ok=True)
        for name, svg in ch.items():
            (charts_dir / name).write_text(svg, encoding="utf-8")
    if html:
        html.write_text(render("stats.html", s=s, charts=ch), encoding="utf-8")
    if as_json:
        _emit(s)
        return
    t = s["totals"]
    click.echo(", ".join(f"{v:,} {k}" for k, v in t.items()))
    for g in ("latest_status", "age_band", "sex"):
        click.echo(f"persons by {g}: " + ", ".join(f"{r['value']} {r['count']}" for r in s["persons_by"][g][:12]))
    for x in s["camp_or_prison_share"]:
        share = f"{100 * x['share']:.2f}%" if x["share"] is not None else "-"
        click.echo(f"camp/prison share, {x['county']} {x['population']}: {x['numerator']}/{x['denominator']} = {share}")
    click.echo("definition: " + s["camp_or_prison_share"][0]["definition"]["text"])


@click.command()
@click.argument("list_csv", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--db", required=True, help=DB_HELP)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per input row (CLI.md).")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path), help="Write matches as CSV here.")
@click.option("--html", "html", type=click.Path(dir_okay=False, path_type=Path), help="Write an HTML report here.")
@click.option("--limit", type=int, default=5, show_default=True, help="Matches per input row.")
def xref(list_csv: Path, db: str, as_json: bool, csv_path: Path | None, html: Path | None, limit: int) -> None:
    """Cross-reference an outside list of people (CSV with a header) against the store."""
    from izdesh.analysis import xref as xr

    try:
        res = xr.run(_engine(db), list_csv, limit=max(1, min(limit, 100)))
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    if csv_path:
        csv_path.write_text(xr.to_csv(res["results"]), encoding="utf-8")
    if html:
        html.write_text(render("xref.html", x=res, source=list_csv.name), encoding="utf-8")
    for r in res["results"]:
        if as_json:
            _emit(r)
            continue
        label = " · ".join(v for v in r["input"].values() if v)
        click.echo(f"{label}: {len(r['matches'])} match(es)")
        for m in r["matches"]:
            click.echo(f"  {m['score']:.3f}  {m['name'] or '?'}  {m['id_number'] or ''}  [{m['person_id']}]  {m['why']}")


@click.command()
@click.option("--db", required=True, help=DB_HELP)
@click.option("--format", "fmt", type=click.Choice(["ftm", "csv", "jsonl"]), required=True)
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Output file (csv: persons; records, links and files go beside it).")
@click.option("--json", "as_json", is_flag=True, help="Print what was written as one JSON object.")
def export(db: str, fmt: str, out: Path, as_json: bool) -> None:
    """Export persons, records and links as CSV, JSON Lines or FollowTheMoney entities."""
    from izdesh.analysis.export import run

    res = run(_engine(db), fmt, out)
    if as_json:
        _emit(res)
    click.echo(", ".join(f"{n:,} {k}" for k, n in res["counts"].items()) + f" written in {res['seconds']} s: "
               + ", ".join(res["paths"].values()), err=True)
    if not res["counts"]:
        sys.exit(1)


@click.group()
def evidence() -> None:
    """The evidence commands on their own: python -m izdesh.analysis.commands verify --db DB ..."""


for _cmd in (verify, stats, xref, export):
    evidence.add_command(_cmd)

if __name__ == "__main__":
    evidence()
