"""Orchestrates the synthetic leak: population -> file plan -> writers -> ground truth.

    generate(out, persons=3000, seed=0)   # a few seconds
    generate(out, full=True)              # 830,000 persons, 11,477 documents, 5,074 mugshots

Everything is decided by ``seed``: the population has its own rng, the plan has its own, and every
file is written with an rng seeded from (seed, the file's index in the plan), so files can be
written in any process and in any order and still come out byte-identical. With many files the
writers run in a pool of 2 forked processes (the population is inherited, not pickled); results
come back in plan order, so mentions.jsonl and files.jsonl are deterministic too.

Layout, like a dump of police and township servers:
    疏附县/托克扎克镇/人口信息/托克扎克镇阿亚格曼干村人口登记表.xlsx
    疏附县/托克扎克镇/重点人员/托克扎克镇重点人员名单_20170612.xls
    疏附县/看守所/在押人员名单_20170726.xlsx
    疏附县/职业技能教育培训中心/疏附县第二职业技能教育培训中心/学员名单_20180105.xlsx
    疏附县/公安局/工作报告/关于...的报告.docx
    疏附县/照片/201803/653121199001010019_20180312093015.jpg
    truth/persons.jsonl, truth/mentions.jsonl, truth/files.jsonl   (never read by the ingester)

Writers of other kinds come from sibling modules (documents, pdfs, slides, photos, broken); a
kind whose module is missing is skipped and listed in the summary under ``"skipped"``.
"""

from __future__ import annotations

import importlib
import os
import random
import sys
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from . import population as popmod
from .model import FileTruth, Mention, Person
from .population import COUNTY_ZH, SHUFU, TEKES, Population
from .population import pick_weighted
from .tables import XLS_MAX_ROWS, TableSpec, write_table

DEFAULT_PERSONS = 3000
FULL_PERSONS = 830_000
FULL_TABLES = 454
FULL_DOCUMENTS = 11_477  # spreadsheets included
FULL_MUGSHOTS = 5_074
FULL_PHOTOS = 300  # photos without people (inside detention centres)

# Share of the non-spreadsheet documents by kind.
DOC_KINDS = (("report", 0.42), ("speech", 0.12), ("text_pdf", 0.24), ("scan_pdf", 0.10), ("slides", 0.12))
BROKEN_SHARE = 0.015  # files damaged after writing (truncated, empty, encrypted, misnamed)


@dataclass
class DocSpec:
    index: int
    kind: str  # report, speech, text_pdf, scan_pdf, slides
    path: str
    title: str
    on: date
    pids: list[int] = field(default_factory=list)
    created: datetime | None = None
    broken: str | None = None


@dataclass
class PhotoSpec:
    index: int
    kind: str  # mugshot, photo
    path: str
    pid: int | None
    when: datetime
    created: datetime | None = None
    broken: str | None = None


def _day(rng: random.Random, lo: date, hi: date) -> date:
    return lo + timedelta(days=rng.randrange(max(1, (hi - lo).days + 1)))


def _when(rng: random.Random, d: date) -> datetime:
    return datetime(d.year, d.month, d.day, rng.randint(8, 21), rng.randrange(60), rng.randrange(60))


def _ymd(d: date) -> str:
    return f"{d.year:04d}{d.month:02d}{d.day:02d}"


class _Paths:
    def __init__(self) -> None:
        self.used: set[str] = set()

    def take(self, path: str) -> str:
        if path not in self.used:
            self.used.add(path)
            return path
        stem, dot, ext = path.rpartition(".")
        k = 2
        while f"{stem}({k}).{ext}" in self.used:
            k += 1
        p = f"{stem}({k}).{ext}"
        self.used.add(p)
        return p


def _table_format(rng: random.Random, rows: int) -> str:
    f = pick_weighted(rng, (("xlsx", 0.62), ("xls", 0.22), ("csv-gb18030", 0.09), ("csv-utf8-bom", 0.07)))
    if f == "xls" and rows > XLS_MAX_ROWS - 100:
        f = "xlsx"
    return f


def _list_cap(rng: random.Random) -> int:
    """How many rows one list file holds at most (clerks list a township, a block, a batch)."""
    return rng.choice((150, 300, 600, 1000, 1500, 2500, 4000))


_EXT = {"xlsx": "xlsx", "xls": "xls", "csv-gb18030": "csv", "csv-utf8-bom": "csv"}


# --- the plan ------------------------------------------------------------------------------------

def plan(pop: Population, seed: int, *, full: bool) -> list[Any]:
    """Every file of the leak, in order. Deterministic for (population, seed)."""
    rng = random.Random(f"izdesh-plan:{seed}")
    P = pop.persons
    n = len(P)
    f = n / FULL_PERSONS
    n_tables = FULL_TABLES if full else max(24, round(FULL_TABLES * f))
    n_docs = (FULL_DOCUMENTS - FULL_TABLES) if full else max(30, round((FULL_DOCUMENTS - FULL_TABLES) * f))
    n_mug = FULL_MUGSHOTS if full else max(20, round(FULL_MUGSHOTS * f))
    n_photo = FULL_PHOTOS if full else max(5, round(FULL_PHOTOS * f))
    paths = _Paths()
    items: list[Any] = []

    def add(item) -> None:
        items.append(item)

    # Registers: most villages; some townships keep one workbook with a sheet per village.
    by_town: dict[tuple[str, str], list[popmod.Village]] = {}
    for v in pop.villages:
        by_town.setdefault((v.county_code, v.township_zh), []).append(v)
    reg_specs: list[TableSpec] = []
    for (county, town), vs in by_town.items():
        cz = COUNTY_ZH[county]
        covered = [v for v in vs if rng.random() < 0.85] or vs[:1]
        rows_of = {v.index: [pid for pid in v.pids if P[pid].statuses and P[pid].statuses[0].status == "registered"]
                   for v in covered}
        covered = [v for v in covered if rows_of[v.index]]
        if not covered:
            continue
        if len(covered) > 1 and rng.random() < 0.3:
            on = max(v.registered_on for v in covered)
            total = sum(len(rows_of[v.index]) for v in covered)
            fmt = "xlsx" if rng.random() < 0.8 else ("xls" if total < XLS_MAX_ROWS else "xlsx")
            spec = TableSpec(0, "register", fmt,
                             paths.take(f"{cz}/{town}/人口信息/{town}人口登记表_{on.year}.{_EXT[fmt]}"),
                             f"{cz}{town}人口登记表", on,
                             [(v.village_zh[:31], rows_of[v.index]) for v in covered],
                             unit=f"{town}人民政府")
            reg_specs.append(spec)
        else:
            for v in covered:
                rows = rows_of[v.index]
                fmt = _table_format(rng, len(rows))
                name = rng.choice((f"{town}{v.village_zh}人口登记表", f"{v.village_zh}人口信息登记表",
                                   f"{v.village_zh}户籍人口花名册", f"{v.village_zh}常住人口登记表"))
                spec = TableSpec(0, "register", fmt, paths.take(f"{cz}/{town}/人口信息/{name}.{_EXT[fmt]}"),
                                 f"{town}{v.village_zh}人口登记表", v.registered_on,
                                 [(rng.choice(("Sheet1", v.village_zh, "人口登记")), rows)],
                                 unit=f"{v.village_zh}村委会")
                reg_specs.append(spec)
    rng.shuffle(reg_specs)
    reg_specs = reg_specs[: max(1, int(n_tables * 0.75))]
    for s in sorted(reg_specs, key=lambda s: s.path):
        s.created = _when(rng, s.on + timedelta(days=rng.randint(0, 20)))
        add(s)

    # Lists: who is in custody, suspected, sentenced; families of people of interest.
    interest: dict[tuple[str, str], list[int]] = {}
    by_county: dict[str, list[int]] = {}
    abroad_hh: set[int] = set()
    for p in P:
        if p.abroad and p.household > 0:
            abroad_hh.add(p.household)
        if len(p.statuses) > 1 or (p.statuses and p.statuses[0].status != "registered"):
            interest.setdefault((p.county_code, p.township_zh), []).append(p.pid)
            by_county.setdefault(p.county_code, []).append(p.pid)
    towns = sorted(interest)
    at_facility: dict[str, list[int]] = {}
    for pids in by_county.values():
        for pid in pids:
            for fac in sorted({e.facility_zh for e in P[pid].statuses if e.facility_zh}):
                at_facility.setdefault(fac, []).append(pid)
    n_lists = n_tables - len(reg_specs)
    kinds = (("detainee_list", 0.40), ("blacklist", 0.25), ("household", 0.2), ("sentence_list", 0.15))
    made = 0
    attempts = 0
    while made < n_lists and attempts < n_lists * 20 and towns:
        attempts += 1
        kind = pick_weighted(rng, kinds) if made >= 4 else ("detainee_list", "blacklist", "household", "sentence_list")[made]
        county, town = towns[rng.randrange(len(towns))]
        cz = COUNTY_ZH[county]
        if kind == "detainee_list":
            on = _day(rng, date(2017, 3, 1), date(2018, 10, 31))
            if rng.random() < 0.35:  # a facility's own list
                facs = popmod.CAMPS[county] + popmod.DETENTION[county]
                fac = rng.choice(facs)
                rows = []
                for pid in at_facility.get(fac, ()):
                    e = popmod.status_at(P[pid], on)
                    if e is not None and e.facility_zh == fac and e.status in ("detained", "re_education"):
                        rows.append(pid)
                folder = f"{cz}/看守所" if "看守所" in fac else f"{cz}/职业技能教育培训中心/{fac}"
                name = rng.choice(("在押人员名单", "学员名单", "人员花名册", "在册人员")) + "_" + _ymd(on)
                title = f"{fac}在押人员名单" if "看守所" in fac else f"{fac}学员花名册"
                unit = fac
            else:
                rows = []
                for pid in interest[(county, town)]:
                    e = popmod.status_at(P[pid], on)
                    if e is not None and e.status in ("detained", "re_education"):
                        rows.append(pid)
                folder = f"{cz}/{town}/在押人员"
                name = rng.choice((f"{town}在押人员情况", f"{town}被收押人员名单", f"{town}教培人员统计")) + "_" + _ymd(on)
                title = f"{town}被收押人员名单"
                unit = f"{town}派出所"
        elif kind == "blacklist":
            on = _day(rng, date(2016, 12, 1), date(2018, 6, 30))
            rows = [pid for pid in interest[(county, town)]
                    if any(e.status == "blacklisted" and e.on <= on for e in P[pid].statuses)]
            folder = f"{cz}/{town}/重点人员"
            name = rng.choice((f"{town}重点人员名单", f"{town}重点人员花名册", f"{town}列管人员")) + "_" + _ymd(on)
            title = f"{town}重点人员名单"
            unit = f"{town}派出所"
        elif kind == "sentence_list":
            on = _day(rng, date(2017, 9, 1), date(2018, 12, 31))
            scope = by_county.get(county, []) if rng.random() < 0.4 else interest[(county, town)]
            rows = [pid for pid in scope if any(e.status == "sentenced" and e.on <= on for e in P[pid].statuses)]
            folder = f"{cz}/公安局/判刑人员"
            name = rng.choice(("判刑人员名单", "已判人员统计", f"{town}判刑人员")) + "_" + _ymd(on)
            title = f"{cz}判刑人员名单"
            unit = f"{cz}公安局"
        else:  # household sheets of families of people of interest and of relatives abroad
            on = _day(rng, date(2017, 6, 1), date(2018, 10, 31))
            hh = sorted({P[pid].household for pid in interest[(county, town)] if P[pid].household > 0}
                        | {h for h in abroad_hh if P[pop.households[h][0]].township_zh == town
                           and P[pop.households[h][0]].county_code == county})
            rng.shuffle(hh)
            hh = sorted(hh[: max(5, min(int(len(hh) * rng.uniform(0.3, 0.9)), _list_cap(rng) // 4))])
            rows = [pid for h in hh for pid in pop.households[h]]
            folder = f"{cz}/{town}/家庭成员"
            name = rng.choice((f"{town}重点人员家庭成员情况", f"{town}户籍信息表", f"{town}家庭成员登记表")) + "_" + _ymd(on)
            title = f"{town}重点人员家庭成员情况表"
            unit = f"{town}派出所"
        if not rows:
            continue
        cap = _list_cap(rng)
        if kind != "household" and len(rows) > cap:  # one clerk's part of the list
            rows = rng.sample(rows, cap)
        if kind != "household":
            rows.sort(key=lambda q: (P[q].township_zh, P[q].village_zh, P[q].household, q))
        fmt = _table_format(rng, len(rows))
        sheet = rng.choice(("Sheet1", "名单", title[:20]))
        spec = TableSpec(0, kind, fmt, paths.take(f"{folder}/{name}.{_EXT[fmt]}"), title, on,
                         [(sheet, rows)], created=_when(rng, on), unit=unit)
        add(spec)
        made += 1

    # Documents written by the documents helper.
    all_interest = [pid for t in towns for pid in interest[t]]
    for _ in range(n_docs):
        kind = pick_weighted(rng, DOC_KINDS)
        on = _day(rng, date(2016, 10, 1) if kind in ("speech", "slides") else date(2017, 4, 1), date(2018, 12, 31))
        county = SHUFU if rng.random() < 0.65 else TEKES
        cz = COUNTY_ZH[county]
        pids: list[int] = []
        if kind in ("report", "text_pdf", "scan_pdf") and all_interest:
            town_keys = [t for t in towns if t[0] == county] or towns
            t = town_keys[rng.randrange(len(town_keys))]
            pool = interest[t]
            k = min(len(pool), rng.choice((1, 1, 2, 3, 5, 8, 12, 20, 40)))
            pids = sorted(rng.sample(pool, k))
            town = t[1]
        else:
            town = ""
        if kind == "report":
            title = rng.choice((f"关于{town}重点人员排查情况的报告", f"{town}维稳工作情况汇报",
                                f"关于对{town}部分人员采取措施的请示", f"{town}“应收尽收”工作进展情况"))
            path = f"{cz}/公安局/工作报告/{title}_{_ymd(on)}.docx"
        elif kind == "speech":
            title = rng.choice(("在全县反恐维稳工作会议上的讲话", "在教培中心工作推进会上的讲话",
                                "教培中心安全管理规定", "看守所突发事件应急处置预案", "学员管理工作细则",
                                "在严打专项行动部署会上的讲话"))
            path = f"{cz}/领导讲话/{title}_{_ymd(on)}.docx"
        elif kind == "text_pdf":
            title = rng.choice((f"{town}重点人员情况通报", f"关于{town}收押人员的通知", f"{town}人员处置审批表"))
            path = f"{cz}/公安局/通知通报/{title}_{_ymd(on)}.pdf"
        elif kind == "scan_pdf":
            title = rng.choice((f"{town}收押审批表", f"{town}人员情况登记表（扫描件）", f"{town}教育转化审批"))
            path = f"{cz}/扫描件/{title}_{_ymd(on)}.pdf"
        else:
            title = rng.choice(("反恐维稳形势与任务", "重点人员管控工作", "教培中心安全管理规范",
                                "快牙等境外软件的识别与查处", "去极端化教育转化", "警械武器使用规定"))
            path = f"{cz}/培训课件/{title}_{_ymd(on)}.pptx"
        add(DocSpec(0, kind, paths.take(path), title, on, pids, created=_when(rng, on)))

    # Mugshots: Jan–Jul 2018, most of detained people, the rest of others of interest.
    detained_2018 = [pid for pid in all_interest
                     if any(e.status in ("detained", "re_education") and e.on <= date(2018, 7, 31)
                            for e in P[pid].statuses) and 15 <= P[pid].age_2017 <= 73]
    dset = set(detained_2018)
    others = [pid for pid in all_interest if pid not in dset] or detained_2018
    for _ in range(n_mug):
        src = detained_2018 if (rng.random() < 0.6 and detained_2018) else others
        if not src:
            break
        pid = src[rng.randrange(len(src))]
        d = _day(rng, date(2018, 1, 1), date(2018, 7, 31))
        when = _when(rng, d)
        p = P[pid]
        path = f"{COUNTY_ZH[p.county_code]}/照片/{d.year}{d.month:02d}/{p.id_number}_{when:%Y%m%d%H%M%S}.jpg"
        add(PhotoSpec(0, "mugshot", paths.take(path), pid, when, created=when))
    for _ in range(n_photo):
        d = _day(rng, date(2017, 6, 1), date(2018, 10, 31))
        when = _when(rng, d)
        cz = COUNTY_ZH[SHUFU if rng.random() < 0.7 else TEKES]
        path = f"{cz}/照片/现场/IMG_{when:%Y%m%d_%H%M%S}.jpg"
        add(PhotoSpec(0, "photo", paths.take(path), None, when, created=when))

    for i, it in enumerate(items):
        it.index = i
    # A few files damaged after writing (never the mugshots: their names are the evidence).
    k = max(2, round(len(items) * BROKEN_SHARE))
    cands = [i for i, it in enumerate(items) if not isinstance(it, PhotoSpec)]
    for t in sorted(rng.sample(cands, min(k, len(cands)))):
        items[t].broken = pick_weighted(rng, (("truncate", 0.35), ("empty", 0.15), ("encrypt", 0.2), ("misname", 0.3)))
    return items


# --- writing (in a worker or in-process) ---------------------------------------------------------

_STATE: dict[str, Any] = {}


def _modules() -> dict[str, Any]:
    mods = _STATE.get("mods")
    if mods is None:
        mods = {}
        for name in ("documents", "pdfs", "slides", "photos", "broken"):
            try:
                mods[name] = importlib.import_module(f"izdesh.generate.{name}")
            except ImportError:
                mods[name] = None
        _STATE["mods"] = mods
    return mods


_DOC_WRITER = {  # kind -> (module, function)
    "report": ("documents", "write_report_docx"),
    "speech": ("documents", "write_speech_docx"),
    "text_pdf": ("pdfs", "write_text_pdf"),
    "scan_pdf": ("pdfs", "write_scan_pdf"),
    "slides": ("slides", "write_slides_pptx"),
    "mugshot": ("photos", "write_mugshot"),
    "photo": ("photos", "write_plain_photo"),
}


def _writer(kind: str):
    mod, fn = _DOC_WRITER[kind]
    m = _modules().get(mod)
    return getattr(m, fn, None) if m is not None else None


def _touch(path: Path, when: datetime | None) -> None:
    if when is not None and path.exists():
        ts = when.timestamp()
        os.utime(path, (ts, ts))


def _fix(mentions, rel: str) -> list[Mention]:
    out = []
    for m in mentions or ():
        m.file = rel
        out.append(m)
    return out


def write_item(item) -> tuple[list[Mention], FileTruth | None, str | None]:
    """Write one planned file. Returns (mentions, file truth, skipped kind or None)."""
    root: Path = _STATE["root"]
    P: list[Person] = _STATE["persons"]
    book = _STATE["book"]
    seed = _STATE["seed"]
    rng = random.Random(f"izdesh-file:{seed}:{item.index}")
    if isinstance(item, TableSpec):
        mentions, ft = write_table(root, item, P, rng, book)
        _touch(root / item.path, item.created)
        _damage(root, item, ft, mentions)
        return mentions, ft, None
    path = root / item.path
    fn = _writer(item.kind)
    if fn is None:
        return [], None, item.kind
    path.parent.mkdir(parents=True, exist_ok=True)
    fmt = {"report": "docx", "speech": "docx", "text_pdf": "pdf", "scan_pdf": "pdf-scan", "slides": "pptx",
           "mugshot": "jpg", "photo": "jpg"}[item.kind]
    if isinstance(item, DocSpec):
        people = [P[q] for q in item.pids]
        if item.kind == "speech":
            mentions = fn(path, rng, title_zh=item.title, date=item.on)
        elif item.kind == "slides":
            mentions = fn(path, rng, title_zh=item.title, people=people, book=book, date=item.on, rel=item.path)
        else:
            mentions = fn(path, people, rng, book, title_zh=item.title, date=item.on, rel=item.path)
        kind = {"report": "report", "speech": "speech", "text_pdf": "report", "scan_pdf": "scan",
                "slides": "slides"}[item.kind]
    else:
        if item.kind == "mugshot":
            rel_dir = item.path.rsplit("/", 1)[0]
            written, m = fn(path.parent, P[item.pid], item.when, rng, rel_dir=rel_dir)
            if Path(written) != path:  # pragma: no cover - the plan and the writer disagree on the name
                raise RuntimeError(f"mugshot written as {written}, planned {path}")
            mentions = [m]
        else:
            fn(path, rng, taken=item.when)
            mentions = []
        kind = item.kind
    mentions = _fix(mentions if isinstance(mentions, list) else [], item.path)
    _touch(path, item.created)
    ft = FileTruth(path=item.path, kind=kind, format=fmt, persons=len(mentions), created=item.created)
    _damage(root, item, ft, mentions)
    return mentions, ft, None


def _init_worker() -> None:
    # Children of a fork inherit _STATE (the population, the name book): nothing to load.
    pass


# --- main entry --------------------------------------------------------------------------------

def _load_book():
    from .names import NameBook

    return NameBook.load()


def generate(out: Path, *, persons: int | None = None, full: bool = False, seed: int = 0,
             progress: bool = True, workers: int | None = None, book=None) -> dict:
    """Write a synthetic leak to ``out`` and its ground truth to ``out/truth``; return counts."""
    from . import truth as truthmod

    t0 = time.monotonic()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    n = persons if persons is not None else (FULL_PERSONS if full else DEFAULT_PERSONS)
    book = book if book is not None else _load_book()
    pop = popmod.make(n, seed, book)
    t_pop = time.monotonic() - t0
    items = plan(pop, seed, full=full)
    _STATE.update(root=out, persons=pop.persons, book=book, seed=seed)
    tw = truthmod.TruthWriter(out / "truth", pop.persons)
    n_files = len(items)
    if workers is None:
        workers = 2 if n_files >= 400 else 1
    counts: dict[str, int] = {}
    skipped: dict[str, int] = {}
    n_mentions = 0
    truths: dict[int, FileTruth] = {}
    writable = items

    bar = _progress(progress, len(writable))
    try:
        if workers > 1:
            import gc
            import multiprocessing as mp

            gc.collect()
            gc.freeze()  # keep the inherited population's pages shared
            ctx = mp.get_context("fork")
            with ctx.Pool(workers, initializer=_init_worker) as pool:
                results = pool.imap(write_item, writable, chunksize=2)
                for item, res in zip(writable, results):
                    n_mentions += _collect(item, res, tw, counts, skipped, truths)
                    bar.advance()
            gc.unfreeze()
        else:
            for item in writable:
                n_mentions += _collect(item, write_item(item), tw, counts, skipped, truths)
                bar.advance()
    finally:
        bar.close()
    for item in writable:
        ft = truths.get(item.index)
        if ft is not None:
            tw.file(ft)
    tw.persons(pop)
    tw.close()
    summary = {
        "persons": n,
        "seed": seed,
        "files": len(truths),
        "by_kind": dict(sorted(counts.items())),
        "mentions": n_mentions,
        "skipped": dict(sorted(skipped.items())),
        "broken": sum(1 for ft in truths.values() if ft.state != "ok"),
        "camp_or_prison": sum(1 for p in pop.persons if popmod.is_camp_or_prison(p)),
        "seconds": round(time.monotonic() - t0, 2),
        "population_seconds": round(t_pop, 2),
    }
    if skipped:
        summary["todo"] = "writers missing for: " + ", ".join(sorted(skipped)) + " (modules not present yet)"
    _STATE.clear()
    return summary


def _collect(item, res, tw, counts, skipped, truths) -> int:
    mentions, ft, skip = res
    if skip:
        skipped[skip] = skipped.get(skip, 0) + 1
        return 0
    if ft is None:
        return 0
    truths[item.index] = ft
    counts[ft.kind] = counts.get(ft.kind, 0) + 1
    for m in mentions:
        tw.mention(m)
    return len(mentions)


_MISNAME = {".xlsx": (".xls",), ".xls": (".xlsx", ".csv"), ".csv": (".txt", ".xls"), ".docx": (".doc",),
            ".pdf": (".doc", ".bin"), ".pptx": (".ppt",), ".jpg": (".png", ".jpeg")}
_OOXML = (".xlsx", ".docx", ".pptx")


def _damage(root: Path, item, ft: FileTruth, mentions: list[Mention]) -> None:
    """Damage a planned file right after it is written, through the ``broken`` module."""
    how = getattr(item, "broken", None)
    if not how:
        return
    mod = _modules().get("broken")
    if mod is None:
        ft.note = f"TODO: {how} planned, izdesh.generate.broken missing"
        return
    path = root / ft.path
    if not path.exists() or path.stat().st_size < 2:
        return
    rng = random.Random(f"izdesh-broken:{_STATE['seed']}:{item.index}")
    if how == "encrypt" and path.suffix not in _OOXML:
        how = "truncate"
    mtime = path.stat().st_mtime
    if how == "truncate":
        note = mod.truncate(path, rng)
    elif how == "empty":
        note = mod.zero_byte(path)
    elif how == "encrypt":
        pw = rng.choice(("123456", "888888", "gaj110", "admin", "Aa123456"))
        note = mod.encrypt_ooxml(path, pw, when=ft.created or datetime(2018, 1, 1))
        note = f"{note}; password {pw}" if note else f"password {pw}"
    else:
        new_suffix = next((x for x in _MISNAME.get(path.suffix, (".bin",))
                           if not path.with_suffix(x).exists()), None)
        if new_suffix is None:
            return
        note = mod.misname(path, new_suffix)
        path = path.with_suffix(new_suffix)
        note = f"{note}; was {ft.path}"
        ft.path = path.relative_to(root).as_posix()
        for m in mentions:
            m.file = ft.path
    ft.state = {"truncate": "truncated", "empty": "empty", "encrypt": "encrypted", "misname": "misnamed"}[how]
    ft.note = note or ""
    os.utime(path, (mtime, mtime))


class _NoBar:
    def advance(self) -> None:
        pass

    def close(self) -> None:
        pass


class _RichBar:
    def __init__(self, total: int) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn, TimeRemainingColumn

        self.p = Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                          TimeElapsedColumn(), TimeRemainingColumn(), transient=False)
        self.p.start()
        self.t = self.p.add_task("writing files", total=total)

    def advance(self) -> None:
        self.p.advance(self.t)

    def close(self) -> None:
        self.p.stop()


def _progress(on: bool, total: int):
    if not on:
        return _NoBar()
    try:
        return _RichBar(total)
    except Exception:  # pragma: no cover
        return _NoBar()


def main(argv: list[str] | None = None) -> int:
    import argparse
    import json

    ap = argparse.ArgumentParser(prog="python -m izdesh.generate.leak", description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--persons", type=int)
    ap.add_argument("--full", action="store_true")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--workers", type=int)
    ap.add_argument("--no-progress", action="store_true")
    a = ap.parse_args(argv)
    s = generate(a.out, persons=a.persons, full=a.full, seed=a.seed, progress=not a.no_progress,
                 workers=a.workers)
    print(json.dumps(s, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
