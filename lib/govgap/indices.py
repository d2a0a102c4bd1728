"""Published PAPI and PCI tables -> one tidy long table.

Layouts are found from labels and codes, never fixed positions: a PAPI indicator sheet is
recognised by a row whose first cell reads "Mã tỉnh" (codes across the columns) and a
"Thang điểm" (scale) column; a PCI sheet by a header cell "Province". Rows whose labels are
not in the catalogue are returned in a data-quality table, never dropped silently.
This covers the layouts the sample generator writes (PAPI 2019-2021 indicator layout and
PCI 2017-2018 layout); the other official editions are issue #3.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from .catalogue import indicators
from .registry import find_province
from .text import fold, nfc

TIDY_COLUMNS = ["source", "year", "province_code", "indicator_id", "level", "value", "suppressed",
                "file", "sheet"]


class LayoutError(ValueError):
    """A workbook whose layout is not recognised; names file, sheet and what was looked for."""


def _label_key(text) -> str:
    """Comparable label: folded, numbering and punctuation removed, "tỉ lệ" spelt "tỷ lệ",
    a word typed twice ("đến đến") once, and a trailing edition year dropped."""
    text = fold(nfc(str(text)))
    text = re.sub(r"^(chi so noi dung \d+:|\d+\.\d+:)\s*", "", text)
    text = re.sub(r"[^a-z0-9]+", " ", text).strip()
    text = re.sub(r"\bti le\b", "ty le", text)
    text = re.sub(r"\b(\w+)( \1\b)+", r"\1", text)
    return re.sub(r" (in )?(19|20)\d\d$", "", text)


def _catalogue_keys(source: str) -> dict[str, str]:
    """Every known label of the source's catalogue indicators (VI, EN and variants) -> id."""
    cat = indicators()
    cat = cat[cat["source"] == source]
    keys = {}
    for ind, row in cat.iterrows():
        for text in (row["label_vi"], row["label_en"], *str(row["label_variants"] or "").split("|")):
            if isinstance(text, str) and text.strip():
                keys[_label_key(text)] = ind
    return keys


def read_papi_indicators(path: str | Path, year: int | None = None,
                         sheet: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read a PAPI provincial-indicator workbook with provinces as columns.

    ``sheet`` picks one sheet (default: the first with a "Mã tỉnh" row). Returns
    ``(tidy, unmatched)``: the tidy long table and the labels not in the catalogue.
    """
    path = Path(path)
    year = year or int(re.search(r"(20\d\d)", sheet or path.name).group(1))
    book = pd.read_excel(path, sheet_name=sheet, header=None, engine="calamine")
    if sheet is not None:
        book = {sheet: book}
    for sheet, grid in book.items():
        first = grid.iloc[:, 0].map(lambda v: fold(str(v)).strip())
        code_rows = first.index[first == "ma tinh"]
        if len(code_rows):
            return _papi_sheet(grid, int(code_rows[0]), path, sheet, year)
    raise LayoutError(f"{path.name}: no sheet with a 'Mã tỉnh' (province code) row in column A; "
                      f"sheets: {', '.join(book)}")


def _papi_sheet(grid, code_row, path, sheet, year):
    header = grid.iloc[code_row]
    scale_cols = [c for c, v in header.items() if fold(str(v)).strip() == "thang diem"]
    if not scale_cols:
        raise LayoutError(f"{path.name}, sheet {sheet!r}, row {code_row + 1}: no 'Thang điểm' column")
    first_data = scale_cols[0] + 1
    codes = {c: f"{int(float(v)):02d}" for c, v in header.items()
             if c >= first_data and pd.notna(v) and str(v).replace(".0", "").isdigit()}
    seen = pd.Series(list(codes.values()))
    if seen.duplicated().any():
        raise LayoutError(f"{path.name}, sheet {sheet!r}: province code(s) appear twice: "
                          f"{sorted(set(seen[seen.duplicated()]))}")
    keys = _catalogue_keys("PAPI")
    cat = indicators()
    records, unmatched = [], []
    for r in range(code_row + 2, len(grid)):
        label, scale = grid.iat[r, 0], grid.iat[r, scale_cols[0]]
        if pd.isna(label) or pd.isna(scale):
            continue  # notes and footers carry no scale
        ind = keys.get(_label_key(label))
        if ind is None:
            unmatched.append({"file": path.name, "sheet": sheet, "row": r + 1, "label": nfc(label)})
            continue
        for c, code in codes.items():
            value = pd.to_numeric(grid.iat[r, c], errors="coerce")
            records.append((code, ind, value))
    tidy = pd.DataFrame(records, columns=["province_code", "indicator_id", "value"])
    tidy["suppressed"] = tidy["value"].isna()
    tidy = tidy.assign(source="PAPI", year=year, level=tidy["indicator_id"].map(cat["level"]),
                       file=path.name, sheet=sheet)
    return tidy[TIDY_COLUMNS], pd.DataFrame(unmatched, columns=["file", "sheet", "row", "label"])


def read_pci(path: str | Path, year: int | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read the Summary and Land Access sheets of a PCI workbook (2017-2018 layout)."""
    path = Path(path)
    year = year or int(re.search(r"(20\d\d)", path.name).group(1))
    book = pd.read_excel(path, sheet_name=None, header=None, engine="calamine")
    keys = _catalogue_keys("PCI")
    records, unmatched = [], []
    for sheet in ("Summary", "Land Access"):
        if sheet not in book:
            raise LayoutError(f"{path.name}: sheet {sheet!r} not found; sheets: {', '.join(book)}")
        grid = book[sheet]
        header_rows = [r for r in range(min(10, len(grid))) if fold(str(grid.iat[r, 0])).strip() == "province"]
        if not header_rows:
            raise LayoutError(f"{path.name}, sheet {sheet!r}: no header row with 'Province' in column A")
        h = header_rows[0]
        columns = {}
        for c, v in grid.iloc[h].items():
            key = _label_key(v)
            if c == 0 or key in ("rank", "") or (key.startswith("sub index") and not key.startswith("sub index 2")):
                continue  # sub-indices other than Land Access are issue #3's
            ind = keys.get(key) or keys.get(re.sub(r"^(sub index \d+)\b.*", r"\1", key))
            if ind:
                columns[c] = ind
            else:
                unmatched.append({"file": path.name, "sheet": sheet, "row": h + 1, "label": nfc(v)})
        seen = set()
        for r in range(h + 1, len(grid)):
            name = grid.iat[r, 0]
            if pd.isna(name) or str(name).strip() == "":
                break  # blank row: benchmark and Min/Median/Max rows follow
            code = find_province(str(name)).code
            if code in seen:
                raise LayoutError(f"{path.name}, sheet {sheet!r}, row {r + 1}: province {name!r} appears twice")
            seen.add(code)
            for c, ind in columns.items():
                records.append((code, ind, pd.to_numeric(grid.iat[r, c], errors="coerce"), sheet))
    tidy = pd.DataFrame(records, columns=["province_code", "indicator_id", "value", "sheet"])
    tidy = tidy.drop_duplicates(["province_code", "indicator_id"])
    cat = indicators()
    tidy = tidy.assign(source="PCI", year=year, level=tidy["indicator_id"].map(cat["level"]),
                       suppressed=tidy["value"].isna(), file=path.name)
    return tidy[TIDY_COLUMNS], pd.DataFrame(unmatched, columns=["file", "sheet", "row", "label"])


def load_folder(folder: str | Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every PAPI indicator and PCI workbook in ``folder`` -> (tidy table, unmatched labels)."""
    folder = Path(folder)
    tidy, unmatched = [], []
    for path in sorted(folder.glob("*.xls*")):
        name = fold(path.name)
        if name.startswith("papi"):
            t, u = read_papi_indicators(path)
        elif name.startswith("pci"):
            t, u = read_pci(path)
        else:
            continue
        tidy.append(t)
        unmatched.append(u)
    if not tidy:
        raise FileNotFoundError(f"{folder}: no PAPI_*.xlsx or PCI_*.xlsx workbooks found")
    out = pd.concat(tidy, ignore_index=True)
    out["value"] = out["value"].astype(float)
    return out, pd.concat(unmatched, ignore_index=True)


def ranks(tidy: pd.DataFrame) -> pd.DataFrame:
    """Add rank (1 = best, direction from the catalogue), national median and best value
    per source x year x indicator."""
    cat = indicators()
    better = tidy["indicator_id"].map(cat["higher_is_better"]).fillna(True).astype(bool)
    signed = tidy["value"].where(better, -tidy["value"])
    keys = [tidy["source"], tidy["year"], tidy["indicator_id"]]
    out = tidy.copy()
    out["rank"] = signed.groupby(keys).rank(ascending=False, method="min")
    out["n_provinces"] = tidy["value"].groupby(keys).transform("count")
    out["median"] = tidy["value"].groupby(keys).transform("median")
    best = signed.groupby(keys).transform("max")
    out["best"] = np.where(better, best, -best)
    out["top_quartile"] = tidy["value"].groupby(keys).transform(lambda s: s.quantile(0.75)).where(
        better, tidy["value"].groupby(keys).transform(lambda s: s.quantile(0.25)))
    return out
