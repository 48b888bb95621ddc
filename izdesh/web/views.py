"""Page models: what the templates show, prepared in Python (translations, renderings, sources)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from izdesh.identity.idnumber import describe
from izdesh.records.glossary import field_for
from izdesh.web import charts, i18n
from izdesh.web.data import IMAGE_TYPES, Store
from izdesh.web.renderings import render

# These gettext calls only mark engine messages for extraction; the matching happens below.
_ = lambda s: s  # noqa: E731

QUERY_ERRORS = [
    ("The query is empty", _("Type a name or an ID number.")),
    ("The query is too long", _("The query is too long: at most 200 characters.")),
    ("The query has neither", _("The query has neither a name nor enough digits of an ID number.")),
    ("A partial ID number needs", _("A partial ID number needs at least 6 known digits (use ? for a digit you do not know).")),
    ("Names in Latin, Arabic or Cyrillic", _("Names in Latin, Arabic or Cyrillic script are not searchable yet: search by ID number or by the name in Chinese characters.")),
]  # fmt: skip
OTHER_MESSAGES = [
    _("The form is too large."),
    _("The form could not be read."),
    _("A field is too long: at most %(n)d characters."),
    _("The birth year must be a year like 1985."),
]


class PageError(Exception):
    """A bad request answered with a page in the visitor's language (message is a msgid)."""

    def __init__(self, status: int, message: str, **kw: Any):
        super().__init__(message)
        self.status, self.message, self.kw = status, message, kw


def query_error_message(text: str, gettext: Callable[..., str]) -> str:
    for prefix, msgid in QUERY_ERRORS:
        if text.startswith(prefix):
            return gettext(msgid)
    return text  # a message the site does not know yet: the engine's English


def names_view(name: str | None) -> dict[str, Any] | None:
    if not name:
        return None
    r = render(name)
    return {"zh": name, "latin": r.latin if r else None, "arabic": r.arabic if r else None,
            "pinyin": r.pinyin if r else None, "how": r.how if r else None}  # fmt: skip


def status_pair(value: str | None, lang: str) -> tuple[str | None, str | None]:
    """(label in the visitor's language, the Chinese word) for a status as stored: the store keeps
    terms.toml keys (re_education), older stores the word as written (教育转化)."""
    if not value:
        return None, None
    key = i18n.term_key("status", value)
    if key is None:
        return value, None
    label = i18n.term_label("status", key, lang)
    zh = value if not i18n.is_key("status", value) else i18n.term_label("status", key, "zh")
    return label, (zh if zh != label else None)


def result_views(results: list[Any], photos: dict[str, int], lang: str) -> list[dict[str, Any]]:
    out = []
    for r in results:
        d = r.as_json() if hasattr(r, "as_json") else dict(r)
        d["names"] = names_view(d.get("name"))
        d["status_label"], d["status_zh"] = status_pair(d.get("latest_status"), lang)
        d["photo_id"] = photos.get(d["person_id"])
        out.append(d)
    return out


TERM_FIELDS = {"status", "category", "reason", "relation", "sex", "ethnicity"}
SHOWN_FIELDS = ("name", "id_number", "sex", "ethnicity", "birth_date", "address", "township", "village", "status",
                "category", "reason", "facility", "building", "cell", "event_date", "sentence", "phone", "relation")  # fmt: skip


def locator_text(loc: dict[str, Any], gettext: Callable[[str], str] | None = None) -> list[tuple[str, Any]]:
    """(what, where) pairs naming a place in a file: sheet and row, page and line, paragraph…"""
    out: list[tuple[str, Any]] = []
    if loc.get("sheet"):
        out.append(("sheet", loc["sheet"]))
    if isinstance(loc.get("table"), int):
        out.append(("table", loc["table"] + 1))
    if isinstance(loc.get("row"), int):
        out.append(("row", loc["row"] + 1))
    if isinstance(loc.get("page"), int):
        out.append(("page", loc["page"] + 1))
    if isinstance(loc.get("line"), int):
        out.append(("line", loc["line"] + 1))
    if isinstance(loc.get("paragraph"), int):
        out.append(("paragraph", loc["paragraph"] + 1))
    if isinstance(loc.get("slide"), int):
        out.append(("slide", loc["slide"] + 1))
    return out


DATE_FIELDS = {"birth_date", "event_date"}


def meaning(key: str | None, value: str, lang: str) -> str | None:
    """What a cell means in the visitor's language: a term's label, the sex, a date read as ISO."""
    if not key or not value:
        return None
    if key == "sex":
        from izdesh.records.values import parse_sex

        label = i18n.sex_label(parse_sex(value), lang)
        return label if label and label != value else None
    if key in DATE_FIELDS:
        from izdesh.records.values import parse_date

        try:
            d = parse_date(value)
        except Exception:
            d = None
        iso = d.isoformat() if d else None
        return iso if iso != value else None
    if key in TERM_FIELDS:
        return i18n.translate_value(key, value, lang)
    return None


def record_view(rec: dict[str, Any], lang: str) -> dict[str, Any]:
    """One record: its cells as written beside the field names and terms in the visitor's language."""
    raw = rec.get("raw") or {}
    cells = []
    seen_fields = set()
    if rec.get("kind") == "table" or not raw.get("text"):
        for header, value in raw.items():
            key = field_for(header)
            seen_fields.add(key)
            value = "" if value is None else str(value)
            cells.append({
                "header": header, "field": key,
                "label": i18n.field_label(key, lang) if key else None,
                "value": value,
                "term": meaning(key, value, lang),
            })  # fmt: skip
    else:
        # Running text: the canonical fields read from the sentence (the sentence itself is shown too).
        for key in SHOWN_FIELDS:
            value = rec.get(key)
            if value in (None, "") or key in ("name",):
                continue
            label = i18n.field_label(key, lang)
            shown = i18n.sex_label(value, lang) if key == "sex" else str(value)
            cells.append({"header": None, "field": key, "label": label, "value": shown,
                          "term": i18n.translate_value(key, str(value), lang) if key in TERM_FIELDS else None})  # fmt: skip
    flags = rec.get("flags") or []
    return {
        "record_id": rec.get("record_id") or rec.get("id"),
        "kind": rec.get("kind"),
        "file": rec.get("file") or {"path": rec.get("path"), "sha256": rec.get("sha256"), "type": rec.get("file_type")},
        "where": locator_text(rec.get("locator") or {}),
        "cells": cells,
        "text": raw.get("text") or rec.get("text"),
        "name": rec.get("name"),
        "event_date": rec.get("event_date"),
        "status": rec.get("status"),
        "status_label": i18n.translate_value("status", rec.get("status"), lang),
        "flags": flags if isinstance(flags, list) else [str(flags)],
    }


def timeline(p: dict[str, Any], lang: str) -> list[dict[str, Any]]:
    """The person's events in date order: get_person's `timeline` (statuses with their dates and
    sources) when it gives one, else built here from dated records; photos are added."""
    items: list[dict[str, Any]] = []
    given = p.get("timeline")
    if isinstance(given, list) and given:
        for ev in given:
            if not isinstance(ev, dict):
                continue
            src: dict[str, Any] = ev["source"] if isinstance(ev.get("source"), dict) else {}
            status = ev.get("status")
            key = i18n.term_key("status", status) if status else None
            reason = ev.get("reason")
            items.append({
                "date": str(ev.get("date") or ev.get("as_of") or ev.get("list_date") or ""),
                "list_date": ev.get("list_date") if ev.get("date") and ev.get("list_date") != ev.get("date") else None,
                "status": ev.get("as_written") or (i18n.term_label("status", key, "zh") if key else status),
                "status_label": i18n.term_label("status", key, lang) if key else (ev.get("label") or status),
                "what": (i18n.term_label("reason", ev["reason_key"], lang) if ev.get("reason_key") else None) or reason or "",
                "what_zh": reason if ev.get("reason_key") else None,
                "facility": " ".join(str(ev[k]) for k in ("facility", "building", "cell") if ev.get(k)),
                "implied": ev.get("implied"),
                "record_id": src.get("record_id") or ev.get("record_id"),
                "path": src.get("path") or ev.get("path"),
                "custody": ev.get("custody"),
            })  # fmt: skip
    else:
        for rec in p.get("records", []):
            if rec.get("event_date") or rec.get("status"):
                items.append({
                    "date": rec.get("event_date") or "", "status": rec.get("status"),
                    "status_label": i18n.translate_value("status", rec.get("status"), lang) or rec.get("status"),
                    "what": rec.get("reason") or rec.get("category") or "", "what_zh": None,
                    "facility": " ".join(str(rec[k]) for k in ("facility", "building", "cell") if rec.get(k)),
                    "record_id": rec.get("record_id"), "path": rec["file"]["path"], "implied": None,
                })  # fmt: skip
    for ph in p.get("photos", []):
        if ph.get("taken_at"):
            items.append({"date": str(ph["taken_at"])[:10], "status": None, "status_label": None, "what": "photo",
                          "facility": "", "record_id": None, "path": ph.get("path"), "photo_id": ph.get("photo_id"),
                          "implied": None, "what_zh": None})  # fmt: skip
    items.sort(key=lambda ev: (ev["date"] == "", ev["date"]))
    return items


def person_view(p: dict[str, Any], lang: str, store: Store) -> dict[str, Any]:
    v = dict(p)
    v["rendered"] = names_view(p.get("name"))
    v["other_names"] = [names_view(n) for n in p.get("names", []) if n != p.get("name")]
    v["id_info"] = describe(p["id_number"]) if p.get("id_number") else None
    v["status_label"], v["status_zh"] = status_pair(p.get("latest_status"), lang)
    v["record_views"] = [record_view(r, lang) for r in p.get("records", [])]
    photo_by_path = {ph.get("path"): ph.get("photo_id") for ph in p.get("photos", [])}
    for rv in v["record_views"]:
        if rv["kind"] == "photo":
            rv["photo_id"] = photo_by_path.get(rv["file"].get("path"))
    v["events"] = timeline(p, lang)
    v["relatives_view"] = [
        {**rel, "relation_label": i18n.translate_value("relation", rel.get("relation"), lang),
         "rendered": names_view(rel.get("name"))}
        for rel in [*p.get("relatives", []), *p.get("co_listed", []), *p.get("possibly_same", [])]
    ]  # fmt: skip
    conflicts = p.get("conflicts")
    v["conflicts_view"] = conflicts if isinstance(conflicts, list) else []
    return v


def _highlight(text: str, needles: list[str]) -> list[tuple[str, bool]]:
    """Text cut into (piece, is_hit) around the first occurrence of any needle."""
    for n in needles:
        if n and n in text:
            i = text.index(n)
            return [(text[:i], False), (n, True), (text[i + len(n) :], False)]
    return [(text, False)]


def source_view(rec: dict[str, Any], lang: str, store: Store) -> dict[str, Any]:
    data, same = store.original(rec["path"], rec["sha256"])
    v: dict[str, Any] = {
        "record": record_view(rec, lang),
        "path": rec["path"], "sha256": rec["sha256"], "size": rec["size"], "type": rec["file_type"],
        "file_status": rec["file_status"], "file_reason": rec.get("file_reason"), "file_id": rec["file_id"],
        "original_here": data is not None, "hash_ok": same, "person_id": rec.get("person_id"),
        "where": locator_text(rec.get("locator") or {}),
        "sheet": None, "passage": None, "photo": None, "image": None,
    }  # fmt: skip
    if rec.get("kind") == "table":
        v["sheet"] = store.sheet_window(rec) or store.stored_rows(rec)
        if v["sheet"] and rec.get("table"):
            cols = rec["table"].get("columns") or []
            v["sheet"]["fields"] = {c.get("index"): i18n.field_label(c["field"], lang) for c in cols if c.get("field")}
    text = (rec.get("raw") or {}).get("text") or rec.get("text")
    if text:
        v["passage"] = _highlight(text, [rec.get("name") or "", rec.get("id_raw") or ""])
    if rec.get("photo"):
        ph = rec["photo"]
        v["photo"] = {"photo_id": ph["id"], "taken_at": ph["taken_at"], "exif": ph["exif"] or {}}
    meta = rec.get("file_meta") or {}
    if not v["photo"] and rec["file_type"] in IMAGE_TYPES and data is not None:
        v["image"] = {"file_id": rec["file_id"], "exif": meta.get("exif") or {}}
    if v["photo"] and not v["photo"]["exif"]:
        v["photo"]["exif"] = meta.get("exif") or {}
    return v


def stats_view(s: dict[str, Any], lang: str) -> dict[str, Any]:
    t = i18n.translations(lang).ugettext
    keys: list[str] = []
    for counts in s["status_town"].values():
        for k in counts:
            if k not in keys:
                keys.append(k)
    order = [k for k, _ in i18n.term_options("status", lang)]
    keys.sort(key=lambda k: (order.index(k) if k in order else len(order), k))
    key_labels = [(k, t("no status") if k == "none" else i18n.term_label("status", k, lang)) for k in keys]
    rows = sorted(s["status_town"].items(), key=lambda kv: -sum(kv[1].values()))
    rows = [(t("township not recorded") if town == "?" else town, counts) for town, counts in rows]
    return {
        **s,
        "status_keys": key_labels,
        "status_rows": rows,
        "chart_status": charts.stacked_bars(rows, key_labels, t("Persons by township and latest status")),
        "chart_pyramid": charts.pyramid(
            {int(k): n for k, n in s["pyramid"]["male"].items()},
            {int(k): n for k, n in s["pyramid"]["female"].items()},
            (t("men"), t("women")),
            t("Age in 2018 and sex of the persons held"),
        ),
        "chart_months": charts.columns(s["per_month"], t("Dated records per month")),
        "bands": list(range(80, -5, -5)),
    }


def strip_tags(s: str) -> str:
    return re.sub(r"<[^>]+>", "", s)
