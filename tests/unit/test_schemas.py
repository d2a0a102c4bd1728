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
