"""Hostile input, property-based: the parsers that take what strangers type or what a leaked file
holds never crash, never hang, and keep their contracts on arbitrary text (hypothesis).
Complements tests/test_names_properties.py and tests/test_idnumber.py."""

from __future__ import annotations

import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from izdesh.identity.idnumber import IdParse, find_ids, parse
from izdesh.names import keys_for_query, parse_name, score
from izdesh.records.glossary import field_for, find_header_row
from izdesh.search.engine import MAX_QUERY, Filters, QueryError, classify, split_years
from izdesh.web.security import public_refusal

S = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
DIGITISH = st.text(alphabet=st.sampled_from(list("0123456789Xx?* -'\u3000０１２３４５６７８９ｘ.eE+")), max_size=40)
HOSTILE = st.one_of(
    st.text(max_size=300),
    DIGITISH,
    st.text(alphabet=st.sampled_from(list("\u200b\u200e\u202e\ufeff\x00\n\r\t%<>\"'&;\\/·・")), max_size=50),
)
NAMEISH = st.text(alphabet=st.sampled_from(list("买麦提吐尔逊阿依古丽·・ memtursunaygülمەتۇرسنмәтурсн1985 ")), max_size=30)


@S
@given(st.one_of(HOSTILE, st.integers(), st.floats(allow_nan=True, allow_infinity=True)))
def test_id_parse_total(value: object) -> None:
    p = parse(value)  # type: ignore[arg-type]
    assert isinstance(p, IdParse) and p.kind in ("full", "id15", "partial", "invalid")
    if p.valid:
        assert p.normalized is not None and len(p.normalized) == 18 and p.birth_date is not None
    if p.normalized is not None:
        assert len(p.normalized) == 18
    if p.pattern is not None:
        assert len(p.pattern) == 18


@S
@given(st.text(max_size=400))
def test_find_ids_spans_are_exact(text: str) -> None:
    t = time.perf_counter()
    found = find_ids(text)
    assert time.perf_counter() - t < 2.0  # no catastrophic backtracking
    last = -1
    for m in found:
        assert 0 <= m.start < m.end <= len(text) and text[m.start : m.end] == m.text
        assert m.start >= last
        last = m.end


@S
@given(st.lists(st.sampled_from(["6531211985030401", "17", " ", "号码", "x", "\u3000", "1", "-"]), max_size=60).map("".join))
def test_find_ids_linear_on_long_digit_soup(text: str) -> None:
    t = time.perf_counter()
    find_ids(text * 20)
    assert time.perf_counter() - t < 2.0


@S
@given(st.one_of(HOSTILE, NAMEISH), st.one_of(NAMEISH, st.text(max_size=20)))
def test_names_total_and_score_in_range(query: str, name_zh: str) -> None:
    p = parse_name(query)
    assert all(isinstance(x, str) for x in p.parts)
    assert all(k[:2] in ("p:", "w:") for k in keys_for_query(query))
    m = score(query, name_zh)
    assert 0.0 <= m.score <= 1.0 and isinstance(m.why, str)


@S
@given(st.one_of(st.none(), st.integers(), st.floats(), HOSTILE, st.text(max_size=2000)))
def test_field_for_total(header: object) -> None:
    f = field_for(header)
    assert f is None or isinstance(f, str)


@S
@given(st.lists(st.lists(st.one_of(st.text(max_size=12), st.sampled_from(["姓名", "身份证号码", "性别", "乡镇", "村", "序号", ""])), max_size=12), max_size=30))
def test_find_header_row_in_range(rows: list[list[str]]) -> None:
    i = find_header_row(rows)
    assert i is None or 0 <= i < min(len(rows), 12)
    if i is not None:
        assert {"name", "id_number"} & {field_for(c) for c in rows[i]}


@S
@given(HOSTILE)
def test_classify_total(q: str) -> None:
    try:
        kind, norm = classify(q)
    except QueryError as exc:
        assert str(exc)  # a message for the person who typed it
        return
    assert kind in ("id", "name") and norm and len(norm) <= MAX_QUERY
    if kind == "id":
        assert set(norm) <= set("0123456789X?*") and sum(c.isdigit() for c in norm) >= 4


@S
@given(st.one_of(NAMEISH, HOSTILE), st.one_of(st.none(), st.integers(1880, 2030)))
def test_split_years_takes_at_most_the_year_out(q: str, year: int | None) -> None:
    f = Filters(birth_year_from=year, birth_year_to=year)
    rest, g = split_years(q, f)
    assert len(rest) <= len(q)
    if year is not None:
        assert g.birth_year_from == year  # a filter given is never overridden by the text
    if g.birth_year_from is not None:
        assert 1900 <= g.birth_year_from <= (g.birth_year_to or g.birth_year_from) <= 2099 or year is not None


@S
@given(HOSTILE, st.fixed_dictionaries({}, optional={"birth_year": st.integers(1900, 2020), "township": st.text(max_size=5)}))
def test_public_policy_never_lets_a_broad_query_through(q: str, filters: dict) -> None:  # type: ignore[type-arg]
    try:
        why = public_refusal(q, filters)
    except QueryError:
        return
    if why is None:
        kind, norm = classify(q)
        if kind == "id":
            assert sum(c.isdigit() or c == "X" for c in norm) >= 12
        else:
            assert sum(ch.isalpha() for ch in norm) >= 2
