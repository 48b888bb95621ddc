"""SQLite against PostgreSQL (issue 8's figures): the same leak ingested into both, then the same
search queries on both.

    IZDESH_OCR=0 python bench/pg.py --leak /tmp/izfull/leak                      # both ingests
    IZDESH_OCR=0 python bench/pg.py --leak L --sqlite-db full.sqlite             # reuse a SQLite store
    IZDESH_OCR=0 python bench/pg.py --leak L --processes 2 --workers 1           # 2 `izdesh ingest` at once
    python bench/pg.py --leak L --sqlite-db S --pg-db postgresql://...           # search only

PostgreSQL: a server started for the run on a temporary folder (izdesh.store.pgtemp) with the
server's default settings (durable: fsync, synchronous_commit, 128 MB shared_buffers), unless
`--fast-pg` (fsync and synchronous_commit off: test settings, stated in the output) or `--pg-url`
(an existing server: its settings; its CPU is not counted unless it runs on this machine as the
server started here).

Ingest figures per engine: wall seconds, CPU seconds of the client processes (the `izdesh ingest`
processes and their extraction workers), CPU seconds of the PostgreSQL server over the same time
(so the PostgreSQL total is client + server; SQLite runs in process), peak RSS of the largest
client process, the load average before and after. `--workers N`: extraction processes of each
`izdesh ingest`; `--processes P`: P `izdesh ingest` processes started at once on the same store
(claims share the files; the last to finish rebuilds persons). The ratio printed is PostgreSQL
wall / SQLite wall (issue 8: at most 1.5).

Search figures: name queries sampled from the truth by izdesh.analysis.searchbench (each person
in five scripts, the birth year added where namesakes share the name), the very same list on both
engines, and ID queries (2,000 ID numbers of persons in the SQLite store); warm, in process, one
query at a time; p50 and p95 per engine and PostgreSQL / SQLite (issue 8: at most 2). Recall@1 is
printed per engine too: both must find the same persons.

Served figures (`--served-seconds`, 0 to skip): the latency a searcher waits for, the site's answer
to POST /api/search over HTTP, measured by bench/web.py (its server: `izdesh serve`'s app and
options, the researchers' site, as a public site refuses a name without a birth year or place;
1 uvicorn process; wrk, 1 keep-alive client, closed loop) on each engine in turn: the same ID numbers (drawn from sorted lists, so both engines get the same) and the same
name queries as above. The function-level figures measure the store alone; an ID lookup there is
a fraction of a millisecond, and PostgreSQL's share of it is mostly the round trip to its
server, which a page's latency includes once.

Before the search figures (both engines: they share the machine), the PostgreSQL store is left to
settle: the bench waits until no autovacuum worker runs on it and no table is past autovacuum's
default thresholds (dead rows > 50 + 20 %, rows inserted since the last vacuum > 1,000 + 20 %,
rows changed since the last analyze > 50 + 10 % of the rows pg_class counts), at most SETTLE_MAX_S. Right
after a bulk ingest autovacuum works through the new tables for a minute or more (a million dead
record rows, 1.4 GB of heap at --full), and figures taken meanwhile measure that work, not the
search. The seconds waited are printed.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import random
import shlex
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Engine, select, text

from bench.harness import machine, measure_subprocess
from izdesh.analysis.searchbench import NameQuery, measure, name_queries
from izdesh.search.engine import search
from izdesh.store import schema
from izdesh.store.db import open_engine
from izdesh.store.pgtemp import TempPostgres


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return round(xs[int(q * (len(xs) - 1))], 2) if xs else float("nan")


def ingest(leak: Path, db: str, workers: int, processes: int, pg: TempPostgres | None) -> dict:
    """Run `processes` ingests at once (the schema created first, as a deployment would)."""
    open_engine(db, create=True).dispose()
    cmd = [sys.executable, "-m", "izdesh.cli", "ingest", str(leak), "--exclude", "truth/*", "--db", db,
           "--workers", str(workers), "--quiet"]
    if processes > 1:  # one shell waits for all: measure_subprocess counts the whole tree
        line = shlex.join(cmd)
        script = "rc=0; " + "".join(f"{line} & p{k}=$!; " for k in range(processes))
        script += "".join(f"wait $p{k} || rc=$?; " for k in range(processes)) + "exit $rc"
        cmd = ["sh", "-c", script]
    load0 = os.getloadavg()[0]
    s0 = pg.server_cpu() if pg else 0.0
    with tempfile.TemporaryDirectory() as tmp:  # one ingest's phases (izdesh.ingest.pipeline.Summary)
        phases_file = Path(tmp) / "phases.json"
        env = {**os.environ, "IZDESH_INGEST_PHASES": str(phases_file)} if processes == 1 else None
        r = measure_subprocess(cmd, env=env, capture=False)
        phases = json.loads(phases_file.read_text()) if phases_file.exists() else {}
    fig = {"db": db.split("@")[-1], "wall_s": round(r.wall_s, 1), "client_cpu_s": round(r.cpu_s, 1),
           "server_cpu_s": round(pg.server_cpu() - s0, 1) if pg else 0.0,
           "peak_rss_mib": round(r.peak_rss_mib), "load_before": round(load0, 2),
           "load_after": round(os.getloadavg()[0], 2), "returncode": r.returncode,
           "phases": {k: {x: round(y, 1) for x, y in v.items()} for k, v in phases.items()}}
    fig["cpu_s"] = round(fig["client_cpu_s"] + fig["server_cpu_s"], 1)
    if r.returncode:
        raise SystemExit(f"ingest into {fig['db']} failed (exit code {r.returncode}): {fig}")
    return fig


SETTLE_MAX_S = 900.0
_AUTOVACUUM_DUE = text(
    "SELECT (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'"
    " AND datname = current_database())"
    " + (SELECT count(*) FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid"
    " WHERE n_dead_tup > 50 + 0.2 * greatest(c.reltuples, 0)"
    " OR n_ins_since_vacuum > 1000 + 0.2 * greatest(c.reltuples, 0)"
    " OR n_mod_since_analyze > 50 + 0.1 * greatest(c.reltuples, 0))"
)


def settle(engine: Engine) -> float:
    """Wait until autovacuum has nothing left to do on the store (module doc); seconds waited."""
    t0 = time.perf_counter()
    quiet = 0
    while time.perf_counter() - t0 < SETTLE_MAX_S:
        with engine.connect() as conn:
            due = conn.execute(_AUTOVACUUM_DUE).scalar_one()
        quiet = quiet + 1 if due == 0 else 0
        if quiet >= 3:  # statistics reach the views with a delay: quiet three times in a row
            return round(time.perf_counter() - t0, 1)
        time.sleep(2.0)
    print(f"   (autovacuum still busy after {SETTLE_MAX_S:.0f} s: searching anyway)")
    return round(time.perf_counter() - t0, 1)


def id_sample(engine: Engine, n: int) -> list[str]:
    with engine.connect() as conn:
        ids = sorted(conn.execute(select(schema.person.c.id_number).where(schema.person.c.id_number.is_not(None))).scalars())
    return random.Random(2).sample(ids, min(n, len(ids)))


def search_figures(engine: Engine, queries: list[NameQuery], ids: list[str]) -> dict:
    for q in queries[:50]:  # warm caches
        search(engine, q.text)
    for idn in ids[:50]:
        search(engine, idn)
    t0, c0 = time.perf_counter(), time.process_time()
    by_script = measure(engine, queries)
    name_ms = []
    for q in queries:
        t = time.perf_counter()
        search(engine, q.text)
        name_ms.append((time.perf_counter() - t) * 1000)
    id_ms, id_right = [], 0
    for idn in ids:
        t = time.perf_counter()
        res = search(engine, idn)
        id_ms.append((time.perf_counter() - t) * 1000)
        id_right += bool(res) and res[0].id_number == idn
    recall1 = sum(f["recall@1"] * f["queries"] for f in by_script.values()) / max(1, sum(f["queries"] for f in by_script.values()))
    return {"name_p50_ms": pct(name_ms, 0.5), "name_p95_ms": pct(name_ms, 0.95), "id_p50_ms": pct(id_ms, 0.5),
            "id_p95_ms": pct(id_ms, 0.95), "name_recall@1": round(recall1, 4), "id_right": f"{id_right}/{len(ids)}",
            "wall_s": round(time.perf_counter() - t0, 1), "client_cpu_s": round(time.process_time() - c0, 1),
            "by_script": by_script}


def served_figures(dbs: dict[str, str], queries: list[NameQuery], seconds: float) -> dict:
    """POST /api/search answered by the site on each engine (module doc): p50 / p95 ms per
    scenario, and PostgreSQL / SQLite."""
    from bench import web

    out: dict = {}
    with tempfile.NamedTemporaryFile("w", suffix=".txt", encoding="utf-8") as names:
        names.write("\n".join(q.text for q in queries) + "\n")
        names.flush()
        for eng, db in dbs.items():
            with contextlib.redirect_stdout(io.StringIO()):  # its own JSON line: the table below says it
                got = web.main(["--db", db, "--clients", "1", "--workers", "1", "--seconds", str(seconds),
                                "--warmup", "4", "--samples", "2000", "--private", "--scenarios", "api_search_id",
                                "api_search_name", "--names", names.name, "--json"])  # fmt: skip
            out[eng] = {r["name"]: {k: r[k] for k in ("requests", "errors", "p50_ms", "p95_ms", "p99_ms", "server_ms_per_req")}
                        for r in got["runs"]}  # fmt: skip
    print("== served: POST /api/search, 1 client (bench/web.py, wrk)")
    print(f"   {'engine':10} {'scenario':16} {'requests':>8} {'err':>4} {'p50 ms':>7} {'p95 ms':>7} {'srv ms/req':>10}")
    for eng, runs in out.items():
        for name, r in runs.items():
            print(f"   {eng:10} {name:16} {r['requests']:>8} {r['errors']:>4} {r['p50_ms']:>7} {r['p95_ms']:>7}"
                  f" {r['server_ms_per_req']:>10}")
    ratio = {f"{name}_{q}": round(out["postgresql"][name][f"{q}_ms"] / out["sqlite"][name][f"{q}_ms"], 2)
             for name in out["sqlite"] for q in ("p50", "p95")}  # fmt: skip
    out["ratio"] = ratio
    print(f"   PostgreSQL / SQLite: {ratio} (target <= 2)")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--leak", type=Path, required=True, help="a generated leak (with truth/)")
    ap.add_argument("--sqlite-db", help="an existing SQLite store of the leak: no SQLite ingest")
    ap.add_argument("--pg-db", help="an existing PostgreSQL store of the leak: no PostgreSQL ingest")
    ap.add_argument("--pg-url", help="an existing server (postgresql://.../postgres): a database is created on it")
    ap.add_argument("--fast-pg", action="store_true", help="the started server without durability (test settings)")
    ap.add_argument("--workers", type=int, default=2, help="extraction processes per `izdesh ingest`")
    ap.add_argument("--processes", type=int, default=1, help="`izdesh ingest` processes at once on each store")
    ap.add_argument("--sample", type=int, default=300, help="persons sampled for name queries (x5 scripts)")
    ap.add_argument("--ids", type=int, default=2000, help="ID number queries")
    ap.add_argument("--served-seconds", type=float, default=20.0, help="per engine and scenario (0: no served figures)")
    ap.add_argument("--keep", action="store_true", help="keep the stores: the PostgreSQL server running (prints its URL)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="izdesh-pgbench-"))
    print(f"machine: {machine()}; IZDESH_OCR={os.environ.get('IZDESH_OCR', '1')}")
    out: dict = {"workers": args.workers, "processes": args.processes}

    sqlite_db = args.sqlite_db
    if sqlite_db is None:
        sqlite_db = str(tmp / "bench.sqlite")
        out["ingest_sqlite"] = ingest(args.leak, sqlite_db, args.workers, args.processes, None)
    pg = None
    pg_db = args.pg_db
    if pg_db is None:
        if args.pg_url:
            import psycopg

            name = f"izbench_{int(time.time())}"
            with psycopg.connect(args.pg_url, autocommit=True) as c:
                c.execute(f'CREATE DATABASE "{name}"')
            pg_db = args.pg_url.rsplit("/", 1)[0] + "/" + name
        else:
            pg = TempPostgres(durable=not args.fast_pg).start()
            pg_db = pg.create_database("izbench")
            print(f"PostgreSQL {pg.bindir.parent.name} at {pg.dir}: "
                  f"{'fsync and synchronous_commit OFF (--fast-pg)' if args.fast_pg else 'default settings (durable)'}")
        out["ingest_postgresql"] = ingest(args.leak, pg_db, args.workers, args.processes, pg)
    try:
        for eng in ("sqlite", "postgresql"):
            f = out.get(f"ingest_{eng}")
            if f:
                print(f"== ingest {eng:10} wall {f['wall_s']:8.1f} s  cpu {f['cpu_s']:8.1f} s (client {f['client_cpu_s']},"
                      f" server {f['server_cpu_s']})  peak RSS {f['peak_rss_mib']} MiB  load {f['load_before']} -> "
                      f"{f['load_after']}  rc {f['returncode']}")
                if f.get("phases"):
                    print("   phases (wall / CPU of the main process, s): " + ", ".join(
                        f"{k} {v['wall']} / {v['cpu']}" for k, v in f["phases"].items()))
        if "ingest_sqlite" in out and "ingest_postgresql" in out:
            out["ingest_ratio"] = round(out["ingest_postgresql"]["wall_s"] / out["ingest_sqlite"]["wall_s"], 2)
            print(f"   PostgreSQL / SQLite wall: {out['ingest_ratio']} (target <= 1.5)")

        lite = open_engine(sqlite_db, readonly=True)
        post = open_engine(pg_db, readonly=True)
        queries = name_queries(args.leak, lite, args.sample, seed=1)
        ids = id_sample(lite, args.ids)
        out["settle_s"] = settle(post)
        print(f"== PostgreSQL store settled (autovacuum done) after {out['settle_s']} s")
        load0 = os.getloadavg()[0]
        s0 = pg.server_cpu() if pg else 0.0
        out["search_sqlite"] = search_figures(lite, queries, ids)
        s1 = pg.server_cpu() if pg else 0.0
        out["search_postgresql"] = search_figures(post, queries, ids)
        out["search_postgresql"]["server_cpu_s"] = round(pg.server_cpu() - s1, 1) if pg else None
        print(f"== search: {len(queries)} name queries, {len(ids)} ID queries, load {load0:.2f} -> {os.getloadavg()[0]:.2f}"
              f" (server cpu during the SQLite run: {round(s1 - s0, 1)} s)")
        print(f"   {'engine':10} {'name p50':>9} {'name p95':>9} {'ID p50':>8} {'ID p95':>8} {'recall@1':>9} {'ID right':>10}"
              f" {'wall s':>7} {'cpu s':>6}")
        for eng in ("sqlite", "postgresql"):
            f = out[f"search_{eng}"]
            print(f"   {eng:10} {f['name_p50_ms']:>9} {f['name_p95_ms']:>9} {f['id_p50_ms']:>8} {f['id_p95_ms']:>8}"
                  f" {f['name_recall@1']:>9} {f['id_right']:>10} {f['wall_s']:>7} {f['client_cpu_s']:>6}")
        a, b = out["search_sqlite"], out["search_postgresql"]
        out["search_ratio"] = {k: round(b[k] / a[k], 2) if a[k] else None
                               for k in ("name_p50_ms", "name_p95_ms", "id_p50_ms", "id_p95_ms")}
        print(f"   PostgreSQL / SQLite: {out['search_ratio']} (target <= 2)")
        if args.served_seconds > 0:
            out["served"] = served_figures({"sqlite": sqlite_db, "postgresql": pg_db}, queries, args.served_seconds)
        if args.json:
            print(json.dumps(out))
    finally:
        if pg is not None:
            if args.keep:
                print(f"PostgreSQL left running: {pg_db} (stop: pg_ctl -D {pg.dir / 'data'} stop)")
            else:
                pg.stop()
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)  # the SQLite store ingested here


if __name__ == "__main__":
    main()
