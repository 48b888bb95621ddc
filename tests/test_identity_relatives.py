"""The relatives graph from household sheets: directed by sex, symmetric, derived via the head,
headless households, co-listed cell mates (both engines)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.identity_store import Store, make_id

REG = "疏附县/托克扎克镇/人口信息/阿亚格曼干村人口登记表.xlsx"
# (key, name, relation to the head, sex, birth) of one household, then a household whose head is
# not on the sheet (abroad), then another with a head.
ROWS = [
    ("head", "买买提·吐尔逊", "户主", "男", "19600304"),
    ("wife", "阿依古丽·艾则孜", "配偶", "女", "19620512"),
    ("son", "艾合买提·买买提", "长子", "男", "19850101"),
    ("daughter", "古丽尼萨·买买提", "长女", "女", "19870202"),
    ("father", "吐尔逊·阿不都拉", "父亲", "男", "19350303"),
    ("h2_wife", "帕提曼·肉孜", "配偶", "女", "19700101"),
    ("h2_son", "依明·卡德尔", "长子", "男", "19920101"),
    ("h2_daughter", "热依拉·卡德尔", "长女", "女", "19940101"),
    ("h3_head", "阿不都拉·艾山", "户主", "男", "19550505"),
    ("h3_wife", "布再努甫·吾守尔", "配偶", "女", "19580505"),
]


@pytest.fixture(scope="module")
def store(new_store: Callable[[], str]) -> Store:
    s = Store(new_store())
    s.pids = {}  # type: ignore[attr-defined]
    for i, (key, name, rel, sex, born) in enumerate(ROWS):
        idn = make_id("653121", born, 10 + 2 * i + (1 if sex == "男" else 0))
        rid = s.add(REG, name=name, id_raw=idn, relation=rel, sex="male" if sex == "男" else "female")
        s.pids[key] = rid  # type: ignore[attr-defined]
    # Two cell mates in a detention list, and a third in another cell.
    lst = "疏附县/看守所/在押人员名单_20180301.xlsx"
    for i, (name, cell) in enumerate((("库尔班·吐尔地", "122"), ("吾守尔·买买提", "122"), ("艾山·吐尔逊", "123"))):
        s.add(lst, name=name, id_raw=make_id("653121", "19800101", 101 + 2 * i), facility="疏附县看守所",
              building="1号楼", cell=cell, status="在押")  # fmt: skip
    s.rebuild()
    s.p = {k: s.person_of(r) for k, r in s.pids.items()}  # type: ignore[attr-defined]
    return s


def rel(store: Store, a: str, b: str) -> set[str]:
    """What b is to a, as stored."""
    p = store.p  # type: ignore[attr-defined]
    return {x["relation"] for x in store.links("relative") if x["src"] == p[a] and x["dst"] == p[b]}


@pytest.mark.parametrize(
    "a,b,expected",
    [
        ("head", "son", "son"), ("son", "head", "father"),
        ("head", "daughter", "daughter"), ("daughter", "head", "father"),
        ("head", "wife", "spouse"), ("wife", "head", "spouse"),
        ("head", "father", "father"), ("father", "head", "son"),
        ("son", "wife", "mother"), ("wife", "daughter", "daughter"),  # derived via the head
        ("son", "daughter", "sister"), ("daughter", "son", "brother"),
        ("son", "father", "grandfather"), ("father", "daughter", "granddaughter"),
        ("h2_son", "h2_wife", "mother"), ("h2_wife", "h2_daughter", "daughter"),  # head not on the sheet
        ("h2_son", "h2_daughter", "sister"),
        ("h3_head", "h3_wife", "spouse"),
    ],
)  # fmt: skip
def test_relation_directed_by_sex(store: Store, a: str, b: str, expected: str) -> None:
    assert rel(store, a, b) == {expected}


def test_households_do_not_leak_into_each_other(store: Store) -> None:
    for a in ("head", "wife", "son", "daughter", "father"):
        for b in ("h2_wife", "h2_son", "h2_daughter", "h3_head", "h3_wife"):
            assert not rel(store, a, b) and not rel(store, b, a)
    assert not rel(store, "h2_wife", "h3_head")


def test_symmetric_with_why_score_and_source(store: Store) -> None:
    links = store.links("relative")
    assert links
    pairs = {(x["src"], x["dst"]) for x in links}
    for x in links:
        assert (x["dst"], x["src"]) in pairs
        assert x["why"] and 0 < x["score"] <= 1 and x["record_id"]
    direct = [x for x in links if x["why"].startswith("Household sheet")]
    derived = [x for x in links if x["why"].startswith("Derived")]
    assert direct and derived and max(x["score"] for x in derived) < min(x["score"] for x in direct)
    assert any("长子" in x["why"] and "与户主关系" in x["why"] for x in direct)
    assert all(x["why"] and REG not in x["why"] for x in links)  # the source is the record, not repeated


def test_co_listed_same_cell_only(store: Store) -> None:
    co = store.links("co_listed")
    assert len(co) == 2  # one pair, both directions
    assert all("cell 122" in x["why"] and x["score"] < 0.5 for x in co)


def test_person_view_lists_relatives(store: Store) -> None:
    from izdesh.search.person import get_person

    p = get_person(store.engine, store.p["head"])  # type: ignore[attr-defined]
    assert p is not None
    by = {r["name"]: r for r in p["relatives"]}
    assert by["艾合买提·买买提"]["relation"] == "son"
    for r in p["relatives"]:
        assert {"person_id", "id_number", "name", "relation", "why", "score", "record_id", "source"} <= set(r)
        assert r["source"] == REG
