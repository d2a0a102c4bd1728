"""Reading spreadsheets as users have them: header keys, header rows, CSV code pages, grids.

Shared by the dossier exports (``dossiers``) and the department's own context tables
(``context``): both find their header row by matching cells against a column dictionary, so
title blocks, two-row headers and rows of column numbers do not matter.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from govgap.errors import InputError
from govgap.io.legacy_text import LEGACY_CONVERTERS, syllable_score
from govgap.io.workbooks import open_book
from govgap.reference.text import fold, nfc

if TYPE_CHECKING:
    import pandas as pd

EXCEL_TYPES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")


def header_key(text) -> str:
    """Comparable form of a header or value: NFC, no parenthesised notes, ASCII-folded, lower
    case, punctuation as spaces."""
    return _header_key(str(text))


@lru_cache(maxsize=1 << 16)
def _header_key(text: str) -> str:  # header rows are tried several ways, with the same labels
    text = re.sub(r"\([^)]*\)", " ", nfc(text))
    return " ".join(re.sub(r"[/\\.,:;*_\-–\n\r\t]+", " ", fold(text)).split())


def cell_text(value) -> str:
    """A cell as text; empty for None and NaN."""
    return "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)


def header_rows(rows: list[list], r: int, merged_parents: dict[int, str] | None) -> tuple[list, list, list]:
    """(top labels, the parent above each column, the label under it) of a two-row header at row
    ``r``: a parent label spans the empty cells to its right, or its merged range."""
    top = [cell_text(v).strip() for v in rows[r]]
    sub = [cell_text(v).strip() for v in rows[r + 1]] if r + 1 < len(rows) else []
    sub += [""] * (len(top) - len(sub))
    top += [""] * (len(sub) - len(top))
    parents, last = [], ""
    for c, label in enumerate(top):
        if label:
            last = label
        elif merged_parents is None or c in merged_parents:
            label = (merged_parents or {}).get(c, last)
        parents.append(label)
    return top, parents, sub


def header_labels(rows: list[list], r: int, two: bool, merged_parents: dict[int, str] | None) -> list[str]:
    """Labels of header row ``r``; with ``two``, each joined to the label above it from row
    ``r`` (a parent label spans the empty cells to its right, or its merged range)."""
    if not two:
        return [cell_text(v).strip() for v in rows[r]]
    top, parents, sub = header_rows(rows, r, merged_parents)
    return [f"{p} {s}".strip() if s else top[c] for c, (p, s) in enumerate(zip(parents, sub))]


def is_column_number_row(row: list) -> bool:
    """A row of column numbers under the header: (1) (2) (3) ... or 1 2 3 ..."""
    cells = [re.sub(r"[()\s]", "", cell_text(v)) for v in row if cell_text(v).strip()]
    if len(cells) < 3 or not all(c.replace(".0", "").isdigit() for c in cells):
        return False
    numbers = [int(float(c)) for c in cells]
    return numbers == list(range(numbers[0], numbers[0] + len(numbers))) and numbers[0] <= 1


def is_blank(value) -> bool:
    """None, NaN or white space only."""
    return (
        value is None
        or (isinstance(value, float) and np.isnan(value))
        or (isinstance(value, str) and not value.strip())
    )


# Spreadsheet containers by their first bytes: a workbook saved with a .csv name
_CONTAINERS = {b"PK\x03\x04": "an .xlsx/.ods (zip) workbook", b"\xd0\xcf\x11\xe0": "an .xls (OLE) workbook"}
# A CSV cell may hold a long note: Python's csv module stops at 128 kB unless told otherwise
csv.field_size_limit(1 << 26)


def _refuse_binary(name: str, head: bytes) -> None:
    """A file named .csv that is not text: a workbook renamed, or damaged or random bytes."""
    for magic, what in _CONTAINERS.items():
        if head.startswith(magic):
            raise InputError(
                f"{name}: this is {what}, not a CSV text file; give it its real extension and read it again"
            )
    sample = head[:4096]
    control = sum(b < 32 and b not in (9, 10, 13) for b in sample)
    if b"\x00" in sample or control > len(sample) // 50:
        at = next((i for i, b in enumerate(sample) if b == 0 or (b < 32 and b not in (9, 10, 13))), 0)
        raise InputError(
            f"{name}: not a CSV text file (binary bytes from byte {at + 1}: a damaged file, or not an export); "
            "export the table again as CSV or Excel",
            file=name,
        )


def csv_codec(path: Path) -> tuple[str, str]:
    """(codec, decoded head) of a CSV, decided on its first 1 MB: UTF-8 (or UTF-16 with a BOM)
    when it decodes; otherwise the 8-bit code page (Windows-1258, Windows-1252) whose reading,
    with or without a legacy font conversion, has the most well-formed Vietnamese words."""

    with open(path, "rb") as fh:
        head = fh.read(1 << 20)
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "utf-16", head.decode("utf-16", errors="ignore")
    if not head.removeprefix(b"\xef\xbb\xbf").strip():  # nothing, or only a byte-order mark
        raise InputError(f"{Path(path).name}: the file is empty; export the table again", file=Path(path).name)
    _refuse_binary(Path(path).name, head)
    try:
        return "utf-8", head.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 3:  # a character cut at the 1 MB boundary
            return "utf-8", head[: exc.start].decode("utf-8-sig")
    text = head.decode("utf-8-sig", errors="replace")
    damaged = text.count("\ufffd")
    if damaged <= max(16, len(text) // 1000) and sum(ord(ch) > 127 for ch in text) > 11 * damaged:
        # UTF-8 with a few damaged bytes (a code page gives many): read as UTF-8, and the reader
        # names the row (``utf8_error``)
        return "utf-8", text
    scores = {}
    for codec in ("cp1258", "cp1252", "latin-1"):
        try:
            text = head.decode(codec)
        except UnicodeDecodeError:
            continue
        lines = text.splitlines()[:200]
        scores[codec] = (max(syllable_score(conv(line) for line in lines) for conv in LEGACY_CONVERTERS.values()), text)
    codec = max(scores, key=lambda k: scores[k][0])
    return codec, scores[codec][1]


def utf8_error(where: str, raw: bytes, position: int, delimiter: str = ",", error=InputError) -> InputError:
    """The error (of class ``error``) for bytes at ``position`` of a UTF-8 file that are not
    UTF-8, naming the file ``where``, the row and the column (counted from 1)."""
    start = raw.rfind(b"\n", 0, position) + 1
    before = raw[start:position].decode("utf-8", errors="replace")
    column = len(next(csv.reader([before], delimiter=delimiter), [""]))
    row = raw.count(b"\n", 0, position) + 1
    return error(
        f"{where}, row {row}, column {column}: bytes that are not UTF-8 text, "
        "although the file is UTF-8 elsewhere (a damaged file, or text pasted from another "
        "encoding). Re-save it as UTF-8 and read it again.",
        file=where,
        row=row,
        column=str(column),
    )


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits the first lines into the most fields consistently: with
    decimal commas ("84,52") a semicolon file also splits on commas, but into fewer fields."""
    lines = [line for line in text.splitlines()[:40] if line.strip()]
    best, score = ",", (0, 0)
    for delim in (";", "\t", "|", ","):
        counts = [len(row) for row in csv.reader(io.StringIO("\n".join(lines)), delimiter=delim)]
        if not counts:
            continue
        mode = max(set(counts), key=lambda n: (counts.count(n), n))
        if mode > 1 and (counts.count(mode) >= 0.6 * len(counts)) and (mode, counts.count(mode)) > score:
            best, score = delim, (mode, counts.count(mode))
    return best


def read_dictionary(name: str, extra: str | Path | None, error: type[Exception]) -> pd.DataFrame:
    """A built-in dictionary ``govgap/data/<name>`` (all text) with a user's CSV of the same
    columns put first, so its rows win; ``error`` is raised naming a user file that lacks a
    column."""
    from importlib import resources

    import pandas as pd

    with resources.files("govgap.data").joinpath(name).open("rb") as fh:
        table = pd.read_csv(fh, dtype=str, keep_default_na=False)
    if extra is not None and Path(extra).exists():
        user = pd.read_csv(extra, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        missing = set(table.columns) - set(user.columns)
        if missing:
            raise error(
                f"{Path(extra).name}: columns {sorted(missing)} missing; copy the header of "
                f"govgap/data/{name} ({','.join(table.columns)})"
            )
        table = pd.concat([user[table.columns], table], ignore_index=True)  # user rows first
    return table


def match_header(
    labels: list[str], variants: dict[str, str], repeatable=(), rank: dict[str, int] | None = None
) -> tuple[dict[int, str], str]:
    """The best reading of a header row (Unicode, TCVN3 or VNI): ({column: canonical}, encoding).
    ``variants`` maps ``header_key`` of a spelling to its canonical name; a canonical name is
    taken once, except those in ``repeatable`` (columns to ignore), which do not count either.
    Two columns with one canonical name: the one whose spelling comes first in the dictionary
    (``rank``, lower first) is taken ("Ngày tiếp nhận" at the counter before "Ngày nộp" online);
    without ``rank``, the first column."""
    best: tuple[dict[int, str], str] = ({}, "unicode")
    best_n = 0
    rank = rank or {}
    for name, convert in LEGACY_CONVERTERS.items():
        found: dict[int, str] = {}
        ranks: dict[str, tuple[int, int]] = {}  # canonical -> (rank, column)
        for c, label in enumerate(labels):
            key = header_key(convert(label)) if label else ""
            canon = variants.get(key) if label else None
            if not canon:
                continue
            if canon in repeatable or canon not in ranks:
                found[c] = canon
                if canon not in repeatable:
                    ranks[canon] = (rank.get(key, 0), c)
            elif rank.get(key, 0) < ranks[canon][0]:  # a better spelling of a column already taken
                del found[ranks[canon][1]]
                found[c] = canon
                ranks[canon] = (rank.get(key, 0), c)
        n = sum(v not in repeatable for v in found.values())
        if n > best_n:
            best, best_n = (found, name), n
    return best


@dataclass
class Grid:
    """One sheet as a list of rows of raw cell values (CSV: one sheet named "-")."""

    sheet: str
    rows: list[list]
    merged: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, col) -> text of its merge
    codec: str = "unicode"


def read_grids(path: str | Path) -> list[Grid]:
    """Every sheet of a spreadsheet (python-calamine) or a CSV (code page and delimiter sniffed)
    as raw rows. Raises ``ValueError`` naming the file when it cannot be opened."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        codec, head = csv_codec(path)
        raw = path.read_bytes()
        delimiter = sniff_delimiter(head)
        try:
            text = raw.decode(
                "utf-8-sig" if codec == "utf-8" else codec, errors="strict" if codec == "utf-8" else "replace"
            )
        except UnicodeDecodeError as exc:
            raise utf8_error(path.name, raw, exc.start, delimiter) from None
        rows = [
            [cell if cell.strip() else None for cell in row]
            for row in csv.reader(io.StringIO(text), delimiter=delimiter)
        ]
        return [Grid("-", rows, {}, codec)]
    if suffix not in EXCEL_TYPES:
        raise InputError(f"{path.name}: not a spreadsheet or CSV file (expected .xlsx, .xls, .ods or .csv)")
    book = open_book(path)
    grids = []
    for name in book.sheet_names:
        sheet = book.get_sheet_by_name(name)
        rows = sheet.to_python(skip_empty_area=False)
        merged = {}
        try:
            for (r0, c0), (r1, c1) in sheet.merged_cell_ranges or []:
                text = cell_text(rows[r0][c0]).strip() if r0 < len(rows) and c0 < len(rows[r0]) else ""
                for r in range(r0, r1 + 1):
                    for c in range(c0, c1 + 1):
                        if (r, c) != (r0, c0):
                            merged[(r, c)] = text
        except (TypeError, ValueError):
            merged = {}
        grids.append(Grid(name, [list(r) for r in rows], merged))
    return grids
