"""The one chart style and palette of every govgap chart."""

from __future__ import annotations

import matplotlib.pyplot as plt
import seaborn as sns

PALETTE = {"province": "#1f5f8b", "median": "#9aa5ae", "best": "#2e8b57", "late": "#c0392b"}


def chart_style() -> None:
    """One consistent style for every govgap chart."""
    sns.set_theme(style="whitegrid", context="notebook", font_scale=0.9)
    plt.rcParams.update({"figure.dpi": 90, "savefig.dpi": 90, "figure.figsize": (7.5, 3.4), "axes.titleweight": "bold"})


def _short(text: str, width: int = 70) -> str:
    text = str(text)
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def mark_sample(fig, text: str):
    """Write the sample-data mark across a chart made from sample data, so that the image says it
    wherever it is copied to (a slide, a message)."""
    fig.text(
        0.5,
        0.5,
        text,
        fontsize=22,
        color="#b8860b",
        alpha=0.22,
        ha="center",
        va="center",
        rotation=18,
        fontweight="bold",
        zorder=0,
    )
    return fig
