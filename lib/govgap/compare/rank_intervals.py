"""How sure a rank is: for each province, the ranks its published score is consistent with, given
the standard errors PAPI publishes.

A rank such as "24/61" is read as a fact, but a score of 42,3 with a standard error of 0,5 is not
told apart from most scores within a point of it. The **rank interval** of a province is the set
of ranks left once every other province has been compared with it:

* a province whose score is significantly above it must rank ahead of it, one significantly below
  must rank behind it, and every other one may rank either side;
* so the interval runs from 1 + (the provinces significantly above) to n - (the provinces
  significantly below).

The n - 1 comparisons of one province are tested together, two-sided, with Holm's step-down
procedure at family-wise level 1 - ``level`` (5%): with 95% confidence, all the "significantly
above/below" verdicts of that province hold at once, so its true rank is in its interval. This is
the marginal confidence set for a rank of Mogstad, Romano, Shaikh and Wilhelm (2024, "Inference for
ranks with applications to mobility across neighbourhoods and academic achievement across
countries", Review of Economic Studies), with Holm's step-down in place of their bootstrap (the
provinces' samples are independent, so a difference has the standard error sqrt(se_i² + se_j²)).
It holds for each province on its own; it does not say that every province's interval holds at once.

**Standard errors PAPI publishes**: of its total scores (``papi.total.se``, 2019; the unweighted
total's, 2019-2023), and in 2019 a "Variance (Dimension k)" beside each dimension score
(``papi.d7.variance``), read as the sampling variance of that score, so its square root is the
score's standard error (docs/methods.md gives the evidence). Nothing else has one.

**Bands told apart only when the ranks allow**: PAPI's four groups are cut at the quartiles of
the values, so a province's band is as sure as its rank. The bands its rank interval reaches
(``possible_bands``: the bands of the provinces holding its best and its worst possible rank) are
the bands it may really be in; a report names one band only when that is the only one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from govgap.compare.standings import table_key
from govgap.estimate.merged_provinces import standard_errors_2025, view_2025
from govgap.io import _fast

LEVEL = 0.95
TOTALS = ("papi.total", "papi.total_unweighted")  # the scores PAPI publishes standard errors for


def _two_sided_p(z: np.ndarray) -> np.ndarray:
    """P(|Z| >= |z|) for a standard normal Z."""
    from scipy import special  # imported where it is used: a command that does not need it starts faster

    return special.erfc(np.abs(z) / np.sqrt(2))


def rank_intervals(
    values: pd.Series, se: pd.Series, higher_is_better: bool = True, level: float = LEVEL
) -> pd.DataFrame:
    """Per province (the index of ``values``): ``rank`` (1 = best, ties share the better rank),
    ``rank_low`` and ``rank_high`` (the best and worst rank it may hold at ``level``), ``n``.
    Provinces without a value or a positive standard error are left out (PAPI 2022 prints 0 for
    three provinces: a placeholder, not certainty), so ``n`` counts the provinces ranked."""
    both = pd.concat([values.rename("value"), se.rename("se")], axis=1).dropna()
    both = both[both["se"] > 0]
    n = len(both)
    v = both["value"].to_numpy(dtype=float) * (1 if higher_is_better else -1)
    s = both["se"].to_numpy(dtype=float)
    alpha = 1 - level
    rank = 1 + (v[None, :] > v[:, None]).sum(axis=1)
    low, high = np.empty(n, dtype=int), np.empty(n, dtype=int)
    for i in range(n):
        others = np.arange(n) != i
        diff = v[others] - v[i]  # > 0: the other province scores better
        spread = np.sqrt(s[others] ** 2 + s[i] ** 2)
        with np.errstate(divide="ignore", invalid="ignore"):
            z = np.where(spread > 0, diff / spread, np.where(diff == 0, 0.0, np.sign(diff) * np.inf))
        p = _two_sided_p(z)
        # Holm: the k-th smallest p-value is compared with alpha / (m - k + 1), until one fails
        order = np.argsort(p, kind="stable")
        m = len(p)
        passed = p[order] <= alpha / (m - np.arange(m))
        cut = m if passed.all() else int(np.argmin(passed))
        rejected = np.zeros(m, dtype=bool)
        rejected[order[:cut]] = True
        low[i] = 1 + int((rejected & (diff > 0)).sum())
        high[i] = n - int((rejected & (diff < 0)).sum())
    return pd.DataFrame({"rank": rank, "rank_low": low, "rank_high": high, "n": n}, index=both.index)


def published_standard_errors(rows: pd.DataFrame, indicator_id: str) -> pd.Series:
    """Per province, the standard error PAPI publishes for ``indicator_id`` in the edition of
    ``rows``: its ``<id>.se``, or the square root of its ``<id>.variance`` (empty when neither)."""
    se = rows[rows["indicator_id"] == f"{indicator_id}.se"].set_index("province_code")["value"]
    if se.empty:
        variance = rows[rows["indicator_id"] == f"{indicator_id}.variance"].set_index("province_code")["value"]
        se = np.sqrt(variance.where(variance >= 0))
    return se.astype(float)


def has_published_errors(tidy: pd.DataFrame, year: int, indicator_id: str) -> bool:
    """Whether PAPI edition ``year`` publishes a standard error (or variance) of ``indicator_id``."""
    wanted = [f"{indicator_id}.se", f"{indicator_id}.variance"]
    return bool(((tidy["source"] == "PAPI") & (tidy["year"] == int(year)) & tidy["indicator_id"].isin(wanted)).any())


_PUBLISHED: dict = {}  # the last few answers, by the table's content: the same for every province


def published_rank_intervals(tidy: pd.DataFrame, year: int, indicator_id: str, view: str = "63") -> pd.DataFrame:
    """Rank intervals of ``indicator_id`` in PAPI edition ``year`` from the standard errors PAPI
    publishes with it (``published_standard_errors``; empty when there are none). In the 2025 view
    the 34 provinces' derived values and standard errors (``standard_errors_2025``) are ranked.

    Every province of a batch asks the same question of the same table: the answer is kept,
    keyed by the table's content (``standings.table_key``), so a table changed in place gets a
    new one."""
    key = (table_key(tidy), int(year), indicator_id, view)
    if key not in _PUBLISHED:
        _fast.remember(_PUBLISHED, key, _published_rank_intervals(tidy, year, indicator_id, view), 32)
    return _PUBLISHED[key].copy()


def _published_rank_intervals(tidy: pd.DataFrame, year: int, indicator_id: str, view: str) -> pd.DataFrame:
    rows = tidy[(tidy["source"] == "PAPI") & (tidy["year"] == int(year))]
    own = rows[rows["indicator_id"] == indicator_id]
    se = published_standard_errors(rows, indicator_id)
    if own.empty or se.empty:
        return pd.DataFrame(columns=["rank", "rank_low", "rank_high", "n", "value", "se"])
    se = se[se > 0]  # a 0 is a placeholder (PAPI 2022: three provinces), not certainty
    values = own.set_index("province_code")["value"]
    if view == "2025":  # the members with a standard error, combined
        values = view_2025(own[own["province_code"].isin(se.index)]).set_index("province_code_2025")["value"]
        se = standard_errors_2025(se)
    out = rank_intervals(values, se)
    return out.assign(value=values.reindex(out.index), se=se.reindex(out.index))


def possible_bands(intervals: pd.DataFrame, band: pd.Series) -> pd.DataFrame:
    """Per province of ``intervals`` (``rank_intervals``), ``band_best`` and ``band_worst``: the
    bands (1 best ... 4) of the provinces that hold its best and its worst possible rank, given
    ``band`` per province (the standing's band of the same edition and indicator). Bands follow
    the ranks, so the province may be in any band from ``band_best`` to ``band_worst``; its band
    is sure when the two are equal."""
    ordered = intervals.assign(band=band.reindex(intervals.index)).sort_values(["rank"], kind="stable")
    by_rank = ordered["band"].to_numpy()
    low = intervals["rank_low"].to_numpy(dtype=int) - 1
    high = intervals["rank_high"].to_numpy(dtype=int) - 1
    return pd.DataFrame({"band_best": by_rank[low], "band_worst": by_rank[high]}, index=intervals.index).astype("Int64")


def province_rank_interval(
    tidy: pd.DataFrame, year: int, indicator_id: str, code: str, bands: pd.Series, view: str = "63"
) -> pd.Series | None:
    """One province's rank interval on ``indicator_id`` in PAPI edition ``year`` (``rank``,
    ``rank_low``, ``rank_high``, ``n``, ``value``, ``se``) with the bands it reaches
    (``band_best``, ``band_worst``, from ``bands`` per province of the view); None where PAPI
    publishes no error for it or none for the province."""
    table = published_rank_intervals(tidy, year, indicator_id, view)
    if code not in table.index:
        return None
    return pd.concat([table.loc[code], possible_bands(table, bands).loc[code]])


def latest_with_errors(tidy: pd.DataFrame, year: int) -> tuple[int, str] | None:
    """(edition, indicator id) of the latest PAPI total up to ``year`` published with standard
    errors, the weighted total before the unweighted one in the same edition; None if none."""
    ids = tidy["indicator_id"]
    has = tidy.loc[
        (tidy["source"] == "PAPI") & (tidy["year"] <= int(year)) & ids.isin([f"{t}.se" for t in TOTALS]),
        ["year", "indicator_id"],
    ]
    if has.empty:
        return None
    latest = int(has["year"].max())
    found = set(has.loc[has["year"] == latest, "indicator_id"])
    return latest, next(t for t in TOTALS if f"{t}.se" in found)
