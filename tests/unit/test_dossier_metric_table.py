"""The Decision 766 metrics are declared in one table (govgap/data/dossier_metrics.csv): the engine,
the leader's summary, the notebook display and the report read it. A made-up metric added as one
row and one rule appears in all of them."""

from __future__ import annotations

import numpy as np
import pytest

from govgap.errors import InputError
from govgap.estimate import dossier_metrics, dossier_rules
from govgap.pipeline import store
from govgap.reference import dossier_metric_table
from govgap.render import dossier_tables, report
from govgap.sources import dossiers

NEW_ROWS = [
    # a count that needs a rule function of its own, and a share built from two counts
    "late_or_overdue,count,late_or_overdue,,,count,,yes,,,,,Quá hạn hoặc đang quá hạn,Late or overdue",
    "late_share,share,,late_or_overdue,judged,share,,yes,17,11,8,,Tỷ lệ hồ sơ quá hạn,Share late or overdue",
]


@pytest.fixture
def extended_table(tmp_path, monkeypatch, isolated_home, small_sample):
    """dossier_metrics.csv plus the made-up metric, and its rule registered. The sample is
    prepared first, with the real table, so no processed table of the session carries the
    made-up metric."""
    store.prepare(small_sample, workers=1, progress=False)
    original = (dossier_metric_table.resources.files("govgap.data") / "dossier_metrics.csv").read_text("utf-8")
    path = tmp_path / "dossier_metrics.csv"
    path.write_text(original.rstrip("\n") + "\n" + "\n".join(NEW_ROWS) + "\n", encoding="utf-8")
    monkeypatch.setattr(dossier_metric_table, "SOURCE", str(path))
    monkeypatch.setitem(
        dossier_rules.COUNT_RULES, "late_or_overdue", lambda c: c.status_in("late", "overdue_in_progress")
    )
    yield path
    dossier_metric_table._read.cache_clear()


@pytest.fixture(scope="module")
def cleaned(small_sample):
    return dossiers.load(small_sample / "dossiers/2024/nam-dinh.xlsx", 2024, as_of="2025-01-15")[0].table


def test_the_table_gives_the_columns_summary_and_display_order():
    assert dossier_metrics.metric_columns()[:4] == ["received", "received_in_period", "carried_over", "resolved"]
    assert "resolved_ok" not in dossier_metrics.metric_columns()  # a helper count, not an output
    assert list(dossier_metric_table.shown_in("report")["metric"]) == [
        "received",
        "resolved",
        "backlog",
        "returned",
        "on_time_rate",
        "online_share",
        "postal_share",
    ]
    assert dossier_metric_table.label("on_time_rate", "en") == "On-time rate (766, item 2.1)"


def test_a_new_metric_is_one_row_and_one_rule(extended_table, cleaned, small_sample):
    total = dossier_metrics.metrics(cleaned).iloc[0]
    t = cleaned
    late = t["status"].isin(["late", "overdue_in_progress"]).sum()
    judged = t["on_time"].notna().sum()
    assert total["late_or_overdue"] == late and late > 0
    assert total["late_share"] == pytest.approx(late / judged)
    by_office = dossier_metrics.metrics(cleaned, "office")
    assert by_office["late_or_overdue"].sum() == late
    # the notebook display, the leader's summary and the report show it
    shown = dossier_tables.display_metrics(by_office, "vi")  # headers in the reader's language
    assert shown.columns[-1] == "Tỷ lệ hồ sơ quá hạn" and shown["Tỷ lệ hồ sơ quá hạn"].str.endswith("%").all()
    assert shown.columns[0] == "Đơn vị"
    summary = dossier_tables.summary_table(cleaned, "en")
    assert summary.iloc[-1, 0] == "Share late or overdue"
    html = report.build("Nam Định", 2024, "vi", small_sample).dossier_table()
    assert "Tỷ lệ hồ sơ quá hạn" in html


def test_a_bad_row_is_named(tmp_path, monkeypatch):
    path = tmp_path / "dossier_metrics.csv"
    original = (dossier_metric_table.resources.files("govgap.data") / "dossier_metrics.csv").read_text("utf-8")
    path.write_text(original + "odd_share,share,,received,nowhere,share,,yes,,,,,x,x\n", encoding="utf-8")
    monkeypatch.setattr(dossier_metric_table, "SOURCE", str(path))
    try:
        with pytest.raises(InputError, match=r"row 28 \(odd_share\): a share's numerator and denominator"):
            dossier_metric_table.metric_table()
    finally:
        dossier_metric_table._read.cache_clear()


def test_the_rules_agree_with_a_plain_count(cleaned):
    """Each count of the table against a plain count of the dossiers."""
    total = dossier_metrics.metrics(cleaned).iloc[0]
    t = cleaned
    status = t["status"].astype(str)
    assert total["resolved"] == status.isin(["early", "on_time", "late"]).sum()
    assert total["backlog"] == status.isin(["in_progress", "overdue_in_progress"]).sum()
    assert total["online"] == ((t["channel"] == "online") & ~t["carried_over"]).sum()
    late = status.isin(["late", "overdue_in_progress"])
    assert total["mean_working_days_late"] == pytest.approx(np.nanmean(t.loc[late, "working_days_late"]))
