"""HTML pieces shared by the report and the gap analysis: escaped tables, values in their unit, and
``show`` for notebooks.
"""

from __future__ import annotations

import html

import matplotlib.pyplot as plt
import pandas as pd

from govgap.reference.catalogue import indicators
from govgap.render import fmt


def show(*parts) -> None:
    """Display HTML fragments and figures in order (figures are closed after display)."""
    from IPython.display import HTML, display

    for part in parts:
        if part is None or part == "":
            continue
        if isinstance(part, str):
            display(HTML(part))
        else:
            display(part)
            plt.close(part)


def _e(value) -> str:
    return html.escape(str(value))


def _unit(indicator_id: str) -> str:
    return indicators().loc[indicator_id.partition(":")[0], "unit"]


def is_share(indicator_id: str) -> bool:
    return _unit(indicator_id) == "share"


def gap_text(indicator_id: str, difference, lang: str) -> str:
    """A difference of two values: of shares in percentage points ("12,6 điểm phần trăm"), else
    in the value's own unit."""
    if is_share(indicator_id):
        return fmt.points(difference, lang)
    return value_text(indicator_id, difference, lang)


def value_text(indicator_id: str, value, lang: str, signed: bool = False) -> str:
    """A value in its indicator's unit: shares as "77,4%", days and counts whole, points with 2 decimals;
    ``signed`` adds "+" or "−" (gaps); missing -> "–"."""
    if value is None or value is pd.NA or pd.isna(value):
        return "–"
    unit = _unit(indicator_id)
    if unit == "share":
        shown = fmt.percent(abs(value) if signed else value, lang)
        return (("+" if value >= 0 else "−") + shown) if signed else shown
    decimals = 0 if unit in ("days", "count") else 2
    return fmt.signed(value, lang, decimals) if signed else fmt.number(value, lang, decimals)


def html_table(frame: pd.DataFrame, classes: str = "gg-table") -> str:
    """An escaped HTML table of already-formatted strings."""
    head = "".join(f"<th>{_e(c)}</th>" for c in frame.columns)
    rows = "".join(
        "<tr>" + "".join(f"<td>{_e(v)}</td>" for v in row) + "</tr>" for row in frame.itertuples(index=False)
    )
    return f'<table class="{classes}"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'
