"""Survey estimates as a reader sees them: official labels, values with intervals in the report
language's number format, and the subgroup chart.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from govgap.reference.catalogue import label
from govgap.reference.report_text import text
from govgap.render import fmt
from govgap.render.charts import PALETTE, WIDTH, chart_style, describe, wrap
from govgap.render.html import label_with_scale


def display_estimates(est: pd.DataFrame, lang: str = "vi", group: bool = False) -> pd.DataFrame:
    """Estimates as a reader sees them: official label, value with its 95% interval in the
    language's number format (shares in %), n and design effect; suppressed cells as "–"."""

    def value(measure, v, decimals=1):
        if pd.isna(v):
            return "–"
        return fmt.percent(v, lang, decimals) if measure == "share" else fmt.number(v, lang, 2)

    out = pd.DataFrame(
        {
            text("col_indicator", lang): [f"{i.removeprefix('papi.d')} {label(i, lang)}" for i in est["indicator_id"]],
        }
    )
    if group:
        out[text("col_group", lang)] = est["group_value"].to_numpy()
    out[text("col_estimate", lang)] = [value(m, v) for m, v in zip(est["measure"], est["estimate"])]
    out[text("col_ci95", lang)] = [
        "–" if s else f"{value(m, lo)} – {value(m, hi)}"
        for m, lo, hi, s in zip(est["measure"], est["ci_low"], est["ci_high"], est["suppressed"])
    ]
    out["n"] = [fmt.number(v, lang, 0) for v in est["n"]]
    out[text("col_deff", lang)] = [("–" if pd.isna(v) else fmt.number(v, lang, 2)) for v in est["deff"]]
    if "below" in est.columns:  # worst_subgroups: whether the whole interval is below the province
        out[text("col_surely_worse", lang)] = [text("word_yes" if b else "word_no", lang) for b in est["below"]]
    return out


def group_chart(groups: pd.DataFrame, indicator_id: str, lang: str = "vi"):
    """Dot plot of one indicator's subgroup estimates with 95% intervals; the province value
    as a vertical line. Suppressed groups (n < 15, or under 3 degrees of freedom) are left out."""
    import matplotlib.pyplot as plt

    part = groups[(groups["indicator_id"] == indicator_id) & ~groups["suppressed"]]
    total = part[part["group_var"] == "all"]["estimate"]
    part = part[part["group_var"] != "all"].sort_values(["group_var", "estimate"])
    share = (part["measure"] == "share").all()
    scale = 100 if share else 1
    chart_style()
    fig, ax = plt.subplots(figsize=(WIDTH, 0.3 * len(part) + 1.4), layout="constrained")
    y = np.arange(len(part))
    ax.errorbar(
        part["estimate"] * scale,
        y,
        xerr=[(part["estimate"] - part["ci_low"]) * scale, (part["ci_high"] - part["estimate"]) * scale],
        fmt="o",
        color=PALETTE["province"],
        ecolor=PALETTE["top_quartile"],
        capsize=2,
    )
    if len(total):
        ax.axvline(float(total.iloc[0]) * scale, color="black", lw=1, ls="--")
    ax.set_yticks(y, [f"{g}: {v}" for g, v in zip(part["group_var"], part["group_value"])], fontsize=9)
    ax.set_title(wrap(label(indicator_id, lang), 55))
    ax.set_xlabel(("%" if share else "") + " " + text("axis_ci95", lang))
    return describe(fig, text("alt_groups", lang, indicator=label(indicator_id, lang), n=len(part)))


def display_scores(scores: pd.DataFrame, lang: str = "vi") -> pd.DataFrame:
    """Sub-dimension scores estimated from the microdata as a reader sees them: the official label
    with its scale, the score with its 95% interval in the language's number format, and how many
    indicators the scoring rule could use."""
    return pd.DataFrame(
        {
            text("col_indicator", lang): [label_with_scale(i, lang) for i in scores["indicator_id"]],
            text("col_score", lang): [fmt.number(v, lang, 2) for v in scores["score"]],
            text("col_ci95", lang): [
                f"{fmt.number(lo, lang, 2)} – {fmt.number(hi, lang, 2)}"
                for lo, hi in zip(scores["ci_low"], scores["ci_high"])
            ],
            text("col_indicators_used", lang): [fmt.number(v, lang, 0) for v in scores["indicators_used"]],
        }
    )
