"""Spreadsheets and CSV exports of the synthetic leak, written by the real libraries.

One ``TableSpec`` describes one planned file (kind, format, path, sheets of persons, the date of
the list); ``write_table`` renders it with the messiness clerks leave: header wording variants, a
merged title row and a date row above the header, a 序号 column, blank rows between households,
a total row, dates in several formats or as Excel date cells, ID columns stored as numbers.

Kinds:
  register       per-village population register (人口登记表), households grouped, relation column
  household      family sheets of people of interest, relatives abroad written 境外/国外
  detainee_list  who is in a detention centre or camp at a date (楼号, 监舍号, status, reason)
  blacklist      persons of interest with a category (第二类：高度可疑同伙 ...)
  sentence_list  sentenced persons with terms (有期徒刑 N 年)

Formats: ``xlsx`` (xlsxwriter, constant memory, fixed document dates: byte-reproducible), ``xls``
(xlwt; at most 65,536 rows a sheet), ``csv-gb18030``, ``csv-utf8-bom``.

Locators in Mentions: ``{"sheet": name | None, "row": r, "id_col": c | None, "name_col": c}``,
all 0-based, ``row`` counted from the first row of the sheet (title rows included; for CSV, the
record index of ``csv.reader``).
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, Callable, Iterator

from .messy import FILE_FLOAT_RATE, id_text, written_id, written_name
from .model import FileTruth, Mention, Person, StatusEvent
from .population import COUNTY_ZH, status_at

XLS_MAX_ROWS = 65_536

# Header wording variants by canonical field (first is the most common).
HEADERS: dict[str, tuple[str, ...]] = {
    "seq": ("序号", "序号", "编号"),
    "name": ("姓名", "姓名", "名字", "人员姓名"),
    "id": ("身份证号", "身份证号码", "公民身份号码", "证件号码", "身份证号"),
    "sex": ("性别",),
    "ethnicity": ("民族",),
    "birth": ("出生日期", "出生日期", "出生年月"),
    "address": ("现住址", "住址", "家庭住址"),
    "township": ("乡镇", "乡(镇)", "乡（镇）"),
    "village": ("村", "村(社区)", "村（社区）", "所在村"),
    "status": ("状态", "现状", "人员状态"),
    "category": ("类别", "人员类别"),
    "reason": ("原因", "收押原因", "关押原因"),
    "facility": ("关押场所", "所在场所"),
    "building": ("楼号",),
    "cell": ("监舍号", "监室", "监舍"),
    "sentence": ("刑期", "判决刑期"),
    "phone": ("联系电话", "手机号", "联系电话"),
    "relation": ("与户主关系", "关系"),
    "household": ("户号",),
    "date": ("日期",),
    "remark": ("备注",),
}
DATE_HEADERS = {
    "detainee_list": ("收押日期", "入所时间", "羁押日期", "送教日期"),
    "blacklist": ("列管日期", "录入时间", "日期"),
    "sentence_list": ("判决日期", "判决时间"),
}

# (field, probability the column is present) in order, per kind.
COLUMNS: dict[str, tuple[tuple[str, float], ...]] = {
    "register": (("seq", 0.85), ("household", 0.4), ("name", 1), ("relation", 0.9), ("sex", 1),
                 ("ethnicity", 0.9), ("birth", 0.8), ("id", 1), ("phone", 0.5), ("township", 0.3),
                 ("village", 0.4), ("address", 0.6), ("remark", 0.2)),
    "household": (("seq", 0.8), ("household", 0.5), ("name", 1), ("relation", 1), ("id", 1), ("sex", 0.8),
                  ("ethnicity", 0.6), ("birth", 0.6), ("address", 1), ("phone", 0.5), ("status", 0.6),
                  ("remark", 0.3)),
    "detainee_list": (("seq", 0.9), ("name", 1), ("id", 1), ("sex", 0.8), ("ethnicity", 0.7),
                      ("township", 0.7), ("village", 0.7), ("facility", 0.8), ("building", 0.8),
                      ("cell", 0.8), ("status", 0.9), ("date", 0.9), ("reason", 0.8), ("remark", 0.2)),
    "blacklist": (("seq", 0.9), ("name", 1), ("id", 0.96), ("sex", 0.8), ("ethnicity", 0.6),
                  ("birth", 0.3), ("township", 0.7), ("village", 0.8), ("category", 1), ("reason", 0.8),
                  ("date", 0.6), ("phone", 0.4), ("status", 0.4)),
    "sentence_list": (("seq", 0.9), ("name", 1), ("id", 1), ("sex", 0.7), ("ethnicity", 0.6),
                      ("township", 0.7), ("village", 0.6), ("reason", 0.8), ("sentence", 1),
                      ("date", 0.9), ("facility", 0.7)),
}
ETH_SHORT = {"维吾尔族": "维吾尔", "哈萨克族": "哈萨克", "汉族": "汉", "回族": "回", "柯尔克孜族": "柯尔克孜",
             "蒙古族": "蒙古"}
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y.%m.%d", "%Y年%m月%d日", "excel")


@dataclass
class TableSpec:
    index: int  # the file's number in the leak's plan (seeds its rng)
    kind: str
    format: str  # xlsx, xls, csv-gb18030, csv-utf8-bom
    path: str  # relative to the leak root
    title: str  # the merged title row, e.g. "托克扎克镇XX村人口登记表"
    on: date  # the date of the list: statuses are written as of this day
    sheets: list[tuple[str, list[int]]] = field(default_factory=list)  # (sheet name, pids in order)
    created: datetime | None = None
    unit: str = ""  # who made it, for the date row


def address(p: Person) -> str:
    """A household's address, the same in every file."""
    h = max(p.household, 0)
    return f"{COUNTY_ZH.get(p.county_code, '')}{p.township_zh}{p.village_zh}{h % 9 + 1}组{h % 173 + 1}号"


class _Cell:
    __slots__ = ("value", "kind")

    def __init__(self, value: Any, kind: str = "s") -> None:
        self.value = value  # s: text, n: number, d: date
        self.kind = kind


def _fmt_date(d: date | None, fmt: str) -> Any:
    if d is None:
        return ""
    if fmt == "excel":
        return _Cell(datetime.combine(d, time()), "d")
    if fmt == "%Y年%m月%d日":
        return f"{d.year}年{d.month}月{d.day}日"
    return d.strftime(fmt)


class _Layout:
    """The file's choices, drawn once per file."""

    def __init__(self, spec: TableSpec, rng: random.Random) -> None:
        self.kind = spec.kind
        cols = []
        for f, prob in COLUMNS[spec.kind]:
            if prob >= 1 or rng.random() < prob:
                cols.append(f)
        if rng.random() < 0.15 and "id" in cols and "name" in cols:  # ID before the name
            i, j = cols.index("id"), cols.index("name")
            cols[i], cols[j] = cols[j], cols[i]
        self.cols = cols
        self.headers = []
        for f in cols:
            if f == "date":
                self.headers.append(rng.choice(DATE_HEADERS.get(spec.kind, HEADERS["date"])))
            else:
                self.headers.append(rng.choice(HEADERS[f]))
        self.title_rows = 0 if rng.random() < 0.25 else (1 if rng.random() < 0.6 else 2)
        self.merge_title = rng.random() < 0.85
        self.blank_between = spec.kind in ("register", "household") and rng.random() < 0.15
        self.total_row = rng.random() < 0.25
        self.eth_short = rng.random() < 0.15
        excel = spec.format in ("xlsx", "xls")
        fmts = DATE_FORMATS if excel else DATE_FORMATS[:-1]
        self.date_fmt = rng.choice(fmts)
        self.birth_fmt = rng.choice(fmts)
        self.as_number = excel and rng.random() < FILE_FLOAT_RATE
        # A CSV saved from Excel after the column was turned into numbers: "6.53121E+17".
        self.csv_sci = (not excel) and rng.random() < 0.03
        self.phone_number = excel and rng.random() < 0.3
        self.sentence_style = rng.randrange(3)
        self.unit = spec.unit


def _status_words(e: StatusEvent | None) -> str:
    return e.status_zh if e is not None else ""


def _row(p: Person, lay: _Layout, spec: TableSpec, rng: random.Random, book, seq: int,
         event: StatusEvent | None) -> tuple[list[Any], Mention]:
    vals: list[Any] = []
    id_col = name_col = None
    wid: str | None = None
    wname = ""
    flags: list[str] = []
    for c, f in enumerate(lay.cols):
        if f == "seq":
            v: Any = _Cell(seq, "n")
        elif f == "name":
            wname = written_name(p, rng, book)
            v = wname
            name_col = c
        elif f == "id":
            raw, flags = written_id(p, rng, in_table=True, as_number=lay.as_number)
            if isinstance(raw, float):
                v = _Cell(raw, "n")
                wid = id_text(raw)
            elif lay.csv_sci and flags == [] and p.id_number.isdigit():
                v = f"{float(p.id_number):.5E}"  # as Excel shows a number: 6.53121E+17
                flags = ["excel_float"]
                wid = v
            else:
                v = raw
                wid = raw
            id_col = c
        elif f == "sex":
            v = "男" if p.sex == "male" else "女"
        elif f == "ethnicity":
            v = ETH_SHORT.get(p.ethnicity_zh, p.ethnicity_zh) if lay.eth_short else p.ethnicity_zh
        elif f == "birth":
            v = _fmt_date(p.birth_date, lay.birth_fmt)
        elif f == "address":
            if p.abroad:
                v = _abroad_place(p)
            else:
                v = address(p)
        elif f == "township":
            v = p.township_zh
        elif f == "village":
            v = p.village_zh
        elif f == "status":
            if p.abroad:
                v = "在境外"
            else:
                v = _status_words(event)
        elif f == "category":
            v = (event.category_zh or "") if event is not None else ""
        elif f == "reason":
            v = (event.reason_zh or "") if event is not None else ""
        elif f == "facility":
            v = (event.facility_zh or "") if event is not None else ""
        elif f == "building":
            v = (event.building or "") if event is not None else ""
        elif f == "cell":
            v = (event.cell or "") if event is not None else ""
        elif f == "sentence":
            y = event.sentence_years if event is not None else None
            if y is None:
                v = ""
            elif lay.sentence_style == 0:
                v = f"有期徒刑{y}年"
            elif lay.sentence_style == 1:
                v = f"{y}年"
            else:
                v = _Cell(y, "n")
        elif f == "date":
            v = _fmt_date(event.on if event is not None else None, lay.date_fmt)
        elif f == "phone":
            if p.phone and not p.abroad:
                v = _Cell(int(p.phone), "n") if lay.phone_number else p.phone
            else:
                v = ""
        elif f == "relation":
            v = p.relation_zh
        elif f == "household":
            v = f"{p.county_code}{max(p.household, 0):08d}"
        elif f == "remark":
            v = "在境外" if p.abroad else ""
        else:  # pragma: no cover
            raise KeyError(f)
        vals.append(v)
    m = Mention(pid=p.pid, file=spec.path, kind="table",
                locator={"sheet": None, "row": -1, "id_col": id_col, "name_col": name_col},
                written_id=wid, written_name=wname, id_damage=list(flags))
    return vals, m


_ABROAD = ("境外（土耳其）", "境外（哈萨克斯坦）", "国外（沙特阿拉伯）", "国外", "境外", "境外（埃及）", "国外（马来西亚）")


def _abroad_place(p: Person) -> str:
    return _ABROAD[p.pid % len(_ABROAD)]


def _event_for(kind: str, p: Person, on: date) -> StatusEvent | None:
    """The status event a list of this kind shows for p at the list's date."""
    if kind == "blacklist":
        ev = None
        for e in p.statuses:
            if e.status == "blacklisted" and e.on <= on:
                ev = e
        return ev
    if kind == "sentence_list":
        for e in p.statuses:
            if e.status == "sentenced" and e.on <= on:
                return e
        return None
    return status_at(p, on)


def _rows(spec: TableSpec, sheet_pids: list[int], P, lay: _Layout, rng: random.Random, book,
          sheet: str | None) -> Iterator[tuple[list[Any], Mention | None, str]]:
    """Yields (cells, mention or None, row kind: title/date/header/data/blank/total)."""
    if lay.title_rows >= 1:
        yield [spec.title], None, "title"
    if lay.title_rows >= 2:
        when = f"{spec.on.year}年{spec.on.month}月{spec.on.day}日"
        unit = lay.unit or "填报单位"
        yield [f"填报单位：{unit}", "", "", f"统计时间：{when}"] if len(lay.cols) > 4 else [
            f"统计时间：{when}"], None, "date"
    yield list(lay.headers), None, "header"
    seq = 0
    last_h = None
    for pid in sheet_pids:
        p = P[pid]
        if lay.blank_between and last_h is not None and p.household != last_h:
            yield [], None, "blank"
        last_h = p.household
        seq += 1
        vals, m = _row(p, lay, spec, rng, book, seq, _event_for(spec.kind, p, spec.on))
        m.locator["sheet"] = sheet
        yield vals, m, "data"
    if lay.total_row:
        yield [f"合计：{seq}人"], None, "total"


def write_table(root: Path, spec: TableSpec, P, rng: random.Random, book) -> tuple[list[Mention], FileTruth]:
    """Write one planned table file; return its Mentions (in file order) and its FileTruth."""
    path = root / spec.path
    path.parent.mkdir(parents=True, exist_ok=True)
    lay = _Layout(spec, rng)
    if spec.format == "xlsx":
        mentions = _write_xlsx(path, spec, P, lay, rng, book)
    elif spec.format == "xls":
        mentions = _write_xls(path, spec, P, lay, rng, book)
    elif spec.format in ("csv-gb18030", "csv-utf8-bom"):
        mentions = _write_csv(path, spec, P, lay, rng, book)
    else:  # pragma: no cover
        raise ValueError(spec.format)
    ft = FileTruth(path=spec.path, kind=spec.kind, format=spec.format, persons=len(mentions),
                   created=spec.created)
    return mentions, ft


def _width(lay: _Layout) -> int:
    return max(1, len(lay.cols))


@dataclass(frozen=True, slots=True)
class _Put:
    """How one spreadsheet library writes each kind of cell: the row loop is shared."""

    title: Callable[[int, str], Any]
    header: Callable[[int, int, str], Any]
    number: Callable[[int, int, Any], Any]
    date: Callable[[int, int, Any], Any]
    text: Callable[[int, int, str], Any]


def _fill(rows: Iterator[Any], lay: _Layout, put: _Put, *, max_rows: int | None = None,
          path: str = "") -> list[Mention]:
    """Write one sheet's rows; each Mention gets the row it landed on."""
    mentions: list[Mention] = []
    for r, (vals, m, rk) in enumerate(rows):
        if max_rows is not None and r >= max_rows:
            raise ValueError(f"{path}: more than {max_rows} rows for .xls")
        if rk == "title" and lay.merge_title and _width(lay) > 1:
            put.title(r, vals[0])
        elif rk == "header":
            for c, v in enumerate(vals):
                put.header(r, c, v)
        else:
            for c, v in enumerate(vals):
                if isinstance(v, _Cell):
                    (put.number if v.kind == "n" else put.date)(r, c, v.value)
                elif v != "":
                    put.text(r, c, v)
        if m is not None:
            m.locator["row"] = r
            mentions.append(m)
    return mentions


def _write_xlsx(path: Path, spec: TableSpec, P, lay: _Layout, rng, book) -> list[Mention]:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False,
                                         "strings_to_formulas": False, "strings_to_urls": False})
    created = spec.created or datetime(2018, 1, 1)
    wb.set_properties({"created": created, "author": rng.choice(("Administrator", "admin", "User", "微软用户", "")),
                       "title": "" if rng.random() < 0.7 else spec.title})
    fmt_date = wb.add_format({"num_format": "yyyy-mm-dd" if rng.random() < 0.6 else "yyyy/m/d"})
    fmt_title = wb.add_format({"bold": True, "align": "center", "font_size": 16})
    fmt_head = wb.add_format({"bold": True, "border": 1})
    mentions: list[Mention] = []
    for sheet_name, pids in spec.sheets:
        ws = wb.add_worksheet(sheet_name)
        put = _Put(
            title=lambda r, t, ws=ws: ws.merge_range(r, 0, r, _width(lay) - 1, t, fmt_title),
            header=lambda r, c, v, ws=ws: ws.write_string(r, c, v, fmt_head),
            number=ws.write_number,
            date=lambda r, c, v, ws=ws: ws.write_datetime(r, c, v, fmt_date),
            text=ws.write_string,
        )
        mentions += _fill(_rows(spec, pids, P, lay, rng, book, sheet_name), lay, put)
    wb.close()
    return mentions


def _write_xls(path: Path, spec: TableSpec, P, lay: _Layout, rng, book) -> list[Mention]:
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    st_date = xlwt.easyxf(num_format_str="YYYY-MM-DD" if rng.random() < 0.6 else "YYYY/M/D")
    st_title = xlwt.easyxf("font: bold on, height 320; align: horiz center")
    st_head = xlwt.easyxf("font: bold on")
    mentions: list[Mention] = []
    for sheet_name, pids in spec.sheets:
        ws = wb.add_sheet(sheet_name[:31])
        put = _Put(
            title=lambda r, t, ws=ws: ws.write_merge(r, r, 0, _width(lay) - 1, t, st_title),
            header=lambda r, c, v, ws=ws: ws.write(r, c, v, st_head),
            number=ws.write,
            date=lambda r, c, v, ws=ws: ws.write(r, c, v, st_date),
            text=ws.write,
        )
        rows = _rows(spec, pids, P, lay, rng, book, sheet_name[:31])
        mentions += _fill(rows, lay, put, max_rows=XLS_MAX_ROWS, path=spec.path)
    wb.save(str(path))
    return mentions


def _write_csv(path: Path, spec: TableSpec, P, lay: _Layout, rng, book) -> list[Mention]:
    enc = "gb18030" if spec.format == "csv-gb18030" else "utf-8-sig"
    mentions: list[Mention] = []
    width = _width(lay)
    with open(path, "w", encoding=enc, newline="") as fh:
        w = csv.writer(fh, lineterminator="\r\n")
        r = 0
        for sheet_name, pids in spec.sheets[:1]:
            for vals, m, rk in _rows(spec, pids, P, lay, rng, book, None):
                out = []
                for v in vals:
                    if isinstance(v, _Cell):
                        v = v.value.strftime("%Y-%m-%d") if v.kind == "d" else v.value
                    out.append(v)
                if rk in ("title", "total", "date"):
                    out = out + [""] * (width - len(out))
                w.writerow(out)
                if m is not None:
                    m.locator["row"] = r
                    mentions.append(m)
                r += 1
    return mentions
