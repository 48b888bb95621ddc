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
    queries = name_queries(leak, engine, 150, seed=3)
    figures = measure(engine, queries)
    print(figures)
    for script in SCRIPTS:
        assert figures[script]["recall@10"] >= 0.97, (script, figures[script])
        assert figures[script]["recall@1"] >= 0.93, (script, figures[script])


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
