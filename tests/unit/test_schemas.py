"""The processed tables' schemas (govgap.contract.schemas): a table of the wrong shape is refused
with the column and the check that fail, before it is written and when it is read."""

from __future__ import annotations

import pandas as pd
import pytest

from govgap.contract import quarantine, schemas
from govgap.errors import ContractError
from govgap.pipeline import store


def _quarantine(**changes) -> pd.DataFrame:
    native = pd.DataFrame(
        {
            "source": ["survey/s.csv"],
            "sheet": [None],
            "row": [3],
            "respondent_id": ["x1"],
            "column": ["tuoi"],
            "value": ["150"],
            "reason": ["impossible age"],
        }
    )
    return quarantine.combine([quarantine.common(native, "survey")]).assign(**changes)


def test_a_good_quarantine_passes_and_a_bad_one_is_named():
    assert len(schemas.check(_quarantine(), schemas.QUARANTINE, "quarantine")) == 1
    with pytest.raises(ContractError, match=r"quarantine table .*\n  reason: every row has a reason: 1 failure"):
        schemas.check(_quarantine(reason=[""]), schemas.QUARANTINE, "quarantine")
    with pytest.raises(ContractError, match=r"input: isin"):
        schemas.check(_quarantine(input=["elsewhere"]), schemas.QUARANTINE, "quarantine")


def test_rates_and_estimates_checks():
    rates = pd.DataFrame(
        {
            "province_code": ["01"],
            "year": [2024],
            "received": [10],
            "resolved": [12],
            "judged": [9],
            "on_time_or_within": [8],
            "on_time_rate": [1.2],
            "online_share": [0.5],
        }
    )
    with pytest.raises(ContractError) as err:
        schemas.check(rates, schemas.DOSSIER_RATES, "dossier_rates")
    assert "on_time_rate: in_range(0, 1)" in str(err.value) and "resolved <= received" in str(err.value)
    est = pd.DataFrame(
        {
            "province_code": ["01"],
            "indicator_id": ["papi.d7.2.2"],
            "estimate": [0.5],
            "se": [0.1],
            "ci_low": [0.7],
            "ci_high": [0.3],
            "n": [40],
            "suppressed": [False],
            "year": [2024],
        }
    )
    with pytest.raises(ContractError, match="ci_low <= ci_high"):
        schemas.check(est, schemas.SURVEY_ESTIMATES, "survey_estimates")


def test_the_store_checks_what_it_reads(tmp_path):
    _quarantine(reason=[""]).to_parquet(tmp_path / "quarantine.parquet")
    with pytest.raises(ContractError, match="every row has a reason"):
        store.Processed(tmp_path).quarantine()


def test_scores_weighting_dossiers_and_context_checks():
    scores = pd.DataFrame(
        {
            "province_code": ["01"],
            "indicator_id": ["papi.d7"],
            "score": [3.1],
            "se": [-0.1],
            "ci_low": [3.3],
            "ci_high": [2.9],
            "df": [30.0],
            "indicators_used": [8],
            "year": [2024],
        }
    )
    with pytest.raises(ContractError) as err:
        schemas.check(scores, schemas.SURVEY_SCORES, "survey_scores")
    assert "se: greater_than_or_equal_to(0)" in str(err.value) and "ci_low <= ci_high" in str(err.value)
    weighting = pd.DataFrame(
        {
            "group": ["01"],
            "variable": ["sex"],
            "category": ["nữ"],
            "target": [-5.0],
            "weighted_before": [4.0],
            "weighted_after": [4.0],
            "difference": [9.0],
            "year": [2024],
        }
    )
    with pytest.raises(ContractError, match="target: greater_than_or_equal_to"):
        schemas.check(weighting, schemas.SURVEY_WEIGHTING, "survey_weighting")
    with pytest.raises(ContractError, match=r"column_in_schema: 1 failure\(s\), e.g. 'extra'"):
        schemas.check(weighting.assign(target=5.0, extra=1), schemas.SURVEY_WEIGHTING, "survey_weighting")
    day = pd.Timestamp("2024-03-04 09:00")
    dossiers = pd.DataFrame(
        {
            "province_code": ["01", "01"],
            "dossier_id": ["a", "b"],
            "office": ["Văn phòng Đăng ký đất đai", "Văn phòng Đăng ký đất đai"],
            "channel": ["online", "by pigeon"],
            "received": [day, day],
            "finished": [day.normalize(), day - pd.Timedelta(days=3)],
            "status": ["on_time", "on_time"],
            "supplements": [0, 0],
            "source_row": [7, 8],
        }
    )
    with pytest.raises(ContractError) as err:
        schemas.check(dossiers, schemas.CLEANED_DOSSIERS, "dossiers_2024")
    message = str(err.value)
    assert "channel: isin" in message and "'by pigeon' (row 1)" in message
    assert "finished on or after received" in message
    assert len(schemas.check(dossiers.iloc[:1], schemas.CLEANED_DOSSIERS, "dossiers_2024")) == 1  # same day is fine
    context = pd.DataFrame(
        {
            "source": ["SIPAS"],
            "year": [2024],
            "province_code": ["36"],
            "indicator_id": ["sipas.index"],
            "scale_min": [0.0],
            "scale_max": [1.0],
            "value": [1.4],
            "suppressed": [False],
        }
    )
    with pytest.raises(ContractError, match=r"value within its scale \(maximum\)"):
        schemas.check(context, schemas.CONTEXT, "context")
    with pytest.raises(ContractError, match="columns missing: agency"):
        schemas.check(context.iloc[:0], schemas.CONTEXT_AGENCIES, "context_agencies")
