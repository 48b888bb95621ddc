"""The synthetic leak's ground-truth model: who exists, what happened to them, where they are written.

Shared by the population builder, every file writer and the truth writer. Nothing in `ingest/` may
import this module: the ingester must learn everything from the files alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

Sex = Literal["male", "female"]

# Canonical status keys, in the order a life in the records moves through them.
STATUSES = (
    "registered",  # on a population register
    "blacklisted",  # on a list of suspects, with a category
    "detained",  # in a detention centre (看守所)
    "re_education",  # in a "vocational skills education and training centre" (教培中心)
    "sentenced",  # sentenced to prison, with a term
    "released",  # released or "graduated" (结业)
    "died",  # died in custody
)


@dataclass(slots=True)
class StatusEvent:
    status: str  # one of STATUSES
    status_zh: str  # as the records write it, e.g. "在押", "教育转化", "判刑"
    on: date
    facility_zh: str | None = None  # e.g. "疏附县职业技能教育培训中心"
    building: str | None = None  # e.g. "1号楼"
    cell: str | None = None  # e.g. "122"
    reason_zh: str | None = None  # e.g. "使用快牙软件"
    category_zh: str | None = None  # blacklists: e.g. "第二类：高度可疑同伙"
    sentence_years: int | None = None


@dataclass(slots=True)
class Person:
    pid: int  # index in the population, stable for a seed
    id_number: str  # the true 18-character resident ID number
    name_zh: str  # canonical Chinese-character name as the registry writes it, e.g. "买买提·吐尔逊"
    name_latin: str  # Uyghur Latin (ULY) full name, e.g. "Memet Tursun"; pinyin for Han persons
    given_latin: str  # "Memet"
    father_latin: str  # "Tursun" (Uyghur names carry the father's given name); "" for Han
    sex: Sex
    birth_date: date
    ethnicity_zh: str  # "维吾尔族", "哈萨克族", "汉族", ...
    county_code: str  # current county code, e.g. "653121"
    township_zh: str
    village_zh: str
    household: int  # household number, shared by the members of one household
    relation_zh: str  # relation to the household head as registers write it: "户主", "配偶", "长子"...
    phone: str | None = None
    statuses: list[StatusEvent] = field(default_factory=list)
    relatives: list[tuple[int, str]] = field(default_factory=list)  # (pid, relation key: "father", ...)
    abroad: bool = False  # lives abroad (appears only as a relative)

    @property
    def age_2017(self) -> int:
        return 2017 - self.birth_date.year


@dataclass(slots=True)
class Mention:
    """One place where a person is written in the leak, as the ingester should find it."""

    pid: int
    file: str  # path relative to the leak root, e.g. "疏附县/托克扎克镇/人口登记表_01.xlsx"
    kind: Literal["table", "text", "ocr", "photo"]
    locator: dict[str, Any]  # table: sheet, row (0-based in the sheet), id_col, name_col;
    #                          text/ocr: page or paragraph; photo: {}
    written_id: str | None  # the ID exactly as written (str of the cell value), None if absent
    written_name: str | None  # the name exactly as written
    id_damage: list[str] = field(default_factory=list)  # e.g. ["excel_float"], ["fullwidth"], ["bad_check"]


@dataclass(slots=True)
class FileTruth:
    path: str  # relative to the leak root
    kind: str  # register, detainee_list, blacklist, sentence_list, household, report, speech,
    #            scan, slides, mugshot, photo, ...
    format: str  # xlsx, xls, csv-gb18030, csv-utf8-bom, docx, pdf, pdf-scan, pptx, jpg, png
    state: Literal["ok", "truncated", "empty", "encrypted", "misnamed"] = "ok"
    note: str = ""
    persons: int = 0  # mentions written in it
    created: datetime | None = None
