"""Name and place knowledge of the synthetic-leak generator (izdesh.generate.names)."""

import random
import re
import time
from collections import Counter

import pytest

from izdesh.generate.names import (
    NameBook,
    arabic_to_latin,
    cyrillic_to_latin,
    latin_to_arabic,
    latin_to_cyrillic,
)

HAN = re.compile(r"^[\u4e00-\u9fff]+$")


@pytest.fixture(scope="module")
def book():
    return NameBook.load()


def test_load_is_cached(book):
    assert NameBook.load() is book


def test_enough_names_of_each_sex(book):
    assert len(book.names("male")) >= 300
    assert len(book.names("female")) >= 150


def test_every_name_has_positive_renderings_in_chinese_characters(book):
    for latin, rends in book.renderings.items():
        assert rends, latin
        assert book.weight_of[latin] > 0, latin
        assert abs(sum(p for _, p in rends) - 1.0) < 1e-9, latin
        for zh, p in rends:
            assert p > 0, (latin, zh)
            assert HAN.match(zh), (latin, zh)


def test_well_known_renderings(book):
    assert book.canonical_chinese("Memet") == "买买提"
    assert book.canonical_chinese("Tursun") == "吐尔逊"
    assert book.canonical_chinese("Abdulla") == "阿不都拉"
    assert book.canonical_chinese("Nurmemet") == "努尔买买提"
    assert book.canonical_chinese("Patigül") == "帕提古丽"
    assert book.canonical_chinese("Ayshem") == "阿依仙木"
    zh = {z for z, _ in book.renderings_of("Memet")}
    assert {"买买提", "麦麦提"} <= zh
    assert {"吐尔逊", "图尔荪", "吐尔孙"} <= {z for z, _ in book.renderings_of("Tursun")}
    assert {"阿不都热依木", "阿布都热依木", "阿卜杜热依木"} <= {z for z, _ in book.renderings_of("Abduréhim")}


def test_lookup_ignores_case_and_diacritics(book):
    assert book.canonical_chinese("abdukerim") == book.canonical_chinese("Abdukérim")
    assert book.canonical_chinese("YUSUP") == book.canonical_chinese("Yüsüp")
    # two words are two names joined by a middle dot, not the compound "Memettursun"
    assert book.canonical_chinese("Memet Tursun") == "买买提·吐尔逊"


def test_fallback_transcribes_unlisted_names(book):
    assert book.canonical_chinese("Yéngi") == "英吉"
    assert book.canonical_chinese("Turnisa") == "吐尔尼萨"
    zh = book.chinese_variant("Mamatqasim", random.Random(1))
    assert HAN.match(zh)


@pytest.mark.parametrize("sex", ["male", "female"])
def test_frequency_concentration_is_realistic(book, sex):
    rng = random.Random(2017)
    counts = Counter(book.given(rng, sex) for _ in range(10_000))
    top10 = sum(c for _, c in counts.most_common(10)) / 10_000
    assert 0.20 <= top10 <= 0.45, top10
    assert len(counts) > 120  # a long tail, not a handful of names
    assert all(book.sex_of[n] == sex for n in counts)


def test_given_is_deterministic(book):
    a = [book.given(random.Random(7), "male") for _ in range(1)]
    r1, r2 = random.Random(42), random.Random(42)
    assert [book.given(r1, "female") for _ in range(100)] == [book.given(r2, "female") for _ in range(100)]
    assert a == [book.given(random.Random(7), "male")]


def test_chinese_variant_varies_and_stays_within_listed_renderings(book):
    rng = random.Random(3)
    for latin in ("Memet", "Tursun", "Abdulla", "Ayshem", "Patigül", "Abdukérim", "Gülnisa"):
        listed = dict(book.renderings_of(latin))
        drawn = Counter(book.chinese_variant(latin, rng) for _ in range(3000))
        assert set(drawn) <= set(listed), latin
        assert len(drawn) >= 3, (latin, drawn)
        top, share = drawn.most_common(1)[0]
        assert top == book.canonical_chinese(latin)
        assert abs(share / 3000 - listed[top]) < 0.05, (latin, share, listed[top])


def test_same_objects_are_returned(book):
    rng = random.Random(9)
    a = book.chinese_variant("Memet", rng)
    b = book.chinese_variant("Memet", random.Random(9))
    assert a is b


def test_han_names(book):
    rng = random.Random(11)
    for sex in ("male", "female"):
        for _ in range(200):
            zh, py = book.han_name(rng, sex)
            assert HAN.match(zh) and 2 <= len(zh) <= 3
            surname, given = py.split(" ")
            assert surname[0].isupper() and given[0].isupper()
    # hand-written pinyin for the characters pypinyin reads wrongly as surnames
    surnames = {zh: py for (zh, py) in book._han["surname"][0]}
    assert surnames["单"] == "Shan" and surnames["曾"] == "Zeng" and surnames["解"] == "Xie"


def test_scripts_round_trip_through_umsc(book):
    for latin in book.names():
        ar = latin_to_arabic(latin)
        assert re.search("[\u0600-\u06ff]", ar), latin
        assert arabic_to_latin(ar) == latin.lower(), (latin, ar)
        cy = latin_to_cyrillic(latin)
        assert cyrillic_to_latin(cy) == latin.lower(), (latin, cy)
    assert latin_to_arabic("ABDUKÉRIM") == latin_to_arabic("Abdukérim") == "ئابدۇكېرىم"
    assert latin_to_arabic("Abduke\u0301rim") == "ئابدۇكېرىم"  # decomposed é
    assert latin_to_cyrillic("Yüsüp") == "йүсүп"


def test_places(book):
    places = book.places()
    assert set(places) == {"653121", "654027"}
    assert places["653121"]["name_zh"] == "疏附县" and places["654027"]["name_zh"] == "特克斯县"
    assert any(t["name_zh"] == "托克扎克镇" for t in places["653121"]["townships"])
    for code, county in places.items():
        assert len(county["townships"]) >= 8, code
        for t in county["townships"]:
            assert t["name_zh"].endswith(("镇", "乡")) and t["name_latin"]
            assert 10 <= len(t["villages"]) <= 25, t["name_zh"]
            names = [v["name_zh"] for v in t["villages"]]
            assert len(set(names)) == len(names), t["name_zh"]
            for v in t["villages"]:
                assert v["name_zh"].endswith("村") and v["name_latin"]


def test_speed(book):
    rng = random.Random(0)
    given, variant = book.given, book.chinese_variant
    t = time.perf_counter()
    for i in range(1_000_000):
        variant(given(rng, "male" if i & 1 else "female"), rng)
    dt = time.perf_counter() - t
    print(f"\n1,000,000 given()+chinese_variant(): {dt:.2f} s")
    assert dt < 15  # loose: the target is ~3 s on the 2-core machine
