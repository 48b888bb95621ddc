"""Records without a full ID linked by the model from what lists and reports write besides the
name: the village of a list without an ID column, the village a register's file name gives, the
reason a person is listed for, a phone number; on hand-written records (both engines)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from izdesh.identity.link import _mentions, _phone
from tests.identity_store import Store, make_id

YUJIE = make_id("654127", "19901108", 52)  # 喀拉托海乡 12村
YUJIE_2 = make_id("654127", "19890919", 41)  # a namesake in another township
TURSUN = make_id("654127", "19920402", 45)  # 乔拉克铁热克镇, the register of 乌鲁肯塔勒村
TURSUN_2 = make_id("654127", "19920807", 17)  # a namesake of the same township and age, 13村
ABDULLA = make_id("653121", "19800101", 11)  # 站敏乡, phone written in the register
ABDULLA_2 = make_id("653121", "19800303", 13)  # a namesake of the same township


@pytest.fixture(scope="module")
def store(new_store: Callable[[], str]) -> Store:
    s = Store(new_store())
    ids: dict[str, int] = {}
    s.ids = ids  # type: ignore[attr-defined]
    # A list with a village column but no ID column; one 于杰 lives in its township's 12村 and
    # was sentenced for the reason the list gives.
    ids["yujie"] = s.add("特克斯县/喀拉托海乡/人口信息/12村人口信息登记表.csv", name="于杰", id_raw=YUJIE, sex="male",
                         township="喀拉托海乡", village="12村", relation="户主")  # fmt: skip
    s.add("特克斯县/公安局/判刑人员/判刑人员名单_20180810.xlsx", name="于杰", id_raw=YUJIE, reason="使用快牙软件",
          event_date="2018-01-15")  # fmt: skip
    ids["yujie2"] = s.add("特克斯县/喀拉达拉镇/人口信息/3村人口登记表.xlsx", name="于杰", id_raw=YUJIE_2, sex="male",
                          township="喀拉达拉镇", village="3村", relation="户主")  # fmt: skip
    ids["yujie_list"] = s.add("特克斯县/喀拉托海乡/重点人员/喀拉托海乡重点人员花名册_20171223.xlsx", name="于杰",
                              village="12村", category="第二类：高度可疑同伙", reason="使用快牙软件",
                              event_date="2017-05-17", status="重点人员")  # fmt: skip
    # A report naming a village that only the file name of one namesake's register gives.
    ids["tursun"] = s.add("特克斯县/乔拉克铁热克镇/人口信息/乌鲁肯塔勒村户籍人口花名册.xlsx", name="吐尔逊·艾尔肯",
                          id_raw=TURSUN, sex="male", relation="户主")  # fmt: skip
    ids["tursun2"] = s.add("特克斯县/乔拉克铁热克镇/人口信息/13村户籍人口花名册.xls", name="吐尔逊·艾尔肯",
                           id_raw=TURSUN_2, sex="male", relation="户主")  # fmt: skip
    s.add("特克斯县/乔拉克铁热克镇/人口信息/乔拉克铁热克镇人口登记表.xlsx", name="古丽·艾尔肯", sex="female",
          id_raw=make_id("654127", "19700101", 22), township="乔拉克铁热克镇", village="乌鲁肯塔勒村")  # fmt: skip
    s.add("特克斯县/乔拉克铁热克镇/人口信息/乔拉克铁热克镇人口登记表.xlsx", name="古丽·买买提", sex="female",
          id_raw=make_id("654127", "19700102", 24), township="乔拉克铁热克镇", village="13村")  # fmt: skip
    ids["tursun_text"] = s.add(
        "特克斯县/公安局/通知通报/关于乔拉克铁热克镇收押人员的通知_20180923.pdf", kind="text", name="吐尔逊·艾尔肯",
        text="经排查，吐尔逊·艾尔肯，男，26岁，维吾尔族，乔拉克铁热克镇乌鲁肯塔勒村人，于2018年9月被收押。",
    )  # fmt: skip
    # A list row whose ID kept only its region: the phone number written in a register decides
    # between two namesakes of the township.
    ids["abdulla"] = s.add("疏附县/站敏乡/人口信息/站敏乡人口登记表_2017.xlsx", name="阿不都拉·库尔班", id_raw=ABDULLA,
                           sex="male", township="站敏乡", phone="139 1234 5678", relation="户主")  # fmt: skip
    ids["abdulla2"] = s.add("疏附县/站敏乡/人口信息/站敏乡人口登记表_2017.xlsx", name="阿不都拉·库尔班",
                            id_raw=ABDULLA_2, sex="male", township="站敏乡", phone="13800001111", relation="户主")  # fmt: skip
    ids["abdulla_list"] = s.add("疏附县/站敏乡/重点人员/站敏乡列管人员_20180109.csv", name="阿不都拉·库尔班",
                                id_raw=6.53121e17, sex="male", phone="13912345678", status="列管")  # fmt: skip
    # The same region-only number and name, nothing else written: another person of its own.
    ids["abdulla_bare"] = s.add("疏附县/站敏乡/重点人员/站敏乡列管人员_20180109.csv", name="阿不都拉·库尔班",
                                id_raw=6.53121e17, status="列管")  # fmt: skip
    s.rebuild()
    return s


def _same(store: Store, rid: int) -> dict[str, object]:
    (link,) = [x for x in store.record_links(rid) if x["kind"] == "same"]
    return link


def test_list_without_id_column_linked_by_village_of_the_township_and_reason(store: Store) -> None:
    ids = store.ids  # type: ignore[attr-defined]
    assert store.person_of(ids["yujie_list"]) == store.person_of(ids["yujie"])
    link = _same(store, ids["yujie_list"])
    assert link["method"] == "name_model" and float(str(link["score"])) >= 0.85
    assert "12村, 喀拉托海乡" in str(link["why"]) and "使用快牙软件" in str(link["why"])


def test_village_from_the_register_file_name(store: Store) -> None:
    ids = store.ids  # type: ignore[attr-defined]
    assert store.person_of(ids["tursun_text"]) == store.person_of(ids["tursun"])
    assert "乌鲁肯塔勒村" in str(_same(store, ids["tursun_text"])["why"])


def test_region_only_number_linked_by_phone(store: Store) -> None:
    ids = store.ids  # type: ignore[attr-defined]
    assert store.person_of(ids["abdulla_list"]) == store.person_of(ids["abdulla"])
    link = _same(store, ids["abdulla_list"])
    assert link["method"] == "id_pattern" and "the same phone number" in str(link["why"]) and ABDULLA in str(link["why"])


def test_region_only_number_with_nothing_else_stays_apart(store: Store) -> None:
    ids = store.ids  # type: ignore[attr-defined]
    mine = store.person_of(ids["abdulla_bare"])
    assert mine not in (store.person_of(ids["abdulla"]), store.person_of(ids["abdulla2"]))
    assert mine != store.person_of(ids["abdulla_list"])


def test_phone_and_place_helpers() -> None:
    assert _phone("139 1234 5678") == _phone(13912345678.0) == _phone("+86-139-1234-5678") == "13912345678"
    assert _phone("12-34") is None and _phone(None) is None
    assert _mentions("乔拉克铁热克镇16村人", "16村") and not _mentions("乔拉克铁热克镇16村人", "6村")
