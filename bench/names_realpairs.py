"""Recall of the name matcher on real name pairs (izdesh/names/data/real_pairs.tsv).

For each pair, the name as written in English (each ";"-separated form), and its Uyghur Latin
(ULY) form with and without diacritics, Uyghur Arabic script and Cyrillic (made from the ULY with
umsc) are queried against every Chinese form of the list (plus optional distractor names, written
here from common Uyghur given names by rule, not taken from any generator). Reported: recall@1
and recall@10 per script, for izdesh.names.score and for a plain baseline (pypinyin of the
Chinese + rapidfuzz Jaro-Winkler on the whole name), and candidate recall of the keys (does
keys_for_query(q) intersect keys_for_chinese(right name)?).

    python bench/names_realpairs.py [--confidence high] [--no-distractors] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from itertools import product
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pypinyin import lazy_pinyin  # noqa: E402
from rapidfuzz.distance import JaroWinkler  # noqa: E402
from umsc import UgMultiScriptConverter  # noqa: E402

from izdesh.names import keys_for_chinese, keys_for_query, score  # noqa: E402
from izdesh.names.scripts import fold_latin  # noqa: E402

PAIRS = Path(__file__).resolve().parents[1] / "izdesh/names/data/real_pairs.tsv"

# Distractors: common given names in their usual Chinese forms, combined pairwise. They make the
# pool look like a register where many people share name parts.
_COMMON = (
    "买买提 麦麦提 艾买提 阿不都 阿布都拉 吐尔逊 图尔荪 艾力 阿力木 玉素甫 热合曼 阿不都热依木 "
    "努尔 克里木 阿依古丽 古丽 帕提古丽 热依拉 迪丽努尔 艾尔肯 依明 伊明 托合提 土赫提 吾斯曼 "
    "阿布拉 买合木提 司马义 肉孜 沙吾提 达吾提 亚森 库尔班 阿合买提 巴拉提 热西提 哈力克 伊力哈木"
).split()


def load_pairs(confidence: str | None = None) -> list[dict]:
    rows = []
    for line in PAIRS.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.split("\t") + [""] * 5
        zh, latin, uly, source, conf = (c.strip() for c in cols[:5])
        if confidence and conf != confidence:
            continue
        rows.append({"zh": zh, "latin": [x.strip() for x in latin.split(";") if x.strip()],
                     "uly": uly, "source": source, "confidence": conf})  # fmt: skip
    return rows


def queries(row: dict) -> list[tuple[str, str]]:
    out = [("english", q) for q in row["latin"]]
    if row["uly"]:
        uly = row["uly"]
        out.append(("uly", uly))
        if fold_latin(uly) != uly:
            out.append(("uly_folded", fold_latin(uly)))
        out.append(("arabic", UgMultiScriptConverter("ULS", "UAS")(uly)))
        out.append(("cyrillic", UgMultiScriptConverter("ULS", "UCS")(uly)))
    return out


def baseline_score(query: str, zh: str) -> float:
    left = fold_latin(query).replace(" ", "")
    right = "".join(lazy_pinyin(zh, errors="ignore")).lower()
    return JaroWinkler.normalized_similarity(left, right)


def run(confidence: str | None, distractors: bool) -> dict:
    rows = load_pairs(confidence)
    pool = [r["zh"] for r in rows]
    if distractors:
        pool += ["·".join(p) for p in product(_COMMON, _COMMON) if p[0] != p[1]]
    pool = list(dict.fromkeys(pool))
    pool_keys = [keys_for_chinese(z) for z in pool]
    stats: dict = defaultdict(lambda: defaultdict(int))
    misses: list[str] = []
    t_score, n_score = 0.0, 0
    for row in rows:
        for script, q in queries(row):
            s = stats[script]
            s["n"] += 1
            t0 = time.perf_counter()
            ranked = sorted(((score(q, z).score, z) for z in pool), key=lambda t: -t[0])
            t_score += time.perf_counter() - t0
            n_score += len(pool)
            names = [z for _, z in ranked]
            # ties: the right name counts at its worst position among equal scores
            right_score = next(sc for sc, z in ranked if z == row["zh"])
            rank = sum(1 for sc, _ in ranked if sc >= right_score)
            s["ours@1"] += rank <= 1
            s["ours@10"] += rank <= 10
            if rank > 1:
                misses.append(f"{script:10} {q!r:40} -> {names[0]} (want {row['zh']}, rank {rank})")
            b = sorted(((baseline_score(q, z), z) for z in pool), key=lambda t: -t[0])
            b_right = next(sc for sc, z in b if z == row["zh"])
            b_rank = sum(1 for sc, _ in b if sc >= b_right)
            s["base@1"] += b_rank <= 1
            s["base@10"] += b_rank <= 10
            qk = keys_for_query(q)
            s["keys"] += bool(qk & keys_for_chinese(row["zh"]))
            s["cands"] += sum(1 for k in pool_keys if k & qk)
    return {"pairs": len(rows), "pool": len(pool), "stats": stats, "misses": misses,
            "us_per_score": 1e6 * t_score / max(1, n_score)}  # fmt: skip


def table(result: dict) -> str:
    lines = [
        f"pairs: {result['pairs']}, candidate pool: {result['pool']} Chinese names, "
        f"score(): {result['us_per_score']:.1f} µs per call",
        "",
        "| query script | n | ours R@1 | ours R@10 | baseline R@1 | baseline R@10 | key recall | mean candidates by key |",
        "|---|---|---|---|---|---|---|---|",
    ]
    tot: dict = defaultdict(int)
    for script in ("english", "uly", "uly_folded", "arabic", "cyrillic"):
        s = result["stats"].get(script)
        if not s:
            continue
        n = s["n"]
        for k, v in s.items():
            tot[k] += v
        lines.append(
            f"| {script} | {n} | {s['ours@1'] / n:.3f} | {s['ours@10'] / n:.3f} | "
            f"{s['base@1'] / n:.3f} | {s['base@10'] / n:.3f} | {s['keys'] / n:.3f} | "
            f"{s['cands'] / n:.1f} |"
        )
    n = tot["n"]
    lines.append(
        f"| all | {n} | {tot['ours@1'] / n:.3f} | {tot['ours@10'] / n:.3f} | "
        f"{tot['base@1'] / n:.3f} | {tot['base@10'] / n:.3f} | {tot['keys'] / n:.3f} | "
        f"{tot['cands'] / n:.1f} |"
    )
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--confidence", choices=["high", "medium"], default=None)
    ap.add_argument("--no-distractors", action="store_true")
    ap.add_argument("--misses", action="store_true", help="list queries whose name was not first")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    result = run(args.confidence, not args.no_distractors)
    if args.json:
        print(json.dumps({k: v for k, v in result.items() if k != "misses"}, default=dict, indent=1))
        return
    print(table(result))
    if args.misses:
        print("\nmisses:")
        print("\n".join(result["misses"]))


if __name__ == "__main__":
    main()
