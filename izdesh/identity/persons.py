"""Persons from records, rebuilt from the records after each ingest (the result depends on the
records alone, not on the order files arrived in).

One valid ID number, one person (DESIGN.md: merge only on strong evidence). Records with a
mistyped number, a number that lost digits in a spreadsheet or no number at all are linked by
izdesh.identity.link, each with a score and a why (table ``record_link``); reviewable candidates
become "possibly_same" links. Then the relatives graph (izdesh.identity.relatives) and each
person's latest status (izdesh.identity.summary) are stored.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import os
import pickle
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from functools import lru_cache
from typing import Any, Protocol

from sqlalchemy import Engine, text

from izdesh.gcpolicy import no_collection
from izdesh.identity import relatives as relatives_mod
from izdesh.identity.link import (
    RECORD_COLUMNS,
    Cluster,
    Linkage,
    Rec,
    forget_names,
    link_records,
    make_rec,
)
from izdesh.identity.summary import list_date
from izdesh.identity.terms import terms
from izdesh.store import schema
from izdesh.store.bulk import derived_session, insert_rows, refill
from izdesh.store.db import get_meta, set_meta


def person_key(secret: str, id_number: str) -> str:
    """Opaque, stable person id: person pages must not put an ID number in a URL. The first 12
    characters of the lower-case base32 of HMAC-SHA256(secret, number), computed for every record
    at ingest: the keyed state is made once per secret and copied, and the 60 bits are spelt out
    directly (base64.b32encode is pure Python and encodes all 32 bytes)."""
    h = _keyed(secret).copy()
    h.update(id_number.encode())
    n = int.from_bytes(h.digest()[:8], "big") >> 4
    return "".join([_B32[(n >> s) & 31] for s in _SHIFTS])


_B32 = "abcdefghijklmnopqrstuvwxyz234567"
_SHIFTS = tuple(range(55, -1, -5))


@lru_cache(maxsize=8)
def _keyed(secret: str) -> hmac.HMAC:
    return hmac.new(secret.encode(), digestmod=hashlib.sha256)


def _mode(values: Iterable[Any]) -> Any:
    """The most frequent value; ties go to the smallest, so the result never depends on the order
    records arrived in (parallel or resumed ingests)."""
    vals = [v for v in values if v]
    if not vals:
        return None
    if all(v == vals[0] for v in vals):  # most persons: one record, or records that agree
        return vals[0]
    counts = Counter(vals)
    return min(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))[0]


def _date(s: str | None) -> date | None:
    if not s:
        return None
    try:
        return date.fromisoformat(s[:10])
    except ValueError:
        return None


class _Status:
    """Latest status of a cluster, fast: canonical key by the date the source speaks for."""

    def __init__(self, paths: dict[int, str]) -> None:
        self.T = terms()
        self.keys: dict[str, tuple[str | None, int]] = {}
        self.list_dates: dict[int, str | None] = {}
        self.paths = paths

    def latest(self, recs: list[Rec]) -> tuple[str | None, str | None]:
        best: tuple[str, int] | None = None
        best_key = best_date = None
        for r in recs:
            if r.status:
                hit = self.keys.get(r.status)
                if hit is None:
                    k = self.T.lookup("status", r.status)
                    hit = self.keys[r.status] = (k, int(self.T.entry("status", k).get("rank", 0)) if k else 0)
            elif r.relation:  # a household sheet row: registered there (as summary.event says)
                hit = ("registered", 0)
            else:
                continue
            k, rank = hit
            if k is None:
                continue
            ld = self.list_dates.get(r.file_id, "?")
            if ld == "?":
                ld = self.list_dates[r.file_id] = list_date(self.paths.get(r.file_id))
            as_of = max(x for x in (r.event_date, ld) if x) if (r.event_date or ld) else ""
            cand = (as_of, rank)
            if best is None or cand > best:
                best, best_key, best_date = cand, k, as_of or None
        return best_key, best_date


def _person_row(pid: str, c: Cluster, status: _Status) -> dict[str, Any]:
    recs = c.records
    if c.id_number:
        n = c.id_number
        sex = "male" if n[16] in "13579" else "female"
        birth = _date(f"{n[6:10]}-{n[10:12]}-{n[12:14]}")
        region = n[:6]
    else:
        sex = _mode(r.sex for r in recs)
        birth = _date(_mode(r.birth for r in recs))
        region = None
        for r in recs:
            pat = r.id_pattern or r.id_number
            if pat and "?" not in pat[:6]:
                region = pat[:6]
                if birth is None and "?" not in pat[6:14]:
                    birth = _date(f"{pat[6:10]}-{pat[10:12]}-{pat[12:14]}")
                break
    key, when = status.latest(recs)
    return {
        "id": pid,
        "id_number": c.id_number,
        "name": _mode(r.name for r in recs),
        "sex": sex,
        "birth_date": birth,
        "region_code": region,
        "township": _mode(r.township for r in recs),
        "village": _mode(r.village for r in recs),
        "latest_status": key,
        "latest_status_date": _date(when),
        "records": len(recs),
        "basis": c.basis,
    }


def load(conn: Any) -> tuple[list[Rec], dict[int, str], dict[int, str]]:
    """Every record (the fields linking needs), file paths, and stable locators of records
    without any ID number."""
    paths = dict(conn.exec_driver_sql("SELECT id, path FROM source_file").all())
    pool: dict[Any, Any] = {}
    records = [make_rec(row, pool) for row in conn.exec_driver_sql(f"SELECT {RECORD_COLUMNS} FROM record")]
    del pool
    # Linking decides each record against the persons earlier records made, so the order is part of
    # the result. Record ids follow the order in which parallel readers finished their files, and
    # table scans return rows in an engine's own order: sorted by file path, then row order within
    # the file, the same records give the same persons on every run and on both engines.
    records.sort(key=lambda r: (paths.get(r.file_id, ""), r.id))
    locators: dict[int, str] = {}
    noid = {r.id: r for r in records if not r.id_number and not r.id_pattern}
    if noid:
        for rid, loc, txt in conn.exec_driver_sql(
            "SELECT id, locator, text FROM record WHERE id_number IS NULL AND id_pattern IS NULL"
        ):
            if isinstance(loc, str):
                try:
                    loc = json.loads(loc)
                except ValueError:
                    pass
            locators[rid] = json.dumps(loc, sort_keys=True, ensure_ascii=False)
            if rid in noid:
                noid[rid].text = txt
    return records, paths, locators


def _rss_mib() -> int:
    """Resident memory now (Linux; 0 elsewhere): the progress lines show where memory goes."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 2**20
    except (OSError, ValueError, IndexError):
        return 0


class NameSink(Protocol):
    """Takes each person's names and birth year as persons are written (the name index computed
    beside the rebuild: izdesh.search.index_child.NameIndexChild)."""

    def feed(self, entries: list[tuple[str, tuple[str, ...], int | None]]) -> None: ...

    def close(self) -> None: ...


NAMES_CHUNK = 20_000  # persons per message to a NameSink: a few MB, never all at once in memory


def rebuild_persons(engine: Engine, *, progress: bool = False, names: NameSink | None = None) -> int:
    """Persons, their record links and links from all records; with ``names``, every person's
    (id, distinct record names, birth year) is fed to it as persons are written."""
    t0 = time.perf_counter()
    say = (lambda msg: print(f"[persons {time.perf_counter() - t0:6.1f}s {_rss_mib():5d} MiB] {msg}", file=sys.stderr)) if progress else (lambda msg: None)
    with no_collection(), engine.connect() as conn, derived_session(conn), conn.begin():
        secret = get_meta(conn, "person_key")
        assert secret is not None, "store without person_key (not created by open_engine)"
        records, paths, locators = load(conn)
        say(f"{len(records)} records loaded")
        linkage = link_records(records, paths, locators)
        say(f"{len(linkage.clusters)} persons linked ({dict(linkage.counts)})")
        # Persons are written before the relatives graph is built: the person rows and the graph
        # are never in memory together (the rebuild's peak).
        pids, gone = write_persons(conn, secret, linkage, paths, say, names)
        graph = relatives_mod.build(linkage.clusters, linkage.of_record, paths, records)
        forget_names()
        say(f"{len(graph.src)} relative and co-listed statements")
        # Persons are written and the graph holds what its links need: the records and clusters
        # (600 MB at full scale) go before the links are written, the rebuild's peak.
        del records
        linkage.clusters.clear()
        linkage.of_record.clear()
        linkage.record_links.clear()
        write_graph(conn, linkage, graph, pids, gone, say)
        say("written")
    return len(pids)


def pid_of(secret: str, key: str) -> str:
    return person_key(secret, key[3:]) if key.startswith("id:") else person_key(secret, key)


def _insert(conn: Any, table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    """COPY on PostgreSQL, the driver's executemany on SQLite (izdesh.store.bulk)."""
    if not rows:
        return
    insert_rows(conn, schema.metadata.tables[table], columns, rows)
    if conn.dialect.name == "postgresql":  # plan what follows (updates, key checks) on real sizes
        conn.exec_driver_sql(f"ANALYZE {table}")


PERSON_COLUMNS = (
    "id", "id_number", "name", "sex", "birth_date", "region_code", "township", "village", "latest_status",
    "latest_status_date", "records", "basis",
)  # fmt: skip


class _Digest:
    """A fingerprint of rows in order, their count and a hash of their values, taken as the rows
    stream past (``feed``) on their way into the table. Rows are pickled by the thousand without
    pickle's memo (``fast``), so equal rows give equal bytes whatever objects they share; repr()
    of each row cost 15 s for the 2.8 million links at full scale, this 2."""

    CHUNK = 10_000

    def __init__(self) -> None:
        self.h = hashlib.sha256()
        self.n = 0

    def _take(self, chunk: list[tuple[Any, ...]]) -> None:
        buf = io.BytesIO()
        p = pickle.Pickler(buf, protocol=5)
        p.fast = True
        p.dump(chunk)
        self.h.update(buf.getbuffer())
        self.n += len(chunk)

    def feed(self, rows: Iterable[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
        chunk: list[tuple[Any, ...]] = []
        for r in rows:
            chunk.append(r)
            if len(chunk) >= self.CHUNK:
                self._take(chunk)
                chunk = []
            yield r
        if chunk:
            self._take(chunk)

    def __str__(self) -> str:
        return f"{self.n}:{self.h.hexdigest()}"


def _digest(rows: Iterable[tuple[Any, ...]]) -> str:
    d = _Digest()
    for _ in d.feed(rows):
        pass
    return str(d)


def _rows_unchanged(conn: Any, table: str, meta_key: str, digest: str) -> bool:
    """True when the table holds the rows last written with this fingerprint: derived tables are
    left alone when a rebuild finds nothing changed (no millions of rows rewritten)."""
    if get_meta(conn, meta_key) != digest:
        return False
    return str(conn.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar()) == digest.split(":", 1)[0]


def _replace_rows(conn: Any, table: Any, meta_key: str, columns: tuple[str, ...],
                  rows: Callable[[], Iterable[tuple[Any, ...]]]) -> int | None:  # fmt: skip
    """Fill a derived table with ``rows()`` unless it holds them already (None then). When the
    table was written before, the rows are fingerprinted first (formatting them twice costs far
    less than rewriting millions of unchanged rows); on a first build they are fingerprinted on
    their way in."""
    if get_meta(conn, meta_key) is not None and _rows_unchanged(conn, table.name, meta_key, _digest(rows())):
        return None
    digest = _Digest()
    n = refill(conn, table, columns, lambda: digest.feed(rows()))
    if conn.dialect.name == "postgresql":  # plan what follows (updates, key checks) on real sizes
        conn.exec_driver_sql(f"ANALYZE {table.name}")
    set_meta(conn, meta_key, str(digest))
    return n


def write_persons(
    conn: Any, secret: str, linkage: Linkage, paths: dict[int, str], say: Any, names: NameSink | None = None
) -> tuple[dict[str, str], list[tuple[str]]]:
    """Persons, record links and record.person_id; returns the person id of each cluster and the
    persons no longer in the store (removed by ``write_graph``, once no link points at them).
    ``names`` gets each person's names and birth year: the (person id, name, birth date) of the
    store's records and persons that rebuild_name_index reads, without reading them again."""
    sqlite = conn.dialect.name == "sqlite"
    pids: dict[str, str] = {key: pid_of(secret, key) for key in linkage.clusters}
    status = _Status(paths)
    rows: list[tuple[Any, ...]] = []
    entries: list[tuple[str, tuple[str, ...], int | None]] = []
    for key, c in linkage.clusters.items():
        d = _person_row(pids[key], c, status)
        if names is not None:
            # The person's name is the commonest of its records' names: one of them already.
            entries.append((d["id"], tuple(c.names()), d["birth_date"].year if d["birth_date"] else None))
            if len(entries) >= NAMES_CHUNK:
                names.feed(entries)
                entries = []
        if sqlite:
            for k in ("birth_date", "latest_status_date"):
                d[k] = d[k].isoformat() if d[k] else None
        rows.append(tuple(d[k] for k in PERSON_COLUMNS))
    if names is not None:
        names.feed(entries)
        names.close()
    del entries
    rows.sort()  # by person id: merged with the store's rows below, and the B-tree fills in order
    # Persons are diffed against the store (read in id order, a row at a time), not rewritten:
    # after an ingest that added a few files most rows are unchanged.
    new: list[tuple[Any, ...]] = []
    changed: list[tuple[Any, ...]] = []
    gone: list[tuple[str]] = []
    i = 0
    for row in conn.exec_driver_sql(f"SELECT {', '.join(PERSON_COLUMNS)} FROM person ORDER BY id"):
        t = tuple(row)
        if sqlite:
            t = t[:4] + (str(t[4]) if t[4] is not None else None,) + t[5:9] + (str(t[9]) if t[9] is not None else None,) + t[10:]
        while i < len(rows) and rows[i][0] < t[0]:
            new.append(rows[i])
            i += 1
        if i < len(rows) and rows[i][0] == t[0]:
            if rows[i] != t:
                changed.append(rows[i])
            i += 1
        else:
            gone.append((t[0],))
    new.extend(rows[i:])
    del rows
    if changed:  # a changed person whose ID number moved to another person id cannot happen
        ph = "?" if conn.dialect.paramstyle == "qmark" else "%s"
        sets = ", ".join(f"{c} = {ph}" for c in PERSON_COLUMNS[1:])
        conn.exec_driver_sql(f"UPDATE person SET {sets} WHERE id = {ph}", [r[1:] + (r[0],) for r in changed])
    _insert(conn, "person", PERSON_COLUMNS, new)
    say(f"{len(pids)} persons: {len(new)} new, {len(changed)} changed, {len(gone)} gone")
    del new, changed
    # Why each record not carrying a plain valid ID belongs where it is.
    explained = {rl.record_id for rl in linkage.record_links if rl.kind == "same"}
    rows = [(rl.record_id, pids[rl.cluster], rl.kind, rl.method, rl.score, rl.why) for rl in linkage.record_links]
    for key, c in linkage.clusters.items():
        if c.id_number:
            continue
        for r in c.records:
            if r.id in explained:
                continue
            why = {
                "bad_id": f"The written ID {r.id_number} fails its check and no person in the store is one typing"
                " slip away with the same name: kept as a person of its own"
                + (f" with {len(c.records) - 1} other record(s) carrying the same number and name." if len(c.records) > 1 else "."),
                "id_pattern": f"The ID lost its last digits in a spreadsheet ({r.id_pattern}) and no single person"
                " in the store fits it with the same name: kept as a person of its own"
                + (f" with {len(c.records) - 1} other record(s) with the same digits, name and sex." if len(c.records) > 1 else "."),
                "name": "No ID number written and no person in the store agrees closely enough on name, age, sex"
                " and place: kept as a person of its own (never forced).",
            }[c.basis]
            rows.append((r.id, pids[key], "own", "alone", 1.0, why))
    rl_cols = ("record_id", "person_id", "kind", "method", "score", "why")
    n = _replace_rows(conn, schema.record_link, "record_links_digest", rl_cols, lambda: rows)
    say(f"{len(rows)} record links " + ("unchanged" if n is None else "written"))
    del rows
    if conn.dialect.name == "postgresql":  # a hash join rather than one index probe per record
        set_by_id = (
            "UPDATE record SET person_id = p.id FROM person p WHERE p.id_number = record.id_number"
            " AND record.id_valid = 1 AND record.person_id IS NULL"
        )
    else:
        set_by_id = (
            "UPDATE record SET person_id = (SELECT p.id FROM person p WHERE p.id_number = record.id_number)"
            " WHERE id_number IS NOT NULL AND id_valid = 1 AND person_id IS NULL"
        )
    # The ingest writes a valid number's person with the record (izdesh.ingest.rows.person_of):
    # this catches records stored before it did.
    conn.execute(text(set_by_id))
    conn.execute(
        text(
            "UPDATE record SET person_id = (SELECT l.person_id FROM record_link l WHERE l.record_id = record.id"
            " AND l.kind IN ('same', 'own'))"
            " WHERE id IN (SELECT record_id FROM record_link WHERE kind IN ('same', 'own'))"
        )
    )
    say("record.person_id set")
    return pids, gone


def write_graph(
    conn: Any, linkage: Linkage, graph: relatives_mod.Graph, pids: dict[str, str], gone: list[tuple[str]], say: Any
) -> None:
    """Links between persons (relatives, co-listed, possibly the same), photos' persons, and the
    removal of persons gone."""
    cols = ("kind", "src", "dst", "relation", "record_id", "score", "why")

    def links() -> Iterator[tuple[Any, ...]]:
        for pl in linkage.person_links:
            yield ("possibly_same", pids[pl.src], pids[pl.dst], None, pl.record_id, pl.score, pl.why)
        yield from graph.rows(pids)

    n = _replace_rows(conn, schema.link, "links_digest", cols, links)
    say("links unchanged" if n is None else f"{n} links written")
    conn.execute(
        text(
            "UPDATE photo SET person_id = (SELECT person_id FROM record WHERE record.id = photo.record_id)"
            " WHERE record_id IS NOT NULL"
        )
    )
    if gone:  # nothing points at them any more (the name index, rebuilt after us, may still)
        ph = "?" if conn.dialect.paramstyle == "qmark" else "%s"
        ids = [g for (g,) in gone]
        for i in range(0, len(ids), 500):  # by the hundred: name_key has no index on person_id
            chunk = tuple(ids[i : i + 500])
            marks = ", ".join([ph] * len(chunk))
            conn.exec_driver_sql(f"DELETE FROM name_key WHERE person_id IN ({marks})", chunk)
            conn.exec_driver_sql(f"DELETE FROM person WHERE id IN ({marks})", chunk)
    say(f"{len(gone)} persons removed")
