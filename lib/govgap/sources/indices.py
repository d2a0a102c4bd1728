"""Published PAPI and PCI tables -> one tidy, validated long table.

Every official workbook layout seen so far is read by two generic readers, chosen per sheet:

* **provinces as columns** (PAPI provincial-indicator tables 2018-2022, and the sample's): a
  row of province names (and perhaps a "Mã tỉnh" code row), label column(s) on the left, a
  scale column. Rows are matched to the catalogue by label, inside the dimension and
  sub-dimension they follow, so a label such as "Mức độ hài lòng với dịch vụ nhận được"
  that appears under 5.1, 5.3 and 5.4 gets the right id.
* **provinces as rows** (the PAPI dimension workbook 2011-2019, every PCI sheet 2005-2018,
  including the "paired" layout where each sub-index is sorted on its own and has its own
  province column): header rows above the first province, one value column per indicator.

Nothing depends on fixed positions: provinces are found by resolving cell text through the
registry, labels through the catalogue (``govgap/data/indicators.csv``, Vietnamese and English
labels and the spelling variants of every edition). What cannot be read is reported, never
dropped silently: every skipped sheet, unmatched label, converted unit, conflict, duplicated
edition and failed check is a row of the data-quality table (``LoadResult.issues``). A
workbook in which no sheet is recognised stops with ``LayoutError`` naming the file, its sheets
and what was looked for.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from govgap.contract import schemas
from govgap.errors import LayoutError, UnknownProvinceError, reading
from govgap.io import _fast
from govgap.io.workbooks import open_book
from govgap.io.xlsx import column_letter
from govgap.reference.catalogue import UNCATALOGUED, UNCATALOGUED_ID, ancestors, indicators, scale_for
from govgap.reference.provinces import (
    FIRST_34_EDITION,
    MERGER_DATE,
    find_province,
    lookup_province,
    provinces,
    provinces_2025,
)
from govgap.reference.text import fold, is_sample_text, nfc
from govgap.sources import transcriptions

TIDY_COLUMNS = [
    "source",
    "year",
    "province_code",
    "indicator_id",
    "level",
    "label_vi",
    "label_en",
    "scale_min",
    "scale_max",
    "unit",
    "value",
    "suppressed",
    "file",
    "sheet",
    "cell",
]
ISSUE_COLUMNS = ["severity", "check", "source", "year", "file", "sheet", "row", "column", "message"]
MIN_PROVINCES = 20  # fewer resolvable province names: not a province table
CONFLICT_TOLERANCE = 1e-4  # two copies of one published value may differ by float rounding
SUM_TOLERANCE = 0.01  # dimension = sum of sub-dimensions, as the issue asks
CODE_HEADERS = {"ma tinh", "tinhid", "tinh id", "tinh_id", "ma tinh thanh pho"}
EXCEL_ERROR = re.compile(r"#(DIV/0!|N/A|VALUE!|REF!|NAME\?|NUM!|NULL!|GETTING_DATA|SPILL!|CALC!|FIELD!|BLOCKED!|ERROR)")
NOTE_PREFIXES = ("note", "ghi chu", "ban quyen", "copyright", "nguon", "source")
UNCATALOGUED_UNIT = "as published"


# ---------------------------------------------------------------------------------- labels


@lru_cache(maxsize=65536)
def _label_key(text) -> str:
    """Comparable label: folded; numbering ("Chỉ số nội dung 7:", "7.1:", "Sub-Index 2:",
    "Chỉ số 2:"), punctuation, edition years and spaces removed; "tỉ lệ" spelt "tỷ lệ"; a word
    typed twice ("đến đến") once. "cho biếtkhông" (2018) and "cho biết không" are one key."""
    text = fold(nfc(str(text)))
    text = re.sub(
        r"^\s*(chi so noi dung \d+|dimension \d+|sub-?\s?index ?\d+|chi so thanh phan ?\d+"
        r"|chi so \d+|pci[ _]?\d+|\d+\.\d+|\d+)\s*[:.]\s*",
        "",
        text,
    )
    text = re.sub(r"^\s*(sub-?\s?index ?\d+|chi so thanh phan ?\d+)\s*$", "", text)
    text = re.sub(r"\b(19|20)\d\d\b", " ", text)
    text = re.sub(r"[^a-z0-9]+", " ", text).strip()
    text = re.sub(r"\bti le\b", "ty le", text)
    text = re.sub(r"\b(\w+)( \1\b)+", r"\1", text)
    return text.replace(" ", "")


@lru_cache(maxsize=2)
def _catalogue_keys(source: str) -> dict[str, tuple[str, ...]]:
    """Every known label of the source's catalogue entries (VI, EN, variants) -> ids."""
    cat = indicators()
    cat = cat[cat["source"] == source]
    keys: dict[str, list[str]] = {}
    for ind, row in cat.iterrows():
        for text in (row["label_vi"], row["label_en"], *str(row["label_variants"] or "").split("|")):
            if isinstance(text, str) and text.strip():
                key = _label_key(text)
                if key and ind not in keys.setdefault(key, []):
                    keys[key].append(ind)
    return {k: tuple(v) for k, v in keys.items()}


def uncatalogued_id(source: str, text: str, context: dict[str, str]) -> str:
    """The stable id of a label the catalogue does not know: the source, then ``x`` and the first
    8 hex digits of the SHA-1 of the catalogued (sub-)dimension it sits under and its comparable
    label (``_label_key``), e.g. ``papi.x.3f2a9c1b``. The same label under the same heading gets
    the same id in every edition and workbook (so copies reconcile and a series can be followed);
    a label shared by two headings gets two ids."""
    parent = context.get("sub") or context.get("dimension") or ""
    digest = hashlib.sha1(f"{source}|{parent}|{_label_key(text)}".encode()).hexdigest()[:8]
    return f"{source.lower()}.x.{digest}"


@lru_cache(maxsize=1)
def _ignored_labels() -> dict[str, str]:
    """Columns every edition carries that are not indicators (rank, order, region, tier)."""
    with resources.files("govgap.data").joinpath("index_ignored_labels.csv").open("rb") as fh:
        table = pd.read_csv(fh, dtype=str)
    return {_label_key(t): r for t, r in zip(table["label"], table["reason"])}


@lru_cache(maxsize=1)
def editions() -> pd.DataFrame:
    """Known editions: expected number of provinces and notes, per source and year."""
    with resources.files("govgap.data").joinpath("index_editions.csv").open("rb") as fh:
        return pd.read_csv(fh)


def _cell(r: int, c: int) -> str:
    return f"{column_letter(c)}{r + 1}"


@lru_cache(maxsize=4096)
def _resolve(text: str) -> str | None:
    """GSO code of a province name as a workbook spells it, or None."""
    if len(text) > 40 or not re.search(r"[A-Za-zÀ-ỹ]", text):
        return None
    if re.fullmatch(r"\d{1,2}", text):  # a GSO code written as text
        try:
            return find_province(text).code
        except UnknownProvinceError:
            return None
    found = lookup_province(text)
    return found.code if found is not None else None


def _province_codes(grid: np.ndarray) -> np.ndarray:
    """``_province_of`` of every cell, worked out once per distinct text (sheets repeat names)."""
    flat = grid.ravel()
    text = np.fromiter((isinstance(v, str) for v in flat), dtype=bool, count=len(flat))
    out = np.full(len(flat), None, dtype=object)
    if text.any():
        uniques, inverse = np.unique(flat[text].astype(str), return_inverse=True)
        resolved = np.array([_province_of(u) for u in uniques], dtype=object)
        out[text] = resolved[inverse]
    return out.reshape(grid.shape)


def _province_of(value) -> str | None:
    return _resolve(nfc(value).strip()) if isinstance(value, str) else None


_SCALE_RE = re.compile(r"^\s*(-?[\d.,]+)\s*%?\s*-\s*([\d.,]+)\s*(%|điểm|diem|points|vnd|,000vnd)?", re.I)


def _parse_scale(text) -> tuple[float, float] | None:
    """'0.33-3.33 điểm/points' -> (0.33, 3.33); '0%-100%' -> (0, 1); None when not a scale."""
    if not isinstance(text, str):
        return None
    m = _SCALE_RE.match(text)
    if not m:
        return None
    lo, hi = m.group(1), m.group(2)
    if "vnd" in text.lower():
        return float(lo.replace(",", "")), float(hi.replace(",", ""))
    try:
        lo_f, hi_f = float(lo.replace(",", ".")), float(hi.replace(",", "."))
    except ValueError:
        return None
    if "%" in text:
        return lo_f / 100, hi_f / 100
    return lo_f, hi_f


# ------------------------------------------------------------------------------ workbooks


def open_workbook(path: str | Path) -> dict[str, pd.DataFrame]:
    """All sheets of a workbook as raw grids (no header; blank cells NaN; a column of numbers
    numeric, as ``pandas.read_excel(header=None)`` gives them). python-calamine reads the cells
    (ten times quicker than going through pandas' Excel parser), through ``open_book``: Excel
    error cells as their text, not as suppressed values, and PCI 2014's sheets with a row-only
    used range read as Excel reads them."""
    path = Path(path)
    book = open_book(path, LayoutError)
    grids, unreadable = {}, []
    for name in book.sheet_names:
        try:
            grids[name] = _grid(book.get_sheet_by_name(name).to_python(skip_empty_area=False))  # from A1
        except Exception:  # noqa: BLE001 - calamine's own error types: the sheets are named below
            unreadable.append(name)
    if unreadable:
        raise LayoutError(f"{path.name}: sheet(s) {', '.join(map(repr, unreadable))} cannot be read", file=path.name)
    return grids


def _grid(rows: list[list]) -> pd.DataFrame:
    """Cells as read_excel(header=None) leaves them: empty cells NaN, trailing blank rows and
    columns dropped, each column's type inferred."""
    if not rows or not rows[0]:
        return pd.DataFrame()
    cells = np.empty((len(rows), len(rows[0])), dtype=object)
    cells[:] = rows
    blank = cells == ""
    cells[blank] = np.nan
    filled = ~blank & pd.notna(cells)
    if not filled.any():
        return pd.DataFrame()
    height = int(np.flatnonzero(filled.any(axis=1))[-1]) + 1
    width = int(np.flatnonzero(filled.any(axis=0))[-1]) + 1
    return pd.DataFrame(cells[:height, :width]).infer_objects()


def _year_of(sheet: str, path: Path) -> int | None:
    for text in (sheet, path.stem):
        years = {int(y) for y in re.findall(r"(?<!\d)((?:19|20)\d\d)(?!\d)", text)}
        if len(years) == 1:
            return years.pop()
    return None


@dataclass
class SheetResult:
    source: str | None
    year: int | None
    file: str
    sheet: str
    status: str  # loaded / skipped / rejected
    reason: str = ""
    table: pd.DataFrame | None = None
    issues: list = field(default_factory=list)
    transcription: bool = False  # a third-party transcription, not the publisher's own file
    sample: bool = False  # simulated by govgap's sample generator (its marker is in the sheet)
    units: str = "63"  # "34": a table of the provinces in force from 1/7/2025, read under their codes
    labels: dict = field(default_factory=dict)  # uncatalogued id -> the label as printed


class _Issues:
    def __init__(self, file: str, sheet: str):
        self.file, self.sheet, self.rows = file, sheet, []
        self.source = self.year = None

    def add(self, severity, check, message, row=None, column=None):
        _issue(self.rows, severity, check, message, self.source, self.year, self.file, self.sheet, row, column)


def _source_of(labels: list[str], path: Path) -> str | None:
    counts = {s: sum(1 for t in labels if _label_key(t) in _catalogue_keys(s)) for s in ("PAPI", "PCI")}
    best = max(counts, key=counts.get)
    if counts[best] == 0:
        return None
    if counts["PAPI"] == counts["PCI"]:
        name = fold(path.name)
        return "PCI" if name.startswith("pci") else "PAPI" if name.startswith("papi") else None
    return best


def read_sheet(path: str | Path, sheet: str, frame: pd.DataFrame, year: int | None = None) -> SheetResult:
    """Read one sheet of an official PAPI or PCI workbook into the tidy layout."""
    path = Path(path)
    issues = _Issues(path.name, sheet)
    result = SheetResult(None, None, path.name, sheet, "skipped", issues=issues.rows)
    if frame.empty:
        result.reason = "empty sheet"
        return result
    if re.search(r"_process$", fold(sheet)):
        result.reason = (
            "a working sheet made outside PAPI (its dimension totals are empty and "
            "2.4 is missing); the official sheet of the same year is used"
        )
        return result
    grid = frame.to_numpy(dtype=object)
    codes = _province_codes(grid)
    found = codes != None  # noqa: E711 - elementwise on an object array
    per_row = [len(set(codes[r][found[r]])) for r in range(grid.shape[0])]
    per_col = [len(set(codes[:, c][found[:, c]])) for c in range(grid.shape[1])]
    if max(per_row + per_col) < MIN_PROVINCES:
        result.reason = f"no province table (fewer than {MIN_PROVINCES} province names in any row or column)"
        return result
    result.year = year or _year_of(sheet, path)
    issues.year = result.year
    result.sample = any(is_sample_text(v) for v in grid.ravel() if isinstance(v, str))
    if max(per_row) > max(per_col):
        table = _read_columns_layout(grid, codes, int(np.argmax(per_row)), path, issues, result)
    else:
        table = _read_rows_layout(grid, codes, per_col, path, issues, result)
    if table is None:
        return result
    if result.year is None:
        result.reason = "no edition year in the sheet or file name"
        issues.add(
            "error",
            "year",
            f"{path.name}, sheet {sheet!r}: no edition year in the sheet or file "
            "name; name the file like PAPI_2023_*.xlsx or PCI_2023.xlsx",
        )
        return result
    table["year"] = result.year
    _read_as_34(table, issues, result)
    result.table, result.status = table, "loaded"
    return result


@lru_cache(maxsize=1)
def same_name_34() -> dict[str, str]:
    """Pre-2025 code of each province whose name a 2025 province carries -> the 2025 code (the
    new codes are those of the province hosting the new centre: Bắc Ninh is 24, Bắc Giang's)."""
    new = provinces_2025()
    return {find_province(n).code: c for n, c in zip(new["name_vi"], new["code"])}


def _read_as_34(table: pd.DataFrame, issues: _Issues, result: SheetResult) -> None:
    """A table of the 34 provinces in force from 1/7/2025 (every province name one of theirs, at
    most 34) gets the 2025 codes; its ``units`` is "34". Before 2025 such a table is suspect."""
    codes = set(table["province_code"])
    if not codes or len(codes) > 34 or not codes <= set(same_name_34()):
        return
    table["province_code"] = table["province_code"].map(same_name_34())
    result.units = "34"
    severity = "info" if (result.year or 0) >= FIRST_34_EDITION else "warning"
    issues.add(
        severity,
        "units_34",
        f"a table of the {len(codes)} provinces in force from {MERGER_DATE}: read under their 2025 codes"
        + ("" if severity == "info" else f", although it is labelled {result.year}, before the merger"),
    )


def _finish(records: list, source: str, path: Path, sheet: str) -> pd.DataFrame:
    table = pd.DataFrame(
        records, columns=["province_code", "indicator_id", "value", "cell", "scale_min", "scale_max", "blank"]
    )
    table["source"], table["file"], table["sheet"] = source, path.name, sheet
    return table


def _is_blank(cell) -> bool:
    return cell is None or (isinstance(cell, float) and np.isnan(cell)) or (isinstance(cell, str) and not cell.strip())


def _note_text_cells(cells, values, blank, ind, issues, r=None, c=None) -> None:
    """Text where a number should be ("KCDL" = không có dữ liệu, no data) is not a suppressed
    cell (n < 15): it is left out and reported."""
    numbers = _fast.numbers(cells)  # a number left out by another rule is not text
    failed = [str(x).strip() for x in cells if isinstance(x, str) and EXCEL_ERROR.fullmatch(x.strip())]
    if failed:
        shown = ", ".join(f"{t} x{failed.count(t)}" for t in dict.fromkeys(failed))
        issues.add(
            "warning",
            "excel_error",
            f"{ind}: cells with an Excel error ({shown}): a formula failed in the workbook; these are "
            "not suppressed values (n < 15) and are left out",
            r,
            c,
        )
        cells = [None if isinstance(x, str) and EXCEL_ERROR.fullmatch(x.strip()) else x for x in cells]
    text = [
        str(x).strip()
        for x, v, n, b in zip(cells, values, numbers, blank)
        if not b and not np.isfinite(v) and not np.isfinite(n)
    ]
    if text:
        shown = ", ".join(f"{t!r} x{text.count(t)}" for t in dict.fromkeys(text))
        issues.add("info", "text_value", f"{ind}: cells with text instead of a number ({shown}) read as no data", r, c)


def _convert_percent(values: np.ndarray, ind: str, issues: _Issues, cells: list[str], r=None, c=None) -> np.ndarray:
    """Shares: the bulk of a row decides its unit, not one cell. When most values are above 1 the
    row is in percent and is divided by 100 (logged); then, or when most are shares, a cell
    outside the unit's range (a 1,04 among shares, a 120 among percentages) is named and left
    out instead of rescaling the whole row (2019's 4.4 row has one value above 1)."""
    if ind not in indicators().index or indicators().loc[ind, "unit"] != "share":
        return values  # an uncatalogued row keeps its printed unit
    finite = np.isfinite(values)
    if not finite.any():
        return values
    in_percent = float(np.median(values[finite])) > 1.0
    top = 100.0 if in_percent else 1.0
    bad = finite & (values > top + 1e-9)  # below 0 is no unit question (6.4.2 is a net change)
    if in_percent:
        issues.add("info", "unit", f"{ind} is published in percent; divided by 100 to a share", r, c)
    if bad.any():
        shown = ", ".join(f"{cells[k]} ({values[k]:g})" for k in np.flatnonzero(bad)[:5])
        issues.add(
            "warning",
            "out_of_unit",
            f"{ind}: {int(bad.sum())} cell(s) above {top:g} where the row's other values are "
            f"{'percentages' if in_percent else 'shares (0-1)'}: {shown}; left out",
            r,
            c,
        )
        values = np.where(bad, np.nan, values)
    return values / 100.0 if in_percent else values


def _reject_repeated_province(cells, line: str, name, issues, result, at) -> bool:
    """A province twice in one row or column of names: an error, and the sheet is not loaded.
    ``cells`` are (position, code, text) along ``line``; ``name`` shows a position (row number
    or column letter) and ``at`` gives its (row, column) for the data-quality table."""
    seen: dict[str, int] = {}
    for pos, code, text in cells:
        if code in seen:
            message = (
                f"province {text!r} appears twice in {line} ({'columns' if line.startswith('row') else 'rows'} "
                f"{name(seen[code])} and {name(pos)}); the sheet is not loaded"
            )
            issues.add("error", "duplicate_province", message, *at(pos))
            result.status, result.reason = "rejected", message
            return True
        seen[code] = pos
    return False


def _read_columns_layout(grid, codes, name_row, path, issues, result):
    """Provinces across the columns of ``name_row``; labels and scale on the left."""
    prov_cols = [c for c in range(grid.shape[1]) if codes[name_row, c] is not None]
    first = min(prov_cols)
    left = range(first)
    # A code row ("Mã tỉnh") is only a cross-check: names decide.
    for r in range(max(0, name_row - 2), min(grid.shape[0], name_row + 3)):
        head = " ".join(fold(str(grid[r, c])) for c in left if isinstance(grid[r, c], str))
        if r != name_row and any(h in head for h in CODE_HEADERS):
            bad = [
                (c, grid[r, c])
                for c in prov_cols
                if pd.notna(grid[r, c])
                and str(grid[r, c]).replace(".0", "").isdigit()
                and f"{int(float(grid[r, c])):02d}" not in (codes[name_row, c], same_name_34().get(codes[name_row, c]))
            ]
            if bad:
                issues.add(
                    "warning",
                    "codes",
                    f"the code row does not hold GSO codes for {len(bad)} "
                    f"province(s) (e.g. {grid[name_row, bad[0][0]]} = {bad[0][1]}); names used",
                    r,
                )
    labels_by_col = {
        c: [str(grid[r, c]) for r in range(name_row + 1, grid.shape[0]) if isinstance(grid[r, c], str)] for c in left
    }
    scale_col = None
    for c in left:
        cells = labels_by_col[c]
        if cells and sum(_parse_scale(t) is not None for t in cells) >= 0.5 * len(cells):
            scale_col = c
    label_cols = [c for c in left if c != scale_col and labels_by_col[c]]
    source = _source_of([t for c in label_cols for t in labels_by_col[c]], path)
    result.source = issues.source = source
    if source is None or not label_cols:
        result.status, result.reason = "skipped", "provinces found but no label matches the PAPI or PCI catalogue"
        return None
    if _reject_repeated_province(
        [(c, codes[name_row, c], grid[name_row, c]) for c in prov_cols],
        f"row {name_row + 1}",
        column_letter,
        issues,
        result,
        lambda c: (name_row, c),
    ):
        return None
    keys, cat = _catalogue_keys(source), indicators()
    ignored = _ignored_labels()
    context: dict[str, str] = {}
    records, used = [], {}
    letters = [column_letter(c) for c in prov_cols]
    for r in range(name_row + 1, grid.shape[0]):
        texts = [grid[r, c] for c in label_cols if isinstance(grid[r, c], str) and grid[r, c].strip()]
        values = _fast.numbers(grid[r, c] for c in prov_cols)
        has_values = bool(np.isfinite(values).any())
        if not texts:
            if has_values:
                issues.add("warning", "unlabelled", "a row with values but no label", r)
            continue
        ind = _match(texts, keys, cat, context)
        if ind is None:
            key = _label_key(texts[-1])
            if not has_values or not key or key in ignored or key.startswith(NOTE_PREFIXES):
                continue
            if key in (_label_key("Mã tỉnh"), _label_key("Tỉnh/Thành phố trực thuộc trung ương")):
                continue
            ind = uncatalogued_id(source, texts[-1], context)
            issues.add("warning", "unmatched_label", _unmatched_message(texts[-1], ind), r, label_cols[-1])
            result.labels.setdefault(ind, _printed(texts[-1]))
        level = cat.loc[ind, "level"] if ind in cat.index else UNCATALOGUED
        if level in ("dimension", "index"):
            context = {"dimension": ind}
        elif level == "sub-dimension":
            context = {"dimension": cat.loc[ind, "parent"], "sub": ind}
        if ind in used:
            issues.add(
                "warning",
                "duplicate_label",
                f"{ind} appears again (first at row {used[ind] + 1}); the first row is used",
                r,
            )
            continue
        used[ind] = r
        if not has_values:
            issues.add("info", "empty_row", f"{ind} is published without values", r)
            continue
        scale = _parse_scale(grid[r, scale_col]) if scale_col is not None else None
        cells = [f"{letter}{r + 1}" for letter in letters]  # the A1 address of each province's cell
        values = _convert_percent(values, ind, issues, cells, r)
        blank = [_is_blank(grid[r, c]) for c in prov_cols]
        _note_text_cells([grid[r, c] for c in prov_cols], values, blank, ind, issues, r)
        for c, v, b, cell in zip(prov_cols, values, blank, cells):
            records.append(
                (
                    codes[name_row, c],
                    ind,
                    v,
                    cell,
                    scale[0] if scale else np.nan,
                    scale[1] if scale else np.nan,
                    b,
                )
            )
    return _finish(records, source, path, result.sheet)


def _printed(text: str) -> str:
    return re.sub(r"\s+", " ", nfc(str(text))).strip()


def _unmatched_message(text: str, ind: str) -> str:
    return (
        f"label not in the indicator catalogue: {_printed(text)!r}; loaded as the uncatalogued indicator "
        f"{ind} (level {UNCATALOGUED!r}: kept in the tidy table, not ranked or analysed; add the label "
        "to govgap/data/indicators.csv to analyse it)"
    )


def _match(texts: list[str], keys, cat, context) -> str | None:
    """The catalogue id of a row or column from its label cells, using the dimension and
    sub-dimension it sits under when a label is shared (e.g. satisfaction in 5.1, 5.3, 5.4)."""
    for text in texts:
        ids = keys.get(_label_key(text))
        if not ids:
            continue
        if len(ids) == 1:
            return ids[0]
        parent = context.get("sub") or context.get("dimension")
        inside = [i for i in ids if cat.loc[i, "parent"] in (parent, context.get("dimension"))]
        number = re.match(r"^\s*(\d+)\.(\d+)\s*:", text)
        if number:
            numbered = [i for i in ids if i == f"papi.d{number.group(1)}.{number.group(2)}"]
            if numbered:
                return numbered[0]
        if len(inside) == 1:
            return inside[0]
    return None


def _read_rows_layout(grid, codes, per_col, path, issues, result):
    """Provinces down one or more columns (paired layout: one province column per sub-index)."""
    prov_cols = [c for c, n in enumerate(per_col) if n >= MIN_PROVINCES]
    first_rows = {c: min(r for r in range(grid.shape[0]) if codes[r, c] is not None) for c in prov_cols}
    header_end = min(first_rows.values())
    header_text = [
        str(grid[r, c]) for r in range(header_end) for c in range(grid.shape[1]) if isinstance(grid[r, c], str)
    ]
    source = _source_of(header_text, path)
    result.source = issues.source = source
    if source is None:
        result.status, result.reason = (
            "skipped",
            "provinces found but no column label matches the PAPI or PCI catalogue",
        )
        return None
    keys, cat, ignored = _catalogue_keys(source), indicators(), _ignored_labels()
    context: dict[str, str] = {}
    records, used, unmatched, blocks = [], {}, [], []
    bounds = prov_cols[1:] + [grid.shape[1]]
    for p, end in zip(prov_cols, bounds):
        rows = []
        for r in range(first_rows[p], grid.shape[0]):
            cell = grid[r, p]
            if codes[r, p] is not None:
                rows.append(r)
            elif cell is None or (isinstance(cell, float) and np.isnan(cell)) or str(cell).strip() == "":
                if rows:
                    break  # end of the table: a benchmark block (PCI 2017-2018) may follow
        if _reject_repeated_province(
            [(r, codes[r, p], grid[r, p]) for r in rows],
            f"column {column_letter(p)}",
            lambda r: str(r + 1),
            issues,
            result,
            lambda r, p=p: (r, p),
        ):
            return None
        skipped = sorted(
            {
                str(grid[r, p]).strip()
                for r in range(first_rows[p], (rows[-1] if rows else 0) + 1)
                if r not in rows and pd.notna(grid[r, p]) and str(grid[r, p]).strip()
            }
        )
        if skipped:
            issues.add(
                "info",
                "not_a_province",
                f"rows that are not provinces were left out: {', '.join(skipped[:6])}",
                None,
                p,
            )
        for c in range(p + 1, end):
            texts = [
                grid[r, c] for r in reversed(range(header_end)) if isinstance(grid[r, c], str) and grid[r, c].strip()
            ]
            values = _fast.numbers(grid[r, c] for r in rows)
            if not np.isfinite(values).any():
                continue
            ind = _match(texts, keys, cat, context)
            if ind is None:
                if any(_label_key(t) in ignored for t in texts):
                    continue
                shown = next((t for t in texts if _label_key(t)), "")
                ind = uncatalogued_id(source, shown, context) if shown else None
                unmatched.append((c, shown, ind))
                if ind is None:
                    continue
                result.labels.setdefault(ind, _printed(shown))
            if ind in used:
                continue  # the same indicator twice in one sheet (e.g. a name and a code header)
            used[ind] = c
            blocks.append((p, c, ind, rows, values))
    if source == "PCI" and sum(ind in cat.index for ind in used) < 2:
        result.status = "skipped"
        result.reason = (
            "PCI sheet of a sub-index whose components are not in the catalogue "
            "(its score is read from the summary sheet)"
        )
        return None
    for c, shown, ind in unmatched:
        message = _unmatched_message(shown, ind) if ind else "a column with values but no label: left out"
        issues.add("warning", "unmatched_label", message, header_end - 1, c)
    for p, c, ind, rows, values in blocks:
        cells = [_cell(r, c) for r in rows]
        values = _convert_percent(values, ind, issues, cells, None, c)
        blank = [_is_blank(grid[r, c]) for r in rows]
        _note_text_cells([grid[r, c] for r in rows], values, blank, ind, issues, None, c)
        for r, v, b, cell in zip(rows, values, blank, cells):
            records.append((codes[r, p], ind, v, cell, np.nan, np.nan, b))
    return _finish(records, source, path, result.sheet)


# ------------------------------------------------------------------------------- loading


@dataclass
class LoadResult:
    """The tidy table, the data-quality table and a log of every sheet read."""

    table: pd.DataFrame
    issues: pd.DataFrame
    sheets: pd.DataFrame

    @property
    def unmatched(self) -> pd.DataFrame:
        return self.issues[self.issues["check"] == "unmatched_label"]

    def summary(self) -> str:
        loaded = self.sheets[self.sheets["status"] == "loaded"]
        counts = self.issues["severity"].value_counts()
        editions_read = self.table.groupby("source")["year"].agg(lambda s: sorted(set(s)))
        parts = [f"{len(self.table):,} values from {loaded['file'].nunique()} file(s), {len(loaded)} sheet(s)"]
        for source, years in editions_read.items():
            parts.append(f"{source}: {', '.join(map(str, years))}")
        unknown = self.table[self.table["level"] == UNCATALOGUED]
        if len(unknown):
            parts.append(
                f"{len(unknown):,} values of {unknown['indicator_id'].nunique()} row(s) not in the catalogue, "
                "kept as uncatalogued (not ranked or analysed)"
            )
        parts.append("data-quality table: " + (", ".join(f"{n} {s}" for s, n in counts.items()) or "empty"))
        return "; ".join(parts)


def _label_ids(name: str) -> tuple[str, ...]:
    return _catalogue_keys("PAPI").get(_label_key(name), ())


def _transcription_results(folder: Path) -> list[SheetResult]:
    """Every edition of a transcription folder (``transcriptions``), as sheets of the table."""
    results = []
    for year, path, records in transcriptions.read_folder(folder, _label_ids):
        table = records.assign(source="PAPI", file=f"{folder.name}/{path.name}", sheet="CSV", year=year)
        results.append(
            SheetResult("PAPI", year, f"{folder.name}/{path.name}", "CSV", "loaded", table=table, transcription=True)
        )
    return results


def load_files(paths, years: dict | None = None, transcription_folders=()) -> LoadResult:
    """Read every official workbook in ``paths`` (and every transcription folder), reconcile
    and check them.

    ``years`` may map a file name to its edition year when neither file nor sheet names say it.
    """
    results: list[SheetResult] = []
    for folder in transcription_folders:
        results.extend(_transcription_results(Path(folder)))
    for path in sorted(Path(p) for p in paths):
        with reading(path.name):  # an unreadable workbook's error names it
            book = open_workbook(path)
        sheet_results = [read_sheet(path, name, frame, (years or {}).get(path.name)) for name, frame in book.items()]
        if any(s.sample for s in sheet_results):  # the marker is on one sheet; it holds for the workbook
            for s in sheet_results:
                s.sample = True
        if not any(s.status == "loaded" for s in sheet_results):
            reasons = "; ".join(f"{s.sheet!r}: {s.reason}" for s in sheet_results)
            raise LayoutError(
                f"{path.name}: no sheet is a PAPI or PCI province table. Looked for a row or "
                f"column of at least {MIN_PROVINCES} province names next to labels from the "
                f"indicator catalogue. Sheets: {reasons}",
                file=path.name,
            )
        results.extend(sheet_results)
    return _assemble(results)


def load_folder(folder: str | Path) -> LoadResult:
    """Every ``.xls``/``.xlsx``/``.xlsm`` workbook in ``folder`` and its subfolders (see
    ``load_files``)."""
    folder = Path(folder)
    paths = [
        p
        for p in sorted(folder.rglob("*"))
        if p.suffix.lower() in (".xls", ".xlsx", ".xlsm") and not p.name.startswith("~$")
    ]
    found = [
        f for f in (folder, *sorted(p for p in folder.rglob("*") if p.is_dir())) if transcriptions.is_transcription(f)
    ]
    if not paths and not found:
        raise FileNotFoundError(f"{folder}: no PAPI or PCI workbook (.xls, .xlsx) found")
    return load_files(paths, transcription_folders=found)


def _assemble(results: list[SheetResult]) -> LoadResult:
    issues = [row for s in results for row in s.issues]
    loaded = [s for s in results if s.status == "loaded"]
    _prefer_official(loaded, issues)
    loaded = [s for s in loaded if s.status == "loaded"]
    for s in loaded:
        if s.sample:
            _issue(
                issues,
                "warning",
                "sample",
                f"govgap's simulated sample table ({s.source} {s.year}), not published figures; "
                "reports that use it say so",
                s.source,
                s.year,
                s.file,
                s.sheet,
            )
    _reject_out_of_period(loaded, issues)
    _leave_out_other_structures(loaded, issues)
    _reject_duplicate_editions([s for s in loaded if s.status == "loaded"], issues)
    tables = [s.table for s in loaded if s.status == "loaded" and len(s.table)]
    if tables:
        table = pd.concat(tables, ignore_index=True)
    else:
        table = _finish([], "PAPI", Path("-"), "-").assign(year=0).iloc[0:0]
    labels: dict[str, str] = {}
    for s in loaded:
        if s.status == "loaded":
            for ind, text in s.labels.items():
                labels.setdefault(ind, text)
    table = _reconcile(table, issues)
    table = _decorate(table, issues, labels)
    _check_scales(table, issues)
    _check_sums(table, issues)
    _check_counts(table, issues)
    _check_years(table, issues)
    table = validate(table)
    sheets = pd.DataFrame(
        [
            {
                "file": s.file,
                "sheet": s.sheet,
                "source": s.source,
                "year": s.year,
                "status": s.status,
                "reason": s.reason,
                "values": 0 if s.table is None or s.status != "loaded" else int(len(s.table)),
                "sample": s.sample,
                "units": s.units,
            }
            for s in results
        ]
    )
    sheets["year"] = sheets["year"].astype("Int64")
    issues_frame = pd.DataFrame(issues, columns=ISSUE_COLUMNS)
    issues_frame["year"] = issues_frame["year"].astype("Int64")
    issues_frame["row"] = issues_frame["row"].astype("Int64")
    order = issues_frame["severity"].map({"error": 0, "warning": 1, "info": 2})
    issues_frame = issues_frame.iloc[np.argsort(order.to_numpy(), kind="stable")].reset_index(drop=True)
    return LoadResult(table, issues_frame, sheets)


def _issue(issues, severity, check, message, source=None, year=None, file=None, sheet=None, row=None, column=None):
    """Append one row of the data-quality table (``row``/``column`` 0-based, shown 1-based / as letters)."""
    issues.append(
        {
            "severity": severity,
            "check": check,
            "source": source,
            "year": year,
            "file": file,
            "sheet": sheet,
            "row": None if row is None else int(row) + 1,
            "column": None if column is None else column_letter(int(column)),
            "message": message,
        }
    )


def _prefer_official(loaded: list[SheetResult], issues: list) -> None:
    """A transcription is used only for an edition with no official sheet; where there is one,
    the transcription is compared with it (the largest difference is reported) and set aside."""
    official = {}
    for s in loaded:
        if not s.transcription:
            official.setdefault((s.source, s.year), []).append(s)
    for s in loaded:
        if not s.transcription:
            continue
        sheets = official.get((s.source, s.year))
        if not sheets:
            _issue(
                issues,
                "info",
                "transcription",
                f"{s.source} {s.year}: no official workbook of this edition was read; its values come from the "
                f"third-party transcription {s.file} (sub-dimensions, and dimensions as their sums)",
                s.source,
                s.year,
                s.file,
                s.sheet,
            )
            continue
        keys = ["province_code", "indicator_id"]
        theirs = pd.concat([o.table for o in sheets])[[*keys, "value"]].dropna().drop_duplicates(keys)
        both = s.table[[*keys, "value"]].merge(theirs, on=keys, suffixes=("", "_official"))
        worst = float((both["value"] - both["value_official"]).abs().max()) if len(both) else float("nan")
        s.status, s.reason = "superseded", f"the official {sheets[0].file} sheet {sheets[0].sheet!r} is read"
        _issue(
            issues,
            "info",
            "transcription",
            f"{s.source} {s.year}: the transcription {s.file} is not used, the official workbook {sheets[0].file} is; "
            f"on the {len(both)} values both have, they differ by at most {worst:.2g}",
            s.source,
            s.year,
            s.file,
            s.sheet,
        )


def _reject_out_of_period(loaded: list[SheetResult], issues: list) -> None:
    """A sheet that carries a dimension or sub-dimension outside the years it was published
    has stale labels (the CS571 2015-2017 sheets say "2.1 Access to Information", which PAPI
    introduced in 2018, over the poverty-list values): it is rejected, not trusted."""
    cat = indicators()
    for s in loaded:
        ids = sorted(set(s.table["indicator_id"]) & set(cat.index))  # sorted: the message reads the same every run
        levels = cat.loc[list(ids), ["level", "first_year", "last_year"]]
        levels = levels[levels["level"].isin(["dimension", "sub-dimension"])]
        wrong = levels[(levels["first_year"] > s.year) | (levels["last_year"].fillna(9999) < s.year)]
        if len(wrong):
            listed = ", ".join(
                f"{i} ({cat.loc[i, 'label_en']}, {int(r.first_year)}-"
                f"{'' if pd.isna(r.last_year) else int(r.last_year)})"
                for i, r in wrong.iterrows()
            )
            s.status, s.reason = "rejected", f"labels outside their years: {listed}"
            _issue(
                issues,
                "error",
                "period",
                f"sheet labelled {s.year} carries {listed}; its labels are stale, so the sheet is not loaded",
                s.source,
                s.year,
                s.file,
                s.sheet,
            )


def _leave_out_other_structures(loaded: list[SheetResult], issues: list) -> None:
    """PCI changes its structure between editions (10 sub-indices to 2024; 9 in the 34-province
    PCI 2025, where "Chi phí tuân thủ hành chính" and "Chính quyền kiến tạo" are new). A column
    whose label names a sub-index or component outside the years the catalogue gives it is not
    read as that edition's figure: it would join two different measures into one series. It is
    left out and said, with its cell; the years live in ``indicators.csv`` (first/last_year)."""
    cat = indicators()
    for s in loaded:
        if s.source != "PCI" or s.status != "loaded" or s.table is None or not len(s.table):
            continue
        ids = [i for i in pd.unique(s.table["indicator_id"]) if i in cat.index]
        period = cat.loc[ids, ["first_year", "last_year"]]
        outside = period.index[(period["first_year"] > s.year) | (period["last_year"].fillna(9999) < s.year)]
        for ind in sorted(outside):
            cells = s.table.loc[s.table["indicator_id"] == ind, "cell"]
            first, last = int(cat.loc[ind, "first_year"]), cat.loc[ind, "last_year"]
            years = f"{first}-{'' if pd.isna(last) else int(last)}"
            _issue(
                issues,
                "warning",
                "structure",
                f"PCI {s.year}: {ind} ({cat.loc[ind, 'label_vi']}) belongs to the PCI of {years}, not to the "
                f"{s.year} structure; its {len(cells)} values ({cells.iloc[0]}...) are not read. If VCCI "
                f"kept it in {s.year}, change its years in indicators.csv",
                s.source,
                s.year,
                s.file,
                s.sheet,
            )
        s.table = s.table[~s.table["indicator_id"].isin(outside)]


def _reject_duplicate_editions(loaded: list[SheetResult], issues: list) -> None:
    """Sheets labelled with different years but carrying the same values are copies (the CS571
    2020 and 2021 sheets repeat 2019; the English Summary of PCI 2014-2016 repeats 2013). The
    earliest year keeps the values; the later copies are rejected."""
    prints = []
    for s in loaded:
        t = s.table.dropna(subset=["value"])
        rounded = np.round(t["value"].to_numpy(float), 5).tolist()
        prints.append(set(zip(t["province_code"].tolist(), t["indicator_id"].tolist(), rounded)))
    order = sorted(range(len(loaded)), key=lambda k: (loaded[k].year, loaded[k].file, loaded[k].sheet))
    for pos, b in enumerate(order):
        for a in order[:pos]:
            sa, sb = loaded[a], loaded[b]
            if sa.status != "loaded" or sa.year == sb.year or sa.source != sb.source:
                continue
            common = prints[a] & prints[b]
            smaller = min(len(prints[a]), len(prints[b]))
            if smaller >= 50 and len(common) >= 0.9 * smaller:
                sb.status = "rejected"
                sb.reason = f"a copy of {sa.file} sheet {sa.sheet!r} ({sa.year})"
                _issue(
                    issues,
                    "error",
                    "duplicate_edition",
                    f"{len(common)} of {smaller} values are identical to {sa.file}, sheet {sa.sheet!r}, "
                    f"edition {sa.year}: the sheet labelled {sb.year} is a copy and is not loaded",
                    sb.source,
                    sb.year,
                    sb.file,
                    sb.sheet,
                )
                break


def _reconcile(table: pd.DataFrame, issues: list) -> pd.DataFrame:
    """One value per source x year x province x indicator. Copies that agree are merged; copies
    that disagree are reported and the first (file and sheet order) is kept."""
    keys = ["source", "year", "province_code", "indicator_id"]
    dup = table.duplicated(keys, keep=False)
    if dup.any():
        groups = table[dup].groupby(keys, sort=False)
        values = groups["value"]
        valid, copies = values.count(), values.size()
        # copies that all have a value differ by their range; all blank agree; some blank disagree
        spread = pd.Series(
            np.where(valid == copies, values.max() - values.min(), np.where(valid == 0, 0.0, np.inf)),
            index=valid.index,
        )
        bad = spread[spread > CONFLICT_TOLERANCE * np.maximum(1, groups["value"].max().abs().fillna(0))]
        for (source, year, ind), sub in table[dup].set_index(keys).loc[bad.index].groupby(level=[0, 1, 3]):
            where = sorted({f"{f} / {s}" for f, s in zip(sub["file"], sub["sheet"])})
            _issue(
                issues,
                "warning",
                "conflict",
                f"{ind}: {len(sub.index.unique())} province(s) differ between {' and '.join(where)}; the first is kept",
                source,
                year,
                where[0].split(" / ")[0],
            )
    return table.drop_duplicates(keys, keep="first").reset_index(drop=True)


def describe(table: pd.DataFrame, labels: dict[str, str]) -> None:
    """Set ``level``, ``label_vi``, ``label_en`` and ``unit`` of a tidy table in place: from the
    catalogue, or for an uncatalogued id its level ``uncatalogued``, the label as printed (in both
    languages: the catalogue has no translation) and the unit "as published"."""
    cat = indicators()
    known = table["indicator_id"].isin(cat.index).to_numpy()
    meta = cat.reindex(table["indicator_id"])
    printed = table["indicator_id"].map(labels).to_numpy(dtype=object)
    table["level"] = np.where(known, meta["level"].to_numpy(dtype=object), UNCATALOGUED)
    table["label_vi"] = np.where(known, meta["label_vi"].to_numpy(dtype=object), printed)
    table["label_en"] = np.where(known, meta["label_en"].to_numpy(dtype=object), printed)
    table["unit"] = np.where(known, meta["unit"].to_numpy(dtype=object), UNCATALOGUED_UNIT)
    for column in ("level", "label_vi", "label_en", "unit"):
        table[column] = table[column].astype(str)


def _decorate(table: pd.DataFrame, issues: list, labels: dict[str, str]) -> pd.DataFrame:
    table = table.copy()
    _check_published_scales(table, issues)
    describe(table, labels)
    nan = (float("nan"), float("nan"))
    scales = [
        scale_for(i, int(y)) if lev != UNCATALOGUED else nan
        for i, y, lev in zip(table["indicator_id"], table["year"], table["level"])
    ]
    cat_lo = np.array([s[0] for s in scales], dtype=float)
    cat_hi = np.array([s[1] for s in scales], dtype=float)
    table["scale_min"] = table["scale_min"].astype(float).fillna(pd.Series(cat_lo, index=table.index))
    table["scale_max"] = table["scale_max"].astype(float).fillna(pd.Series(cat_hi, index=table.index))
    table["value"] = table["value"].astype(float)
    table["year"] = table["year"].astype(int)
    table = table[~_placeholder_zeros(table, issues)]
    # PAPI leaves a cell blank when fewer than 15 respondents answered the question.
    table["suppressed"] = (
        table["value"].isna()
        & table["blank"].astype(bool)
        & (table["source"] == "PAPI")
        & (table["level"] == "indicator")
    )
    table = table[table["value"].notna() | table["suppressed"]]
    return table.sort_values(["source", "year", "indicator_id", "province_code"])[TIDY_COLUMNS].reset_index(drop=True)


def _placeholder_zeros(table: pd.DataFrame, issues: list) -> np.ndarray:
    """Zeros that stand for "not published", reported per province and sheet, then left out:
    a 0 below its scale (a dimension or sub-dimension scored 1-10 cannot be 0); a 0 under such a
    score in the same sheet (PAPI 2022 gives Bắc Giang and Bắc Ninh 0 on six dimensions, with their
    indicators: a 0% bribe share there is a placeholder, not the best province in the country);
    and a province whose every value in a sheet is 0."""
    value = table["value"].to_numpy(dtype=float)
    impossible = (value == 0) & (table["scale_min"].to_numpy(dtype=float) > 0)
    keys = list(zip(table["file"], table["sheet"], table["province_code"]))
    empty_blocks: dict[tuple, set] = {}
    for key, ind in zip(np.array(keys, dtype=object)[impossible], table["indicator_id"].to_numpy()[impossible]):
        empty_blocks.setdefault(tuple(key), set()).add(ind)
    under = np.array(
        [
            v == 0 and k in empty_blocks and bool(ancestors(i) & empty_blocks[k])
            for v, k, i in zip(value, keys, table["indicator_id"])
        ],
        dtype=bool,
    )
    by_sheet = pd.Series(value == 0).groupby(
        [table["file"].to_numpy(), table["sheet"].to_numpy(), table["province_code"].to_numpy()]
    )
    all_zero = (by_sheet.transform("all") & by_sheet.transform("size").ge(3)).to_numpy()
    drop = impossible | under | all_zero
    frame = table.assign(_impossible=impossible, _under=under, _all=all_zero)[drop]
    for (source, year, file, sheet, code), sub in frame.groupby(["source", "year", "file", "sheet", "province_code"]):
        if sub["_all"].all():
            what = f"every one of its {len(sub)} values is 0"
        else:
            blocks = sorted(empty_blocks.get((file, sheet, code), ()))
            what = (
                f"{int(sub['_impossible'].sum())} value(s) are 0 below their scale ({', '.join(blocks[:4])}"
                f"{', ...' if len(blocks) > 4 else ''})"
                + (f" and {int(sub['_under'].sum())} value(s) of 0 under them" if sub["_under"].any() else "")
            )
        _issue(
            issues,
            "warning",
            "placeholder_zero",
            f"province {code}: {what} (cells {sub['cell'].iloc[0]}...{sub['cell'].iloc[-1]}); read as not "
            "published and left out",
            source,
            int(year),
            file,
            sheet,
        )
    return drop


def _check_published_scales(table: pd.DataFrame, issues: list) -> None:
    """The scale a sheet prints beside a row must be the catalogue's scale for that year."""
    published = (
        table[table["indicator_id"].isin(indicators().index)]
        .dropna(subset=["scale_min"])
        .groupby(["source", "indicator_id", "year", "file", "sheet"])[["scale_min", "scale_max"]]
        .first()
    )
    for (source, ind, year, file, sheet), (lo, hi) in published.iterrows():
        clo, chi = scale_for(ind, int(year))
        if np.isfinite(clo) and np.isfinite(chi) and (abs(lo - clo) > 1e-6 or abs(hi - chi) > 1e-6):
            _issue(
                issues,
                "warning",
                "scale",
                f"{ind}: the sheet gives the scale {lo:g}-{hi:g}, the catalogue "
                f"{clo:g}-{chi:g} for {year}; add a break to govgap/data/indicator_breaks.csv if PAPI rescaled it",
                source,
                int(year),
                file,
                sheet,
            )


def _check_scales(table: pd.DataFrame, issues: list) -> None:
    outside = table[(table["value"] < table["scale_min"] - 1e-6) | (table["value"] > table["scale_max"] + 1e-6)]
    for (source, year, ind, file, sheet), sub in outside.groupby(["source", "year", "indicator_id", "file", "sheet"]):
        first = sub.iloc[0]
        _issue(
            issues,
            "warning",
            "out_of_scale",
            f"{ind}: {len(sub)} value(s) outside the scale {first.scale_min:g}-{first.scale_max:g}, "
            f"e.g. {first.value:g} at {first.cell} (province {first.province_code})",
            source,
            year,
            file,
            sheet,
        )


def _check_sums(table: pd.DataFrame, issues: list) -> None:
    """Each PAPI dimension equals the sum of its sub-dimensions, wherever all are published."""
    cat = indicators()
    papi = table[(table["source"] == "PAPI") & table["value"].notna()]
    wide = papi[papi["level"].isin(["dimension", "sub-dimension"])].pivot_table(
        index=["year", "province_code"], columns="indicator_id", values="value", aggfunc="first"
    )
    for dim in cat.index[(cat["source"] == "PAPI") & (cat["level"] == "dimension")]:
        if dim not in wide.columns:
            continue
        for year, block in wide.groupby(level="year"):
            subs = [
                s
                for s in cat.index[cat["parent"] == dim]
                if cat.loc[s, "first_year"]
                <= year
                <= (cat.loc[s, "last_year"] if pd.notna(cat.loc[s, "last_year"]) else 9999)
            ]
            if not subs or not set(subs) <= set(block.columns):
                continue
            both = block[dim].notna() & block[subs].notna().all(axis=1)
            diff = (block.loc[both, dim] - block.loc[both, subs].sum(axis=1)).abs()
            for (_, code), d in diff[diff > SUM_TOLERANCE].items():
                _issue(
                    issues,
                    "warning",
                    "dimension_sum",
                    f"{dim} of province {code} differs from the sum of {', '.join(subs)} by {d:.3f}",
                    "PAPI",
                    int(year),
                )


FIRST_EDITIONS = {"PAPI": 2009, "PCI": 2005}  # PAPI's pilot year; PCI's first edition (42 provinces)


def _check_years(table: pd.DataFrame, issues: list) -> None:
    """An edition year outside the known range is warned about (it is loaded): before the first
    edition, or after the latest that can exist today (edition N is published in spring of N+1)."""
    latest = dt.date.today().year - 1
    for source, year in sorted(set(zip(table["source"], table["year"].astype(int)))):
        first = FIRST_EDITIONS.get(source)
        if year > latest or (first is not None and year < first):
            why = (
                f"after {latest}, the latest edition that can be published by {latest + 1} (edition N comes out "
                "in spring of N+1)"
                if year > latest
                else f"before {source}'s first edition ({first})"
            )
            files = ", ".join(sorted(set(table.loc[(table["source"] == source) & (table["year"] == year), "file"])))
            _issue(
                issues,
                "warning",
                "edition_year",
                f"{source} {year} ({files}): {why}; check the year in the file's name, sheet or title",
                source,
                int(year),
            )


def _check_counts(table: pd.DataFrame, issues: list) -> None:
    expected = editions().set_index(["source", "year"])["provinces"]
    counts = table[table["value"].notna()].groupby(["source", "year"])["province_code"].nunique()
    for (source, year), n in counts.items():
        want = expected.get((source, year))
        if want is None:
            want = 34 if year >= FIRST_34_EDITION else 63 if year >= 2009 else None
        if want is not None and n != want:
            _issue(
                issues,
                "warning",
                "province_count",
                f"{source} {year}: {n} provinces have values, {want} expected",
                source,
                int(year),
            )


# ------------------------------------------------------------------------------- schema


def schema(sources=("PAPI", "PCI")):
    """The pandera schema of the tidy table (``sources``: the context tables use it with
    SIPAS, PAR_INDEX and TASKS)."""
    import pandera.pandas as pa

    cat = indicators()
    codes = set(provinces()["code"]) | {"28"}  # Hà Tây (28) appears in PCI 2005-2008
    return pa.DataFrameSchema(
        {
            "source": pa.Column(str, pa.Check.isin(list(sources))),
            "year": pa.Column(int, pa.Check.in_range(2005, 2100)),
            "province_code": pa.Column(str, pa.Check.isin(sorted(codes))),
            "indicator_id": pa.Column(
                str,
                pa.Check(
                    lambda s: s.isin(cat.index) | s.str.match(UNCATALOGUED_ID.pattern),
                    error="an indicator of the catalogue or an uncatalogued id (papi.x.<8 hex digits>)",
                ),
            ),
            "level": pa.Column(
                str,
                pa.Check.isin(
                    ["index", "dimension", "sub-dimension", "sub-index", "indicator", "statistic", UNCATALOGUED]
                ),
            ),
            "label_vi": pa.Column(str),
            "label_en": pa.Column(str),
            "scale_min": pa.Column(float, nullable=True),
            "scale_max": pa.Column(float, nullable=True),
            "unit": pa.Column(str),
            "value": pa.Column(float, nullable=True),
            "suppressed": pa.Column(bool),
            "file": pa.Column(str),
            "sheet": pa.Column(str),
            "cell": pa.Column(str),
        },
        checks=[
            pa.Check(
                lambda df: ~df.duplicated(["source", "year", "province_code", "indicator_id"]),
                error="one value per source, year, province and indicator",
            ),
            pa.Check(
                lambda df: df["value"].notna() | df["suppressed"], error="a missing value must be flagged as suppressed"
            ),
            pa.Check(
                lambda df: (df["level"] == UNCATALOGUED) == df["indicator_id"].str.match(UNCATALOGUED_ID.pattern),
                error="an uncatalogued id has the level 'uncatalogued', and only it",
            ),
        ],
        strict=True,
        ordered=True,
    )


def validate(table: pd.DataFrame, sources=("PAPI", "PCI")) -> pd.DataFrame:
    """Validate the tidy table against ``schema(sources)``; raises with every failing check listed."""
    return schemas.check(table, schema(sources), "index")
