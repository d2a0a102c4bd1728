"""The weights that score a sub-dimension: PAPI's equal-weight rule where it reproduces the published
scores, weights fitted to them where it does not, and the rule said to be unchecked where nothing can
be fitted."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from govgap.estimate.scoring_weights import scoring_weights

IDS = ["papi.d7.1.1", "papi.d7.1.2", "papi.d7.1.3", "papi.d7.1.4"]  # shares: normalised = value


def _wide(n: int, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(rng.uniform(0.1, 0.9, (n, 4)), columns=IDS, index=[f"{i:02d}" for i in range(n)])


def test_scores_made_by_the_rule_are_scored_by_the_rule():
    wide = _wide(30)
    wide["papi.d7.1"] = 1 / 3 + 3 * wide[IDS].mean(axis=1)  # 7.1 on 1/3-10/3
    fit = scoring_weights(wide, "papi.d7.1", 2022)
    assert fit.basis == "rule" and fit.provinces == 30
    assert fit.weights == pytest.approx((0.75,) * 4) and fit.intercept == pytest.approx(1 / 3)
    assert fit.max_abs_residual < 1e-12


def test_other_weights_are_recovered_by_the_fit_and_never_negative():
    wide = _wide(40)
    true = np.array([1.3, 0.0, 0.1, 0.4])
    wide["papi.d7.1"] = 0.2 + wide[IDS].to_numpy() @ true
    fit = scoring_weights(wide, "papi.d7.1", 2022)
    assert fit.basis == "fitted"
    assert fit.weights == pytest.approx(tuple(true), abs=1e-9) and fit.intercept == pytest.approx(0.2)
    assert fit.max_abs_residual < 1e-9 and fit.r2 == pytest.approx(1.0)
    assert fit.rule_max_abs_residual > 0.1  # the rule was off: that is why the fit is used
    # a weight that would be negative (a rise that costs points) is held at zero
    wide["papi.d7.1"] = 0.2 + wide[IDS].to_numpy() @ np.array([1.3, -0.2, 0.1, 0.4])
    fit = scoring_weights(wide, "papi.d7.1", 2022)
    assert min(fit.weights) >= 0 and fit.weight("papi.d7.1.2") == 0
    residual = wide["papi.d7.1"] - (fit.intercept + wide[IDS].to_numpy() @ np.array(fit.weights))
    assert fit.max_abs_residual == pytest.approx(residual.abs().max())


def test_too_few_provinces_to_fit_leave_the_rule_said_to_be_unchecked():
    wide = _wide(12)  # 4 weights need 14 provinces
    wide["papi.d7.1"] = 0.2 + wide[IDS].to_numpy() @ np.array([1.3, 0.0, 0.1, 0.4])
    fit = scoring_weights(wide, "papi.d7.1", 2022)
    assert fit.basis == "rule (not checked)" and fit.weights == pytest.approx((0.75,) * 4)
    assert np.isnan(fit.max_abs_residual) and fit.rule_max_abs_residual > 0.1
    # provinces with a suppressed indicator are not fitted on
    wide = _wide(30)
    wide["papi.d7.1"] = 0.2 + wide[IDS].to_numpy() @ np.array([1.3, 0.0, 0.1, 0.4])
    wide.iloc[:20, 0] = np.nan
    assert scoring_weights(wide, "papi.d7.1", 2022).basis == "rule (not checked)"
