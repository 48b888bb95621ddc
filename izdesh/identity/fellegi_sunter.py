"""A small Fellegi–Sunter record-linkage model whose m/u probabilities are estimated by EM on the
comparison vectors of the data itself (no labelled pairs).

A comparison vector holds one level per feature (0 = disagree ... L-1 = best agreement) or None
where a side lacks the value: a missing value says nothing and weighs 0. EM runs on the counts of
the distinct vectors (there are few), so it is cheap at any scale.

    model = FellegiSunter.fit(vectors, levels=(3, 3, 3, 3, 2))
    w = model.weight(v)            # log2 likelihood ratio, sum over features
    p = model.probability(v)       # posterior P(match | v) with the estimated match prior
    model.explain(v, word)         # ["name agrees (+6.2)", ...]
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

Vector = tuple[int | None, ...]


@dataclass
class FellegiSunter:
    levels: tuple[int, ...]
    m: list[list[float]]
    u: list[list[float]]
    prior: float  # share of compared pairs that are matches
    iterations: int = 0
    pairs: int = 0
    history: list[float] = field(default_factory=list)

    @classmethod
    def fit(
        cls,
        vectors: Iterable[Vector],
        levels: Sequence[int],
        *,
        prior: float = 0.1,
        max_iter: int = 200,
        tol: float = 1e-7,
        floor: float = 1e-4,
        m_prior: Sequence[Sequence[float]] | None = None,
        u_prior: Sequence[Sequence[float]] | None = None,
        strength: float = 0.0,
    ) -> FellegiSunter:
        """EM estimate. ``m_prior``/``u_prior`` with ``strength`` > 0: Dirichlet pseudo-counts
        (``strength`` pairs' worth per feature), so a store with a handful of pairs keeps sensible
        weights while a large one is ruled by its data."""
        levels = tuple(levels)
        counts = Counter(vectors)
        K = len(levels)
        if m_prior is not None and u_prior is not None:
            m = [[float(x) for x in row] for row in m_prior]
            u = [[float(x) for x in row] for row in u_prior]
        else:
            # Start: matches mostly agree at the top level, non-matches mostly disagree.
            m = [[(2.0 ** j) for j in range(L)] for L in levels]
            u = [[(2.0 ** (L - 1 - j)) for j in range(L)] for L in levels]
            strength = 0.0
        m = [[x / sum(row) for x in row] for row in m]
        u = [[x / sum(row) for x in row] for row in u]
        m0 = [row[:] for row in m]
        u0 = [row[:] for row in u]
        lam = prior
        total = sum(counts.values())
        model = cls(levels, m, u, lam, 0, total)
        if total == 0:
            return model
        items = list(counts.items())
        for it in range(max_iter):
            # E step
            gm = [[0.0] * L for L in levels]
            gu = [[0.0] * L for L in levels]
            nm = [0.0] * K
            nu = [0.0] * K
            sum_g = 0.0
            for v, c in items:
                pm, pu = lam, 1.0 - lam
                for k, lev in enumerate(v):
                    if lev is not None:
                        pm *= m[k][lev]
                        pu *= u[k][lev]
                g = pm / (pm + pu) if pm + pu > 0 else 0.0
                sum_g += g * c
                for k, lev in enumerate(v):
                    if lev is not None:
                        gm[k][lev] += g * c
                        gu[k][lev] += (1 - g) * c
                        nm[k] += g * c
                        nu[k] += (1 - g) * c
            # M step (with a floor so no level is ever impossible)
            new_lam = min(max(sum_g / total, 1e-6), 1 - 1e-6)
            a = strength
            for k, L in enumerate(levels):
                m[k] = _normalise([((gm[k][j] + a * m0[k][j]) / (nm[k] + a) if nm[k] + a else 1 / L) for j in range(L)], floor)
                u[k] = _normalise([((gu[k][j] + a * u0[k][j]) / (nu[k] + a) if nu[k] + a else 1 / L) for j in range(L)], floor)
            delta = abs(new_lam - lam)
            lam = new_lam
            model.history.append(lam)
            model.iterations = it + 1
            if delta < tol:
                break
        model.m, model.u, model.prior = m, u, lam
        return model

    def feature_weight(self, k: int, level: int | None) -> float:
        if level is None:
            return 0.0
        return math.log2(self.m[k][level] / self.u[k][level])

    def weight(self, v: Vector) -> float:
        return sum(self.feature_weight(k, lev) for k, lev in enumerate(v))

    def probability(self, v: Vector, prior: float | None = None) -> float:
        lam = self.prior if prior is None else prior
        w = self.weight(v) + math.log2(lam / (1 - lam))
        w = max(min(w, 60.0), -60.0)
        return 1.0 / (1.0 + 2.0 ** (-w))

    def explain(self, v: Vector, word: Callable[[int, int], str]) -> list[str]:
        """Plain words per observed feature: word(k, level) describes the level, with its weight."""
        return [f"{word(k, lev)} ({self.feature_weight(k, lev):+.1f})" for k, lev in enumerate(v) if lev is not None]

    def as_dict(self) -> dict[str, object]:
        return {
            "levels": list(self.levels),
            "m": [[round(x, 4) for x in row] for row in self.m],
            "u": [[round(x, 4) for x in row] for row in self.u],
            "prior": round(self.prior, 5),
            "iterations": self.iterations,
            "pairs": self.pairs,
        }


def _normalise(row: list[float], floor: float) -> list[float]:
    row = [max(x, floor) for x in row]
    s = sum(row)
    return [x / s for x in row]
