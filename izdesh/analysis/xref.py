"""Cross-reference an outside list of people (a victims-database export, a family's list) against
the store: ranked candidate persons with the reasons for each.

Input: a CSV with a header. Columns are recognised by name (case and spaces ignored):
name (name, full_name, name_latin, ...), birth year or date (birth_year, born, dob, birth_date,
year_of_birth, ...), place (place, village, township, county, hometown, address, ...), ID number
(id_number, id, national_id, ...), sex (sex, gender, ...), father's name (father, father_name, ...),
age (age, yash, yaş, ...: read as a birth year AGE_YEAR - age, give or take one, when no birth year is given).
Every input column is echoed back in ``input``.

Matching: an ID number that reads as a valid 18-character number finds its person directly. Names
go through the cross-script name keys (``izdesh.names``): candidates share a whole-name key, or a
part key and a birth year within one year; each candidate is scored by ``names.score`` over every
form of the name the records write (a father's name not already in the name is added as its second
part, the Uyghur way), times the birth-year weight, then times a factor for each other field:
sex (the same 1, not known in the store ``SEX_UNKNOWN``, different ``SEX_OTHER``) and each part of the
place (see ``place_factor``). Every factor is in the reasons.
"""

from __future__ import annotations

import csv
import io
import re
import time
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from izdesh import names
from izdesh.identity.idnumber import parse as parse_id
from izdesh.search.township import match_township
from izdesh.store import schema

COLUMNS = {
    "name": ("name", "fullname", "name_latin", "namelatin", "person", "victim", "victimname", "ism", "isim",
             "ad", "adsoyad", "имя", "фио", "ئىسىم", "姓名"),
    "birth": ("birthyear", "birth_year", "born", "dob", "birthdate", "birth_date", "dateofbirth", "yearofbirth",
              "year", "yob", "doğumyılı", "dogumyili", "出生日期", "出生年份"),
    "place": ("place", "village", "township", "county", "hometown", "address", "location", "birthplace",
              "residence", "yurt", "köy", "koy", "住址", "地址"),
    "id": ("id_number", "idnumber", "id", "nationalid", "idcard", "idno", "citizenid", "身份证号", "身份证号码"),
    "sex": ("sex", "gender", "jins", "jinsi", "cinsiyet", "пол", "جىنسى", "性别"),
    "age": ("age", "yash", "yéshi", "yeshi", "yaş", "yas", "yaşı", "возраст", "ياش", "يېشى", "年龄"),
    "father": ("father", "fathername", "father_name", "fathersname", "atisi", "atisiningismi", "babaadi", "отец",
               "父亲", "父亲姓名", "父名"),
}
MAX_CANDIDATES = 4000  # name-key candidates scored per row (the most key overlaps first)
# An age without a birth year: the year is AGE_YEAR - age, give or take one (a list rarely says on
# which day the age was counted; the leak's registers date from 2017-18).
AGE_YEAR = 2018
YEAR_WEIGHT = {0: 1.0, 1: 0.88}  # birth-year difference -> multiplier; beyond: YEAR_FAR
YEAR_FAR = 0.55
YEAR_UNKNOWN = 0.9  # the store has no birth date for the person
ID_MISMATCH = 0.5
SEX_OTHER = 0.7  # the list and the store give different sexes (a data-entry slip is possible)
SEX_UNKNOWN = 0.98  # the store does not know the sex: below a confirmed one
# place parts: the records write this level of place and none is the one given / write none
PLACE_OTHER = {"village": 0.85, "township": 0.8, "county": 0.7}
# A place the records do not give is no evidence either way, but one they give and agree with is
# strong evidence (one village of hundreds): the gap outweighs a spelling variant of the same name
# (帕提玛/帕提曼 differ by 0.05 in name score), as search's township hint does (engine.HINT_MARGIN).
PLACE_UNKNOWN = 0.92
SEX_WORDS = {"male": ("male", "m", "man", "er", "erkek", "ər", "мужской", "муж", "м", "ئەر", "男"),
             "female": ("female", "f", "w", "woman", "ayal", "kadın", "kadin", "qiz", "женский", "жен", "ж", "ئايال",
                        "女")}


def _fold_header(h: str) -> str:
    return re.sub(r"[\s_\-.'’]+", "", unicodedata.normalize("NFKC", h).strip().lower())


def map_columns(header: list[str]) -> dict[str, str]:
    """role -> header of the input CSV."""
    out: dict[str, str] = {}
    folded = {_fold_header(h): h for h in header}
    for role, options in COLUMNS.items():
        for o in options:
            f = _fold_header(o)
            if f in folded and folded[f] not in out.values():
                out[role] = folded[f]
                break
    return out


def age_of(text: str | None) -> int | None:
    m = re.fullmatch(r"\s*(\d{1,3})\s*\D{0,12}", unicodedata.normalize("NFKC", str(text or "")))
    return int(m.group(1)) if m and 0 < int(m.group(1)) < 120 else None


def birth_year_of(text: str | None) -> int | None:
    if not text:
        return None
    m = re.search(r"(?<!\d)(19\d\d|20[0-2]\d)(?!\d)", unicodedata.normalize("NFKC", str(text)))
    return int(m.group(1)) if m else None


_SUFFIX = re.compile(r"(村|镇|乡|社区|街道|县|民族乡)$")
LEVELS = ("village", "township", "county")


@dataclass(frozen=True)
class Places:
    """The place list shipped with the package (public county, township and village names):
    Chinese name -> level, folded Latin name -> (level, Chinese name)s, township -> county, ID region
    code -> county (former codes included), and one pattern finding the Chinese names in a text."""

    level: dict[str, str]
    by_latin: dict[str, frozenset[tuple[str, str]]]
    county_of_township: dict[str, str]
    county_of_code: dict[str, str]
    finder: re.Pattern[str]
    full_name: dict[str, str]  # a name as the finder finds it (maybe without its suffix) -> the full name
    townships: tuple[str, ...] = ()


@lru_cache(maxsize=1)
def places() -> Places:
    import json
    from importlib import resources

    level: dict[str, str] = {}
    by_latin: dict[str, set[tuple[str, str]]] = defaultdict(set)
    cot: dict[str, str] = {}
    coc: dict[str, str] = {}
    try:
        data = json.loads(resources.files("izdesh.generate.data").joinpath("places.json").read_text("utf-8"))
    except (OSError, ModuleNotFoundError, ValueError):
        data = {}

    def add(zh: str, lvl: str, *latin: str | None) -> None:
        level.setdefault(zh, lvl)
        for x in latin:
            if x:
                by_latin[_fold_place(x)].add((lvl, zh))

    for code, county in data.items():
        cz = county["name_zh"]
        for c in (code, *county.get("former_codes", ())):
            coc[c] = cz
        add(cz, "county", county.get("name_latin"), county.get("name_uyghur_latin"))
        for t in county.get("townships", ()):
            add(t["name_zh"], "township", t.get("name_latin"))
            cot[t["name_zh"]] = cz
            for v in t.get("villages", ()):
                add(v["name_zh"], "village", v.get("name_latin"))
    full = {zh: zh for zh in level}
    for zh in level:  # a real name written without 村/镇/乡 (three characters at least: fewer are too common)
        short = _SUFFIX.sub("", zh)
        if len(short) >= 3 and not short[0].isdigit():
            full.setdefault(short, zh)
    # longest first: at one position the whole name wins over a name it begins with (布拉克苏乡, 布拉克);
    # numbered villages (15村, listed or not) whole: 15村 holds no 5村
    alts = "|".join(re.escape(x) for x in sorted(full, key=len, reverse=True) if not x[0].isdigit())
    finder = re.compile(rf"(?<![0-9])(?:[0-9]{{1,3}}村|{alts})")
    towns = tuple(sorted(zh for zh, lv in level.items() if lv == "township"))
    return Places(level, {k: frozenset(v) for k, v in by_latin.items()}, cot, coc, finder, full, towns)


def _fold_place(s: str) -> str:
    s = unicodedata.normalize("NFKD", s.lower())
    s = "".join(ch for ch in s if not unicodedata.combining(ch))
    return re.sub(r"[^a-z]", "", s)


# words around a place name that say what it is (Latin, Uyghur Latin, Turkish, Russian, pinyin)
_PLACE_WORDS = re.compile(r"\b(county|prefecture|district|city|town(ship)?|village|nahiye(si)?|nahiyisi|yeza(si)?|"
                          r"yézisi|kent(i)?|mehelle(si)?|wilayiti|wilayet|vilayet|ilçesi|köyü|kasabası|район|село|"
                          r"xian|zhen|xiang|cun)\b", re.IGNORECASE)
_HAN = re.compile(r"[\u4e00-\u9fff]")
_NUMBERED_VILLAGE = re.compile(r"\s*(?:(\d{1,3})\s*[-.]?\s*(?:kent|kenti|village|cun|köy|koy|brigade)|"
                               r"(?:kent|village|cun|köy|koy|brigade)\s*(?:no\.?\s*)?(\d{1,3}))\s*", re.IGNORECASE)


@lru_cache(maxsize=300_000)
def named_in(text: str) -> frozenset[tuple[str, str]]:
    """(level, Chinese name) of the listed places a Chinese text names (an address, a village); a
    bare village or township name not in the list stands for itself (its level from its suffix)."""
    gz = places()
    out = {(gz.level[gz.full_name[m]], gz.full_name[m]) if m in gz.full_name else ("village", m)
           for m in gz.finder.findall(text)}
    if not out and len(text) <= 12 and re.search(r"(村|镇|乡)$", text):
        out.add(("village" if text.endswith("村") else "township", text))
    return frozenset(out)


@lru_cache(maxsize=20_000)
def resolve_place(text: str) -> tuple[tuple[str, frozenset[tuple[str, str]]], ...]:
    """The parts of a place as a list writes it (``Konasheher, Toqquzaq, Pilal``; ``托克扎克镇皮拉勒村``),
    each with the (level, Chinese name)s it can name. A Latin part names a place when its folded
    spelling is the list's (words such as county or village aside); a Chinese part is split into
    the places it names, one part per level. A Latin part no listed spelling matches may still
    name a township as a family spells it (Tokkuzak: search.township.match_township). Parts naming
    nothing known are left out."""
    gz = places()
    out = []
    for comp in re.split(r"[,;/|，、；]+", text):
        comp = comp.strip()
        if not comp:
            continue
        if _HAN.search(comp):
            found = named_in(comp)
            for lvl in LEVELS:
                at = frozenset(x for x in found if x[0] == lvl)
                if at:
                    out.append((comp if len(at) == len(found) else "/".join(sorted(zh for _, zh in at)), at))
            continue
        num = _NUMBERED_VILLAGE.fullmatch(comp)
        if num:  # "4-kent", "village 4", "4 cun": the records write 4村
            n = num.group(1) or num.group(2)
            out.append((comp, frozenset({("village", f"{int(n)}村")})))
            continue
        words = _PLACE_WORDS.sub(" ", comp).split()
        hit = gz.by_latin.get(_fold_place(" ".join(words)))
        if hit:
            out.append((comp, hit))
            continue
        named = False
        for w in words:  # "Konasheher Toqquzaq" without a comma
            hit = gz.by_latin.get(_fold_place(w))
            if hit:
                out.append((w, hit))
                named = True
        if not named and words:  # a family's own spelling of a township (Tokkuzak): read as a name
            town = match_township(" ".join(words), gz.townships)
            if town:
                out.append((comp, frozenset({("township", town)})))
    return tuple(out)


def known_places(texts: list[str], region_code: str | None) -> dict[str, set[str]]:
    """level -> the Chinese names (counties: codes) a person's records write, with the county of
    each township and of the ID number's region code."""
    gz = places()
    out: dict[str, set[str]] = {lvl: set() for lvl in LEVELS}
    for t in texts:
        for lvl, zh in named_in(t):
            out[lvl].add(zh)
    for t in out["township"]:
        if t in gz.county_of_township:
            out["county"].add(gz.county_of_township[t])
    if region_code and region_code in gz.county_of_code:
        out["county"].add(gz.county_of_code[region_code])
    return out


def place_factor(place: str, texts: list[str], region_code: str | None) -> tuple[float, list[str]]:
    """For each part of the place given: the records write it (1), write another place of its level
    (``PLACE_OTHER``), or write none of its level (``PLACE_UNKNOWN``); the product and the reasons."""
    parts = resolve_place(place)
    if not parts:
        return 1.0, [f"place {place} not in the gazetteer"] if place else []
    known = known_places(texts, region_code)
    f, why = 1.0, []
    used: set[str] = set()  # a level named by an earlier part: "Tékes, Tékes" is the county, then its seat
    for comp, all_opts in parts:
        opts = frozenset(o for o in all_opts if o[0] not in used) or all_opts
        if len(parts) > 1 and len({lv for lv, _ in all_opts}) == 1:
            used.add(next(iter(all_opts))[0])
        # the widest level first: a list writes the county before its seat
        hit = next(((lvl, zh) for lvl, zh in sorted(opts, key=lambda o: -LEVELS.index(o[0])) if zh in known[lvl]), None)
        if hit:
            used.add(hit[0])
            why.append(f"{comp} = {hit[1]} ({hit[0]})")
            continue
        # a part that can name several levels (Tékes: the county or its seat) costs the least of them
        lvl = max((lvl for lvl, _ in opts if known[lvl]), key=lambda lv: PLACE_OTHER[lv], default=None)
        if lvl is None:
            f *= PLACE_UNKNOWN
            why.append(f"{comp}: no {'/'.join(sorted({lv for lv, _ in opts}))} known")
        else:
            f *= PLACE_OTHER[lvl]
            why.append(f"{comp}: the records write {lvl} {'/'.join(sorted(known[lvl])[:2])}")
    return f, why


def sex_of(text: str) -> str | None:
    t = unicodedata.normalize("NFKC", text or "").strip().lower()
    return next((k for k, words in SEX_WORDS.items() if t in words), None)


@dataclass
class Candidate:
    idx: int
    overlap: int = 0


@dataclass
class PersonIndex:
    ids: list[str] = field(default_factory=list)
    id_numbers: list[str | None] = field(default_factory=list)
    names_: list[str | None] = field(default_factory=list)
    forms: list[list[str]] = field(default_factory=list)
    years: list[int | None] = field(default_factory=list)
    places: list[list[str]] = field(default_factory=list)
    sexes: list[str | None] = field(default_factory=list)
    regions: list[str | None] = field(default_factory=list)
    extra: list[dict[str, Any]] = field(default_factory=list)
    by_id: dict[str, int] = field(default_factory=dict)
    whole: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    part_year: dict[tuple[str, int], list[int]] = field(default_factory=lambda: defaultdict(list))
    part: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    seconds: float = 0.0


def build_index(engine: Engine) -> PersonIndex:
    t0 = time.perf_counter()
    p, r = schema.person, schema.record
    ix = PersonIndex()
    pos: dict[str, int] = {}
    with engine.connect() as conn:
        for row in conn.execute(select(p.c.id, p.c.id_number, p.c.name, p.c.birth_date, p.c.sex, p.c.township,
                                       p.c.village, p.c.region_code, p.c.latest_status, p.c.records)):
            pos[row.id] = len(ix.ids)
            ix.ids.append(row.id)
            ix.id_numbers.append(row.id_number)
            ix.names_.append(row.name)
            ix.forms.append([row.name] if row.name else [])
            ix.years.append(row.birth_date.year if row.birth_date else None)
            ix.places.append([x for x in (row.village, row.township) if x])
            ix.sexes.append(row.sex if row.sex in ("male", "female") else None)
            ix.regions.append(row.region_code)
            ix.extra.append({"birth_date": row.birth_date.isoformat() if row.birth_date else None,
                             "sex": row.sex, "township": row.township, "village": row.village,
                             "latest_status": row.latest_status, "records": row.records})
            if row.id_number:
                ix.by_id[row.id_number] = len(ix.ids) - 1
        for pid, name, town, vil, addr in conn.execute(
            select(r.c.person_id, r.c.name, r.c.township, r.c.village, r.c.address)
            .where(r.c.person_id.is_not(None)).distinct()
        ):
            i = pos.get(pid)
            if i is None:
                continue
            if name and name not in ix.forms[i]:
                ix.forms[i].append(name)
            for pl in (vil, town, addr):
                if pl and pl not in ix.places[i]:
                    ix.places[i].append(pl)
    for i, forms in enumerate(ix.forms):
        y = ix.years[i]
        keys: set[str] = set()
        for f in forms:
            keys |= _keys_zh(f)
        for k in keys:
            if k.startswith("w:"):
                ix.whole[k].append(i)
            else:
                ix.part[k].append(i)
                if y is not None:
                    ix.part_year[(k, y)].append(i)
    ix.seconds = time.perf_counter() - t0
    return ix


@lru_cache(maxsize=200_000)
def _keys_zh(name: str) -> frozenset[str]:
    try:
        return names.keys_for_chinese(name)
    except Exception:
        return frozenset()


def _cell(row: dict[str, str], cols: dict[str, str], role: str) -> str:
    return (row.get(cols.get(role, ""), "") or "").strip()


def match_row(ix: PersonIndex, row: dict[str, str], cols: dict[str, str], *, limit: int = 5) -> list[dict[str, Any]]:
    name = _cell(row, cols, "name")
    year = birth_year_of(_cell(row, cols, "birth"))
    age = age_of(_cell(row, cols, "age")) if year is None else None
    year_slack = 0  # birth years this far off count as the same year
    if age is not None:
        year, year_slack = AGE_YEAR - age, 1
    place = _cell(row, cols, "place")
    sex = sex_of(_cell(row, cols, "sex"))
    father = _cell(row, cols, "father")
    id_raw = _cell(row, cols, "id")
    idn = None
    if id_raw:
        pid_ = parse_id(id_raw)
        if pid_.valid and pid_.normalized:
            idn = pid_.normalized
    name_note = None
    if father and name and _fold_place(father) not in {_fold_place(w) for w in name.split()}:
        name, name_note = f"{name} {father}", f"father's name {father} taken as the second name"
    scored: dict[int, tuple[float, str]] = {}
    close: dict[int, float] = {}  # spelling closeness of the best form: orders equal scores (Hu Li: 胡丽 before 高丽)
    id_hit = ix.by_id.get(idn) if idn else None
    if idn and idn in ix.by_id:
        i = ix.by_id[idn]
        why = ["the ID number matches"]
        if name:
            ns = max((names.score(name, f) for f in ix.forms[i]), key=lambda m: m.score, default=None)
            if ns is not None:
                why.append(f"name {ns.score:.2f}: {ns.why}")
        scored[i] = (1.0, "; ".join(why))
    # first pass: name x birth year x ID agreement for every candidate
    base: list[tuple[float, int, list[str]]] = []
    if name:
        try:
            qkeys = names.keys_for_query(name)
        except Exception:
            qkeys = frozenset()
        counts: dict[int, int] = defaultdict(int)
        for k in qkeys:
            if k.startswith("w:"):
                for i in ix.whole.get(k, ()):
                    counts[i] += 2
            elif year is not None:
                for y in range(year - 1 - year_slack, year + 2 + year_slack):
                    for i in ix.part_year.get((k, y), ()):
                        counts[i] += 1
        if len(counts) < limit:
            # Few or no whole-name candidates: every person sharing a part of the name (any year),
            # most shared parts first (Han names, a name written with one part, no birth year).
            for k in qkeys:
                if not k.startswith("w:"):
                    for i in ix.part.get(k, ())[: MAX_CANDIDATES * 4]:
                        counts[i] += 1
        cands = sorted(counts, key=lambda i: -counts[i])[:MAX_CANDIDATES]
        for i in cands:
            if i in scored:
                continue
            best, form = None, ""
            for written in ix.forms[i]:
                m = names.score(name, written)
                if best is None or m.score > best.score:
                    best, form = m, written
            if best is None or best.score <= 0:
                continue
            close[i] = names.closeness(name, form)
            s = best.score
            why = [f"name {best.score:.2f}: {best.why}"] + ([name_note] if name_note else [])
            py = ix.years[i]
            if year is not None:
                if py is None:
                    s *= YEAR_UNKNOWN
                    why.append("birth year not known in the store")
                else:
                    d = max(0, abs(py - year) - year_slack)
                    s *= YEAR_WEIGHT.get(d, YEAR_FAR)
                    if age is not None:
                        why.append(f"born {py}" + (f" (age {age} in {AGE_YEAR})" if d == 0 else
                                                   f" (age {age} in {AGE_YEAR}: {d} year(s) off)"))
                    else:
                        why.append(f"born {py}" + (" (same year)" if d == 0 else f" ({d} year(s) off)"))
            if idn and ix.id_numbers[i] and ix.id_numbers[i] != idn:
                s *= ID_MISMATCH
                why.append("a different ID number")
            base.append((s, i, why))
    # second pass, best first: sex and place factors (each <= 1, so a candidate whose first-pass
    # score is under the ``limit``-th final score so far cannot enter the list: stop there)
    base.sort(key=lambda t: (-t[0], ix.ids[t[1]]))
    finals: list[float] = sorted((v[0] for v in scored.values()), reverse=True)
    for s, i, why in base:
        if len(finals) >= limit and s < finals[limit - 1]:
            break
        if sex:
            if ix.sexes[i] is None:
                s *= SEX_UNKNOWN
                why.append("sex not known in the store")
            elif ix.sexes[i] != sex:
                s *= SEX_OTHER
                why.append(f"the store says {ix.sexes[i]}")
            else:
                why.append(f"{sex}")
        if place:
            f, pwhy = place_factor(place, ix.places[i], ix.regions[i])
            s *= f
            why.extend(pwhy)
        scored[i] = (round(s, 4), "; ".join(why))
        finals.append(s)
        finals.sort(reverse=True)
    # equal scores: the person whose ID number the row gives, then the closer spelling, then a stable order
    ranked = sorted(scored.items(), key=lambda kv: (-round(kv[1][0], 3), kv[0] != id_hit, -round(close.get(kv[0], 0.0), 4),
                                                    ix.ids[kv[0]]))[:limit]
    # tied: the same (shown) score as the first match, and at least two of them: nothing in the row
    # tells them apart (same name and birth year); the order among them means nothing
    top = round(ranked[0][1][0], 3) if ranked else None
    n_top = sum(1 for _, (s, _w) in ranked if round(s, 3) == top)
    return [{"person_id": ix.ids[i], "id_number": ix.id_numbers[i], "name": ix.names_[i], "score": round(s, 3),
             "why": why, "tied_with_first": n_top > 1 and round(s, 3) == top, **ix.extra[i]} for i, (s, why) in ranked]


def read_list(text: str) -> tuple[list[dict[str, str]], dict[str, str]]:
    text = text.removeprefix("\ufeff")
    rd = csv.DictReader(io.StringIO(text))
    rows = [dict(r) for r in rd]
    cols = map_columns(list(rd.fieldnames or []))
    return rows, cols


def run(engine: Engine, list_path: Path, *, limit: int = 5, index: PersonIndex | None = None) -> dict[str, Any]:
    raw = list_path.read_bytes()
    for enc in ("utf-8-sig", "gb18030", "utf-16"):
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:
        text = raw.decode("utf-8", errors="replace")
    rows, cols = read_list(text)
    if "name" not in cols and "id" not in cols:
        raise ValueError(f"no name or ID column among {list(rows[0]) if rows else []}: "
                         f"name one of {', '.join(COLUMNS['name'][:4])} or {', '.join(COLUMNS['id'][:3])}")
    t0 = time.perf_counter()
    ix = index or build_index(engine)
    out = [{"input": r, "matches": match_row(ix, r, cols, limit=limit)} for r in rows]
    return {"columns": cols, "results": out, "index_seconds": round(ix.seconds, 2),
            "seconds": round(time.perf_counter() - t0, 2)}


def to_csv(results: list[dict[str, Any]]) -> str:
    """One line per (input row, match): the input's columns, then rank, score, person, why."""
    buf = io.StringIO()
    in_cols: list[str] = []
    for r in results:
        for k in r["input"]:
            if k not in in_cols:
                in_cols.append(k)
    w = csv.writer(buf)
    w.writerow([*in_cols, "rank", "score", "person_id", "id_number", "name", "birth_date", "township", "village",
                "why"])
    for r in results:
        base = [r["input"].get(k, "") for k in in_cols]
        if not r["matches"]:
            w.writerow([*base, "", "", "", "", "", "", "", "", "no match"])
        for n, m in enumerate(r["matches"], start=1):
            w.writerow([*base, n, m["score"], m["person_id"], m["id_number"] or "", m["name"] or "",
                        m.get("birth_date") or "", m.get("township") or "", m.get("village") or "", m["why"]])
    return buf.getvalue()
