"""Person summary: statuses over time with sources, the latest one, conflicts shown."""

from __future__ import annotations

from typing import Any

from izdesh.identity.summary import list_date, summarise
from izdesh.identity.terms import terms


def rec(i: int, status: str, when: str | None, path: str, **kw: Any) -> dict[str, Any]:
    return {"record_id": i, "status": status, "event_date": when, "path": path, **kw}


def test_status_words_map_through_the_data_file() -> None:
    T = terms()
    for written, key in [("在押", "detained"), ("刑事拘留", "detained"), ("教育转化", "re_education"),
                         ("职业技能教育培训", "re_education"), ("判刑", "sentenced"), ("已判刑", "sentenced"),
                         ("结业", "released"), ("已结业", "released"), ("释放", "released"), ("死亡", "died"),
                         ("重点人员", "blacklisted"), ("正常", "registered"), (" 在押 ", "detained")]:  # fmt: skip
        assert T.lookup("status", written) == key, written
    assert T.lookup("status", "不明") is None
    for key in ("registered", "blacklisted", "detained", "re_education", "sentenced", "released", "died"):
        e = T.entry("status", key)
        assert e["zh"] and e["en"] and e["ug"] and e["tr"]


def test_timeline_in_time_order_with_sources() -> None:
    s = summarise([
        rec(3, "判刑", "2018-03-01", "a/判刑人员名单_20180601.xlsx", sentence="有期徒刑10年"),
        rec(1, "重点人员", "2017-01-05", "a/重点人员名单_20170110.xlsx", category="第二类：高度可疑同伙"),
        rec(2, "教育转化", "2017-07-26", "a/在押人员_20170801.xlsx", facility="疏附县职业技能教育培训中心",
            building="1号楼", cell="122"),
        rec(4, "", None, "a/人口登记表.xlsx", relation="户主"),
    ])  # fmt: skip
    tl = s["timeline"]
    assert [e["status"] for e in tl] == ["registered", "blacklisted", "re_education", "sentenced"]
    assert tl[2]["cell"] == "122" and tl[2]["source"]["record_id"] == 2
    assert tl[1]["category_key"] == "cat2" and tl[3]["sentence_years"] == 10
    assert tl[3]["source"]["path"] == "a/判刑人员名单_20180601.xlsx"
    assert s["latest_status"] == "sentenced" and s["conflicts"] == []


def test_released_then_in_custody_in_a_later_list_is_a_conflict() -> None:
    s = summarise([
        rec(1, "在押", "2017-05-02", "a/在押人员名单_20170601.xlsx"),
        rec(2, "释放", "2018-01-10", "a/释放人员_20180115.xlsx"),
        rec(3, "在押", "2017-05-02", "a/在押人员名单_20180620.xlsx"),  # same admission, later list
    ])
    assert [c["kind"] for c in s["conflicts"]] == ["custody_after_release"]
    c = s["conflicts"][0]
    assert set(c["records"]) == {2, 3} and "2018-01-10" in c["why"] and "2018-06-20" in c["why"]
    assert s["latest_status"] == "detained"  # the latest source, shown with the conflict


def test_detained_again_after_release_is_no_conflict() -> None:
    s = summarise([
        rec(1, "在押", "2017-05-02", "a/名单_20170601.xlsx"),
        rec(2, "结业", "2018-01-10", "a/名单_20180115.xlsx"),
        rec(3, "刑事拘留", "2018-04-01", "a/名单_20180620.xlsx"),
    ])
    assert s["conflicts"] == [] and s["latest_status"] == "detained"


def test_after_death_and_sentence_terms() -> None:
    s = summarise([
        rec(1, "死亡", "2018-02-01", "a/死亡_20180205.xlsx"),
        rec(2, "在押", "2018-03-01", "a/名单_20180310.xlsx"),
        rec(3, "判刑", "2017-09-01", "a/判刑_20171001.xlsx", sentence="有期徒刑5年"),
        rec(4, "已判刑", "2017-09-01", "a/判刑_20180101.xlsx", sentence="10年"),
    ])
    kinds = sorted(c["kind"] for c in s["conflicts"])
    assert kinds == ["after_death", "sentence_term"]


def test_list_date_from_file_name() -> None:
    assert list_date("疏附县/在押人员/名单_20180526.xlsx") == "2018-05-26"
    assert list_date("疏附县/人口登记表.xlsx") is None
