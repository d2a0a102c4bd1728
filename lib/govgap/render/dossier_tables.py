"""Dossier metrics as a reader sees them: the leader's summary, breakdown tables in the report
language's number format, and the monthly chart.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from govgap.estimate.dossier_metrics import leader_summary, metric_columns
from govgap.reference.dossier_metric_table import label, metric_table, shown_in
from govgap.reference.report_text import _texts, text
from govgap.render import fmt
from govgap.render.charts import PALETTE, WIDTH, chart_style


def metric_value(metric: str, value, lang: str) -> str:
    """A metric in its unit (dossier_metrics.csv): shares as "77,4%", days with one decimal,
    counts whole."""
    unit = metric_table().loc[metric, "unit"]
    if unit == "share":
        return fmt.percent(value, lang)
    return fmt.number(value, lang, 1 if unit == "days" else 0)


def summary_table(table: pd.DataFrame, lang: str = "vi", tables: dict | None = None) -> pd.DataFrame:
    """The leader's summary as a two-column table, numbers in the language's format
    (``tables``: ``metric_tables(table)`` when already computed)."""
    row = leader_summary(table, tables)
    return pd.DataFrame(
        {
            text("col_item", lang): [label(k, lang) for k in row.index],
            text("col_value", lang): [metric_value(k, v, lang) for k, v in row.items()],
        }
    )


def display_metrics(
    frame: pd.DataFrame, lang: str = "vi", top: int | None = None, sort: str = "on_time_rate"
) -> pd.DataFrame:
    """A breakdown of ``metrics`` for reading: the ``notebook`` columns of dossier_metrics.csv,
    in the language's number format, sorted with the lowest on-time rate first."""
    keys = [c for c in frame.columns if c not in metric_columns() + ["payment_base"]]
    shown = list(shown_in("notebook")["metric"])
    out = frame.sort_values(sort, kind="stable")[keys + shown]
    out = (out.head(top) if top else out).copy()
    for col in shown:
        out[col] = [metric_value(col, v, lang) for v in out[col]]
    # headers in the reader's language: the metrics' labels, the breakdown's own column name
    names = {col: label(col, lang) for col in shown}
    names.update({k: text(f"col_{k}", lang) for k in keys if f"col_{k}" in _texts()})
    return out.rename(columns=names).reset_index(drop=True)


def monthly_chart(month_table: pd.DataFrame, lang: str = "vi"):
    """Received dossiers (bars) and the 2.1 on-time rate (line) per month."""
    chart_style()
    fig, ax = plt.subplots(figsize=(WIDTH, 3.4), layout="constrained")
    months = month_table["month"].astype(str)
    ax.bar(range(len(months)), month_table["received"], color="#c9d6e3", width=0.8)
    ax.set_xticks(range(len(months)), months, rotation=45)
    ax.set_ylabel(text("axis_dossiers", lang))
    ax2 = ax.twinx()
    ax2.grid(False)
    ax2.plot(range(len(months)), 100 * month_table["on_time_rate"], color=PALETTE["province"], marker="o")
    ax2.set_ylim(0, 105)
    ax2.set_ylabel(text("axis_on_time_rate", lang))
    ax2.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: fmt.number(v, lang, 0) + "%"))
    return fig
