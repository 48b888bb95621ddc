"""izdesh.names: scripts, parsing, cross-script keys and scoring (written from the transcription
rules and real name pairs, independent of the synthetic-leak generator)."""

from __future__ import annotations

import pytest

from izdesh.names import (
    closeness,
    detect_script,
    keys_for_chinese,
    keys_for_query,
    parse_name,
    score,
    to_latin_forms,
)
from izdesh.names.keys import year_keys


@pytest.mark.parametrize(
    "text, script",
    [
        ("买买提·吐尔逊", "han"),
        ("مەمەت تۇرسۇن", "uyghur_arabic"),
        ("Мәмәт Турсун", "cyrillic"),
        ("Memet Tursun", "latin"),
        ("Abdukérim Yüsüp", "latin"),
        ("Memet 吐尔逊", "mixed"),
        ("12345 !!", "unknown"),
        ("", "unknown"),
        ("ﻣﻪﻣﻪﺕ", "uyghur_arabic"),  # presentation forms (PDF text)
    ],
)
def test_detect_script(text: str, script: str) -> None:
    assert detect_script(text) == script


@pytest.mark.parametrize("dot", ["·", "・", "•", "．", "‧", ".", " ", "･", "-"])
def test_parse_chinese_every_dot(dot: str) -> None:
    p = parse_name(f"买买提{dot}吐尔逊")
    assert p.script == "han"
    assert p.parts == ["买买提", "吐尔逊"]
    assert p.given == "买买提" and p.father == "吐尔逊"
    assert p.folded == "maimaiti tuerxun"


def test_parse_chinese_unseparated_lists_splits() -> None:
    p = parse_name("买买提吐尔逊")
    assert p.parts == ["买买提吐尔逊"]
    assert ("买买提", "吐尔逊") in p.splits


def test_parse_other_scripts() -> None:
    assert parse_name("مەمەت تۇرسۇن").parts == ["مەمەت", "تۇرسۇن"]
    assert parse_name("مەمەت تۇرسۇن").folded == "memet tursun"
    assert parse_name("  Abdukérim   Tursun ").parts == ["Abdukérim", "Tursun"]


def test_to_latin_forms() -> None:
    assert to_latin_forms("مەمەت تۇرسۇن") == ["memet tursun"]
    assert to_latin_forms("Мәмәт Турсун") == ["memet tursun"]
    assert to_latin_forms("Abdukérim Yüsüp") == ["abdukerim yusup"]
    assert to_latin_forms("都") == ["du"]  # name reading, not pypinyin's "dou"
    assert to_latin_forms("") == []


QUERIES = [
    "Memet Tursun",
    "memet tursun",
    "مەمەت تۇرسۇن",
    "Мәмәт Турсун",
    "Maimaiti Tuerxun",
    "Mehmet Tursun",
    "Muhammad Tursun",
    "买买提·吐尔逊",
]


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("name_zh", ["买买提·吐尔逊", "麦麦提·图尔荪", "买买提・吐尔逊", "买买提吐尔逊"])
def test_keys_intersect_across_scripts(query: str, name_zh: str) -> None:
    shared = keys_for_query(query) & keys_for_chinese(name_zh)
    assert any(k.startswith("w:") for k in shared), (query, name_zh, shared)


def test_keys_do_not_intersect_unrelated() -> None:
    assert not keys_for_query("Memet Tursun") & keys_for_chinese("阿不都热依木·哈力克")
    assert not keys_for_query("Ilham Tohti") & keys_for_chinese("买买提·吐尔逊")


@pytest.mark.parametrize(
    "query, name_zh",
    [
        ("Ilham Tohti", "伊力哈木·土赫提"),
        ("ئىلھام توختى", "伊力哈木·土赫提"),
        ("Abdukerim Abdurehim", "阿不都克里木·阿不都热依木"),
        ("Yusuf Kadir", "玉素甫·卡德尔"),
        ("Yakufu Ismail", "亚库甫·司马义"),
        ("Hasan Abdullah", "哈森·阿不都拉"),
    ],
)
def test_keys_real_style_pairs(query: str, name_zh: str) -> None:
    assert keys_for_query(query) & keys_for_chinese(name_zh)


@pytest.mark.parametrize(
    "query, name_zh",
    [
        ("Patime Ablimit", "帕提曼·阿不力米提"),  # a nasal Chinese adds at the end (曼 man)
        ("Qadir Mettursun", "卡德尔·买提吐尔逊"),  # a doubled letter written twice (提吐 ti-tu)
        ("تۇرسۇڭۈل ئىلھام", "吐尔逊古丽·伊力哈木"),  # ng read as n + g
        ("Abdulhekim Abdulla", "阿不都艾克木·阿不都拉"),  # l closing a syllable dropped, h dropped
        ("Nurbiye Ibrahim", "努尔比亚·依不拉音"),  # final m as a nasal, then gone
        ("Arzigül Nurmemet", "阿孜古丽·努尔买买提"),  # r closing a syllable dropped
    ],
)
def test_whole_keys_survive_transcription(query: str, name_zh: str) -> None:
    shared = keys_for_query(query) & keys_for_chinese(name_zh)
    assert any(k.startswith("w:") for k in shared), (query, name_zh, sorted(keys_for_query(query)))


def test_year_keys_qualify_whole_keys_only() -> None:
    keys = keys_for_chinese("买买提·吐尔逊")
    assert year_keys(keys, 1985) == [f"y:1985:{k[2:]}" for k in keys if k.startswith("w:")]
    assert year_keys(keys, 1985)


def test_closeness_breaks_ties_the_sound_classes_leave() -> None:
    # 吉 ji and 孜 zi are one sound class: equal scores, the closer spelling first.
    assert score("Hajigül Tursun", "阿吉古丽·吐尔逊").score == score("Hajigül Tursun", "阿孜古丽·吐尔逊").score
    assert closeness("Hajigül Tursun", "阿吉古丽·吐尔逊") > closeness("Hajigül Tursun", "阿孜古丽·吐尔逊")
    assert closeness("ئارزىگۈل مەمەت", "阿孜古丽·买买提") > closeness("ئارزىگۈل مەمەت", "阿吉古丽·买买提")


CONFUSERS = ["买买提·吐尔逊", "买买提·吐逊江", "吐尔逊·买买提", "艾买提·吐尔逊", "阿不都·吐尔逊"]


@pytest.mark.parametrize("query", QUERIES[:-1])
def test_score_ranks_right_name_first(query: str) -> None:
    ranked = sorted(CONFUSERS, key=lambda z: -score(query, z).score)
    assert ranked[0] == "买买提·吐尔逊", [(z, score(query, z)) for z in ranked]
    s = {z: score(query, z).score for z in CONFUSERS}
    # swapped still matches, but below the straight match and above a different given name
    assert s["买买提·吐尔逊"] > s["吐尔逊·买买提"] > s["艾买提·吐尔逊"]
    assert s["吐尔逊·买买提"] > 0.75


def test_score_homophone_variants_and_pinyin() -> None:
    assert score("Maimaiti Tuerxun", "买买提·吐尔逊").score > 0.99
    assert score("Maimaiti Tuerxun", "麦麦提·图尔荪").score > 0.95
    assert score("Memet Tursun", "麦麦提·图尔荪").score > 0.95
    assert score("Abdukérim", "阿不都克里木").score > score("Abdukerim", "阿不都热依木").score


def test_score_explains_itself() -> None:
    m = score("Memet Tursun", "买买提·吐尔逊")
    assert m.why == "Memet ~ 买买提, Tursun ~ 吐尔逊"
    assert [p[:2] for p in m.parts] == [("Memet", "买买提"), ("Tursun", "吐尔逊")]
    swapped = score("Tursun Memet", "买买提·吐尔逊")
    assert "swapped" in swapped.why
    ex = score("Mehmet Tursun", "买买提·吐尔逊")
    assert "as memet" in ex.why
    py = score("Maimaiti Tuerxun", "买买提·吐尔逊")
    assert "pinyin" in py.why


def test_score_one_part_query_and_missing_father() -> None:
    one = score("Memet", "买买提·吐尔逊").score
    assert 0.6 < one < score("Memet Tursun", "买买提·吐尔逊").score
    assert score("Memet Tursun", "买买提").score > score("Memet Tursun", "艾买提").score


def test_score_beats_general_matchers_on_known_failure() -> None:
    """OpenSanctions-style matchers score 伊力哈木·土赫提 below a different person for 'Ilham
    Tohti' and the Arabic spelling at 0."""
    right = "伊力哈木·土赫提"
    for q in ("Ilham Tohti", "ئىلھام توختى", "Илһам Тохти"):
        assert score(q, right).score > 0.9
        assert score(q, right).score > score(q, "伊力哈木·买买提").score
        assert score(q, right).score > score(q, "艾力·托合提").score


def test_empty_and_junk() -> None:
    assert score("", "买买提·吐尔逊").score == 0.0
    assert score("Memet", "").score == 0.0
    assert keys_for_query("!!!") == frozenset()
    assert keys_for_chinese("") == frozenset()
