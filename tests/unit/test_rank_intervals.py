"""Rank intervals: the ranks a province's score is consistent with, given the standard errors;
checked against a plain implementation written independently, at the extremes, and by simulation
(the true rank is inside the interval at least 95% of the time)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from govgap.compare.rank_intervals import rank_intervals


def _plain(values: np.ndarray, se: np.ndarray, level: float = 0.95):
    """Holm's step-down written out with scipy.stats, province by province."""
    n, out = len(values), []
    for i in range(n):
        tests = []
        for j in range(n):
            if j != i:
                z = (values[j] - values[i]) / np.hypot(se[i], se[j])
                tests.append((2 * stats.norm.sf(abs(z)), values[j] - values[i]))
        tests.sort(key=lambda t: t[0])
        better = worse = 0
        for k, (p, d) in enumerate(tests):
            if p > (1 - level) / (len(tests) - k):
                break
            better += d > 0
            worse += d < 0
        out.append((1 + better, n - worse))
    return out


def test_rank_intervals_equal_a_plain_holm_computation():
    rng = np.random.default_rng(5)
    values, se = rng.normal(42, 2, 40), rng.uniform(0.3, 0.9, 40)
    got = rank_intervals(pd.Series(values), pd.Series(se))
    assert list(zip(got["rank_low"], got["rank_high"])) == _plain(values, se)
    assert (got["rank_low"] <= got["rank"]).all() and (got["rank"] <= got["rank_high"]).all()
    assert got["rank"].tolist() == list(stats.rankdata(-values, method="min").astype(int))


def test_sure_and_unsure_ranks_at_the_extremes():
    values = pd.Series([40.0, 41.0, 42.0, 43.0], index=["a", "b", "c", "d"])
    sure = rank_intervals(values, pd.Series(0.01, index=values.index))
    assert (sure["rank_low"] == sure["rank"]).all() and (sure["rank_high"] == sure["rank"]).all()
    unsure = rank_intervals(values, pd.Series(50.0, index=values.index))
    assert (unsure["rank_low"] == 1).all() and (unsure["rank_high"] == 4).all()
    lower_better = rank_intervals(values, pd.Series(0.01, index=values.index), higher_is_better=False)
    assert lower_better.loc["a", "rank"] == 1 and lower_better.loc["d", "rank_high"] == 4
    gaps_in_data = rank_intervals(values, pd.Series([0.1, np.nan, 0.1, 0.0], index=values.index))
    assert list(gaps_in_data.index) == ["a", "c"] and (gaps_in_data["n"] == 2).all()  # 0: a placeholder


def test_the_true_rank_is_inside_its_interval_at_least_95_percent_of_the_time():
    rng = np.random.default_rng(11)
    truth = np.linspace(40, 44, 25)  # close scores: many ranks are unsure
    se = np.full(25, 0.5)
    true_rank = 25 - np.arange(25)
    covered = []
    for _ in range(400):
        got = rank_intervals(pd.Series(truth + rng.normal(0, se)), pd.Series(se))
        covered.append((got["rank_low"].to_numpy() <= true_rank) & (true_rank <= got["rank_high"].to_numpy()))
    coverage = np.mean(covered, axis=0)
    assert coverage.min() >= 0.93  # 95% per province, less the simulation's own error (400 draws)
    widths = got["rank_high"] - got["rank_low"]
    assert 0 < np.mean(widths) < 24  # informative: neither points nor 1 to n


def test_a_merged_province_s_standard_error_combines_its_members_by_population():
    from govgap.estimate.merged_provinces import standard_errors_2025
    from govgap.reference.provinces import crosswalk_2025, population_2019

    cross = crosswalk_2025()
    se = pd.Series(0.5, index=cross["old_code"])
    got = standard_errors_2025(se)
    assert len(got) == 34
    w = population_2019()
    for new, members in cross.groupby("new_code")["old_code"]:
        weights = w.reindex(list(members)).to_numpy()
        expected = np.sqrt(((weights * 0.5) ** 2).sum()) / weights.sum()
        assert got[new] == pytest.approx(expected)
        if len(members) == 1:
            assert got[new] == pytest.approx(0.5)  # a province that kept its borders keeps its error
        else:
            assert got[new] < 0.5  # two independent samples: a smaller error of their mean
