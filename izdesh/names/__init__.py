"""Cross-script name keys and scoring: a Uyghur name as a family knows it (ULY Latin with or
without diacritics, Uyghur Arabic script, Cyrillic, passport pinyin, Turkish/English spellings)
against the same name written in Chinese characters in a record.

    detect_script(text)        -> "han" | "uyghur_arabic" | "cyrillic" | "latin" | "mixed" | "unknown"
    parse_name(text)           -> ParsedName(parts, script, folded, splits)
    to_latin_forms(text)       -> ["memet tursun"]
    keys_for_chinese(name_zh)  -> {"p:MMT", "p:TLSN", "w:MMT-TLSN"}
    keys_for_query(text)       -> keys in the same space (candidates = key intersection)
    score(query, name_zh)      -> Match(score 0..1, why, parts)
    closeness(query, name_zh)  -> spelling closeness 0..1, a tie-break between equal scores

Knowledge (sound classes, transcription codas, name readings, exonyms, costs) is data in
izdesh/names/data/, interpreted by sounds.py, chinese.py, uyghur.py, keys.py and score.py.
"""

from izdesh.names.keys import keys_for_chinese, keys_for_query
from izdesh.names.parse import ParsedName, parse_name
from izdesh.names.score import Match, closeness, score
from izdesh.names.scripts import detect_script, to_latin_forms

__all__ = [
    "Match",
    "ParsedName",
    "closeness",
    "detect_script",
    "keys_for_chinese",
    "keys_for_query",
    "parse_name",
    "score",
    "to_latin_forms",
]
