"""Entities in document text: phone numbers, police officers with post, rank, unit and badge
number, townships, villages and detention facilities. Patterns only (no list of places or people):
they must work on documents nobody has seen."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

H = "\u4e00-\u9fff"
# What may stand right before a place or unit name: not a Chinese character, or a word that ends a
# preceding name or a preposition ("在", "到"), so "会同托克扎克镇派出所" does not swallow "会同".
_START = rf"(?:(?<![{H}])|(?<=[县市区州局在到至从赴往送押对、和与及同为由]))"

MOBILE = re.compile(r"(?<![0-9])(1[3-9][0-9]{9})(?![0-9])")
LANDLINE = re.compile(r"(?<![0-9])(0[1-9][0-9]{1,2})[-－—–\s]?([2-9][0-9]{6,7})(?![0-9])")
BADGE = re.compile(r"警号[:：\s]*([0-9]{6,7})(?![0-9])")

POSTS = (
    "副大队长|大队长|副中队长|中队长|副支队长|支队长|副所长|所长|指导员|教导员|副局长|局长|副政委|政委|"
    "副校长|校长|安保负责人|副主任|主任|管教民警|社区民警|民警|辅警|工作人员|警长|科长|副科长"
)
RANK = r"(?:[一二三四]级)?(?:警员|警司|警督|警监)|(?:副)?总警监"
UNIT = (
    rf"{_START}((?:[{H}]{{2,6}}?(?:县|市|区|州|地区))?"
    rf"(?:公安局|公安厅|公安处|看守所|拘留所|监狱|职业技能教育培训中心|教培中心|维稳指挥部办公室|维稳办)"
    rf"(?:[{H}]{{2,16}}?(?:派出所|大队|支队|中队|警务站|科))?)"
)
OFFICER = re.compile(
    rf"{UNIT}({POSTS})[\s　]*([{H}·]{{2,4}}?)"
    rf"(?:同志)?(?:[（(]({RANK})[）)])?(?=[（(，,。；;：:、\s同]|$)"
)
FACILITY = re.compile(
    rf"{_START}([{H}]{{2,8}}?(?:第[一二三四五六七八九十]+)?"
    rf"(?:职业技能教育培训中心|教育培训中心|教培中心|看守所|拘留所|监狱|戒毒所|收容教育所))"
)
TOWNSHIP = re.compile(rf"{_START}([{H}]{{2,7}}?(?:镇|乡))")
VILLAGE = re.compile(rf"(?:(?<![{H}0-9])|(?<=[镇乡县在到至从对、和与及同为由]))([{H}0-9]{{1,6}}?村)(?![委民干组里内])")
_LEAD = ("关于", "对于", "经与", "根据", "会同", "经", "由", "对", "在", "将", "把", "向", "从", "到", "和", "与")
_NOT_PLACE = ("城乡", "下乡", "回乡", "家乡", "老乡", "同乡", "乡村", "乡镇", "城镇", "村镇", "各乡", "各镇", "本乡", "本镇", "全乡", "全镇", "该乡", "该镇")  # fmt: skip


def entities_in(text: str) -> list[tuple[str, str, dict[str, Any]]]:
    """(kind, value, extra) for each entity in a block of text, in order, without repeats."""
    text = unicodedata.normalize("NFKC", text)
    out: list[tuple[str, str, dict[str, Any]]] = []
    seen: set[tuple[str, str]] = set()

    def add(kind: str, value: str, extra: dict[str, Any] | None = None) -> None:
        if (kind, value) not in seen:
            seen.add((kind, value))
            out.append((kind, value, extra or {}))

    has_digit = any(c.isdigit() for c in text)
    units = any(w in text for w in ("公安", "看守所", "拘留所", "监狱", "中心", "维稳"))
    for m in OFFICER.finditer(text) if units else ():
        unit, post, name, rank = m.groups()
        extra = {"unit": unit, "post": post}
        if rank:
            extra["rank"] = rank
        tail = text[m.end() : m.end() + 40]
        b = BADGE.search(tail)
        if b:
            extra["badge"] = b.group(1)
        p = MOBILE.search(tail) or LANDLINE.search(tail)
        if p:
            extra["phone"] = p.group(1) if p.re is MOBILE else f"{p.group(1)}-{p.group(2)}"
        add("officer", name, extra)
        add("unit", unit)
    for m in BADGE.finditer(text) if "警号" in text else ():
        add("badge", m.group(1))
    for m in MOBILE.finditer(text) if has_digit else ():
        add("phone", m.group(1), {"type": "mobile"})
    for m in LANDLINE.finditer(text) if has_digit else ():
        add("phone", f"{m.group(1)}-{m.group(2)}", {"type": "landline"})
    for m in FACILITY.finditer(text) if units or "所" in text else ():
        v = m.group(1)
        k = v.find("县")
        if 2 < k < 8:  # "送疏附县看守所": a county name is two or three characters before 县
            v = v[k - 3 :] if v[k - 3] not in "送押到在对赴往进入关" else v[k - 2 :]
        add("facility", v)
    for m in TOWNSHIP.finditer(text) if "镇" in text or "乡" in text else ():
        v = _unlead(m.group(1))
        if not any(v.endswith(w) for w in _NOT_PLACE) and len(v) >= 3:
            add("township", v)
    for m in VILLAGE.finditer(text) if "村" in text else ():
        v = _unlead(m.group(1))
        if len(v) >= 2 and v not in ("个别村", "乡村", "农村", "进村", "本村", "该村", "各村", "全村", "驻村", "村村"):
            add("village", v)
    return out


def _unlead(v: str) -> str:
    """A place name without a leading function word the pattern took in ("关于特克斯镇")."""
    for w in _LEAD:
        if v.startswith(w) and len(v) - len(w) >= 3:
            return v[len(w) :]
    return v
