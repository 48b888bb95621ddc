"""Property tests: parsing, keys and scoring never crash on arbitrary text, and stay in range."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from izdesh.names import (
    detect_script,
    keys_for_chinese,
    keys_for_query,
    parse_name,
    score,
    to_latin_forms,
)

NAMEISH = st.text(
    alphabet=st.sampled_from(
        list("买麦提吐图尔逊荪阿不都克里木·・•．‧. ")
        + list("memtursunabdkérüöshgxq' -")
        + list("مەتۇرسنئابدىكې ")
        + list("мәтурснабдкһ ")
    ),
    max_size=30,
)
ANY = st.text(max_size=40)


@settings(max_examples=300, deadline=None)
@given(st.one_of(ANY, NAMEISH))
def test_parse_and_keys_never_crash(text: str) -> None:
    assert detect_script(text) in {"han", "uyghur_arabic", "cyrillic", "latin", "mixed", "unknown"}
    p = parse_name(text)
    assert isinstance(p.parts, list)
    assert isinstance(to_latin_forms(text), list)
    for k in keys_for_query(text) | keys_for_chinese(text):
        assert k[:2] in ("p:", "w:")


@settings(max_examples=200, deadline=None)
@given(st.one_of(ANY, NAMEISH), st.one_of(ANY, NAMEISH))
def test_score_in_range(query: str, name_zh: str) -> None:
    m = score(query, name_zh)
    assert 0.0 <= m.score <= 1.0
    assert isinstance(m.why, str)
