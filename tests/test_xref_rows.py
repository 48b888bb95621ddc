"""xref uses every field a list row gives (issue 7): an age instead of a birth year, and the place
and sex as ranking evidence, each with its reason."""

from __future__ import annotations

import pytest

from izdesh.analysis import xref
from izdesh.store.db import open_engine
from tests.test_evidence_fixtures import gen_store  # noqa: F401  (a fixture)


def _someone(ix: xref.PersonIndex) -> int:
    order = sorted(
        range(len(ix.ids)), key=lambda i: ix.id_numbers[i] or ""
    )  # person ids differ per store
    return next(
        i
        for i in order
        if ix.id_numbers[i]
        and ix.years[i]
        and ix.sexes[i]
        and ix.names_[i]
        and "·" in ix.names_[i]
    )


def test_age_reads_as_a_birth_year(request: pytest.FixtureRequest) -> None:
    ix = xref.build_index(open_engine(request.getfixturevalue("gen_store")["db"], readonly=True))
    i = _someone(ix)
    cols = xref.map_columns(["Name", "Age", "Gender"])
    assert cols == {"name": "Name", "age": "Age", "sex": "Gender"}
    for age in (
        xref.AGE_YEAR - ix.years[i],
        xref.AGE_YEAR - ix.years[i] - 1,
    ):  # either side of a birthday
        matches = xref.match_row(
            ix, {"Name": ix.names_[i], "Age": str(age), "Gender": ix.sexes[i]}, cols
        )
        mine = next(m for m in matches if m["person_id"] == ix.ids[i])
        assert f"age {age} in {xref.AGE_YEAR})" in mine["why"]
        assert matches[0]["score"] == mine["score"]
    far = xref.match_row(
        ix,
        {
            "Name": ix.names_[i],
            "Age": str(xref.AGE_YEAR - ix.years[i] + 6),
            "Gender": ix.sexes[i],
        },
        cols,
    )
    mine_far = next((m for m in far if m["person_id"] == ix.ids[i]), None)
    assert mine_far is None or "year(s) off" in mine_far["why"]
    assert xref.age_of("1985") is None and xref.age_of("34 yaş") == 34
