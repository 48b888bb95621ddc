"""Search quality measured against the generator's truth: persons found by their name as a family
writes it, in every script (issue 5's figures, at test scale; bench/search.py runs them at scale)."""

from __future__ import annotations

from pathlib import Path

import pytest

from izdesh.analysis.searchbench import SCRIPTS, measure, name_queries
from izdesh.search.engine import Filters, QueryError, search
from izdesh.store.db import open_engine


def test_name_recall_in_every_script(built: tuple[Path, str]) -> None:
    leak, db = built
    engine = open_engine(db, readonly=True)
    sample = name_queries(leak, engine, 150, seed=3)
    figures = measure(engine, sample)
    print(figures)
    for script in SCRIPTS:
        f = figures[script]
        assert f["recall@10"] >= 0.97, (script, f)
        assert f["recall@1"] >= 0.93, (script, f)
        assert f["tied_recall@1"] >= f["recall@1"] and f["tied_recall@10"] >= 0.99, (script, f)
        assert f["miss_a_retrieval"] + f["miss_b_scoring"] + f["miss_c_tie"] == round(f["queries"] * (1 - f["recall@1"]))


def test_township_narrows_to_the_family(built: tuple[Path, str]) -> None:
    leak, db = built
    engine = open_engine(db, readonly=True)
    sample = name_queries(leak, engine, 60, seed=4)
    plain, with_township = measure(engine, sample), measure(engine, sample, township=True)
    for script in SCRIPTS:
        assert with_township[script]["tied_queries"] <= plain[script]["tied_queries"]
        assert with_township[script]["recall@10"] >= 0.97, (script, with_township[script])


def test_filters_narrow_results(built: tuple[Path, str]) -> None:
    leak, db = built
    engine = open_engine(db, readonly=True)
    q = name_queries(leak, engine, 1, seed=9)[0]
    everyone = search(engine, q.text, limit=50)
    person = next(r for r in everyone if r.id_number == q.id_number)
    year = int(person.birth_date[:4])
    only = search(engine, q.text, limit=50, filters=Filters(birth_year_from=year, birth_year_to=year))
    assert q.id_number in [r.id_number for r in only]
    assert all(r.birth_date.startswith(str(year)) for r in only)
    inline = search(engine, f"{q.text} {year}", limit=50)  # a year written in the query
    assert [r.id_number for r in inline] == [r.id_number for r in only]
    assert "born" in inline[0].why
    wrong_sex = "female" if person.sex == "male" else "male"
    assert q.id_number not in [r.id_number for r in search(engine, q.text, filters=Filters(sex=wrong_sex))]


@pytest.mark.parametrize("q", ["☃☃☃", "ᚠᚢᚦ", "12345"])
def test_unreadable_queries_say_so(built: tuple[Path, str], q: str) -> None:
    _, db = built
    with pytest.raises(QueryError):
        search(open_engine(db, readonly=True), q)
