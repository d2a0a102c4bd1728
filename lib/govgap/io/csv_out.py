"""CSV files that users open in Excel, written so that no cell runs as a formula.

A text cell that begins with ``=``, ``+``, ``-``, ``@`` (or a tab or carriage return) is a formula
to Excel and LibreOffice: an office name or a note from an export such as ``=HYPERLINK(...)`` would
run when the analyst opens the metrics file. Such cells get a leading apostrophe, which the
spreadsheet shows as plain text (the OWASP advice on CSV injection); numbers are left as they are.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralised(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text cell that a spreadsheet would run as a formula made plain text."""
    out = frame.copy()
    for col in out.columns:
        values = out[col]
        if (
            values.dtype == object
            or pd.api.types.is_string_dtype(values)
            or isinstance(values.dtype, pd.CategoricalDtype)
        ):
            out[col] = [("'" + v) if isinstance(v, str) and v.startswith(_FORMULA_START) else v for v in values]
    return out


def write_csv(frame: pd.DataFrame, path: str | Path) -> None:
    """UTF-8 with a byte-order mark (Excel then reads Vietnamese correctly), formulas neutralised."""
    neutralised(frame).to_csv(path, index=False, encoding="utf-8-sig")
