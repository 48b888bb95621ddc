"""Names found through one part of a name (izdesh.search.engine._part_names): a common part is
written under thousands of names, and the search takes the first MAX_PART_NAMES of them in (key,
name) order, the same names on both engines; and a person is found by a single name as before."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from izdesh.names import keys_for_chinese, keys_for_query
from izdesh.search import engine as search_engine
from izdesh.search.index import rebuild_name_index
from izdesh.store import schema
from izdesh.store.bulk import insert_rows
from izdesh.store.db import open_engine

GIVEN = ["买买提", "艾合买提", "阿不都拉", "吐尔逊", "阿依古丽", "热依拉", "古丽", "艾力", "伊明", "努尔"]
FATHERS = ["吐尔逊", "买买提", "阿不都热依木", "卡德尔", "依明", "司马义", "艾山", "肉孜", "亚森", "阿西木"]


@pytest.fixture(scope="module")
def store(new_store: Callable[[], str]) -> str:
    db = new_store()
    eng = open_engine(db, create=True)
    names = [f"{g}·{f}" for g in GIVEN for f in FATHERS]  # 100 names, many sharing a part
    with eng.begin() as conn:
        insert_rows(conn, schema.person, ("id", "name", "records"), [(f"p{i:04d}", n, 1) for i, n in enumerate(names)])
    rebuild_name_index(eng)
    return db


def _expected(conn, keys: list[str], cap: int) -> list[str]:  # type: ignore[no-untyped-def]
    """The first `cap` distinct names in (key, name) order, in Python from every row."""
    nk = schema.name_key
    rows = conn.execute(nk.select().where(nk.c.key.in_(keys))).all()
    out: dict[str, None] = {}
    for _key, name in sorted({(r.key, r.name) for r in rows}):
        out.setdefault(name)
    return list(out)[:cap]


@pytest.mark.parametrize("cap", [3, 7, 1000])
def test_part_names_capped_in_key_and_name_order(store: str, cap: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search_engine, "MAX_PART_NAMES", cap)
    keys = keys_for_query("Memet Tursun")
    parts = sorted(k for k in keys if k.startswith("p:"))
    eng = open_engine(store, readonly=True)
    with eng.connect() as conn:
        got = search_engine._part_names(conn, keys)
        want = _expected(conn, parts, cap)
    assert len(want) == cap if cap < 20 else 20 < len(want) < cap  # the cap bites, or every name is taken
    assert got == set(want)


def test_single_name_finds_its_holders(store: str) -> None:
    eng = open_engine(store, readonly=True)
    res = search_engine.search(eng, "艾合买提", limit=20)
    assert res and all(r.name and r.name.startswith("艾合买提·") for r in res[:10])
    assert {k for k in keys_for_chinese("艾合买提·吐尔逊") if k.startswith("p:")}  # the index holds part keys
