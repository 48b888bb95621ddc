"""The ground truth of a synthetic leak, streamed to DIR/truth/ (never read by the ingester).

persons.jsonl   one person a line: id_number, name_zh, name_latin, given_latin, father_latin, sex,
                birth_date, ethnicity, county_code, township, village, household, relation,
                phone, abroad, alive, relatives [{id_number, relation, pid}],
                statuses [{status, status_zh, date, facility, building, cell, reason, category,
                sentence_years}], pid
mentions.jsonl  every Mention: pid, id_number (the true one), file, kind, locator, written_id,
                written_name, id_damage
files.jsonl     every FileTruth: path, kind, format, state, note, persons, created

Lines are written in a fixed order (persons by pid, mentions and files in plan order) with
``sort_keys`` off and a fixed field order, so the truth files are byte-identical for a seed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

from .model import FileTruth, Mention, Person, StatusEvent

_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def status_json(e: StatusEvent) -> dict:
    return {
        "status": e.status,
        "status_zh": e.status_zh,
        "date": e.on.isoformat(),
        "facility": e.facility_zh,
        "building": e.building,
        "cell": e.cell,
        "reason": e.reason_zh,
        "category": e.category_zh,
        "sentence_years": e.sentence_years,
    }


def person_json(p: Person, P: list[Person]) -> dict:
    return {
        "pid": p.pid,
        "id_number": p.id_number,
        "name_zh": p.name_zh,
        "name_latin": p.name_latin,
        "given_latin": p.given_latin,
        "father_latin": p.father_latin,
        "sex": p.sex,
        "birth_date": p.birth_date.isoformat(),
        "ethnicity": p.ethnicity_zh,
        "county_code": p.county_code,
        "township": p.township_zh,
        "village": p.village_zh,
        "household": p.household if p.household > 0 else None,
        "relation": p.relation_zh or None,
        "phone": p.phone,
        "abroad": p.abroad,
        # Dead before the registers were made (named only as a parent).
        "alive": p.household > 0,
        "relatives": [{"id_number": P[q].id_number, "relation": k, "pid": q} for q, k in p.relatives],
        "statuses": [status_json(e) for e in p.statuses],
    }


def mention_json(m: Mention, id_number: str) -> dict:
    return {
        "pid": m.pid,
        "id_number": id_number,
        "file": m.file,
        "kind": m.kind,
        "locator": m.locator,
        "written_id": m.written_id,
        "written_name": m.written_name,
        "id_damage": m.id_damage,
    }


def file_json(f: FileTruth) -> dict:
    return {
        "path": f.path,
        "kind": f.kind,
        "format": f.format,
        "state": f.state,
        "note": f.note,
        "persons": f.persons,
        "created": f.created.isoformat() if f.created else None,
    }


class TruthWriter:
    """Streams the three truth files. Mentions can come before the persons are written."""

    def __init__(self, folder: Path, persons: list[Person] | None = None) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self._P = persons
        self._m = open(folder / "mentions.jsonl", "w", encoding="utf-8", newline="\n")
        self._f = open(folder / "files.jsonl", "w", encoding="utf-8", newline="\n")
        self._ids: dict[int, str] | None = None

    def bind(self, persons: list[Person]) -> None:
        self._P = persons

    def mention(self, m: Mention) -> None:
        P = self._P
        if P is None:
            from .leak import _STATE

            P = self._P = _STATE["persons"]
        self._m.write(_dumps(mention_json(m, P[m.pid].id_number)) + "\n")

    def file(self, f: FileTruth) -> None:
        self._f.write(_dumps(file_json(f)) + "\n")

    def persons(self, pop) -> None:
        P = pop.persons
        with open(self.folder / "persons.jsonl", "w", encoding="utf-8", newline="\n") as fh:
            buf = []
            for p in P:
                buf.append(_dumps(person_json(p, P)))
                if len(buf) >= 5000:
                    fh.write("\n".join(buf) + "\n")
                    buf.clear()
            if buf:
                fh.write("\n".join(buf) + "\n")

    def close(self) -> None:
        self._m.close()
        self._f.close()


def read_jsonl(path: Path) -> Iterator[dict]:
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)
