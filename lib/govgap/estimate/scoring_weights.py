"""How much each indicator weighs in a published sub-dimension score, as the published tables show it.

PAPI's equal-weight rule (``scores.score_subdimensions``: ``lo + (hi - lo) x`` the mean of the
normalised indicators) reproduces 7.2 and 7.3 in every edition and 7.1 in 2018 to the rounding of
the published values. It does not reproduce 7.1 from 2019, 2.4 or 5.3 (docs/methods.md): PAPI
builds those from respondent-level answers. Points to gain and the decomposition of a gap need a
weight per indicator all the same, so each (sub-dimension, edition) gets the weights that
reproduce its published scores best:

* **"rule"**: the equal-weight rule reproduces every province's published score (within
  ``RULE_EXACT``): weight (hi - lo) / k for each of the k indicators.
* **"fitted"**: otherwise, a non-negative least-squares fit of the published scores on the
  normalised indicators with an intercept, over the provinces that have all of them. Weights are
  kept non-negative: a rise in an indicator that PAPI counts as better never costs points. The
  fit says how well it reproduces the published scores (largest and root-mean-square residual,
  R²), and a sentence that uses its points says they are the fit's estimate.
* **"rule (not checked)"**: the rule does not reproduce the published scores and too few
  provinces have every indicator and a score (fewer than k + ``MIN_EXTRA_PROVINCES``) to fit
  weights, or none has: the rule, said to be unchecked.

A weight is in points of the sub-dimension's scale per unit of the normalised indicator (0 = the
worst end of its scale, 1 = the best).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from govgap.reference.catalogue import children, indicators, normalise, score_scale

RULE_EXACT = 1e-4  # published values carry 4-6 decimals: the rule is exact when it is this close
MIN_EXTRA_PROVINCES = 10  # a fit of k weights needs at least k + 10 provinces to mean anything


@dataclass(frozen=True)
class ScoringWeights:
    sub_dimension: str
    year: int
    indicators: tuple[str, ...]
    weights: tuple[float, ...]  # points of the sub-dimension scale per normalised unit
    intercept: float
    basis: str  # "rule", "fitted" or "rule (not checked)"
    provinces: int  # provinces the weights were fitted or checked on
    max_abs_residual: float  # published score minus the weights' score, largest over provinces
    rmse: float
    r2: float
    rule_max_abs_residual: float  # the same for the equal-weight rule

    def weight(self, indicator_id: str) -> float:
        return dict(zip(self.indicators, self.weights)).get(indicator_id, np.nan)


def members(sub_dimension: str) -> list[str]:
    """The indicators a sub-dimension is scored from (catalogue order)."""
    cat = indicators()
    return [i for i in children(sub_dimension) if cat.loc[i, "level"] == "indicator"]


def scoring_weights(wide: pd.DataFrame, sub_dimension: str, year: int) -> ScoringWeights:
    """The weights of ``sub_dimension``'s indicators in edition ``year``. ``wide``: one row per
    province, one column per indicator id (published values, shares 0-1 or scores), with the
    sub-dimension's published score in its own column."""
    ids = [i for i in members(sub_dimension) if i in wide.columns]
    lo, hi = score_scale(sub_dimension, year)
    rule = (hi - lo) / len(ids) if ids else np.nan

    def unchecked(n: int, rule_max: float) -> ScoringWeights:  # the rule, said to be unchecked
        nan = np.nan
        return ScoringWeights(sub_dimension, int(year), tuple(ids), (rule,) * len(ids), lo, "rule (not checked)",
                              n, nan, nan, nan, rule_max)  # fmt: skip

    if not ids or sub_dimension not in wide.columns:
        return unchecked(0, np.nan)
    x = pd.concat([normalise(wide[i].astype(float), i) for i in ids], axis=1)
    both = pd.concat([x, wide[sub_dimension].astype(float).rename("_score")], axis=1).dropna()
    n = len(both)
    xs, y = both[ids].to_numpy(), both["_score"].to_numpy()
    rule_residual = y - (lo + rule * xs.sum(axis=1))
    rule_max = float(np.abs(rule_residual).max()) if n else np.nan
    if n and rule_max <= RULE_EXACT:
        weights, intercept, residual, basis = np.full(len(ids), rule), lo, rule_residual, "rule"
    elif n < len(ids) + MIN_EXTRA_PROVINCES:  # too few provinces to fit on
        return unchecked(n, rule_max)
    else:
        from scipy.optimize import nnls  # imported where it is used: a command that does not fit starts faster

        # the intercept is left free (centred data), the weights are kept >= 0
        x_mean, y_mean = xs.mean(axis=0), y.mean()
        weights, _ = nnls(xs - x_mean, y - y_mean)
        intercept = float(y_mean - weights @ x_mean)
        residual = y - (intercept + xs @ weights)
        basis = "fitted"
    spread = float(((y - y.mean()) ** 2).sum())
    return ScoringWeights(
        sub_dimension,
        int(year),
        tuple(ids),
        tuple(float(w) for w in weights),
        float(intercept),
        basis,
        n,
        float(np.abs(residual).max()),
        float(np.sqrt((residual**2).mean())),
        float(1 - (residual**2).sum() / spread) if spread > 0 else np.nan,
        rule_max,
    )
