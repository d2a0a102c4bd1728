"""HTML pieces shared by the report and the gap analysis: escaped tables, values in their unit, and
``show`` for notebooks.
"""

from __future__ import annotations

import html
import itertools
import re
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from govgap.errors import OptionError
from govgap.io.xlsx import Sheet, write_workbook
from govgap.paths import resolve
from govgap.reference.catalogue import indicators, label
from govgap.reference.report_text import text
from govgap.render import fmt
from govgap.render.charts import figure_html

_IDS = itertools.count(1)
_MADE: dict[int, pd.DataFrame] = {}  # the frames of the tables html_table made, by their id
_SHOWN: list[tuple[str, pd.DataFrame]] = []  # the tables shown so far, in order: export_tables
_HEADING = re.compile(r"<h[1-3][^>]*>(.*?)</h[1-3]>", re.S)
_KEPT = 500  # tables kept, made or shown: a kernel that renders report after report stays small
_LAST_HEADING = ["table"]  # the heading above the tables shown next (their sheet's name)


def show(*parts) -> None:
    """Display HTML fragments, figures and tables in order. A figure is shown as the report shows
    it (a compact image with its alt text) and closed after display. Every table shown is kept
    for ``export_tables``."""
    from IPython.display import HTML, display

    parts = [p for p in parts if p is not None and not (isinstance(p, str) and p == "")]
    for i, part in enumerate(parts):
        if isinstance(part, str):
            _keep_shown_tables(part)
            if _is_lead_in(part) and i + 1 < len(parts) and isinstance(parts[i + 1], Figure):
                continue  # shown with the chart it introduces, below
            display(HTML(part))
        elif isinstance(part, Figure):
            before = parts[i - 1] if i and isinstance(parts[i - 1], str) and _is_lead_in(parts[i - 1]) else ""
            # a heading or note and its chart in one block: a printed page never ends on the heading
            chart = figure_html(part)
            display(HTML(f'<div class="gg-keep">{before}{chart}</div>' if before else chart))
            plt.close(part)
        else:
            if isinstance(part, pd.DataFrame):
                _keep(part)
            display(part)


def _is_lead_in(fragment: str) -> bool:
    """A heading or a note (no table): text that introduces what follows it."""
    text = fragment.lstrip()
    return text.startswith(("<h2", "<h3", "<h4", '<p class="gg-note')) and "<table" not in text and len(text) < 2000


def _keep(frame: pd.DataFrame) -> None:
    _SHOWN.append((_LAST_HEADING[0], frame))
    del _SHOWN[:-_KEPT]


def _keep_shown_tables(fragment: str) -> None:
    headings = _HEADING.findall(fragment)
    if headings:
        _LAST_HEADING[0] = re.sub(r"<[^>]+>", "", headings[-1]).strip() or "table"
    for key in re.findall(r'data-gg-table="(\d+)"', fragment):
        frame = _MADE.pop(int(key), None)
        if frame is not None:
            _keep(frame)


def export_tables(path: str | Path) -> Path:
    """Every table shown so far in this notebook, each on a sheet of one .xlsx named after the
    heading above it, for the department's written reports (``path`` relative to the project)."""
    target = resolve(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    sheets, used, shown = [], set(), []
    for heading, frame in _SHOWN:  # a cell run twice shows the same table twice: one sheet
        if not any(h == heading and f.equals(frame) for h, f in shown):
            shown.append((heading, frame))
    for heading, frame in shown:
        name = re.sub(r"[\[\]:*?/\\]", " ", heading)[:28].strip() or "table"
        base, k = name, 2
        while name.lower() in used:  # sheet names are unique, case-insensitively, at most 31 characters
            name, k = f"{base[:27]} {k}", k + 1
        used.add(name.lower())
        frame = frame.reset_index(drop=frame.index.name is None)  # a named index is a column of the table
        rows = [[str(c) for c in frame.columns]] + [[_cell(v) for v in row] for row in frame.itertuples(index=False)]
        sheets.append(Sheet(name, rows, bold_rows={0}))
    if not sheets:
        raise OptionError("No table has been shown yet: run the notebook's cells first, then export.")
    write_workbook(target, sheets, title=target.stem)
    return target


def _cell(value):
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return value.item() if hasattr(value, "item") else value


def _e(value) -> str:
    return html.escape(str(value))


def _unit(indicator_id: str) -> str:
    return indicators().loc[indicator_id.partition(":")[0], "unit"]


def label_with_scale(indicator_id: str, lang: str) -> str:
    """An indicator's label with its scale when it is a score ("Chất lượng không khí (thang
    0,33–3,33)"): a score means little without the range it is out of."""
    base = indicator_id.partition(":")[0]
    row, name = indicators().loc[base], label(base, lang)
    if row["unit"] != "points" or pd.isna(row["scale_min"]) or pd.isna(row["scale_max"]):
        return name
    low, high = (fmt.number(row[k], lang, 2 if row[k] % 1 else 0) for k in ("scale_min", "scale_max"))
    return f"{name} ({text('scale_word', lang)} {low}–{high})"


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
    """An escaped HTML table of already-formatted strings, in a box of its own that scrolls
    sideways on a narrow screen (the first column, the row's name, stays in view)."""
    head = "".join(f'<th scope="col">{_e(c)}</th>' for c in frame.columns)
    rows = "".join(
        "<tr>" + "".join(f"<td>{_e(v)}</td>" for v in row) + "</tr>" for row in frame.itertuples(index=False)
    )
    wide = " gg-wide" if len(frame.columns) > 4 else ""
    key = next(_IDS)
    _MADE[key] = frame
    for old in sorted(_MADE)[:-_KEPT]:  # tables made and never shown are not kept for ever
        _MADE.pop(old)
    return (
        f'<div class="gg-scroll{wide}" role="region" tabindex="0">'
        f'<table class="{classes}" data-gg-table="{key}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{rows}</tbody></table></div>"
    )
