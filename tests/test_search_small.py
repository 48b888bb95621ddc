"""Search by ID number in every form, and by the Chinese name, on the hand-made leak."""

from __future__ import annotations

import pytest

from izdesh.search.engine import QueryError, search
from izdesh.store.db import open_engine
from tests.conftest import PEOPLE


@pytest.fixture(scope="module")
def engine(small_db: str):  # type: ignore[no-untyped-def]
    return open_engine(small_db, readonly=True)


def test_whole_id(engine) -> None:  # type: ignore[no-untyped-def]
    idn = PEOPLE[1][1]
    res = search(engine, idn)
    assert [r.id_number for r in res] == [idn]
    assert res[0].name == PEOPLE[1][0] and res[0].score == 1.0 and "ID number" in res[0].why


@pytest.mark.parametrize(
    "form",
    [
        lambda s: " ".join([s[:6], s[6:14], s[14:]]),  # spaces
        lambda s: s.translate(str.maketrans("0123456789", "０１２３４５６７８９")),  # full-width
        lambda s: s[:6] + s[8:17],  # the old 15-digit form
        lambda s: s[:10] + "*",  # a leading part
        lambda s: s[:6] + "????" + s[10:],  # unknown birth year
    ],
)
def test_id_forms(engine, form) -> None:  # type: ignore[no-untyped-def]
    idn = PEOPLE[0][1]
    assert idn in [r.id_number for r in search(engine, form(idn))]


def test_name_in_chinese_any_dot(engine) -> None:  # type: ignore[no-untyped-def]
    for q in ("买买提·吐尔逊", "买买提吐尔逊", "买买提.吐尔逊", "买买提・吐尔逊"):
        assert [r.id_number for r in search(engine, q)][:1] == [PEOPLE[0][1]]


@pytest.mark.parametrize("q", ["", "   ", "x" * 500, "12", "***", "?!"])
def test_bad_queries_are_explained(engine, q) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(QueryError):
        search(engine, q)
