"""People in running text: every ID number in any written form, the name written beside it, and
the sentence around it.

Reports write a person as "买买提·吐尔逊（身份证号：6531…），男，…" or ", 公民身份号码6531…"; list pages
and OCR lines write table rows as "1 买买提·吐尔逊 男 6531… 托克扎克镇…". The name is taken from just
before the ID (skipping the label, brackets and cells such as sex, ethnicity or age), else from just
after it. A few name-only forms ("买买提·吐尔逊等5人", "买买提·吐尔逊，男，…") are taken too, with no ID.

A block is one unit of the source with its own locator (a paragraph, a slide paragraph, a PDF page
split in lines); offsets in locators are character offsets into that block's text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from izdesh.identity.idnumber import IdParse, find_ids
from izdesh.identity.idnumber import parse as parse_id
from izdesh.records.mapping import RecordOut, id_fields_from

# Characters of a name as clerks write it: Han characters and the dots between Uyghur name parts.
_DOTS = "·・•．‧.\u00b7\u30fb\u2022\uff0e\u2027\u2219\u22c5"
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_NAME_CHARS = f"{_HAN}{_DOTS}"
# A name directly before the point we look back from.
_NAME_END = re.compile(rf"[{_HAN}](?:[ \u3000]?[{_DOTS}][ \u3000]?[{_HAN}]|[{_HAN}]){{0,24}}$")
# A two-character Han name padded to three ("王  伟"), as old registers write it.
_PADDED_END = re.compile(rf"(?:^|[^{_NAME_CHARS}\s])\s*([{_HAN}][ \u3000]{{1,2}}[{_HAN}])$")

_BETWEEN = re.compile(
    r"(?:[\s,，、:：;；(（\[【<《'\"‘’“”]|(?:公民|居民)?(?:身份证|身份證|身分证)(?:号码|號碼|号|號)?|公民身份号码|身份号码|证件号码?|证号|"
    r"ID(?:\s*No\.?)?)*$"
)
# Words that read like names but are not (labels, titles, words before a comma).
_STOP = {
    "姓名", "身份证", "身份证号", "身份证号码", "公民身份号码", "号码", "证件号码", "性别", "民族", "住址",
    "出生日期", "现住址", "户籍地", "备注", "序号", "人员", "户主", "本人", "其", "该人", "男", "女", "维吾尔族",
    "汉族", "哈萨克族", "回族", "柯尔克孜族", "经查", "经核查", "经排查", "另查明", "据群众举报", "现将", "发现",
    "其中", "以及", "对象", "嫌疑人", "犯罪嫌疑人", "重点人员", "被告人", "罪犯", "学员",
}  # fmt: skip
# Words that open a sentence and stick to the name when there is no comma ("经查买买提…").
_LEADS = (
    "据群众举报", "犯罪嫌疑人", "经排查", "经核查", "另查明", "重点人员", "嫌疑人", "被告人", "经查", "现将", "发现",
    "其中", "学员", "罪犯", "人员", "姓名", "户主", "对象",
)  # fmt: skip
# Cells a list row may put between a name and the ID: sex, ethnicity, age, a birth date, a number.
_CELL_SKIP = re.compile(
    rf"^(?:[男女]|[{_HAN}]{{1,5}}族|\d{{1,3}}岁?|\d{{4}}[-./年]\d{{1,2}}(?:[-./月]\d{{1,2}}日?)?|\d{{1,3}})$"
)
_SENT_END = "。！？!?；;\n"
_SEX_AFTER = re.compile(r"^[）)\s,，、]*(?:[^，,。]{0,3}[，,、]\s*)?([男女])(?:性)?[，,、\s]")
_ETHNIC = re.compile(rf"([{_HAN}]{{1,5}}族)")
_TOKEN = re.compile(r"\S+")

# Name-only mentions.
_NAME_PART = rf"[{_HAN}](?:[ \u3000]?[{_DOTS}][ \u3000]?[{_HAN}]|[{_HAN}]){{1,24}}"
_NAME_GROUP = re.compile(rf"({_NAME_PART})等\s*[0-9一二三四五六七八九十百]+\s*(?:名|人|户)")
_NAME_SEX = re.compile(rf"(?:^|[，,。；;：:\s])({_NAME_PART})\s*[，,]\s*([男女])[，,]")


def _sentence(text: str, start: int, end: int) -> tuple[int, int]:
    a = start
    while a > 0 and text[a - 1] not in _SENT_END:
        a -= 1
    b = end
    while b < len(text) and text[b] not in _SENT_END:
        b += 1
    if b < len(text) and text[b] != "\n":
        b += 1
    while a < b and text[a].isspace():
        a += 1
    return a, b


def _strip_leads(name: str) -> str:
    changed = True
    while changed:
        changed = False
        for lead in _LEADS:
            if name.startswith(lead) and len(name) - len(lead) >= 2:
                name = name[len(lead) :]
                changed = True
    return name


def _is_name(s: str) -> bool:
    core = re.sub(rf"[{_DOTS}\s]", "", s)
    if len(core) < 2 or len(core) > 24 or s in _STOP or core in _STOP:
        return False
    if s[0] in _DOTS or s[-1] in _DOTS:
        return False
    return bool(re.fullmatch(rf"[{_NAME_CHARS} \u3000]+", s))


def _name_before(text: str, pos: int, line_start: int) -> tuple[int, int] | None:
    """(start, end) of the name written just before `pos` (an ID's start), or None."""
    head = text[max(0, line_start - 200) if line_start > 0 else 0 : pos]
    offset = pos - len(head)
    m = _BETWEEN.search(head)
    end = m.start() if m else len(head)
    # Running text: the name directly before the label ("买买提·吐尔逊（身份证号：").
    seg = head[:end]
    nm = _NAME_END.search(seg)
    if nm and end > 0:
        raw = nm.group(0)
        cand = _strip_leads(raw)
        a = nm.start() + (len(raw) - len(cand))
        if len(cand) == 1 and (pm := _PADDED_END.search(seg)) is not None:
            cand, a = pm.group(1), pm.start(1)
        if _is_name(cand) and not _CELL_SKIP.match(cand):
            return offset + a, offset + a + len(cand)
    # A list row: whitespace-separated cells; skip sex/ethnicity/age cells back to the name.
    line_head = text[line_start:pos]
    toks = [(t.start() + line_start, t.end() + line_start, t.group(0)) for t in _TOKEN.finditer(line_head)]
    toks = [t for t in toks if not re.fullmatch(r"(?:身份证号码?|公民身份号码|身份证号)[:：]?", t[2])]
    skipped = 0
    for i in range(len(toks) - 1, -1, -1):
        a, b, tok = toks[i]
        tok_clean = tok.strip("，,:：()（）[]【】'\"‘’“”")
        if not tok_clean:  # a stray quote or bracket before the number
            continue
        if _CELL_SKIP.match(tok_clean):
            skipped += 1
            if skipped > 4:
                return None
            continue
        # A two-character Han name padded with spaces: "王  伟" arrives as two one-char tokens.
        if len(tok_clean) == 1 and i > 0 and len(toks[i - 1][2]) == 1 and re.fullmatch(f"[{_HAN}]", tok_clean):
            a = toks[i - 1][0]
            tok_clean = text[a:b]
        # A dotted name with spaces around the dot: "买买提 · 吐尔逊" arrives as three tokens.
        elif i >= 2 and toks[i - 1][2] in _DOTS and re.fullmatch(f"[{_HAN}]+", toks[i - 2][2]):
            a = toks[i - 2][0]
            tok_clean = text[a:b]
        nm = re.search(rf"[{_NAME_CHARS}](?:[{_NAME_CHARS}]|[ \u3000]{{1,2}}(?=[{_NAME_CHARS}]))*$", tok_clean)
        if nm and _is_name(_strip_leads(nm.group(0))):
            s = _strip_leads(nm.group(0))
            start = text.rfind(s, a, b + 1)
            if start >= 0:
                return start, start + len(s)
        return None
    return None


def _name_after(text: str, end: int, line_end: int) -> tuple[int, int] | None:
    """A name just after the ID on the same line (lists that put the ID column first)."""
    tail = text[end:line_end]
    m = re.match(rf"[\s,，、:：)）]*(?:姓名[:：]?\s*)?([{_HAN}](?:[{_DOTS}]?[{_HAN}]){{1,24}})(?=[\s,，、。)）]|$)", tail)
    if m and _is_name(m.group(1)) and not _CELL_SKIP.match(m.group(1)):
        return end + m.start(1), end + m.end(1)
    return None


_RUN18 = re.compile(r"(?<![0-9０-９A-Za-z])[1-8１-８][0-9０-９]{16}[0-9０-９XxＸｘ](?![0-9０-９A-Za-z])")


@dataclass(frozen=True, slots=True)
class _Found:
    start: int
    end: int
    text: str
    parsed: IdParse


# OCR misreads of an ID number: the final X read as a multiplication sign or a cross, a speck read
# as a dot or comma between two digits. Taken only when the repaired number checks out.
_OCR_X = {"×": "X", "✕": "X", "╳": "X", "χ": "X"}
_OCR_RUN = re.compile(
    r"(?<![0-9A-Za-z])[1-8](?:[0-9]|[.,·:'](?=[0-9])){16,17}[0-9XxＸｘ×✕╳χ](?![0-9A-Za-z])"
)


def _ocr_ids(text: str, spans: list[tuple[int, int]]) -> list[_Found]:
    out = []
    for m in _OCR_RUN.finditer(text):
        if any(a < m.end() and m.start() < b for a, b in spans):
            continue
        digits = "".join(_OCR_X.get(c, c) for c in m.group(0) if c not in ".,·:'")
        if len(digits) != 18:
            continue
        parsed = parse_id(digits.upper())
        if parsed.kind == "full" and parsed.checksum_ok:
            out.append(_Found(m.start(), m.end(), m.group(0), parsed))
    return out


def _all_ids(text: str, ocr: bool = False) -> list[Any]:
    """find_ids, plus any bare 18-character run it leaves out (an impossible birth date, a
    mistyped region): in these files such a run is an ID number, kept with its flags. In OCR'd
    text, also the runs `_ocr_ids` repairs."""
    found: list[Any] = list(find_ids(text))
    spans = [(m.start, m.end) for m in found]
    for m in _RUN18.finditer(text):
        if any(a < m.end() and m.start() < b for a, b in spans):
            continue
        found.append(_Found(m.start(), m.end(), m.group(0), parse_id(m.group(0))))
        spans.append((m.start(), m.end()))
    if ocr:
        found.extend(_ocr_ids(text, spans))
    found.sort(key=lambda x: x.start)
    return found


def people_in_text(text: str, locator: dict[str, Any], kind: str = "text") -> list[RecordOut]:
    """Records for the persons written in one block of text. `locator` names the block ({"paragraph":
    i} or {"page": n} ...); each record adds "start"/"end" (the mention's span in the block) and, for
    a block of several lines, "line" (0-based line of the ID number)."""
    if not text or not text.strip():
        return []
    out: list[RecordOut] = []
    taken: list[tuple[int, int]] = []
    multiline = "\n" in text.strip("\n")
    line_starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]

    def line_of(pos: int) -> int:
        lo, hi = 0, len(line_starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if line_starts[mid] <= pos:
                lo = mid
            else:
                hi = mid - 1
        return lo

    for m in _all_ids(text, ocr=kind == "ocr"):
        ln = line_of(m.start)
        ls = line_starts[ln]
        le = text.find("\n", m.end)
        le = len(text) if le < 0 else le
        # Look back across one line break: wrapped text may put the name at the end of the line above.
        look_from = line_starts[ln - 1] if ln > 0 and not text[ls:m.start].strip() else ls
        span = _name_before(text, m.start, look_from)
        if span is None:
            span = _name_after(text, m.end, le)
        s0 = min(m.start, span[0]) if span else m.start
        s1 = max(m.end, span[1]) if span else m.end
        a, b = _sentence(text, s0, s1)
        fields, flags = id_fields_from(m.parsed)
        name = text[span[0] : span[1]] if span else None
        fields = {"name": name, "id_raw": m.text, **fields}
        sent = text[a:b].strip()
        fields["text"] = sent
        after = text[m.end : min(len(text), m.end + 40)]
        between = text[span[1] : m.start] + " " if span and span[1] <= m.start else ""
        sx = _SEX_AFTER.match(after) or re.search(r"(?:^|[\s,，、])([男女])[\s,，、]", between)
        if sx is not None:
            fields["sex"] = "male" if sx.group(1) == "男" else "female"
        if (eth := _ETHNIC.search(text[s0:b])) is not None and eth.group(1) not in ("家族", "民族"):
            fields["ethnicity"] = eth.group(1)
        loc = dict(locator)
        if multiline:
            loc["line"] = ln
        loc.update(start=s0, end=s1)
        raw = {"text": sent, "id": m.text}
        if name:
            raw["name"] = name
        if not name:
            flags.append("no_name")
        out.append(RecordOut(kind=kind, locator=loc, raw=raw, fields=fields, flags=flags))
        taken.append((s0, s1))

    # Name-only mentions, where no ID stands beside the name.
    for rx in (_NAME_GROUP, _NAME_SEX):
        for nm in rx.finditer(text):
            s = _strip_leads(nm.group(1))
            start = nm.end(1) - len(s)
            end = nm.end(1)
            if not _is_name(s) or (not any(c in _DOTS for c in s) and len(s) > (10 if rx is _NAME_SEX else 8)):
                continue
            if any(a <= start < b or a < end <= b for a, b in taken):
                continue
            # a name directly followed by an ID is handled above
            a, b = _sentence(text, start, end)
            loc = dict(locator)
            if multiline:
                loc["line"] = line_of(start)
            loc.update(start=start, end=end)
            fields = {"name": s, "text": text[a:b].strip()}
            if rx is _NAME_SEX:
                fields["sex"] = "male" if nm.group(2) == "男" else "female"
            out.append(
                RecordOut(
                    kind=kind, locator=loc, raw={"text": fields["text"], "name": s}, fields=fields, flags=["no_id"]
                )
            )
            taken.append((start, end))
    out.sort(key=lambda r: r.locator["start"])
    return out
