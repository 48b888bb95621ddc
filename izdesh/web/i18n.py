"""Languages of the site: Babel message catalogs for the interface (izdesh/web/locale), the header
glossary (records/data/fields.toml) for field names and the term glossary (records/data/terms.toml)
for statuses, categories, reasons and relations as the records write them in Chinese.

The language lives in the address (/ug/…, /zh/…, /tr/…; English without a prefix) and in a hidden
field of POST forms: no cookie, nothing kept about the visitor.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from babel.support import Translations

LOCALE_DIR = Path(str(resources.files("izdesh.web"))) / "locale"
DEFAULT = "en"


@dataclass(frozen=True, slots=True)
class Lang:
    code: str
    name: str  # its own name
    dir: str  # ltr | rtl
    html_lang: str


LANGS: dict[str, Lang] = {
    "ug": Lang("ug", "ئۇيغۇرچە", "rtl", "ug"),
    "en": Lang("en", "English", "ltr", "en"),
    "zh": Lang("zh", "中文", "ltr", "zh-Hans"),
    "tr": Lang("tr", "Türkçe", "ltr", "tr"),
}


def pick(code: str | None) -> str:
    return code if code in LANGS else DEFAULT


def compile_catalogs(force: bool = False) -> list[Path]:
    """Compile every messages.po into messages.mo when the .mo is missing or older (also done at
    import, so a fresh checkout serves translated pages without a build step)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    done = []
    for po in sorted(LOCALE_DIR.glob("*/LC_MESSAGES/messages.po")):
        mo = po.with_suffix(".mo")
        if force or not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            with po.open("rb") as fh:
                catalog = read_po(fh, locale=po.parent.parent.name)
            try:
                with mo.open("wb") as fh:
                    write_mo(fh, catalog)
            except OSError:  # a read-only install: fall back to reading the .po itself at runtime
                continue
            done.append(mo)
    return done


@cache
def translations(code: str) -> Translations:
    if code == "en":
        return Translations()  # msgids are English
    mo = LOCALE_DIR / code / "LC_MESSAGES" / "messages.mo"
    if not mo.exists():
        compile_catalogs()
    if mo.exists():
        with mo.open("rb") as fh:
            return Translations(fh, domain="messages")
    po = mo.with_suffix(".po")
    if po.exists():  # a read-only install without .mo: compile in memory
        import io

        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        with po.open("rb") as fh:
            catalog = read_po(fh, locale=code)
        buf = io.BytesIO()
        write_mo(buf, catalog)
        buf.seek(0)
        return Translations(buf, domain="messages")
    return Translations()


# --------------------------------------------------------------------------------------- glossaries


def _load_toml(name: str) -> dict[str, Any]:
    try:
        text = resources.files("izdesh.records").joinpath(f"data/{name}").read_text("utf-8")
    except (FileNotFoundError, OSError):
        return {}
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return {}


@cache
def field_labels() -> dict[str, dict[str, str]]:
    """field key -> {lang: label} from fields.toml."""
    raw = _load_toml("fields.toml").get("fields", {})
    return {k: {"en": v.get("en", k), "ug": v.get("ug", ""), "tr": v.get("tr", ""), "zh": (v.get("headers") or [""])[0]} for k, v in raw.items()}


def field_label(key: str, lang: str) -> str:
    labels = field_labels().get(key)
    if not labels:
        return key.replace("_", " ")
    return labels.get(lang) or labels["en"]


_FOLD = re.compile(r"[\s:：;；,，。.()（）\[\]【】\u3000·・]+")


def fold_term(text: str) -> str:
    return _FOLD.sub("", unicodedata.normalize("NFKC", text or "")).lower()


TERM_KINDS = ("status", "category", "reason", "relation", "sex", "ethnicity")


@cache
def terms() -> dict[str, dict[str, dict[str, Any]]]:
    """kind -> key -> entry ({"zh": [...], "en", "ug", "tr", ...}) from terms.toml (tolerant of a
    missing file or kinds: the site then shows the original only)."""
    raw = _load_toml("terms.toml")
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for kind, entries in raw.items():
        if isinstance(entries, dict):
            out[kind] = {k: v for k, v in entries.items() if isinstance(v, dict)}
    return out


@cache
def _term_index() -> dict[tuple[str, str], str]:
    index: dict[tuple[str, str], str] = {}
    for kind, entries in terms().items():
        for key, entry in entries.items():
            variants = entry.get("zh", [])
            if isinstance(variants, str):
                variants = [variants]
            for v in [*variants, key, entry.get("en", "")]:
                if v:
                    index.setdefault((kind, fold_term(v)), key)
    return index


def term_key(kind: str, value: str | None) -> str | None:
    """The canonical key of a term as written (or of a key itself: the store keeps status keys)."""
    if not value:
        return None
    if value in terms().get(kind, {}):
        return value
    key = _term_index().get((kind, fold_term(value)))
    if key is None:
        try:  # the identity engineer's lookup also finds a variant inside a longer cell
            from izdesh.identity.terms import terms as id_terms

            key = id_terms().lookup(kind, value)
        except Exception:
            key = None
    return key


def is_key(kind: str, value: str | None) -> bool:
    return bool(value) and value in terms().get(kind, {})


def term_label(kind: str, key: str, lang: str) -> str:
    entry = terms().get(kind, {}).get(key, {})
    if lang == "zh":
        zh = entry.get("zh", [])
        return entry.get("zh_label") or (zh[0] if isinstance(zh, list) and zh else zh) or entry.get("en") or key
    return entry.get(lang) or entry.get("en") or key.replace("_", " ")


_SPLIT_REASONS = re.compile(r"[、，,；;/]+")


def translate_value(kind: str, value: str | None, lang: str) -> str | None:
    """The visitor's-language label of a term as written in a record, None when unknown (or when
    it would only repeat the original). Several reasons in one cell are translated one by one."""
    if not value or kind not in TERM_KINDS:
        return None
    key = term_key(kind, value)
    if key:
        label = term_label(kind, key, lang)
        return None if label == value else label
    if kind in ("reason", "category"):
        parts = [p for p in _SPLIT_REASONS.split(value) if p.strip()]
        if len(parts) > 1:
            labels = [term_label(kind, k, lang) if (k := term_key(kind, p)) else None for p in parts]
            if any(labels):
                return "; ".join(lab or p for lab, p in zip(labels, parts))
    return None


def term_options(kind: str, lang: str) -> list[tuple[str, str]]:
    """(key, label) for a dropdown, in the glossary's order."""
    return [(k, term_label(kind, k, lang)) for k in terms().get(kind, {})]


SEX = {"male": {"en": "male", "ug": "ئەر", "zh": "男", "tr": "erkek"},
       "female": {"en": "female", "ug": "ئايال", "zh": "女", "tr": "kadın"}}  # fmt: skip


def sex_label(value: str | None, lang: str) -> str:
    if not value:
        return ""
    return SEX.get(value, {}).get(lang, value)
