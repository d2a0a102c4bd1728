"""Key numbers of the report for two provinces on the fixed sample with its simulated PAPI and PCI
tables (seed 11, ``simulated_sample`` in conftest.py), against a golden CSV. A refactoring must
leave them unchanged; a change of method changes them on purpose: then run
``GOVGAP_UPDATE_GOLDEN=1 pytest tests/regression`` and explain the difference in the commit.

Hà Nội (01) and Nam Định (36, built with slow land offices): standings of Dimension 7, its
sub-dimensions, 2.4, 5.3 and PCI Land Access; the dossiers' Decision 766 figures; two survey
estimates with their standard errors; and the three indicators with the most points to gain."""

from __future__ import annotations

import math
import os
from pathlib import Path

import pandas as pd
import pytest

from govgap.compare import gaps
from govgap.estimate.dossier_metrics import metrics
from govgap.pipeline import store

GOLDEN = Path(__file__).with_name("golden_report_numbers.csv")
PROVINCES = ("01", "36")
YEAR = 2024
INDICES = ("papi.d7", "papi.d7.1", "papi.d7.2", "papi.d7.3", "papi.d2.4", "papi.d5.3", "pci.sub2")


def key_numbers(processed: store.Processed, code: str) -> list[tuple[str, object]]:
    rows: list[tuple[str, object]] = []
    standing = gaps.standings(processed.indices())
    for ind in INDICES:
        mine = standing[(standing["indicator_id"] == ind) & (standing["province_code"] == code)]
        mine = mine[mine["year"] == mine["year"].max()].iloc[0]
        for col in ("year", "value", "rank", "n_provinces", "median"):
            rows.append((f"{ind}.{col}", mine[col]))
    total = metrics(processed.dossiers(YEAR, code)).iloc[0]
    for col in ("received", "late", "backlog", "on_time_rate", "mean_processing_working_days"):
        rows.append((f"dossiers.{col}", total[col]))
    est = processed.survey_estimates(code)
    est = est[(est["year"] == YEAR) & (est["group_var"] == "all")].set_index("indicator_id")
    for ind in ("papi.d5.3.1", "papi.d7.2.2"):
        rows.append((f"survey.{ind}.estimate", est.loc[ind, "estimate"]))
        rows.append((f"survey.{ind}.se", est.loc[ind, "se"]))
    points = gaps.points_to_gain(processed.indices(), code, YEAR)
    for i, row in enumerate(points.head(3).itertuples(), start=1):
        rows.append((f"points_to_gain.{i}.indicator", row.indicator_id))
        rows.append((f"points_to_gain.{i}.points_to_median", row.points_to_median))
    return rows


@pytest.fixture(scope="module")
def numbers(isolated_home, simulated_sample):
    processed = store.prepare(simulated_sample, workers=2, progress=False)
    rows = [(code, key, value) for code in PROVINCES for key, value in key_numbers(processed, code)]
    return pd.DataFrame(rows, columns=["province_code", "key", "value"])


def _text(value) -> str:
    """A value as the golden table keeps it: numbers with every digit, text as it is."""
    value = value.item() if hasattr(value, "item") else value
    return value if isinstance(value, str) else repr(value)


def _same(expected: str, got) -> bool:
    try:
        e, g = float(expected), float(got)
    except (TypeError, ValueError):
        return str(expected) == str(got)
    return (math.isnan(e) and math.isnan(g)) or math.isclose(e, g, rel_tol=1e-9, abs_tol=1e-12)


def test_key_report_numbers_equal_the_golden_table(numbers):
    if os.environ.get("GOVGAP_UPDATE_GOLDEN"):
        numbers.assign(value=numbers["value"].map(_text)).to_csv(GOLDEN, index=False)
    golden = pd.read_csv(GOLDEN, dtype=str, keep_default_na=False)
    assert list(zip(golden["province_code"], golden["key"])) == list(zip(numbers["province_code"], numbers["key"]))
    different = [
        (code, key, expected, got)
        for code, key, expected, got in zip(golden["province_code"], golden["key"], golden["value"], numbers["value"])
        if not _same(expected, got)
    ]
    assert different == []
    assert len(golden) == 2 * (len(INDICES) * 5 + 5 + 4 + 6)
