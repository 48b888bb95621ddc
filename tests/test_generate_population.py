"""Population builder: IDs, households, relatives, statuses (no files written)."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from izdesh.generate import population as popmod
from izdesh.generate.model import STATUSES
from izdesh.generate.messy import check_char, is_valid_id, split_name, written_id, written_name


class StandInBook:
    """A tiny NameBook stand-in, used only when izdesh.generate.names is not there yet."""

    MALE = ["Memet", "Abdulla", "Tursun", "Ehmet", "Yasin", "Ablikim", "Nurmemet", "Qurban", "Rozi", "Hesen"]
    FEMALE = ["Ayshem", "Patigul", "Gulnar", "Mehriban", "Zore", "Aynur", "Rabiye", "Buhelchem"]
    ZH = {"Memet": ["买买提", "麦麦提"], "Abdulla": ["阿不都拉", "阿布都拉"], "Tursun": ["吐尔逊", "图尔荪"],
          "Ehmet": ["艾合买提"], "Yasin": ["亚森", "牙生"], "Ablikim": ["阿不力克木"], "Nurmemet": ["努尔买买提"],
          "Qurban": ["库尔班"], "Rozi": ["肉孜"], "Hesen": ["艾山", "哈三"], "Ayshem": ["阿依仙木"],
          "Patigul": ["帕提古丽", "帕提古力"], "Gulnar": ["古丽娜尔"], "Mehriban": ["麦合日班"], "Zore": ["祖热"],
          "Aynur": ["阿依努尔"], "Rabiye": ["热比亚"], "Buhelchem": ["布海丽切木"]}
    SUR = [("王", "Wang"), ("李", "Li"), ("张", "Zhang"), ("马", "Ma"), ("刘", "Liu")]
    GIV = {"male": [("伟", "Wei"), ("强", "Qiang"), ("建国", "Jianguo")],
           "female": [("芳", "Fang"), ("秀英", "Xiuying"), ("丽", "Li")]}

    @classmethod
    def load(cls):
        return cls()

    def given(self, rng, sex):
        return rng.choice(self.MALE if sex == "male" else self.FEMALE)

    def canonical_chinese(self, latin):
        return self.ZH[latin][0]

    def chinese_variant(self, latin, rng):
        return rng.choice(self.ZH[latin])

    def han_name(self, rng, sex):
        s, sp = rng.choice(self.SUR)
        g, gp = rng.choice(self.GIV[sex])
        return s + g, f"{sp} {gp}"

    def places(self):
        def county(name, towns):
            return {"name_zh": name, "townships": [
                {"name_zh": t, "name_latin": t, "villages": [{"name_zh": f"{t}{i}村", "name_latin": f"v{i}"}
                                                              for i in range(1, 6)]} for t in towns]}
        return {"653121": county("疏附县", ["托克扎克镇", "乌帕尔镇", "塔什米力克乡", "铁日木乡"]),
                "654027": county("特克斯县", ["特克斯镇", "喀拉达拉镇", "齐勒乌泽克镇"])}


def book():
    try:
        from izdesh.generate.names import NameBook
        return NameBook.load()
    except ImportError:
        return StandInBook()


@pytest.fixture(scope="module")
def pop():
    return popmod.make(3000, 7, book())


def test_exact_size_and_unique_valid_ids(pop):
    assert len(pop.persons) == 3000
    ids = [p.id_number for p in pop.persons]
    assert len(set(ids)) == len(ids)
    for p in pop.persons:
        assert is_valid_id(p.id_number), p.id_number
        assert p.id_number[6:14] == p.birth_date.strftime("%Y%m%d")
        assert (int(p.id_number[16]) % 2 == 1) == (p.sex == "male")
        assert p.id_number[:6] in ("653121", "654027", "654127", "652427")


def test_relatives_symmetric_and_names(pop):
    P = pop.persons
    inv = {"spouse": {"spouse"}, "father": {"son", "daughter"}, "mother": {"son", "daughter"},
           "son": {"father", "mother"}, "daughter": {"father", "mother"},
           "brother": {"brother", "sister"}, "sister": {"brother", "sister"}}
    n_links = 0
    for p in P:
        for q, key in p.relatives:
            if key == "household_head":
                assert P[q].relation_zh == "户主" and P[q].household == p.household
                continue
            n_links += 1
            back = [k for r, k in P[q].relatives if r == p.pid]
            assert back and set(back) <= inv[key], (p.pid, q, key, back)
            if key == "father":
                assert P[q].sex == "male"
                if p.father_latin:
                    assert p.father_latin == P[q].given_latin
                    assert split_name(p.name_zh)[1] == split_name(P[q].name_zh)[0]
            if key == "spouse":
                assert P[q].sex != p.sex
    assert n_links > len(P)


def test_households_and_ages(pop):
    P = pop.persons
    heads = Counter()
    for h, mem in pop.households.items():
        assert P[mem[0]].relation_zh == "户主"
        heads[h] += 1
        for m in mem:
            assert P[m].household == h
    rel = Counter(p.relation_zh for p in P if p.household > 0)
    for word in ("户主", "配偶", "长子", "次子", "长女", "次女"):
        assert rel[word] > 0, rel
    live = [p for p in P if p.household > 0]
    minors = sum(p.age_2017 < 18 for p in live) / len(live)
    assert 0.25 < minors < 0.45, minors
    assert 0.01 < sum(p.abroad for p in P) / len(P) < 0.08


def test_statuses(pop):
    P = pop.persons
    for p in P:
        prev = p.birth_date
        for e in p.statuses:
            assert e.on >= prev, (p.pid, p.statuses)
            prev = e.on
            assert e.status in STATUSES
            if e.status == "sentenced":
                assert 2 <= e.sentence_years <= 25
    elig = [p for p in P if p.county_code == "653121" and p.ethnicity_zh != "汉族" and p.age_2017 >= 18
            and not p.abroad and p.household > 0]
    share = sum(popmod.is_camp_or_prison(p) for p in elig) / len(elig)
    assert 0.11 <= share <= 0.13, share
    tekes = [p for p in P if p.county_code == "654027"]
    assert len({p.ethnicity_zh for p in tekes}) >= 3


def test_messy_rates():
    rng = random.Random(1)
    b = book()
    pop = popmod.make(400, 1, b)
    flags = Counter()
    for _ in range(20):
        for p in pop.persons:
            v, f = written_id(p, rng, in_table=True)
            flags[tuple(f)] += 1
            if not f:
                assert v == p.id_number
            elif f == ["bad_check"]:
                assert len(v) == 18 and not is_valid_id(v)
            elif f == ["id15"]:
                assert len(v) == 15
    total = sum(flags.values())
    assert flags[()] / total > 0.85
    assert flags[("excel_float",)] / total < 0.02
    p = pop.persons[0]
    v, f = written_id(p, rng, in_table=True, as_number=True)
    if p.id_number[-1] != "X":
        assert isinstance(v, float) and f == ["excel_float"]
    names = Counter(written_name(q, rng, b) == q.name_zh for q in pop.persons for _ in range(5))
    assert names[True] > names[False] > 0


def test_check_char_known():
    # GB 11643 worked example.
    assert check_char("11010519491231002") == "X"
