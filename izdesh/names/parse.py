"""A name as typed or as written in a record, cut into its parts (given, father's, ...)."""

from __future__ import annotations

from dataclasses import dataclass, field

from izdesh.names.chinese import guess_splits, split_parts
from izdesh.names.scripts import HAN, MIXED, detect_script, normalize, to_latin_forms, tokens


@dataclass(slots=True)
class ParsedName:
    text: str  # as given (NFKC, trimmed)
    script: str  # detect_script()
    parts: list[str]  # in the source script: [given, father, ...]
    folded: str  # folded Latin (ULY via umsc for Arabic/Cyrillic; name-reading pinyin for Han)
    splits: list[tuple[str, str]] = field(default_factory=list)  # unseparated Chinese: cuts to try

    @property
    def given(self) -> str | None:
        return self.parts[0] if self.parts else None

    @property
    def father(self) -> str | None:
        return self.parts[1] if len(self.parts) > 1 else None


def parse_name(text: str) -> ParsedName:
    """Cut a name into parts. Chinese-written names split on any dot look-alike (· ・ • ． ‧ . and
    spaces); an unseparated Chinese name of four or more characters stays one part and lists the
    cuts to try in `splits`. Other scripts split on spaces and separators."""
    text = normalize(text)
    script = detect_script(text)
    if script == HAN:
        parts = split_parts(text)
        splits = guess_splits(parts[0]) if len(parts) == 1 and len(parts[0]) >= 4 else []
    else:
        parts = tokens(text)
        splits = []
        if script == MIXED:
            parts = [p for p in parts if p]
    forms = to_latin_forms(text)
    return ParsedName(text, script, parts, forms[0] if forms else "", splits)
