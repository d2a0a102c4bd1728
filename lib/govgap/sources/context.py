"""The department's own yardsticks: SIPAS satisfaction, the PAR INDEX and assigned-task completion.

Beside PAPI and PCI, leaders judge the department on three more figures that no public file
holds: SIPAS (the Ministry of Home Affairs' satisfaction index of public administrative
services, a percentage per province and year, with five components), the PAR INDEX (the
administrative-reform index, points out of 100 per province or per department, with
components) and the completion of tasks assigned by the provincial People's Committee
(assigned, completed, in progress within / past their deadline).

* **Templates** (``write_template``; copies in ``data/raw/templates/``): Vietnamese headers,
  one row per province-year or per unit-year (column "Đơn vị"), component columns optional.
* **Readers** (``read_table``, ``load_folder``) take the template and reasonable variants:
  header spellings from ``govgap/data/context_columns.csv`` (extended by a
  ``context_columns.csv`` beside the tables), a title block, two-row headers, a row of column
  numbers, legacy-encoded names, CSV in any code page and delimiter, and numbers as
  departments write them (``read_number``: 77,4% / 0,774 / 77.4; 1.494 tasks). A value that
  cannot be read, is out of range or contradicts the other counts stops the file with one
  message listing every such cell by file, sheet, row and column.
* **The same tidy long table as the published indices** (``indices.TIDY_COLUMNS``, sources
  SIPAS / PAR_INDEX / TASKS) for the province rows, so ``indices.ranks``, ``gaps.position``,
  ``gaps.history`` and ``gaps.standings`` work on it unchanged; rows of a unit inside a
  province (a department, an office) in ``agencies`` with an ``agency`` column.
* **Targets** (``targets``): the government's satisfaction targets (``context_targets.csv``),
  a department's own ``targets.csv``, and a "Chỉ tiêu" column in the tables themselves;
  ``standing`` gives value, change, rank among the provinces present, gap to the median, the
  best and the target.

Rows are accounted for: rows read = kept + quarantined (national or total rows, identical
copies), and the data-quality notes (derived counts, a written rate that differs from the
counts) are kept in ``issues``.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from govgap.contract import quarantine as quarantine_contract
from govgap.contract.accounting import Accounting
from govgap.errors import ContextFormatError, InputError, OptionError, reading
from govgap.io.legacy_text import LEGACY_CONVERTERS, LegacyTextError, detect_legacy
from govgap.io.sheets import (
    EXCEL_TYPES,
    Grid,
    cell_text,
    header_key,
    header_labels,
    header_rows,
    is_blank,
    is_column_number_row,
    match_header,
    read_dictionary,
    read_grids,
)
from govgap.io.xlsx import column_letter
from govgap.reference.catalogue import indicators
from govgap.reference.provinces import crosswalk_2025, find_province
from govgap.reference.text import fold, is_sample_text, nfc
from govgap.sources.indices import ISSUE_COLUMNS, TIDY_COLUMNS, validate

KINDS = ("SIPAS", "PAR_INDEX", "TASKS")
HEADLINE = {"SIPAS": "sipas.index", "PAR_INDEX": "par.index", "TASKS": "tasks.completion_rate"}
TITLES = {
    "SIPAS": (
        "CHỈ SỐ HÀI LÒNG VỀ SỰ PHỤC VỤ HÀNH CHÍNH (SIPAS)",
        "Satisfaction Index of Public Administrative Services (SIPAS)",
    ),
    "PAR_INDEX": ("CHỈ SỐ CẢI CÁCH HÀNH CHÍNH (PAR INDEX)", "Public Administration Reform Index (PAR INDEX)"),
    "TASKS": ("KẾT QUẢ THỰC HIỆN NHIỆM VỤ DO UBND TỈNH GIAO", "Tasks assigned by the provincial People's Committee"),
}
TEMPLATE_FILES = {"SIPAS": "SIPAS_mau.xlsx", "PAR_INDEX": "PAR_INDEX_mau.xlsx", "TASKS": "NHIEM_VU_mau.xlsx"}
UNIT_SUFFIX = {"share": " (%)", "points": " (điểm/100)", "count": ""}
FILE_HINTS = {
    "SIPAS": ("sipas", "hai long"),
    "PAR_INDEX": ("par", "cchc", "cai cach"),
    "TASKS": ("nhiem vu", "nhiemvu", "task"),
}
RESERVED_FILES = {"targets.csv", "context_columns.csv"}
QUARANTINE_COLUMNS = ["source", "sheet", "row", "column", "value", "reason"]
TARGET_COLUMNS = ["source", "year", "province_code", "agency", "indicator_id", "target", "basis_vi", "basis_en"]
HEADER_SCAN_ROWS = 30
RATE_TOLERANCE = 0.006  # a rate written as a whole percent may differ from the counts by 0.5 pp
# Rows that sum or average provinces, and agency cells that mean "the whole department":
# (cells equal to one of these, cells starting with one of these).
NATIONAL_WORDS = (
    ("tong", "cong", "total", "mean", "average", "national"),
    ("ca nuoc", "toan quoc", "trung binh", "binh quan", "tong cong", "tong so", "national average"),
)
WHOLE_WORDS = (
    ("tong", "cong", "chung", "total", "whole", "all"),
    ("toan so", "toan tinh", "toan nganh", "toan don vi", "tong cong", "tong so", "ca so"),
)


# --------------------------------------------------------------------------- dictionary


@lru_cache(maxsize=8)
def column_dictionary(extra: str | None = None) -> pd.DataFrame:
    """Header spellings: kind (SIPAS, PAR_INDEX, TASKS or * for every kind), canonical name
    (an indicator id, or year / province / agency / target / ignore), required, variants
    (``|``-separated; the first is the template's header). ``extra``: a user CSV with the same
    columns, read first (its spellings win)."""
    table = read_dictionary("context_columns.csv", extra, ContextFormatError)
    table = (
        table.groupby(["kind", "canonical"], sort=False).agg({"required": "last", "variants": "|".join}).reset_index()
    )
    table["required"] = table["required"] == "1"
    return table


@lru_cache(maxsize=32)
def _variants(kind: str, extra: str | None) -> dict[str, str]:
    table = column_dictionary(extra)
    index: dict[str, str] = {}
    for row in table[table["kind"].isin([kind, "*"])].itertuples():
        for variant in row.variants.split("|"):
            index.setdefault(header_key(variant), row.canonical)
    return index


def _unit(canonical: str, kind: str) -> str:
    """The unit a column's cells are read in (a target is in its table's headline unit)."""
    ind = HEADLINE[kind] if canonical == "target" else canonical
    return str(indicators().loc[ind, "unit"])


def template_columns(kind: str) -> list[tuple[str, str]]:
    """(canonical, header) of a template, in order: year, province, agency, the indicators,
    target, note. Headers are the first spelling in the dictionary, with the unit."""
    table = column_dictionary(None)
    own = table[table["kind"] == kind]
    first = {
        c: v.split("|")[0]
        for c, v in zip(table["canonical"], table["variants"])
        if c in ("year", "province", "agency", "target")
    }
    cols = [("order", "STT"), ("year", first["year"]), ("province", first["province"]), ("agency", first["agency"])]
    for canonical, variants in zip(own["canonical"], own["variants"]):
        cols.append((canonical, variants.split("|")[0] + UNIT_SUFFIX[_unit(canonical, kind)]))
    cols += [("target", first["target"] + UNIT_SUFFIX[_unit("target", kind)]), ("note", "Ghi chú")]
    return cols


# --------------------------------------------------------------------------- numbers

_NUMBER_TEXT = re.compile(r"[+-]?[\d.,]*\d[\d.,]*")


def _decimal(text: str, whole: bool) -> float:
    """A number as departments type it: decimal comma or point, thousands dots or commas.
    One separator followed by exactly three digits is a thousands separator only for whole
    numbers (1.494 tasks); for rates and scores it is the decimal mark (77,4)."""
    if not _NUMBER_TEXT.fullmatch(text):
        raise ValueError(f"{text!r} is not a number")
    dots, commas = text.count("."), text.count(",")
    if dots and commas:
        dec = "." if text.rfind(".") > text.rfind(",") else ","
        thou = "," if dec == "." else "."
        head, frac = text.rsplit(dec, 1)
        if thou in frac or not re.fullmatch(rf"[+-]?\d{{1,3}}(\{thou}\d{{3}})*", head):
            raise ValueError(f"{text!r} mixes '.' and ',' in a way that is not a number")
        return float(head.replace(thou, "") + "." + frac)
    sep = "." if dots else "," if commas else None
    if sep is None:
        return float(text)
    grouped = re.fullmatch(rf"[+-]?\d{{1,3}}(\{sep}\d{{3}})+", text) is not None
    if text.count(sep) > 1:
        if not grouped:
            raise ValueError(f"{text!r} is not a number")
        return float(text.replace(sep, ""))
    if whole and grouped:
        return float(text.replace(sep, ""))
    return float(text.replace(",", "."))


def read_number(value, unit: str) -> float:
    """A cell in the catalogue's ``unit``: "share" (0-1), "points" (0-100) or "count".

    Shares: 77,4% / 77.4% / "77,4" / 77.4 / 0.774 / "0,774" all give 0.774 (a number above 1
    without a % sign is a percentage). Points: 89,52 or 89.52%; a fraction up to 1 (an Excel
    cell formatted as a percentage) is multiplied by 100. Counts: whole numbers, thousands
    dots or commas allowed (1.494, 1,494, 1 494). Blank cells and "-" give NaN. Raises
    ``ValueError`` saying why a value cannot be read or is out of range."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return float("nan")
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is a yes/no cell, not a number")
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        raise ValueError(f"{value} is a date, not a number")
    percent = False
    if isinstance(value, (int, float, np.integer, np.floating)):
        x = float(value)
    else:
        text = re.sub(r"\s+", "", nfc(str(value)))
        if text in ("", "-", "–", "—", "x", "X"):
            return float("nan")
        if text.endswith("%"):
            percent, text = True, text[:-1]
        try:
            x = _decimal(text, whole=(unit == "count" and not percent))
        except ValueError as exc:  # name the cell as it was written, not as cleaned
            raise ValueError(str(exc).replace(repr(text), repr(nfc(str(value)).strip()), 1)) from None
    if not math.isfinite(x):
        raise ValueError(f"{value!r} is not a finite number")
    if unit == "count":
        if percent:
            raise ValueError(f"{value!r} is a percentage where a number of tasks is expected")
        if x < 0 or x != round(x):
            raise ValueError(f"{value!r} is not a whole number of tasks")
        return x
    if unit == "share":
        x = x / 100 if (percent or x > 1) else x
        if not 0 <= x <= 1:
            raise ValueError(f"{value!r} is outside 0-100%")
        return x
    if unit == "points":
        x = x * 100 if (not percent and 0 < x <= 1) else x
        if not 0 <= x <= 100:
            raise ValueError(f"{value!r} is outside 0-100 points")
        return x
    raise ValueError(f"unknown unit {unit!r}")


def _read_year(value) -> int:
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        if float(value).is_integer() and 2000 <= value <= 2100:
            return int(value)
        raise ValueError(f"{value!r} is not a year")
    if isinstance(value, (dt.date, dt.datetime)):
        return value.year
    years = set(re.findall(r"(?<!\d)(20\d\d)(?!\d)", cell_text(value)))
    if len(years) != 1:
        raise ValueError(f"{cell_text(value)!r} is not a year")
    return int(years.pop())


MERGER_YEAR = 2025


@lru_cache(maxsize=128)
def _merged_into(code: str) -> str | None:
    """The 2025 province a pre-2025 province was merged into, when it does not carry its name."""

    row = crosswalk_2025().set_index("old_code").loc[code]
    return None if fold(row["old_name_vi"]) == fold(row["new_name_vi"]) else str(row["new_name_vi"])


def _is_one_of(text: str, words) -> bool:
    key = " ".join(re.sub(r"[^a-z0-9]+", " ", fold(nfc(text))).split())
    exact, prefix = words
    return key in exact or any(key == w or key.startswith(w + " ") for w in prefix)


def _is_national(text: str) -> bool:
    return _is_one_of(text, NATIONAL_WORDS)


def _is_whole(text: str) -> bool:
    return _is_one_of(text, WHOLE_WORDS)


# --------------------------------------------------------------------------- reading


@dataclass
class ContextTable:
    """What one file (or a folder, ``load_folder``) gave: the tidy province table, the rows of
    units inside a province, targets written in the tables, quarantine, accounting, notes."""

    table: pd.DataFrame  # indices.TIDY_COLUMNS, sources SIPAS / PAR_INDEX / TASKS
    agencies: pd.DataFrame  # TIDY_COLUMNS + agency
    targets: pd.DataFrame  # TARGET_COLUMNS (from "Chỉ tiêu" columns)
    quarantine: pd.DataFrame  # QUARANTINE_COLUMNS
    issues: pd.DataFrame  # indices.ISSUE_COLUMNS
    accounting: list[Accounting] = field(default_factory=list)
    sheets: list[dict] = field(default_factory=list)  # file, sheet, kind, header row, status

    def summary(self) -> str:
        lines = [f"{a.source}: {a.read} rows read, {a.kept} kept, {a.quarantined} quarantined" for a in self.accounting]
        for (src, ind), sub in self.table.groupby(["source", "indicator_id"]):
            if ind == HEADLINE.get(src):
                years = sorted(sub["year"].unique())
                lines.append(f"  {src}: {sub['province_code'].nunique()} province(s), years {years[0]}-{years[-1]}")
        if len(self.agencies):
            lines.append(f"  {self.agencies['agency'].nunique()} unit(s) inside provinces")
        return "\n".join(lines)


def _match(labels: list[str], kind: str, extra: str | None) -> tuple[dict[int, str], str]:
    """{column: canonical} of a header row in its best reading (Unicode, TCVN3, VNI)."""
    return match_header(labels, _variants(kind, extra), repeatable=("ignore",))


def _header(grid: Grid, kinds, hint: str | None, extra: str | None):
    """(kind, first header row, header rows, {column: canonical}, labels) or None."""
    rows, best = grid.rows, None
    for r in range(min(HEADER_SCAN_ROWS, len(rows))):
        for two in (False, True):
            if two and (r + 1 >= len(rows) or all(is_blank(v) for v in rows[r])):
                continue
            parents = {c: v for (rr, c), v in grid.merged.items() if rr == r} or None
            labels = header_labels(rows, r, two, parents if two else None)
            for kind in kinds:
                found, _ = _match(labels, kind, extra)
                if two:
                    found = _under_unknown_parents(found, header_rows(rows, r, parents), kind, extra)
                own = [v for v in found.values() if v not in ("ignore", "year", "province", "agency", "target")]
                score = (
                    len(own) + len([v for v in found.values() if v in ("year", "province", "agency")]),
                    kind == hint,
                    not two,  # a tie: one header row, not a title taken for the parent of the next row
                )
                if own and score[0] >= 2 and (best is None or score > best[0]):
                    best = (score, kind, r, 2 if two else 1, found, labels)
    return None if best is None else best[1:]


def _under_unknown_parents(found: dict[int, str], header: tuple, kind: str, extra: str | None) -> dict[int, str]:
    """A two-row header whose parent is not in the dictionary ("Các yếu tố thành phần" over
    "Tiếp cận dịch vụ | Thủ tục hành chính | ..."): the columns under it are read by their own
    names, as long as each names a column not already read; a known parent keeps its meaning
    ("Đã hoàn thành" over "Tổng số" is not "Tổng số" alone)."""
    _top, parents, sub = header
    out = dict(found)
    for c, (parent, child) in enumerate(zip(parents, sub)):
        if c in out or not parent or not child or _match([parent], kind, extra)[0]:
            continue
        alone = _match([child], kind, extra)[0].get(0)
        if alone and (alone == "ignore" or alone not in out.values()):  # "Ghi chú" is ignored as ever
            out[c] = alone
    return out


def _kind_hint(path: Path) -> str | None:
    name = fold(path.stem).replace("_", " ").replace("-", " ")
    for kind, words in FILE_HINTS.items():
        if any(re.search(rf"(^|\s){w}(\s|$|\d)", name) for w in words):
            return kind
    return None


def _glued_data_row(row) -> str | None:
    """The delimiter of a data row written whole into one cell ("Nam Định;82,5;80,1" in a file
    split by tabs or commas), or None: three or more parts, one a province's name and one a number
    (a note that lists provinces has no figures)."""
    texts = [cell_text(v).strip() for v in row if not is_blank(v)]
    if len(texts) != 1:
        return None
    for sep in (";", "\t", "|", ","):
        parts = [p.strip() for p in texts[0].split(sep)]
        if len(parts) < 3 or not any(re.fullmatch(r"-?\d+([.,]\d+)?\s*%?", p) for p in parts):
            continue
        for part in parts:
            try:
                find_province(part)
                return sep
            except LookupError:
                continue
    return None


class _Errors:
    """Cells that cannot be read, collected so one message lists them all (the error's ``row``
    and ``column`` are the first one's)."""

    def __init__(self, where: str):
        self.where, self.lines, self.first = where, [], None

    def add(self, row: int, col: int | None, label: str | None, message: str) -> None:
        at = f"row {row}" + (f", column {column_letter(col)} ({label})" if col is not None else "")
        self.lines.append(f"{at}: {message}")
        self.first = self.first or (row, column_letter(col) if col is not None else None)

    def raise_if_any(self) -> None:
        if self.lines:
            shown = self.lines[:25]
            more = f"\n  ... and {len(self.lines) - 25} more" if len(self.lines) > 25 else ""
            raise ContextFormatError(
                f"{self.where}: {len(self.lines)} problem(s):\n  " + "\n  ".join(shown) + more,
                row=self.first[0],
                column=self.first[1],
            )


def _issue(rows: list, severity, check, message, source, year, file, sheet, row=None, column=None):
    rows.append(dict(zip(ISSUE_COLUMNS, (severity, check, source, year, file, sheet, row, column, message))))


def read_table(
    path: str | Path, kind: str | None = None, columns: str | Path | None = None, today: dt.date | None = None
) -> ContextTable:
    """Read one SIPAS, PAR INDEX or tasks table (``kind`` found from the headers and the file
    name when not given). ``columns``: a user ``context_columns.csv``. Raises
    ``ContextFormatError`` naming the file, sheet, row and column of every problem."""
    path = Path(path)
    if kind is not None and kind not in KINDS:
        raise OptionError(f"kind must be one of {KINDS}, not {kind!r}")
    with reading(path.name):  # every fault found below names this file
        return _read_table(path, kind, str(columns) if columns else None, today)


def _read_table(path: Path, kind: str | None, extra: str | None, today: dt.date | None) -> ContextTable:
    try:
        grids = read_grids(path)
    except InputError as exc:
        raise ContextFormatError(str(exc), file=exc.file, sheet=exc.sheet, row=exc.row, column=exc.column) from None
    hint = kind or _kind_hint(path)
    kinds = (kind,) if kind else KINDS
    parts, sheets = [], []
    for grid in grids:
        where = f"{path.name}" + (f", sheet '{grid.sheet}'" if grid.sheet != "-" else "")
        found = _header(grid, kinds, hint, extra) if grid.rows else None
        if found is None:
            sheets.append(
                {
                    "file": path.name,
                    "sheet": grid.sheet,
                    "kind": None,
                    "status": "skipped",
                    "reason": "no SIPAS, PAR INDEX or tasks header",
                }
            )
            continue
        with reading(path.name, grid.sheet if grid.sheet != "-" else None):
            parts.append(_read_grid(path, grid, where, *found, extra, today or dt.date.today()))
        sheets.append(
            {
                "file": path.name,
                "sheet": grid.sheet,
                "kind": found[0],
                "status": "loaded",
                "reason": f"header at row {found[1] + 1}",
                # govgap's sample tables say so in their title block
                "sample": any(is_sample_text(cell) for row in grid.rows[: found[1]] for cell in row),
            }
        )
    if not parts:
        looked = "; ".join(f"{k}: {', '.join(repr(v) for v in _examples(k))}" for k in kinds)
        raise ContextFormatError(
            f"{path.name}: no header row found in the first {HEADER_SCAN_ROWS} rows of any sheet. Looked for "
            f"{looked}. Start from a template in data/raw/templates/, or add the file's column names to a "
            "context_columns.csv beside it."
        )
    out = _combine(parts)
    out.sheets = sheets
    out.accounting = [
        Accounting(
            f"context/{path.name}",
            sum(a.read for a in out.accounting),
            sum(a.kept for a in out.accounting),
            sum(a.quarantined for a in out.accounting),
        )
    ]
    return out


def _examples(kind: str) -> list[str]:
    table = column_dictionary(None)
    req = table[table["kind"].isin([kind, "*"]) & table["required"]]
    return [v.split("|")[0] for v in req["variants"]]


def _read_grid(
    path: Path,
    grid: Grid,
    where: str,
    kind: str,
    r: int,
    n: int,
    found: dict[int, str],
    labels: list[str],
    extra: str | None,
    today: dt.date,
) -> ContextTable:
    errors, issues = _Errors(where), []
    source = f"context/{path.name}"
    table = column_dictionary(extra)
    required = set(table.loc[table["kind"].isin([kind, "*"]) & table["required"], "canonical"])
    rows = grid.rows
    year_from_name = None
    if "year" not in found.values():
        names = [grid.sheet, path.stem] + [cell_text(c) for row in rows[:r] for c in row]
        years = [int(y) for t in names for y in re.findall(r"(?<!\d)(20\d\d)(?!\d)", t)]
        if len(set(years)) == 1:
            year_from_name = years[0]
            required.discard("year")
    missing = sorted(required - set(found.values()))
    if missing:
        spell = {c: v.split("|")[0] for c, v in zip(table["canonical"], table["variants"])}
        unknown = [lab for c, lab in enumerate(labels) if lab and c not in found]
        hint = f" Columns not recognised: {', '.join(repr(u) for u in unknown[:12])}." if unknown else ""
        raise ContextFormatError(
            f"{where}, header row {r + 1}: {kind} table without the required column(s) "
            f"{', '.join(repr(spell[m]) for m in missing)}.{hint} Add the file's name for the column to a "
            "context_columns.csv beside it (see data/raw/templates/README.md).",
            row=r + 1,
        )
    cols = {canon: c for c, canon in found.items() if canon != "ignore"}
    unread = [(c, lab) for c, lab in enumerate(labels) if lab and c not in found]
    if unread:  # a column with a heading and figures under it is never dropped without a word
        _issue(
            issues,
            "warning",
            "column_not_read",
            "column(s) not in the dictionary, not read: "
            + ", ".join(f"{column_letter(c)} {lab!r}" for c, lab in unread[:12])
            + " (add their names to a context_columns.csv beside the file)",
            kind,
            None,
            path.name,
            grid.sheet,
            r + 1,
        )
    start = r + n
    if start < len(rows) and is_column_number_row(rows[start]):
        start += 1

    def cell(row, c):
        return row[c] if c < len(row) else None

    # legacy fonts in the name columns
    for canon in ("province", "agency"):
        if canon in cols:
            texts = [cell(row, cols[canon]) for row in rows[start:] if isinstance(cell(row, cols[canon]), str)]
            try:
                enc = detect_legacy(texts)
            except LegacyTextError as exc:
                errors.add(start + 1, cols[canon], labels[cols[canon]], str(exc))
                errors.raise_if_any()
            if enc != "unicode":
                conv = LEGACY_CONVERTERS[enc]
                for row in rows[start:]:
                    if cols[canon] < len(row) and isinstance(row[cols[canon]], str):
                        row[cols[canon]] = conv(row[cols[canon]])
                _issue(
                    issues,
                    "info",
                    "encoding",
                    f"column {labels[cols[canon]]!r} written in {enc}; converted",
                    kind,
                    None,
                    path.name,
                    grid.sheet,
                    None,
                    column_letter(cols[canon]),
                )
    ind_cols = {canon: c for canon, c in cols.items() if canon not in ("year", "province", "agency", "target", "note")}
    records, quarantine, seen, derived, after_merger = [], [], {}, {}, set()
    read = 0
    for i in range(start, len(rows)):
        row, num = rows[i], i + 1
        values_present = any(not is_blank(cell(row, c)) for c in ind_cols.values())
        prov_text = cell_text(cell(row, cols["province"])).strip() if "province" in cols else ""
        if not values_present and not prov_text:
            glued = _glued_data_row(row)
            if glued:  # a province's figures in one cell: another delimiter, not a note
                errors.add(
                    num,
                    None,
                    None,
                    f"the row's figures are in one cell, separated by {glued!r}: the row was written with "
                    "another delimiter than the rest of the file; put its values in their columns",
                )
                continue
            if any(not is_blank(v) for v in row):
                _issue(
                    issues,
                    "warning",
                    "not_a_data_row",
                    "a row without a province or a value (a note or a signature line) was not read",
                    kind,
                    None,
                    path.name,
                    grid.sheet,
                    num,
                )
            continue
        read += 1
        if not prov_text:
            errors.add(num, cols["province"], labels[cols["province"]], "values but no province")
            continue
        if _is_national(prov_text):
            quarantine.append(
                {
                    "source": source,
                    "sheet": grid.sheet,
                    "row": num,
                    "column": labels[cols["province"]],
                    "value": prov_text,
                    "reason": "national or total row, not a province (the national "
                    "figure is computed from the provinces present)",
                }
            )
            continue
        try:
            code = find_province(prov_text).code
        except LookupError as exc:
            errors.add(num, cols["province"], labels[cols["province"]], str(exc))
            continue
        try:
            year = year_from_name if "year" not in cols else _read_year(cell(row, cols["year"]))
        except ValueError as exc:
            errors.add(num, cols["year"], labels[cols["year"]], str(exc))
            continue
        if year > today.year:
            errors.add(
                num, cols.get("year"), labels[cols["year"]] if "year" in cols else None, f"{year} is in the future"
            )
            continue
        if year >= MERGER_YEAR:
            merged_into = _merged_into(code)
            if merged_into and year > MERGER_YEAR:
                errors.add(
                    num,
                    cols["province"],
                    labels[cols["province"]],
                    f"{prov_text} was merged into {merged_into} on 1 July 2025; a {year} table names the "
                    f"34 provinces (write {merged_into})",
                )
                continue
            after_merger.add(year)
        agency = nfc(cell_text(cell(row, cols["agency"]))).strip() if "agency" in cols else ""
        agency = "" if _is_whole(agency) else re.sub(r"\s+", " ", agency)
        vals, where_cell = {}, {}
        for canon, c in ind_cols.items():
            try:
                vals[canon] = read_number(cell(row, c), _unit(canon, kind))
            except ValueError as exc:
                errors.add(num, c, labels[c], str(exc))
                continue
            where_cell[canon] = f"{column_letter(c)}{num}"
        target = np.nan
        if "target" in cols:
            try:
                target = read_number(cell(row, cols["target"]), _unit("target", kind))
            except ValueError as exc:
                errors.add(num, cols["target"], labels[cols["target"]], str(exc))
        headline = HEADLINE[kind] if kind != "TASKS" else "tasks.assigned"
        for need in [headline] if kind != "TASKS" else ["tasks.assigned", "tasks.completed"]:
            if need in vals and math.isnan(vals[need]):
                errors.add(num, ind_cols[need], labels[ind_cols[need]], "empty: this column is required")
        if kind == "TASKS":
            for name in _tasks(vals, where_cell, ind_cols, labels, num, errors, issues, path.name, grid.sheet, year):
                derived[name] = derived.get(name, 0) + 1
        key = (year, code, agency)
        payload = tuple(sorted((k, None if math.isnan(v) else round(v, 9)) for k, v in vals.items()))
        if key in seen:
            first, same = seen[key]
            if same == payload:
                quarantine.append(
                    {
                        "source": source,
                        "sheet": grid.sheet,
                        "row": num,
                        "column": None,
                        "value": None,
                        "reason": f"the same figures as row {first}",
                    }
                )
                continue
            errors.add(
                num,
                cols["province"],
                labels[cols["province"]],
                f"{prov_text}{' / ' + agency if agency else ''} {year} appears twice with different "
                f"figures (rows {first} and {num})",
            )
            continue
        seen[key] = (num, payload)
        for canon, v in vals.items():
            if not math.isnan(v):
                records.append((kind, year, code, agency, canon, v, path.name, grid.sheet, where_cell.get(canon, "")))
        if not math.isnan(target):
            records.append(
                (
                    kind,
                    year,
                    code,
                    agency,
                    "target",
                    target,
                    path.name,
                    grid.sheet,
                    f"{column_letter(cols['target'])}{num}",
                )
            )
    errors.raise_if_any()
    if after_merger:
        _issue(
            issues,
            "warning",
            "merger",
            f"rows for {', '.join(map(str, sorted(after_merger)))}: from 1 July 2025 "
            "a province name denotes the merged province (34 provinces); its values are kept under the code of "
            "the pre-2025 province of that name, and comparisons with earlier years cross the merger",
            kind,
            None,
            path.name,
            grid.sheet,
        )
    for name, count in derived.items():
        whole = "in progress" if name.startswith("in_progress") else "completed"
        _issue(
            issues,
            "info",
            "derived",
            f"{name.replace('_', ' ')} derived as {whole} minus the other part in {count} row(s)",
            kind,
            None,
            path.name,
            grid.sheet,
        )
    frame = pd.DataFrame(
        records, columns=["source", "year", "province_code", "agency", "indicator_id", "value", "file", "sheet", "cell"]
    )
    kept = read - len(quarantine)
    acc = Accounting(source, read, kept, len(quarantine))
    return _tidy(frame, quarantine, issues, [acc])


def _tasks(vals, where_cell, cols, labels, num, errors, issues, file, sheet, year) -> list[str]:
    """Counts that follow from the others, rates from the counts, and the checks that counts
    must pass (completed and in progress cannot exceed assigned, parts cannot exceed wholes).
    Returns the counts derived."""
    g = {
        k: vals.get(f"tasks.{k}", np.nan)
        for k in (
            "assigned",
            "completed",
            "completed_on_time",
            "completed_late",
            "in_progress",
            "in_progress_on_time",
            "in_progress_overdue",
        )
    }
    derived = []
    for whole, a, b in (
        ("in_progress", "in_progress_on_time", "in_progress_overdue"),
        ("completed", "completed_on_time", "completed_late"),
    ):
        if not math.isnan(g[whole]):
            if math.isnan(g[b]) and not math.isnan(g[a]):
                g[b] = g[whole] - g[a]
                derived.append(b)
            elif math.isnan(g[a]) and not math.isnan(g[b]):
                g[a] = g[whole] - g[b]
                derived.append(a)
    col = lambda k: cols.get(f"tasks.{k}", cols.get("tasks.assigned"))  # noqa: E731
    checks = [
        ("completed", "assigned"),
        ("in_progress", "assigned"),
        ("in_progress_on_time", "in_progress"),
        ("in_progress_overdue", "in_progress"),
        ("completed_on_time", "completed"),
        ("completed_late", "completed"),
    ]
    for part, whole in checks:
        if g[part] < 0 or g[part] > g[whole]:
            errors.add(
                num,
                col(part),
                labels[col(part)],
                f"{part.replace('_', ' ')} ({g[part]:,.0f}) cannot be more than {whole.replace('_', ' ')} "
                f"({g[whole]:,.0f})"
                if g[part] >= 0
                else f"{part.replace('_', ' ')} would be negative: the parts given exceed the total",
            )
    for whole, a, b in (
        ("in_progress", "in_progress_on_time", "in_progress_overdue"),
        ("completed", "completed_on_time", "completed_late"),
    ):
        if (
            not any(math.isnan(g[k]) for k in (whole, a, b))
            and a not in derived
            and b not in derived
            and g[a] + g[b] != g[whole]
        ):
            errors.add(
                num,
                col(whole),
                labels[col(whole)],
                f"{a.replace('_', ' ')} ({g[a]:,.0f}) + {b.replace('_', ' ')} ({g[b]:,.0f}) "
                f"is not {whole.replace('_', ' ')} ({g[whole]:,.0f})",
            )
    if (
        g["completed"] <= g["assigned"]
        and g["in_progress"] <= g["assigned"]
        and g["completed"] + g["in_progress"] > g["assigned"]
    ):
        errors.add(
            num,
            col("in_progress"),
            labels[col("in_progress")],
            f"completed ({g['completed']:,.0f}) + in progress ({g['in_progress']:,.0f}) is more than "
            f"assigned ({g['assigned']:,.0f})",
        )
    elif g["completed"] + g["in_progress"] < g["assigned"]:
        _issue(
            issues,
            "warning",
            "tasks_sum",
            f"{g['assigned'] - g['completed'] - g['in_progress']:,.0f} task(s) "
            "neither completed nor in progress (stopped or moved?)",
            "TASKS",
            year,
            file,
            sheet,
            num,
        )
    for k in derived:
        vals[f"tasks.{k}"] = g[k]
        where_cell[f"tasks.{k}"] = "derived"
    written = vals.get("tasks.completion_rate", np.nan)
    rate = g["completed"] / g["assigned"] if g["assigned"] > 0 else np.nan
    if not math.isnan(written) and not math.isnan(rate) and abs(written - rate) > RATE_TOLERANCE:
        _issue(
            issues,
            "warning",
            "rate",
            f"the completion rate written ({100 * written:.1f}%) differs from "
            f"completed / assigned ({100 * rate:.1f}%); the counts are used",
            "TASKS",
            year,
            file,
            sheet,
            num,
            column_letter(cols["tasks.completion_rate"]),
        )
    vals["tasks.completion_rate"] = rate
    where_cell["tasks.completion_rate"] = (
        where_cell.get("tasks.completion_rate", "derived") if not math.isnan(written) else "derived"
    )
    for name, numerator in (("on_time_rate", g["completed_on_time"]), ("overdue_share", g["in_progress_overdue"])):
        if not math.isnan(numerator) and g["assigned"] > 0:
            vals[f"tasks.{name}"] = numerator / g["assigned"]
            where_cell[f"tasks.{name}"] = "derived"
    return derived


def _tidy(frame: pd.DataFrame, quarantine: list, issues: list, accounting: list) -> ContextTable:
    cat = indicators()
    targets = frame[frame["indicator_id"] == "target"]
    data = frame[frame["indicator_id"] != "target"].copy()
    meta = cat.reindex(data["indicator_id"])
    data["level"] = meta["level"].to_numpy()
    data["label_vi"] = meta["label_vi"].to_numpy()
    data["label_en"] = meta["label_en"].to_numpy()
    data["scale_min"] = meta["scale_min"].astype(float).to_numpy()
    data["scale_max"] = meta["scale_max"].astype(float).to_numpy()
    data["unit"] = meta["unit"].to_numpy()
    data["value"] = data["value"].astype(float)
    data["year"] = data["year"].astype(int)
    data["suppressed"] = False
    order = ["source", "year", "indicator_id", "province_code"]
    province = data[data["agency"] == ""].sort_values(order)[TIDY_COLUMNS].reset_index(drop=True)
    if len(province):
        province = validate(province, KINDS)  # the published indices' schema, with these sources
    agencies = data[data["agency"] != ""].sort_values(order + ["agency"])[TIDY_COLUMNS + ["agency"]]
    tgt = pd.DataFrame(
        {
            "source": targets["source"],
            "year": targets["year"].astype(int),
            "province_code": targets["province_code"],
            "agency": targets["agency"],
            "indicator_id": targets["source"].map(HEADLINE),
            "target": targets["value"].astype(float),
            "basis_vi": "mục tiêu ghi trong bảng " + targets["file"],
            "basis_en": "target written in " + targets["file"],
        }
    )
    return ContextTable(
        province,
        agencies.reset_index(drop=True),
        tgt[TARGET_COLUMNS].reset_index(drop=True),
        quarantine_contract.redacted(pd.DataFrame(quarantine, columns=QUARANTINE_COLUMNS)),
        pd.DataFrame(issues, columns=ISSUE_COLUMNS),
        accounting,
    )


def _combine(parts: list[ContextTable]) -> ContextTable:
    """Several sheets or files as one; a province (or unit) and year given twice with different
    figures in two places is an error naming both."""

    def cat(frames, columns):
        frames = [f for f in frames if len(f)]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)

    table = cat([p.table for p in parts], TIDY_COLUMNS)
    agencies = cat([p.agencies for p in parts], TIDY_COLUMNS + ["agency"])
    for frame, keys in (
        (table, ["source", "year", "province_code", "indicator_id"]),
        (agencies, ["source", "year", "province_code", "agency", "indicator_id"]),
    ):
        dup = frame[frame.duplicated(keys, keep=False)]
        if len(dup):
            clash = dup.groupby(keys)["value"].agg(lambda v: v.max() - v.min() > 1e-9)
            if clash.any():
                key = clash[clash].index[0]
                where = dup.set_index(keys).loc[key]
                places = "; ".join(
                    f"{f}, sheet '{s}', cell {c}" for f, s, c in zip(where["file"], where["sheet"], where["cell"])
                )
                raise ContextFormatError(
                    f"{key[0]} {key[1]}, province {key[2]}: {key[-1]} is given twice with different values ({places})"
                )
    table = table.drop_duplicates(["source", "year", "province_code", "indicator_id"]).reset_index(drop=True)
    agencies = agencies.drop_duplicates(["source", "year", "province_code", "agency", "indicator_id"])
    return ContextTable(
        table,
        agencies.reset_index(drop=True),
        cat([p.targets for p in parts], TARGET_COLUMNS),
        cat([p.quarantine for p in parts], QUARANTINE_COLUMNS),
        cat([p.issues for p in parts], ISSUE_COLUMNS),
        [a for p in parts for a in p.accounting],
        [s for p in parts for s in p.sheets],
    )


def table_files(folder: str | Path) -> list[Path]:
    """The context tables of a folder (spreadsheets and CSV files; ``targets.csv`` and
    ``context_columns.csv`` are settings, not tables)."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file()
        and p.name not in RESERVED_FILES
        and not p.name.startswith(("~$", "."))
        and p.suffix.lower() in EXCEL_TYPES + (".csv",)
    )


def load_folder(folder: str | Path, today: dt.date | None = None) -> tuple[ContextTable, list[dict]]:
    """Every table in ``folder`` (``<data_dir>/context``): (the combined tables, files that
    could not be read with their message). Uses the folder's ``context_columns.csv``."""
    folder = Path(folder)
    extra = folder / "context_columns.csv"
    parts, errors = [], []
    for path in table_files(folder):
        try:
            parts.append(read_table(path, columns=extra if extra.exists() else None, today=today))
        except ContextFormatError as exc:
            errors.append({"source": f"context/{path.name}", "error": str(exc)})
    if not parts:
        return _tidy(
            pd.DataFrame(
                columns=["source", "year", "province_code", "agency", "indicator_id", "value", "file", "sheet", "cell"]
            ),
            [],
            [],
            [],
        ), errors
    try:
        return _combine(parts), errors
    except ContextFormatError as exc:
        return _tidy(
            pd.DataFrame(
                columns=["source", "year", "province_code", "agency", "indicator_id", "value", "file", "sheet", "cell"]
            ),
            [],
            [],
            [],
        ), errors + [{"source": "context/", "error": str(exc)}]


# --------------------------------------------------------------------------- targets


def targets(tables: ContextTable | pd.DataFrame | None = None, extra: str | Path | None = None) -> pd.DataFrame:
    """Targets by indicator, province and year (TARGET_COLUMNS; an empty province means every
    province): the built-in government targets (``context_targets.csv``, one row per year of
    their period), the rows of a department's ``targets.csv`` (same columns) and the "Chỉ tiêu"
    cells of the tables (``tables``). Later sources win: a table's own target over the file,
    the file over the built-in one."""
    with resources.files("govgap.data").joinpath("context_targets.csv").open("rb") as fh:
        parts = [("built-in", pd.read_csv(fh, dtype=str, keep_default_na=False))]
    if extra is not None and Path(extra).exists():
        parts.append((Path(extra).name, pd.read_csv(extra, dtype=str, keep_default_na=False, encoding="utf-8-sig")))
    rows = []
    cat = indicators()
    for name, table in parts:
        need = {"indicator_id", "province", "year_from", "year_to", "target", "basis_vi", "basis_en"}
        if not need <= set(table.columns):
            raise ContextFormatError(
                f"{name}: columns {sorted(need - set(table.columns))} missing; copy the header "
                "of govgap/data/context_targets.csv",
                file=name,
                row=1,
            )
        for i, row in enumerate(table.itertuples(), start=2):
            where = f"{name}, row {i}"
            if row.indicator_id not in cat.index or cat.loc[row.indicator_id, "source"] not in KINDS:
                raise ContextFormatError(
                    f"{where}: {row.indicator_id!r} is not a SIPAS, PAR INDEX or tasks indicator", file=name, row=i
                )
            try:
                value = read_number(row.target, str(cat.loc[row.indicator_id, "unit"]))
                y0, y1 = _read_year(row.year_from), _read_year(row.year_to)
                code = find_province(row.province).code if row.province.strip() else ""
            except (ValueError, LookupError) as exc:
                raise ContextFormatError(f"{where}: {exc}", file=name, row=i) from None
            for year in range(y0, y1 + 1):
                rows.append(
                    {
                        "source": cat.loc[row.indicator_id, "source"],
                        "year": year,
                        "province_code": code,
                        "agency": "",
                        "indicator_id": row.indicator_id,
                        "target": value,
                        "basis_vi": row.basis_vi,
                        "basis_en": row.basis_en,
                    }
                )
    out = pd.DataFrame(rows, columns=TARGET_COLUMNS)
    if tables is not None:
        own = tables.targets if isinstance(tables, ContextTable) else tables
        out = pd.concat([out, own[TARGET_COLUMNS]], ignore_index=True) if len(own) else out
    return out.reset_index(drop=True)


def targets_for(table: pd.DataFrame, province_code: str, agency: str = "") -> dict[tuple[str, int], pd.Series]:
    """The target that applies to the province, by (indicator, year): the province's own before
    the one for every province, the last given before earlier ones. Looked up once for all of a
    province's yardsticks and years."""
    hit = table[(table["agency"] == agency) & table["province_code"].isin([province_code, ""])]
    hit = hit.assign(own=hit["province_code"] == province_code).sort_values("own", kind="stable")
    # the last row of a key wins: the province's own, else the last one given for every province
    return {(i, int(y)): hit.iloc[n] for n, (i, y) in enumerate(zip(hit["indicator_id"], hit["year"]))}
