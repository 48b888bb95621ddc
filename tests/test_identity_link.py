"""Linking records into persons: typo'd IDs with their evidence, spreadsheet numbers, records
without ID linked or left alone, on hand-written records (both engines)."""

from __future__ import annotations

import gc
from collections.abc import Callable

import pytest

from izdesh.identity.fellegi_sunter import FellegiSunter
from izdesh.identity.idnumber import parse
from tests.identity_store import Store, make_id

A_ID = make_id("653121", "19850304", 11)
B_ID = make_id("653121", "19900512", 22)
C_ID = make_id("654027", "19760101", 33)


def slip(idn: str, pos: int) -> str:
    """One mistyped digit at `pos` (the check character then fails)."""
    d = "0" if idn[pos] != "0" else "1"
    out = idn[:pos] + d + idn[pos + 1 :]
    assert not parse(out).valid
    return out


def swap(idn: str, pos: int) -> str:
    out = idn[:pos] + idn[pos + 1] + idn[pos] + idn[pos + 2 :]
    assert out != idn and not parse(out).valid
    return out


@pytest.fixture(scope="module")
def store(new_store: Callable[[], str]) -> Store:
    s = Store(new_store())
    reg = "疏附县/托克扎克镇/人口登记表.xlsx"
    lst = "疏附县/托克扎克镇/在押人员/名单_20180301.xlsx"
    s.ids = {}  # type: ignore[attr-defined]
    ids = s.ids  # type: ignore[attr-defined]
    ids["a"] = s.add(reg, name="买买提·吐尔逊", id_raw=A_ID, sex="male", township="托克扎克镇", relation="户主")
    ids["b"] = s.add(reg, name="阿依古丽·买买提", id_raw=B_ID, sex="female", township="托克扎克镇", relation="长女")
    ids["c"] = s.add("特克斯县/特克斯镇/人口登记表.xlsx", name="艾合买提·阿不都拉", id_raw=C_ID, sex="male", relation="户主")
    # A mistyped digit, same name written with a homophone variant: linked, with the evidence.
    ids["typo"] = s.add(lst, name="麦麦提·图尔荪", id_raw=slip(A_ID, 12), sex="male", status="在押", event_date="2017-07-26")
    # Two neighbouring digits swapped, same name and birth date written: linked.
    ids["swap"] = s.add(lst, name="阿依古丽·买买提", id_raw=swap(B_ID, 8), birth_date="1990-05-12", status="教育转化")
    # A slip whose only neighbour in the store has another name: not linked.
    ids["typo_other"] = s.add(lst, name="吐尔逊古丽·热合曼", id_raw=slip(C_ID, 13), status="在押")
    # An ID stored as a spreadsheet number (last digits lost), same name: linked.
    ids["float"] = s.add(lst, name="艾合买提・阿不都拉", id_raw=float(C_ID), sex="male")
    # Same float, another name: a person of its own.
    ids["float_other"] = s.add(lst, name="古丽尼萨·艾则孜", id_raw=float(C_ID))
    # The same mistyped number twice, same name, nobody to link to: one person of its own.
    lone = slip(make_id("653121", "19700101", 77), 10)
    ids["lone1"] = s.add(lst, name="吐尔洪·买买提", id_raw=lone)
    ids["lone2"] = s.add("疏附县/另一名单_20180401.xlsx", name="吐尔洪·买买提", id_raw=lone)
    # Records without ID: a name in a report that also lists the person with an ID (linked), and a
    # name two persons of the store share, in a file that says nothing else (never forced).
    ids["b2"] = s.add("特克斯县/特克斯镇/人口登记表.xlsx", name="阿依古丽·买买提", id_raw=make_id("654027", "19910101", 44),
                      sex="female", relation="长女")  # fmt: skip
    rep = "疏附县/公安局/工作报告/关于托克扎克镇重点人员排查情况的报告_20180301.docx"
    s.add(rep, kind="text", name="买买提·吐尔逊", id_raw=A_ID, text=f"买买提·吐尔逊（身份证号：{A_ID}），男，在押。")
    ids["noid_same_file"] = s.add(rep, kind="text", name="买买提·吐尔逊", text="买买提·吐尔逊等5人已落实管控措施。")
    ids["noid_ambiguous"] = s.add("疏附县/公安局/通知.docx", kind="text", name="阿依古丽·买买提",
                                  text="阿依古丽·买买提等3人已落实管控措施。")  # fmt: skip
    ids["noid_nobody"] = s.add("疏附县/公安局/通知.docx", kind="text", name="热依拉·卡德尔", text="热依拉·卡德尔等3人。")
    s.rebuild()
    return s


def test_valid_ids_one_person_each(store: Store) -> None:
    ids = store.ids  # type: ignore[attr-defined]
    people = {store.person_of(ids[k]) for k in ("a", "b", "c")}
    assert len(people) == 3 and None not in people


def test_one_digit_slip_linked_with_evidence(store: Store) -> None:
    ids = store.ids  # type: ignore[attr-defined]
    assert store.person_of(ids["typo"]) == store.person_of(ids["a"])
    (link,) = [x for x in store.record_links(ids["typo"]) if x["kind"] == "same"]
    assert link["method"] == "id_typo" and 0.9 <= link["score"] < 1.0
    why = link["why"]
    assert slip(A_ID, 12) in why and A_ID in why and "position 13" in why
    assert "fails its check" in why and "homophone" in why and "Probably the same" in why


def test_transposition_linked_with_birth_date(store: Store) -> None:
    ids = store.ids  # type: ignore[attr-defined]
    assert store.person_of(ids["swap"]) == store.person_of(ids["b"])
    (link,) = [x for x in store.record_links(ids["swap"]) if x["kind"] == "same"]
    assert "swapped" in link["why"] and "1990-05-12" in link["why"] and "the same name" in link["why"]


def test_slip_with_another_name_is_not_linked(store: Store) -> None:
    ids = store.ids  # type: ignore[attr-defined]
    p = store.person_of(ids["typo_other"])
    assert p is not None and p != store.person_of(ids["c"])
    kinds = {x["kind"] for x in store.record_links(ids["typo_other"])}
    assert kinds == {"own"}


def test_spreadsheet_number_linked_by_pattern_and_name(store: Store) -> None:
    ids = store.ids  # type: ignore[attr-defined]
    assert store.person_of(ids["float"]) == store.person_of(ids["c"])
    (link,) = [x for x in store.record_links(ids["float"]) if x["kind"] == "same"]
    assert link["method"] == "id_pattern" and "spreadsheet" in link["why"] and C_ID in link["why"]
    assert store.person_of(ids["float_other"]) not in (None, store.person_of(ids["c"]))


def test_same_mistyped_number_and_name_grouped(store: Store) -> None:
    ids = store.ids  # type: ignore[attr-defined]
    assert store.person_of(ids["lone1"]) == store.person_of(ids["lone2"]) is not None


def test_every_record_has_a_person(store: Store) -> None:
    ids = store.ids  # type: ignore[attr-defined]
    assert all(store.person_of(r) for r in ids.values())


def test_name_only_record_linked_when_the_evidence_is_there(store: Store) -> None:
    ids = store.ids  # type: ignore[attr-defined]
    assert store.person_of(ids["noid_same_file"]) == store.person_of(ids["a"])
    (link,) = [x for x in store.record_links(ids["noid_same_file"]) if x["kind"] == "same"]
    assert link["method"] == "name_model" and "same file" in link["why"] and link["score"] >= 0.9


def test_name_only_record_with_two_namesakes_is_not_forced(store: Store) -> None:
    ids = store.ids  # type: ignore[attr-defined]
    p = store.person_of(ids["noid_ambiguous"])
    assert p not in (store.person_of(ids["b"]), store.person_of(ids["b2"]))
    review = [x for x in store.record_links(ids["noid_ambiguous"]) if x["kind"] == "possibly_same"]
    assert {x["person_id"] for x in review} == {store.person_of(ids["b"]), store.person_of(ids["b2"])}
    assert all(x["score"] < 0.9 and "Possibly the same" in x["why"] for x in review)
    assert any(x["kind"] == "possibly_same" and x["src"] == p for x in store.links("possibly_same"))


def test_name_nobody_has_stays_alone(store: Store) -> None:
    ids = store.ids  # type: ignore[attr-defined]
    links = store.record_links(ids["noid_nobody"])
    assert [x["kind"] for x in links] == ["own"] and "never forced" in links[0]["why"]


def test_fellegi_sunter_em_recovers_m_and_u() -> None:
    """EM on vectors drawn from known m/u: the estimates land near them (no labels given)."""
    import random

    rng = random.Random(5)
    m, u = [0.95, 0.9, 0.85], [0.1, 0.2, 0.3]
    vecs = []
    for _ in range(4000):
        match = rng.random() < 0.3
        probs = m if match else u
        vecs.append(tuple(int(rng.random() < p) for p in probs))
    model = FellegiSunter.fit(vecs, (2, 2, 2))
    assert abs(model.prior - 0.3) < 0.05
    for k in range(3):
        assert abs(model.m[k][1] - m[k]) < 0.05 and abs(model.u[k][1] - u[k]) < 0.05
    assert model.probability((1, 1, 1)) > 0.95 > 0.05 > model.probability((0, 0, 0))
    assert model.weight((1, None, None)) == model.feature_weight(0, 1)  # missing weighs nothing


def test_rebuild_again_is_stable(store: Store) -> None:
    """A second rebuild (as after an ingest that added nothing relevant) keeps every person id."""
    ids = store.ids  # type: ignore[attr-defined]
    before = {k: store.person_of(r) for k, r in ids.items()}
    with store.engine.connect() as conn:
        n_before = conn.exec_driver_sql("SELECT count(*) FROM person").scalar()
    store.rebuild()
    assert {k: store.person_of(r) for k, r in ids.items()} == before
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM person").scalar() == n_before
        assert conn.exec_driver_sql(
            "SELECT count(*) FROM record r WHERE NOT EXISTS (SELECT 1 FROM person p WHERE p.id = r.person_id)"
        ).scalar() == 0


def test_rebuild_leaves_the_cycle_collector_as_it_found_it(new_store: Callable[[], str]) -> None:
    """The rebuild turns Python's cycle collector off while it runs (its objects all live to its
    end), and back on only if it was on."""
    s = Store(new_store())
    s.add("疏附县/名单.xlsx", name="买买提·吐尔逊", id_raw=A_ID)
    assert gc.isenabled()
    assert s.rebuild() == 1
    assert gc.isenabled()
    gc.disable()
    try:
        assert s.rebuild() == 1
        assert not gc.isenabled()
    finally:
        gc.enable()
