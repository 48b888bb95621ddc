"""stats: the camp/prison share equals the truth's, computed independently from persons.jsonl.

Two truths (izdesh.analysis.groundtruth.camp_share_truth): "full" (the generator's whole
population) and "visible" (restricted to what the readable files can show). The store must equal
"visible" for all adults of a county; for non-Han adults the store cannot know the ethnicity of
persons no row records it for (it infers it from a two-part name), so a small, explained gap is
allowed. "full" is larger because most detainees are on no list the leak holds.
"""

from __future__ import annotations

import csv
import io
import json

from click.testing import CliRunner

from izdesh.analysis import stats
from izdesh.analysis.commands import stats as stats_cmd
from izdesh.analysis.groundtruth import camp_share_truth, read_jsonl
from izdesh.store.db import open_engine
from tests.test_evidence_fixtures import gen_store  # noqa: F401  (a fixture)


def _computed(gen_store: dict) -> dict:
    return stats.compute(open_engine(gen_store["db"], readonly=True))


def _present(db: str) -> set[str]:
    from sqlalchemy import select

    from izdesh.store import schema

    with open_engine(db, readonly=True).connect() as conn:
        return set(conn.execute(select(schema.person.c.id_number).where(schema.person.c.id_number.is_not(None)))
                   .scalars())


def test_camp_share_equals_truth(gen_store: dict) -> None:
    s = _computed(gen_store)
    truth = camp_share_truth(gen_store["leak"], present=_present(gen_store["db"]))
    for x in s["camp_or_prison_share"]:
        t = truth[f"{x['county']} {x['population']}"]
        lo, hi = t["visible"], t["visible_upper"]
        assert lo["numerator"] <= x["numerator"] <= hi["numerator"], (x, t)
        if x["population"] == "adults":
            # The same definition over the same persons: equal, not close.
            assert (x["numerator"], x["denominator"]) == (t["in_store"]["numerator"], t["in_store"]["denominator"]), (x, t)
        else:
            # Some persons have no ethnicity in any row and a name without a dot (Hui, Han): the store
            # cannot count them as non-Han; the gap stays under 2 %.
            assert 0 <= t["in_store"]["denominator"] - x["denominator"] <= 0.02 * t["in_store"]["denominator"], (x, t)
            assert 0 <= t["in_store"]["numerator"] - x["numerator"] <= max(2, 0.04 * t["in_store"]["numerator"]), (x, t)
            assert abs(x["share"] - t["in_store"]["share"]) < 0.005, (x, t)
        assert x["numerator"] > 0 and x["denominator"] > 100
        assert t["full"]["numerator"] >= hi["numerator"] >= lo["numerator"]
        d = x["definition"]
        assert d["statuses_counted"] == ["detained", "re_education", "sentenced"]
        assert d["region_codes"] and "2017" in d["text"] and "Numerator" in d["text"]
        for ex in x["examples"]:
            assert ex["record_ids"]


def test_truth_full_share_is_the_generators(gen_store: dict) -> None:
    """The independent truth computation agrees with the generator's own count (summary)."""
    truth = camp_share_truth(gen_store["leak"])
    persons = list(read_jsonl(gen_store["leak"] / "truth" / "persons.jsonl"))
    placed = sum(1 for p in persons if any(e["status"] in ("detained", "re_education", "sentenced")
                                           for e in p["statuses"]))
    assert placed == sum(truth[f"{c} adults"]["full"]["numerator"] for c in ("疏附县", "特克斯县"))
    # the generator draws 12.1 % of Shufu's non-Han adults
    assert abs(truth["疏附县 non_han_adults"]["full"]["share"] - 0.121) < 0.003


def test_counts_match_truth(gen_store: dict) -> None:
    s = _computed(gen_store)
    persons = {p["id_number"]: p for p in read_jsonl(gen_store["leak"] / "truth" / "persons.jsonl")}
    # every store person is a truth person, sex and age band agree with the truth
    with open_engine(gen_store["db"], readonly=True).connect() as conn:
        from sqlalchemy import select

        from izdesh.store import schema

        rows = conn.execute(select(schema.person.c.id_number, schema.person.c.sex, schema.person.c.birth_date)
                            .where(schema.person.c.id_number.is_not(None))).all()
    assert rows and all(r.id_number in persons for r in rows)
    # persons formed without a valid ID (partial or mistyped numbers, names) are counted apart
    sex = {r["value"]: r["count"] for r in s["persons_by_valid_id"]["sex"]}
    assert sex == {k: sum(1 for r in rows if persons[r.id_number]["sex"] == k) for k in ("male", "female")}
    bands = {r["value"]: r["count"] for r in s["persons_by_valid_id"]["age_band"]}
    want: dict[str, int] = {}
    for r in rows:
        b = stats.age_band(2017 - int(persons[r.id_number]["birth_date"][:4]))
        want[b] = want.get(b, 0) + 1
    assert bands == want
    assert sum(r["count"] for r in s["persons_by"]["township"]) == s["totals"]["persons"]


def test_cli_outputs(gen_store: dict, tmp_path) -> None:
    runner = CliRunner()
    res = runner.invoke(stats_cmd, ["--db", gen_store["db"], "--json", "--csv", str(tmp_path / "s.csv"),
                                    "--charts", str(tmp_path / "charts"), "--html", str(tmp_path / "s.html")])
    assert res.exit_code == 0, res.output
    s = json.loads(res.output)
    rows = list(csv.DictReader(io.StringIO((tmp_path / "s.csv").read_text(encoding="utf-8"))))
    share = [r for r in rows if r["section"] == "camp_or_prison_share" and r["value"] == "numerator"]
    assert [int(r["count"]) for r in share] == [x["numerator"] for x in s["camp_or_prison_share"]]
    svgs = list((tmp_path / "charts").glob("*.svg"))
    assert len(svgs) >= 5 and all(p.read_text().startswith("<svg") for p in svgs)
    assert "Numerator" in (tmp_path / "s.html").read_text(encoding="utf-8")
