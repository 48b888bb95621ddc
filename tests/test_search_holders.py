"""The name search's PostgreSQL statement (distinct pairs, then each person by key) returns exactly
the rows of the portable DISTINCT join SQLite runs, filters included, on the generated store."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from izdesh.search.engine import Filters, _holders
from izdesh.store import schema
from izdesh.store.db import open_engine


def test_postgresql_holders_match_the_portable_join(built: tuple[Path, str]) -> None:
    _, db = built
    engine = open_engine(db, readonly=True)
    if engine.dialect.name != "postgresql":
        pytest.skip("the PostgreSQL statement (LATERAL) runs on PostgreSQL only")
    nk, p = schema.name_key, schema.person
    with engine.connect() as conn:
        # The most widely held written names: many persons, several names each, namesakes.
        names = list(
            conn.execute(
                select(nk.c.name)
                .group_by(nk.c.name)
                .order_by(func.count(nk.c.person_id.distinct()).desc(), nk.c.name)
                .limit(40)
            ).scalars()
        )
        some = conn.execute(
            select(p.c.sex, p.c.township, p.c.birth_date).where(p.c.birth_date.is_not(None)).limit(1)
        ).one()
        year = some.birth_date.year
        filter_sets = [
            Filters(),
            Filters(sex=some.sex),
            Filters(
                township=some.township[:2] if some.township else None,
                birth_year_from=year - 10,
                birth_year_to=year + 10,
            ),
            Filters(file="."),  # the correlated EXISTS on records, inside the lateral subquery
        ]
        cap = 10_000  # above the pairs there are: the cap picks no subset, both sets are whole
        for f in filter_sets:
            portable = set(conn.execute(_holders("sqlite", names, f, cap)).all())
            lateral = conn.execute(_holders("postgresql", names, f, cap)).all()
            assert len(lateral) == len(set(lateral)), f  # no pair twice
            assert set(lateral) == portable, f
            assert portable, f  # the names and filters were chosen to find someone
        # The cap bounds the rows read (any of them: neither statement orders them).
        capped = conn.execute(_holders("postgresql", names, Filters(), 7)).all()
        assert len(capped) == 7 and set(capped) <= set(conn.execute(_holders("sqlite", names, Filters(), cap)).all())
