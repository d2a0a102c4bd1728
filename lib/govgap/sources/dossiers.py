"""One-stop-shop dossier exports: read and clean to a canonical table (the Decision 766/QĐ-TTg
metrics are computed from it by ``govgap.estimate.dossier_metrics``).

Reading (``read_export``) works on ``.xlsx``/``.xlsm``/``.xls``/``.xlsb``/``.ods`` (python-calamine)
and ``.csv`` (pyarrow). The header row is found by matching cells against the column
dictionary (``govgap/data/dossier_columns.csv``, which users extend with their own file), so
title blocks, two-row headers, a row of column numbers and footer totals do not matter.
Text is NFC; text typed in the legacy TCVN3 (ABC) or VNI fonts, and CSV files saved in
Windows-1258, are recognised and converted. Personal-data columns (applicant, phone, ID
number, address, e-mail) and every column the dictionary does not know are dropped at read:
only their header names are listed.

Cleaning (``clean_dossiers``) turns the read rows into the canonical table or the quarantine,
with a reason for each quarantined row, so that rows read = kept + quarantined; docs/methods.md
explains every rule.
"""

from __future__ import annotations

import csv
import io
import re
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import islice
from pathlib import Path

import numpy as np
import pandas as pd

from govgap.contract import quarantine as quarantine_contract
from govgap.contract.accounting import Accounting
from govgap.errors import DossierFormatError, OptionError, reading
from govgap.io import _fast as fast
from govgap.io.legacy_text import LEGACY_CONVERTERS, LegacyTextError, detect_legacy
from govgap.io.sheets import (
    EXCEL_TYPES,
    cell_text,
    csv_codec,
    header_key,
    header_labels,
    is_blank,
    is_column_number_row,
    match_header,
    read_dictionary,
    sniff_delimiter,
)
from govgap.io.workbooks import HtmlBook, open_book
from govgap.redact import pseudonymised_ids, redact
from govgap.reference.calendar import WorkCalendar, read_days_off
from govgap.reference.text import is_sample_text

HEADER_SCAN_ROWS = 40

STATUSES = ["early", "on_time", "late", "in_progress", "overdue_in_progress", "returned", "withdrawn"]
CHANNELS = ["in_person", "online", "postal"]
CATEGORICAL_COLUMNS = [
    "procedure",
    "procedure_code",
    "field",
    "office",
    "channel",
    "status",
    "late_rule",
    "month",
    "source_file",
    "source_sheet",
]
CANONICAL_COLUMNS = [
    "dossier_id",
    "procedure",
    "procedure_code",
    "field",
    "office",
    "channel",
    "received",
    "due",
    "finished",
    "end",
    "status",
    "on_time",
    "late_rule",
    "supplements",
    "supplement_working_days",
    "processing_working_days",
    "working_days_late",
    "paid_online",
    "fee",
    "carried_over",
    "month",
    "source_file",
    "source_sheet",
    "source_row",
]


# --------------------------------------------------------------------------- dictionaries


def _read_table(name: str, extra: str | Path | None) -> pd.DataFrame:
    return read_dictionary(name, extra, DossierFormatError)


@lru_cache(maxsize=8)
def column_dictionary(extra: str | None = None) -> pd.DataFrame:
    """The column dictionary: canonical name, required, pii, kind and header variants
    (``|``-separated). ``extra``: a user CSV with the same columns; its variants come first and
    its flags win for a canonical name both define; new canonical names are added."""
    table = _read_table("dossier_columns.csv", extra)
    table = (
        table.groupby("canonical", sort=False)
        .agg({"required": "first", "pii": "first", "kind": "first", "variants": "|".join})
        .reset_index()
    )
    table["required"] = table["required"] == "1"
    table["pii"] = table["pii"] == "1"
    return table


@lru_cache(maxsize=8)
def _variant_index(extra: str | None = None) -> dict[str, str]:
    index: dict[str, str] = {}
    for row in column_dictionary(extra).itertuples():
        for variant in row.variants.split("|"):
            index.setdefault(header_key(variant), row.canonical)
    return index


@lru_cache(maxsize=8)
def _variant_rank(extra: str | None = None) -> dict[str, int]:
    """Each spelling's place among its column's variants: when an export has two columns for one
    field, the earlier spelling wins (the counter's "Ngày tiếp nhận" over the portal's "Ngày nộp")."""
    rank: dict[str, int] = {}
    for row in column_dictionary(extra).itertuples():
        for k, variant in enumerate(row.variants.split("|")):
            rank.setdefault(header_key(variant), k)
    return rank


def _competing_columns(found: dict[int, str], labels: list[str], extra: str | None) -> list[str]:
    """Notes for the columns left out because another column of the export means the same field."""
    index, notes = _variant_index(extra), []
    for c, label in enumerate(labels):
        canon = index.get(header_key(label)) if label and c not in found else None
        used = next((labels[k] for k, v in found.items() if v == canon), None) if canon else None
        if used is not None:
            notes.append(f"'{used}' is read as {canon}; '{label}' means the same field and is not read")
    return notes


@lru_cache(maxsize=8)
def value_dictionary(extra: str | None = None) -> pd.DataFrame:
    """Status, channel and online-payment vocabularies (``govgap/data/dossier_values.csv``):
    exact matches first, then the first "contains" rule in file order."""
    return _read_table("dossier_values.csv", extra)


def _vocabulary(kind: str, values: pd.Index, extra: str | None) -> pd.Series:
    """Map distinct raw values of one kind to canonical values (NaN when unknown)."""
    table = value_dictionary(extra)
    table = table[table["kind"] == kind]
    exact = {header_key(v): c for v, c, m in zip(table["value"], table["canonical"], table["match"]) if m == "exact"}
    contains = [
        (header_key(v), c) for v, c, m in zip(table["value"], table["canonical"], table["match"]) if m == "contains"
    ]
    out = {}
    for raw in values:
        key = header_key(raw)
        if key in exact:
            out[raw] = exact[key]
            continue
        padded = f" {key} "
        out[raw] = next((c for v, c in contains if f" {v} " in padded), np.nan)
    return pd.Series(out, dtype=object)


# --------------------------------------------------------------------------- reading


@dataclass
class Export:
    """The rows of one export with canonical column names (raw values, no PII columns)."""

    frame: pd.DataFrame
    file: str
    sheets: list[str]
    encoding: str
    columns: dict[str, str]  # canonical -> header as written
    unrecognised: list[str] = field(default_factory=list)
    personal_dropped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    sample: bool = False  # the title block carries govgap's sample marker: simulated, not real records

    def describe(self) -> str:
        lines = [f"{self.file}: {len(self.frame):,} rows from sheet(s) {', '.join(self.sheets)}; text {self.encoding}"]
        if self.personal_dropped:
            lines.append("  personal-data columns dropped: " + ", ".join(self.personal_dropped))
        lines.append("  columns read: " + "; ".join(f"{canon} <- '{label}'" for canon, label in self.columns.items()))
        if self.unrecognised:
            lines.append("  columns not in the dictionary (not read): " + ", ".join(self.unrecognised))
        lines += [f"  {n}" for n in self.notes]
        return "\n".join(lines)


def _match_header(labels: list[str], extra: str | None) -> tuple[dict[int, str], str]:
    """Best legacy reading of a header row: {column: canonical}, encoding name."""
    return match_header(labels, _variant_index(extra), rank=_variant_rank(extra))


def _find_header(
    rows: list[list], where: str, extra: str | None, sheet: str | None = None
) -> tuple[int, int, dict[int, str], list[str], str]:
    """(first header row, header row count, {column: canonical}, labels, header encoding)."""
    best = None
    for r in range(min(HEADER_SCAN_ROWS, len(rows))):
        for two in (False, True):
            labels = header_labels(rows, r, two, None)
            found, enc = _match_header(labels, extra)
            if len(found) >= 3 and (best is None or len(found) > len(best[2])):
                best = (r, 2 if two else 1, found, labels, enc)
        if best is not None and r > best[0] + 1:
            break
    if best is None:
        raise DossierFormatError(
            f"{where}: no header row found in the first {HEADER_SCAN_ROWS} rows (looked for column "
            "names such as 'Mã hồ sơ', 'Ngày tiếp nhận', 'Ngày hẹn trả'). If the export names its "
            "columns differently, add the names to a dossier_columns.csv (see data/raw/README.md).",
            sheet=sheet,
        )
    return best


def _hand_back_as_result(found: dict[int, str], labels: list[str]) -> list[str]:
    """An export whose only result date is the hand-back date ("Ngày trả kết quả"): that column
    is read as the result date (``found`` is changed), and a note says so. The hand-back comes on
    or after the result, so the on-time rate is, if anything, lower than Decision 766's."""
    if "finished" in found.values() or "returned_to_applicant" not in found.values():
        return []
    c = next(k for k, v in found.items() if v == "returned_to_applicant")
    found[c] = "finished"
    return [
        f"no result-date column: the hand-back date '{labels[c]}' is read as the result date "
        "(a dossier handed back after its appointed day counts as late)"
    ]


def _check_required(
    found: dict[int, str], labels: list[str], where: str, extra: str | None, row: int, sheet: str | None = None
) -> None:
    table = column_dictionary(extra)
    missing = [r for r in table.itertuples() if r.required and r.canonical not in found.values()]
    if not missing:
        return
    names = "; ".join(f"{r.canonical} (e.g. '{r.variants.split('|')[0]}')" for r in missing)
    pii = set(table.loc[table["pii"], "canonical"])
    unknown = [
        lab
        for c, lab in enumerate(labels)
        if lab and c not in found and _variant_index(extra).get(header_key(lab)) not in pii
    ]
    hint = f" Columns not recognised: {', '.join(repr(u) for u in unknown[:12])}." if unknown else ""
    raise DossierFormatError(
        f"{where}: required column(s) missing: {names}.{hint} Add the export's name for the column "
        "to a dossier_columns.csv (see data/raw/README.md).",
        sheet=sheet,
        row=row,
    )


def _split_columns(found: dict[int, str], labels: list[str], extra: str | None):
    table = column_dictionary(extra).set_index("canonical")
    keep = {c: name for c, name in found.items() if not table.loc[name, "pii"] and table.loc[name, "kind"] != "ignore"}
    personal = [labels[c] for c, name in found.items() if table.loc[name, "pii"]]
    index = _variant_index(extra)  # a second column for a field already read is said apart
    unrecognised = [lab for c, lab in enumerate(labels) if lab and c not in found and header_key(lab) not in index]
    return keep, personal, unrecognised


def _convert_text_columns(
    frame: pd.DataFrame, where: str, columns: dict[str, str], extra: str | None, ids_done: bool = False
) -> list[str]:
    """Text columns as categoricals of NFC text, legacy fonts (TCVN3, VNI) converted; the work
    is done on distinct values only. Ids become trimmed NFC text ("" when blank) unless
    ``ids_done`` (the CSV reader does that in pyarrow)."""
    kinds = column_dictionary(extra).set_index("canonical")["kind"]
    used = []
    for name in list(frame.columns):
        if name not in kinds.index or name == "dossier_id":
            continue
        if kinds[name] != "text":
            continue
        cat = fast.categorical(frame[name])
        texts = [v for v in cat.categories if isinstance(v, str)]
        try:
            enc = detect_legacy(texts)
        except LegacyTextError as exc:
            raise DossierFormatError(
                f"{where}, column '{columns.get(name, name)}': {exc}", column=columns.get(name, name)
            ) from None
        convert = LEGACY_CONVERTERS[enc]
        cat = fast.recode(cat, lambda v, convert=convert: (convert(v) or None) if isinstance(v, str) else v)
        if enc != "unicode":
            used.append(f"{columns.get(name, name)}: {enc}")
        frame[name] = cat
    if "dossier_id" in frame.columns and not ids_done:
        ids = frame["dossier_id"]
        if ids.dtype == object and pd.api.types.infer_dtype(ids, skipna=True) != "string":
            ids = ids.map(
                lambda v: None if is_blank(v) else (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v))
            )
        ids = ids.astype("str").fillna("")
        if not ids.str.isascii().all():
            ids = ids.str.normalize("NFC")
        frame["dossier_id"] = ids.str.strip()
    return used


def _read_excel(path: Path, extra: str | None) -> Export:
    book = open_book(path, DossierFormatError)  # a web page saved as .xls is read as its tables
    parts, sheets, notes, columns, personal, unrecognised = [], [], [], {}, [], []
    first_error, marked = None, False
    for name in book.sheet_names:
        sheet = book.get_sheet_by_name(name)
        rows = sheet.to_python(skip_empty_area=False)
        if not rows:
            continue
        where = f"{path.name}, sheet '{name}'"
        merged = {}
        try:
            for (r0, c0), (_r1, c1) in sheet.merged_cell_ranges or []:
                for c in range(c0 + 1, c1 + 1):
                    merged[(r0, c)] = cell_text(rows[r0][c0]).strip() if r0 < len(rows) and c0 < len(rows[r0]) else ""
        except (TypeError, ValueError):
            merged = {}
        try:
            head_rows = rows[: HEADER_SCAN_ROWS + 1]
            r, n, found, labels, enc = _find_header(head_rows, where, extra, sheet=name)
            if n == 2 and merged:
                parents = {c: v for (rr, c), v in merged.items() if rr == r}
                labels = header_labels(head_rows, r, True, parents or None)
        except DossierFormatError as exc:
            first_error = first_error or exc
            notes.append(f"sheet '{name}' skipped: no dossier header")
            continue
        notes += [f"sheet '{name}': {note}" for note in _hand_back_as_result(found, labels)]
        _check_required(found, labels, f"{where}, header row {r + 1}", extra, row=r + 1, sheet=name)
        marked |= any(is_sample_text(cell_text(v)) for row in head_rows[:r] for v in row)
        keep, pii, unknown = _split_columns(found, labels, extra)
        notes += [f"sheet '{name}': {note}" for note in _competing_columns(found, labels, extra)]
        start = r + n
        if start < len(rows) and is_column_number_row(rows[start]):
            notes.append(f"sheet '{name}': row {start + 1} holds column numbers, not a dossier")
            start += 1
        grid = fast.object_grid(rows[start:], max(keep) + 1)
        # object columns as read: no inference into string arrays (text is converted once, per
        # distinct value, in _convert_text_columns)
        frame = pd.DataFrame({canon: grid[:, c] for c, canon in keep.items()}, dtype=object, copy=False)
        n_body = len(grid)
        del grid, rows
        frame.insert(0, "source_row", np.arange(start + 1, start + 1 + n_body))
        frame.insert(0, "source_sheet", name)
        parts.append(frame)
        sheets.append(name)
        columns.update({canon: labels[c] for c, canon in keep.items()})
        personal += [p for p in pii if p not in personal]
        unrecognised += [u for u in unknown if u not in unrecognised]
    if not parts:
        raise first_error or DossierFormatError(f"{path.name}: the workbook has no sheet with data")
    frame = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    frame.insert(0, "source_file", pd.Categorical.from_codes(np.zeros(len(frame), dtype=np.int8), [path.name]))
    frame["source_sheet"] = pd.Categorical(frame["source_sheet"])
    converted = _convert_text_columns(frame, path.name, columns, extra)
    if converted:
        notes.append("legacy text converted: " + "; ".join(converted))
    if marked:
        notes.append("govgap's sample marker in the title: simulated records, not real ones")
    if isinstance(book, HtmlBook):
        notes.append("a web page (HTML) saved with a workbook's name: its tables read as sheets")
    return Export(frame, path.name, sheets, "unicode", columns, unrecognised, personal, notes, marked)


def _read_csv(path: Path, extra: str | None) -> Export:
    import pyarrow as pa
    from pyarrow import csv as pacsv

    codec, head_text = csv_codec(path)
    delimiter = sniff_delimiter(head_text)
    head_rows = list(islice(csv.reader(io.StringIO(head_text), delimiter=delimiter), HEADER_SCAN_ROWS + 2))
    r, n, found, labels, enc = _find_header(head_rows, path.name, extra)
    hand_back = _hand_back_as_result(found, labels)
    _check_required(found, labels, f"{path.name}, header row {r + 1}", extra, row=r + 1)
    keep, pii, unknown = _split_columns(found, labels, extra)
    start = r + n
    notes = hand_back + _competing_columns(found, labels, extra)
    if start < len(head_rows) and is_column_number_row(head_rows[start]):
        notes.append(f"row {start + 1} holds column numbers, not a dossier")
        start += 1
    width = max(len(labels), max((len(x) for x in head_rows[start : start + 5]), default=0))
    names = [f"c{i}" for i in range(width)]
    invalid: list[tuple[int | None, str]] = []

    def handler(row):
        invalid.append(
            (row.number, f"wrong number of fields ({row.actual_columns} for {row.expected_columns} columns)")
        )
        return "skip"

    dictionary = pa.dictionary(pa.int32(), pa.string())
    types = {f"c{c}": (pa.string() if name in ("dossier_id", "received") else dictionary) for c, name in keep.items()}

    def read(threads: bool):
        invalid.clear()
        return pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(
                skip_rows=start,
                column_names=names,
                use_threads=threads,
                block_size=1 << 20,
                encoding="utf8" if codec == "utf-8" else codec,
            ),
            # a blank line is a row (quarantined as blank, as in a workbook): skipping it would
            # shift every row number below it, in pyarrow's messages and in ours
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter, invalid_row_handler=handler, ignore_empty_lines=False
            ),
            convert_options=pacsv.ConvertOptions(
                include_columns=list(types),
                column_types=types,
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
                check_utf8=False,
            ),
        )  # checked on distinct values below

    try:
        table = read(True)
        if invalid:
            table = read(False)  # single-threaded, so the invalid rows get their row numbers
    except pa.ArrowInvalid as exc:
        raise DossierFormatError(f"{path.name}: {exc}") from None
    names = [keep[int(name[1:])] for name in table.column_names]
    converted, bad = {}, None
    with ThreadPoolExecutor(2) as pool:  # pyarrow unifies the blocks' dictionaries without the GIL
        jobs = [
            pool.submit(fast.ids_from_arrow if name == "dossier_id" else fast.from_arrow, col)
            for name, col in zip(names, table.columns)
        ]
        for name, job in zip(names, jobs):
            try:
                converted[name] = job.result()
            except fast.BadUTF8 as exc:
                bad = bad or (name, exc.row)
    rows = np.arange(start + 1, start + 1 + table.num_rows)
    del table
    if invalid:
        for num in sorted(num for num, _ in invalid if num is not None):
            rows[rows >= num] += 1  # pyarrow gives the row's number in the file
    if bad:
        name, row = bad
        label = next(labels[c] for c, canon in keep.items() if canon == name)
        raise DossierFormatError(
            f"{path.name}, row {rows[row]}, column '{label}': bytes that are not UTF-8 text, although the file "
            "starts as UTF-8 (a damaged file, or parts pasted from another encoding). Re-save it as "
            "UTF-8 and read it again.",
            row=int(rows[row]),
            column=label,
        )
    frame = pd.DataFrame(converted, copy=False)
    if invalid:
        broken = pd.DataFrame(
            {
                "source_row": [num if num is not None else 0 for num, _ in invalid],
                "_parse_error": [why for _, why in invalid],
            }
        )
        frame = pd.concat([frame.assign(source_row=rows), broken], ignore_index=True)
        notes.append(f"{len(invalid)} rows with the wrong number of fields (quarantined)")
    else:
        frame.insert(0, "source_row", rows)
    frame.insert(0, "source_sheet", pd.Categorical.from_codes(np.zeros(len(frame), dtype=np.int8), ["-"]))
    frame.insert(0, "source_file", pd.Categorical.from_codes(np.zeros(len(frame), dtype=np.int8), [path.name]))
    columns = {v: labels[k] for k, v in keep.items()}
    converted = _convert_text_columns(frame, path.name, columns, extra, ids_done=True)
    if converted:
        notes.append("legacy text converted: " + "; ".join(converted))
    return Export(frame, path.name, ["-"], codec, columns, unknown, pii, notes)


def read_export(path: str | Path, columns: str | Path | None = None) -> Export:
    """Read one export. ``columns``: a user column dictionary CSV added to the built-in one.

    Every sheet with a dossier header is read (exports split by month are common); sheets
    without one are listed in ``notes``. Raises DossierFormatError naming the file, sheet, row
    and column when the file cannot be read as a dossier export."""
    path = Path(path)
    with reading(path.name):  # every fault found below names this file
        return _read_export(path, str(columns) if columns else None)


def _read_export(path: Path, extra: str | None) -> Export:
    if not path.exists():
        raise DossierFormatError(f"{path}: file not found")
    suffix = path.suffix.lower()
    if suffix in EXCEL_TYPES:
        export = _read_excel(path, extra)
    elif suffix in (".csv", ".txt"):
        export = _read_csv(path, extra)
    else:
        raise DossierFormatError(
            f"{path.name}: unsupported dossier export type {suffix!r} (use .xlsx, .xls, .xlsb, .ods or .csv)"
        )
    if len(export.frame) == 0:
        raise DossierFormatError(
            f"{path.name}: the export has its header but no dossier rows below it: nothing to clean. "
            "Export the period's dossiers again."
        )
    return export


# --------------------------------------------------------------------------- dates

_DATE_FORMATS = (
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
    "%d/%m/%Y %H:%M:%S",
    "%Y-%m-%d",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%d-%m-%Y",
    "%d.%m.%Y",
    "%d-%m-%Y %H:%M",
    "%H:%M %d/%m/%Y",
    "%H:%M:%S %d/%m/%Y",
    "%Y-%m-%d %H:%M",
)
_SERIAL = re.compile(r"\d{5}(\.\d+)?")


def _parse_text_dates(text: pd.Series) -> np.ndarray:
    """Text dates -> datetime64[ns] (NaT when no format fits); pyarrow's strptime first."""
    import pyarrow as pa
    import pyarrow.compute as pc

    text = pd.Series(text)
    if not pd.api.types.is_string_dtype(text.dtype) or text.dtype == object:
        text = text.astype(str)
    arr = fast.to_arrow(text)
    if pc.any(pc.match_substring_regex(arr, r"\s\s|[\x{00A0}\x{2007}\x{202F}\x{3000}]")).as_py():
        arr = pc.replace_substring_regex(arr, r"[\s\x{00A0}\x{2007}\x{202F}\x{3000}]+", " ")
    arr = pc.utf8_trim_whitespace(arr)
    out = np.full(len(arr), np.datetime64("NaT"), "datetime64[ns]")
    serial = pc.match_substring_regex(arr, r"^\d{5}(\.\d+)?$").to_numpy(zero_copy_only=False)
    if serial.any():
        days = pc.cast(arr.filter(pa.array(serial)), pa.float64()).to_numpy(zero_copy_only=False)
        out[serial] = np.datetime64("1899-12-30", "ns") + (days * 86_400e9).astype("timedelta64[ns]")
    todo = ~serial
    if len(arr) > 1000:  # received dates with times: parse the distinct days once, add the times
        timed = pc.match_substring_regex(arr, r"^\d\d/\d\d/\d{4} \d\d:\d\d$")
        if timed.true_count > len(arr) // 2:
            rows = np.flatnonzero(timed.to_numpy(zero_copy_only=False))
            part = arr.filter(timed)
            days = pc.dictionary_encode(pc.utf8_slice_codeunits(part, 0, 10))
            day = _parse_text_dates(pd.Series(pd.arrays.ArrowStringArray(days.dictionary)))[
                days.indices.to_numpy(zero_copy_only=False)
            ]
            hour, minute = (pc.cast(pc.utf8_slice_codeunits(part, a, a + 2), pa.int64()).to_numpy() for a in (11, 14))
            ok = ~np.isnat(day) & (hour < 24) & (minute < 60)  # the others go the usual way (and fail there)
            out[rows[ok]] = day[ok] + (hour[ok] * 3600 + minute[ok] * 60).astype("timedelta64[s]")
            todo[rows[ok]] = False
    plain = None  # the cleaned text as Python strings, for pandas where pyarrow cannot decide

    def strings(idx):
        nonlocal plain
        if plain is None:
            plain = arr.to_numpy(zero_copy_only=False)
        return plain[idx]

    for fmt in _DATE_FORMATS:
        if not todo.any():
            break
        idx = np.flatnonzero(todo)
        part = arr if len(idx) == len(arr) else arr.take(pa.array(idx))
        got = pc.strptime(part, format=fmt, unit="s", error_is_null=True)
        got = got.to_numpy(zero_copy_only=False).astype("datetime64[ns]")
        # pyarrow rolls 31/02 over to 02/03: a parsed day 1-3 must read back as it was written,
        # otherwise pandas, which refuses 31/02, decides
        check = np.flatnonzero(
            ~np.isnat(got) & (got.astype("datetime64[D]") - got.astype("datetime64[M]") < np.timedelta64(3, "D"))
        )
        if len(check):
            written = pc.strftime(pa.array(got[check].astype("datetime64[s]")), format=fmt)
            check = check[~pc.equal(written, part.take(pa.array(check))).to_numpy(zero_copy_only=False)]
        if len(check):
            got[check] = pd.to_datetime(strings(idx[check]), format=fmt, errors="coerce").to_numpy("datetime64[ns]")
        ok = ~np.isnat(got)
        out[idx[ok]] = got[ok]
        todo[idx[ok]] = False
    if todo.any():  # one-digit days or months (1/2/2024), which pyarrow does not take
        idx = np.flatnonzero(todo)
        for fmt in ("%d/%m/%Y %H:%M", "%d/%m/%Y"):
            got = pd.to_datetime(strings(idx), format=fmt, errors="coerce").to_numpy("datetime64[ns]")
            ok = ~np.isnat(got)
            out[idx[ok]] = got[ok]
            idx = idx[~ok]
    return out


def _parse_unique_dates(values: pd.Index) -> np.ndarray:
    """Parse distinct raw date values: Excel date cells, Excel serial numbers, or text."""
    out = np.full(len(values), np.datetime64("NaT"), "datetime64[ns]")
    if not len(values):
        return out
    if values.dtype != object:
        return _parse_text_dates(pd.Series(values))
    kind = np.array(
        [
            2
            if isinstance(v, str)
            else 1
            if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
            else 0
            if hasattr(v, "year")
            else 3
            for v in values
        ]
    )
    if (kind == 0).any():
        out[kind == 0] = pd.to_datetime(list(values[kind == 0])).to_numpy("datetime64[ns]")
    if (kind == 1).any():
        num = np.asarray(values[kind == 1], dtype=float)
        serial = np.where((num >= 20_000) & (num <= 80_000), num, np.nan)  # 1954-2119
        out[kind == 1] = np.datetime64("1899-12-30", "ns") + (serial * 86_400e9).astype("timedelta64[ns]")
        out[np.flatnonzero(kind == 1)[np.isnan(serial)]] = np.datetime64("NaT")
    if (kind == 2).any():
        out[kind == 2] = _parse_text_dates(pd.Series(values[kind == 2], dtype=object))
    return out


def parse_dates(values) -> pd.Series:
    """Dates as dd/mm/yyyy, dd/mm/yyyy HH:MM, ISO, Excel serial numbers or Excel date cells
    -> datetime64; unreadable or blank -> NaT. Each distinct value is parsed once."""
    index = values.index if isinstance(values, pd.Series) else None
    dates = _DateCodes(fast.categorical(values))
    return pd.Series(dates.values[dates.codes], index=index, dtype="datetime64[ns]")


class _DateCodes:
    """A date column kept as codes into its distinct parsed values (NaT last, where code -1
    points): full-length datetime64[ns] arrays are built only for the rows kept."""

    def __init__(self, cat: pd.Categorical):
        self.values = np.append(
            _parse_unique_dates(cat.categories).astype("datetime64[ns]"), np.datetime64("NaT", "ns")
        )
        self.codes = cat.codes

    def unreadable(self) -> np.ndarray:
        """Rows with a value that is not a date (not blank)."""
        bad = np.isnat(self.values)
        bad[-1] = False
        return bad[self.codes]

    def missing(self) -> np.ndarray:
        """Rows without a date (blank or unreadable)."""
        return np.isnat(self.values)[self.codes]

    def days(self) -> np.ndarray:
        """Every row's day (NaT: blank or unreadable)."""
        return self.values.astype("datetime64[D]")[self.codes]

    def take(self, rows) -> np.ndarray:
        return self.values[self.codes[rows]]

    def fill(self, rows, values) -> None:
        """Set ``rows`` (blank until now) to ``values`` (datetime64)."""
        distinct, where = np.unique(np.asarray(values, dtype="datetime64[ns]"), return_inverse=True)
        known = len(self.values) - 1
        self.values = np.concatenate([self.values[:-1], distinct, self.values[-1:]])
        self.codes = self.codes.astype(np.int32)
        self.codes[rows] = known + where


def _looks_month_first(categories) -> bool:
    """dd/mm/yyyy expected: text dates whose second number exceeds 12 while the first never does."""
    import pyarrow as pa
    import pyarrow.compute as pc

    cats = pd.Index(categories)
    if cats.dtype == object:
        strings = pa.array([v for v in cats if isinstance(v, str)], type=pa.string())
    elif pd.api.types.is_string_dtype(cats.dtype):
        strings = pa.array(cats.array, type=pa.string())
    else:
        return False
    days = pc.unique(pc.utf8_slice_codeunits(strings, 0, 10))
    parts = pc.extract_regex(days, r"^\s*(?P<first>\d{1,2})/(?P<second>\d{1,2})/\d{4}")
    if parts.null_count == len(parts):
        return False
    first = pc.cast(pc.struct_field(parts, "first"), pa.int16())
    second = pc.cast(pc.struct_field(parts, "second"), pa.int16())
    return bool(pc.any(pc.greater(second, 12)).as_py()) and not pc.any(pc.greater(first, 12)).as_py()


# --------------------------------------------------------------------------- cleaning


UNKNOWN_STATUS = "unknown status"


@dataclass
class Cleaned:
    """A cleaned export: canonical table, quarantine (with reasons) and row accounting."""

    table: pd.DataFrame
    quarantine: pd.DataFrame
    accounting: Accounting
    notes: list[str] = field(default_factory=list)

    def __iter__(self):  # clean, quarantine, accounting = clean_dossiers(...)
        return iter((self.table, self.quarantine, self.accounting))

    def reasons(self) -> pd.DataFrame:
        """Quarantined rows per reason, most frequent first."""
        return quarantine_contract.reasons(self.quarantine)

    def unknown_statuses(self) -> pd.DataFrame:
        """Statuses outside the vocabulary (``dossier_values.csv``) with their rows, most first."""
        return quarantine_contract.values_of(self.quarantine, UNKNOWN_STATUS)


EARLIEST_RECEIVED_DAYS = 3 * 366  # a dossier received longer before the period is a typing error
LATEST_DUE_DAYS = 365  # so is an appointed date more than a year after the period (or the export)


def calendar_for(period_start, period_end, days_off: str | Path | None = None, as_of=None) -> WorkCalendar:
    """The working-day calendar of a period: from the earliest received date kept to a year after
    the period or the export's day, whichever is later (the dates quarantined otherwise)."""
    off, work = read_days_off(days_off) if days_off else ([], [])
    last = max(pd.Timestamp(period_end), pd.Timestamp(as_of if as_of is not None else period_end))
    return WorkCalendar(
        (pd.Timestamp(period_start) - pd.Timedelta(days=EARLIEST_RECEIVED_DAYS)).date(),
        (last + pd.Timedelta(days=LATEST_DUE_DAYS)).date(),
        off,
        work,
    )


def _period(period, period_start, period_end):
    if period is not None:
        text = str(period)
        if re.fullmatch(r"\d{4}", text):
            return pd.Timestamp(f"{text}-01-01"), pd.Timestamp(f"{text}-12-31")
        if re.fullmatch(r"\d{4}-\d{2}", text):
            start = pd.Timestamp(f"{text}-01")
            return start, start + pd.offsets.MonthEnd(0)
        raise OptionError(f"period {period!r}: use a year (2024) or a month (2024-03)")
    if period_start is None or period_end is None:
        raise OptionError("give period=YEAR or both period_start and period_end")
    return pd.Timestamp(period_start).normalize(), pd.Timestamp(period_end).normalize()


_FOOTER = r"^\s*(tổng|tong|cộng|cong|total|người lập|nguoi lap|ghi chú|ghi chu|xác nhận)"
_FOOTER_FIRST = np.frombuffer(b" \t\n\v\f\rTtCcNnGgXx", dtype=np.uint8)  # how a footer id can begin


def _starts_like_footer(ids: pd.Series) -> np.ndarray:
    """Ids that are the words of a total or signature row ("Tổng cộng", "Người lập biểu"). Only
    ids whose first byte could begin such words are matched against them."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = fast.to_arrow(ids)
    offsets, data = fast.offsets_and_data(arr)
    filled = offsets[1:] > offsets[:-1]
    maybe = np.zeros(len(arr), dtype=bool)
    maybe[filled] = np.isin(data[offsets[:-1][filled]], _FOOTER_FIRST)
    found = np.zeros(len(arr), dtype=bool)
    rows = np.flatnonzero(maybe)
    if len(rows):
        hits = pc.match_substring_regex(arr.take(pa.array(rows)), _FOOTER, ignore_case=True)
        found[rows] = hits.to_numpy(zero_copy_only=False).astype(bool)
    return found


def clean_dossiers(
    export: Export | pd.DataFrame,
    period=None,
    *,
    period_start=None,
    period_end=None,
    as_of=None,
    calendar: WorkCalendar | None = None,
    days_off: str | Path | None = None,
    values: str | Path | None = None,
    source: str | None = None,
    supplement_pause: str = "subtract",
) -> Cleaned:
    """Canonical dossier table for one period, plus the quarantine.

    ``period``: a year (2024) or month ("2024-03"), or give ``period_start``/``period_end``.
    ``as_of``: the day the export was made (default today); dates after it are impossible.
    ``days_off``: a CSV of the province's extra days off / working Saturdays.
    ``values``: a user vocabulary CSV for statuses, channels and payment flags.

    Status at the end of the period (D2): ``early``/``on_time``/``late`` for dossiers with a
    result in the period, ``in_progress``/``overdue_in_progress`` for those without,
    ``returned`` and ``withdrawn``. ``on_time`` is D2's verdict: overdue in progress and more
    than one supplement request count as late; ``late_rule`` says which rule made it late.
    ``supplement_pause``: "subtract" (D2, the default) takes the working days the applicant spent
    supplementing off the time past the appointed date; "none" for software that sets a new
    appointed date after a supplement (subtracting again would count the pause twice).
    Work is done on distinct values, so a million rows take seconds.
    """
    if supplement_pause not in SUPPLEMENT_PAUSE_RULES:
        raise OptionError(f"supplement_pause must be one of {SUPPLEMENT_PAUSE_RULES}, not {supplement_pause!r}")
    start, end = _period(period, period_start, period_end)
    if as_of is None:
        as_of = pd.Timestamp.today()
    elif isinstance(as_of, str) and re.match(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{4}", as_of.strip()):
        as_of = pd.to_datetime(as_of.strip(), dayfirst=True)  # 15/01/2027, as Vietnamese users write it
    as_of = pd.Timestamp(as_of).normalize()
    extra_values = str(values) if values else None
    if isinstance(export, Export):
        frame, source = export.frame, source or export.file
    else:
        frame, source = export, source or "dossiers"
        if "dossier_id" in frame.columns and frame["dossier_id"].dtype == object:
            frame = frame.copy()
            _convert_text_columns(frame, source, {}, None)
    frame = frame.reset_index(drop=True)
    n = len(frame)
    reason = np.zeros(n, dtype=np.int16)  # 0 = kept; k = reasons[k - 1]
    reasons: list[str] = []
    details: list[tuple] = []  # (rows, column, offending values as text or None) per flag
    notes: list[str] = []

    open_rows = np.ones(n, dtype=bool)  # reason == 0, kept up to date

    def flag(mask, why, col=None, vals=None):
        mask = np.asarray(mask, dtype=bool) & open_rows
        if not mask.any():
            return
        reasons.append(why)
        reason[mask] = len(reasons)
        open_rows[mask] = False
        if col is not None:
            rows = np.flatnonzero(mask)
            text = None
            if vals is not None:  # the offending values, as text (only the flagged rows are converted)
                picked = (
                    vals.iloc[rows]
                    if isinstance(vals, pd.Series)
                    else pd.Series(vals.take(rows))
                    if isinstance(vals, pd.Categorical)
                    else pd.Series(vals(rows) if callable(vals) else np.asarray(vals)[rows])
                )
                # masked before it is shortened: a phone number cut in half is no longer found
                text = picked.astype(object).astype(str).map(redact).str.slice(0, 40).to_numpy()
            details.append((rows, col, text))

    def cat(name) -> pd.Categorical:
        if name not in frame.columns:
            return pd.Categorical.from_codes(np.full(n, -1, dtype=np.int8), pd.Index([], dtype=object))
        return fast.categorical(frame[name])

    if "_parse_error" in frame.columns:  # CSV rows with the wrong number of fields
        errors = frame["_parse_error"]
        for why in errors.dropna().unique():
            flag((errors == why).to_numpy(), why)
    ids = frame["dossier_id"].astype("str").fillna("")
    # work that needs no other result runs on a second core meanwhile: hashing every id and
    # matching footer words (pyarrow, without the GIL)
    repeated = fast.in_background(fast.repeated, ids)
    footer = fast.in_background(_starts_like_footer, ids)
    no_id = (ids == "").to_numpy()
    cats = {
        name: cat(name)
        for name in (
            "procedure",
            "procedure_code",
            "field",
            "office",
            "status_text",
            "channel",
            "paid_online",
            "supplements",
            "fee",
            "received",
            "due",
            "finished",
            "returned_to_applicant",
            "supplement_requested",
            "supplement_completed",
            "legal_days",
        )
    }
    labels = {"received": "Ngày tiếp nhận", "due": "Ngày hẹn trả", "finished": "Ngày có kết quả"}
    date_columns = (
        "received",
        "due",
        "finished",
        "returned_to_applicant",
        "supplement_requested",
        "supplement_completed",
    )
    for name in date_columns:
        if _looks_month_first(cats[name].categories):
            raise DossierFormatError(
                f"{source}, column '{labels.get(name, name)}' ({name}): dates look like mm/dd/yyyy "
                "(a number above 12 only ever appears second); re-export with dd/mm/yyyy dates.",
                column=labels.get(name, name),
            )
    optional = ("returned_to_applicant", "supplement_requested", "supplement_completed")
    # an optional date column that is absent or empty stays None (no column of NaT to carry)
    dates = {
        name: None if name in optional and cats[name].codes.max(initial=-1) < 0 else _DateCodes(cats[name])
        for name in date_columns
    }

    empty = no_id.copy()
    for name in ("procedure", "office", "received", "due", "finished", "status_text"):
        empty &= cats[name].codes < 0
    flag(empty, "blank row")
    flag(footer.result(), "footer row (total or signature, not a dossier)", "dossier_id", ids)
    flag(no_id, "no dossier id", "dossier_id")
    flag(cats["procedure"].codes < 0, "no procedure name", "procedure")
    flag(cats["office"].codes < 0, "no office", "office")
    for name in date_columns:
        if dates[name] is not None:
            flag(
                dates[name].unreadable(),
                f"unreadable date in column {name} ({labels.get(name, name)})",
                name,
                cats[name],
            )
    received, due, finished = dates["received"], dates["due"], dates["finished"]
    # compared as days (numpy: NaT compares False, as in pandas)
    rec_day, due_day, fin_day = received.days(), due.days(), finished.days()
    if cats["legal_days"].codes.max(initial=-1) >= 0:  # no appointed date: received + legal time limit
        legal = pd.to_numeric(pd.Series(cats["legal_days"]).astype(object), errors="coerce").to_numpy()
        fill = np.flatnonzero(np.isnat(due_day) & ~np.isnan(legal) & ~np.isnat(rec_day))
        if len(fill):
            cal = calendar = calendar or calendar_for(start, end, days_off, as_of)
            due.fill(fill, cal.add(received.take(fill), legal[fill]))
            due_day = due.days()
            notes.append(f"{len(fill)} appointed dates computed from the legal time limit")
    flag(np.isnat(rec_day), "no received date (Ngày tiếp nhận)", "received")
    flag(np.isnat(due_day), "no appointed date (Ngày hẹn trả)", "due")
    limit, end_day = np.datetime64(as_of.date(), "D") + 1, np.datetime64(end.date(), "D")
    flag(rec_day >= limit, "received date in the future", "received", received.take)
    flag(fin_day >= limit, "result date in the future", "finished", finished.take)
    flag(fin_day < rec_day, "result date before received date", "finished", finished.take)
    flag(due_day < rec_day, "appointed date before received date", "due", due.take)
    flag(rec_day > end_day, "received after the end of the period", "received", received.take)
    flag(
        rec_day < np.datetime64(start.date(), "D") - EARLIEST_RECEIVED_DAYS,
        "received more than three years before the period",
        "received",
        received.take,
    )
    latest = max(end_day, limit - 1) + LATEST_DUE_DAYS
    flag(due_day > latest, "appointed date more than a year after the period", "due", due.take)
    for name in optional:  # hand-back and supplement dates: after the dossier came in, not in the future
        if dates[name] is not None:
            day = dates[name].days()
            label = f"column {name}"
            flag(day < rec_day, f"date in {label} before the received date", name, dates[name].take)
            flag(day >= limit, f"date in {label} in the future", name, dates[name].take)

    status_cat = cats["status_text"]
    progress = list(_PROGRESS)  # finished, returned, withdrawn, supplementing, in_progress
    from_dates = np.where(
        np.isnat(fin_day), np.int8(progress.index("in_progress")), np.int8(progress.index("finished"))
    )
    if "status_text" in frame.columns:
        mapped = (
            _vocabulary("status", pd.Index(status_cat.categories), extra_values)
            .reindex(status_cat.categories)
            .to_numpy()
        )
        state = pd.Categorical(mapped, categories=progress).codes
        state = np.append(state, -2)[status_cat.codes]  # -2 = blank, -1 = unknown
        flag(
            state == -1,
            f"{UNKNOWN_STATUS} (column Trạng thái); add it to dossier_values.csv",
            "status_text",
            status_cat,
        )
        blank = state == -2
        state = np.where(blank, from_dates, state)
        if (blank & open_rows).any():
            notes.append(f"{int((blank & open_rows).sum())} rows without a status: taken from the dates")
    else:
        state = from_dates
        notes.append("no status column: status taken from the dates (returned and withdrawn cannot be told)")
    returned_date = dates["returned_to_applicant"]
    flag(
        (state == progress.index("finished"))
        & np.isnat(fin_day)
        & (True if returned_date is None else returned_date.missing()),
        "status says finished but there is no result date",
        "finished",
    )
    flag(
        np.isin(state, [progress.index("in_progress"), progress.index("supplementing")]) & (fin_day <= end_day),
        "status says in progress but there is a result date in the period",
        "status_text",
        status_cat,
    )

    def finished_at(rows):
        """The result date, or else the day the result was handed back."""
        out = finished.take(rows)
        if returned_date is not None:
            out = np.where(np.isnat(out), returned_date.take(rows), out)
        return out

    def vocabulary(kind, c: pd.Categorical, label, targets):
        """Codes into ``targets`` per row (-1 = unknown value, quarantined)."""
        mapped = _vocabulary(kind, pd.Index(c.categories), extra_values).reindex(c.categories).to_numpy()
        blank = _vocabulary(kind, pd.Index([""]), extra_values).iloc[0]
        codes = pd.Categorical(np.append(mapped, blank), categories=targets).codes[c.codes]
        flag(codes < 0, f"unknown value in column {kind} ({label}); add it to dossier_values.csv", kind, c)
        return codes

    channel = vocabulary("channel", cats["channel"], "Hình thức nộp", CHANNELS)
    paid = vocabulary("paid_online", cats["paid_online"], "Thanh toán trực tuyến", ["false", "true"]) == 1
    numbers = {}
    for name, label in (("supplements", "Số lần bổ sung"), ("fee", "Phí, lệ phí")):
        c = cats[name]
        raw = pd.Series(c.categories, dtype=object).astype(str).str.strip()
        number = pd.to_numeric(
            raw.str.replace(r"[.\s](?=\d{3}\b)", "", regex=True).str.replace(",", "."), errors="coerce"
        ).to_numpy(float)
        number = np.append(number, np.nan)[c.codes]
        flag(
            (c.codes >= 0) & (np.isnan(number) | (number < 0)), f"unreadable number in column {name} ({label})", name, c
        )
        numbers[name] = number
    if "supplements" not in frame.columns:
        notes.append("no column for supplement requests: counted as none")

    state = np.where(state < 0, np.int8(progress.index("in_progress")), state)
    dup = open_rows & repeated.result() & ~no_id
    if dup.any():
        _resolve_duplicates(ids, cats["procedure"].codes, rec_day, due.take, finished_at, state, frame, dup, flag)

    bad = reason > 0
    good = np.flatnonzero(~bad)
    # the kept rows of the largest columns are gathered on a second core meanwhile
    kept = fast.in_background(
        lambda: {
            "dossier_id": pseudonymised_ids(ids.take(good).reset_index(drop=True)),
            "received": received.take(good),
            "due": due.take(good),
            "finished": finished_at(good),
        }
    )
    bad_rows = np.flatnonzero(bad)
    column = np.full(len(bad_rows), None, dtype=object)
    value = np.full(len(bad_rows), None, dtype=object)
    for rows, col, text in details:  # a row is flagged once: positions do not overlap
        where = np.searchsorted(bad_rows, rows)
        column[where] = col
        if text is not None:
            value[where] = text
    quarantine = pd.DataFrame(
        {
            "source": source,
            "source_file": frame["source_file"][bad].to_numpy(dtype=object),
            "source_sheet": frame["source_sheet"][bad].to_numpy(dtype=object),
            "source_row": frame["source_row"].to_numpy()[bad],
            "dossier_id": ids[bad].to_numpy(dtype=object),
            "reason": np.array(reasons, dtype=object)[reason[bad] - 1],
            "column": column,
            "value": value,
        }
    )
    quarantine = quarantine_contract.redacted(quarantine)
    columns = {  # free text of the export: a name, phone or e-mail typed into it is masked
        "procedure": _redacted(cats["procedure"].take(good)),
        "procedure_code": _redacted(cats["procedure_code"].take(good)),
        "field": _redacted(cats["field"].take(good)),
        "office": _redacted(cats["office"].take(good)),
        "channel": pd.Categorical.from_codes(np.maximum(channel[good], 0), CHANNELS),
        **{
            name: None if dates[name] is None else dates[name].take(good)
            for name in ("supplement_requested", "supplement_completed")
        },
        "supplements": np.nan_to_num(numbers["supplements"])[good],
        "fee": numbers["fee"][good],
        "paid_online": paid[good],
        "state": state[good],
        "source_file": fast.categorical(frame["source_file"]).take(good),
        "source_sheet": fast.categorical(frame["source_sheet"]).take(good),
        "source_row": frame["source_row"].to_numpy()[good],
        **kept.result(),
    }
    # the full-length arrays are no longer needed: their memory is reused for the classification
    del rec_day, due_day, fin_day, numbers, state, channel, paid
    table = _classify(columns, start, end, calendar or calendar_for(start, end, days_off, as_of), supplement_pause)
    accounting = Accounting(source=source, read=n, kept=len(table), quarantined=int(bad.sum()))
    return Cleaned(table, quarantine, accounting, notes)


def _redacted(values: pd.Categorical) -> pd.Categorical:
    """``values`` with personal data masked in its categories (few: offices, procedures), two
    categories that mask alike becoming one."""
    categories = pd.Index(values.categories)
    masked = [redact(v) if isinstance(v, str) else v for v in categories]
    if list(categories) == masked:
        return values
    merged = pd.Index(dict.fromkeys(masked))
    codes = np.append(merged.get_indexer(masked), -1)[values.codes]
    return pd.Categorical.from_codes(codes, merged)


_PROGRESS = {"finished": 3, "returned": 3, "withdrawn": 2, "supplementing": 1, "in_progress": 0}


def _resolve_duplicates(ids, procedure, rec_day, due_at, finished_at, state, frame, dup, flag) -> None:
    """Rows sharing a dossier id: an exact copy is quarantined; two states of one dossier (same
    received date and procedure, e.g. monthly exports that overlap) keep the most advanced state
    (then the later result, then the later row); records that disagree on the received date or
    the procedure are all quarantined."""
    rows = np.flatnonzero(dup)
    progress_rank = np.array(list(_PROGRESS.values()))
    sub = pd.DataFrame(
        {
            "dossier_id": ids.iloc[rows].to_numpy(dtype=object),
            "proc": procedure[rows],
            "rec_day": rec_day[rows],
            "due": due_at(rows),
            "finished": finished_at(rows),
            "progress": progress_rank[state[rows]],
            "where": (
                frame["source_file"].iloc[rows].astype(str).to_numpy(dtype=object)
                + " row "
                + frame["source_row"].iloc[rows].astype(str).to_numpy(dtype=object)
            ),
        },
        index=rows,
    )
    groups = sub.groupby("dossier_id", sort=False)
    conflict = ((groups["rec_day"].transform("nunique") > 1) | (groups["proc"].transform("nunique") > 1)).to_numpy()
    copies = sub.duplicated(subset=["dossier_id", "due", "finished", "progress"], keep="first").to_numpy() & ~conflict
    first_where = groups["where"].transform("first").to_numpy()
    rest = sub[~conflict & ~copies].assign(finished_key=lambda d: d["finished"].fillna(pd.Timestamp.min))
    rest = rest.sort_values(["dossier_id", "progress", "finished_key"], kind="stable")
    best = rest.groupby("dossier_id", sort=False).tail(1)
    best_where = pd.Series(best["where"].to_numpy(), index=best["dossier_id"].to_numpy())
    superseded = sub.index.isin(rest.index.difference(best.index))
    kept = np.full(len(rows), "", dtype=object)  # the row kept, for the duplicated rows only
    kept[copies] = first_where[copies]
    kept[superseded] = best_where.reindex(sub.loc[superseded, "dossier_id"]).to_numpy()

    def full(mask):
        out = np.zeros(len(dup), dtype=bool)
        out[rows[mask]] = True
        return out

    def kept_at(flagged):
        return kept[np.searchsorted(rows, flagged)]

    flag(full(copies), "duplicated dossier id: exact copy of another row (value: the row kept)", "dossier_id", kept_at)
    flag(
        full(superseded),
        "duplicated dossier id: an earlier state of a dossier kept in its latest state (value: the row kept)",
        "dossier_id",
        kept_at,
    )
    flag(
        full(conflict),
        "duplicated dossier id: records disagree on received date or procedure (all quarantined)",
        "dossier_id",
        ids,
    )


def _months(days: np.ndarray) -> pd.Categorical:
    """ "YYYY-MM" of each day as a categorical in time order (month numbers counted, not hashed)."""
    days = np.asarray(days, dtype="datetime64[D]")
    nat = np.isnat(days)
    if nat.all():
        return pd.Categorical.from_codes(np.full(len(days), -1, dtype=np.int8), pd.Index([], dtype=object))
    known = days[~nat] if nat.any() else days
    low, high = known.min(), known.max()
    # month of every day from the first to the last (a short table), looked up per row
    month_of_day = np.arange(low, high + 1).astype("datetime64[M]").view(np.int64)
    first = month_of_day[0]
    offset = month_of_day[np.where(nat, low, days).view(np.int64) - low.view(np.int64)] - first
    used = np.bincount(offset[~nat] if nat.any() else offset) > 0
    code = np.cumsum(used) - 1
    codes = code[offset]
    if nat.any():
        codes = np.where(nat, -1, codes)
    present = (first + np.flatnonzero(used)).astype("datetime64[M]")
    labels = pd.Index(np.datetime_as_string(present, unit="M"))
    return pd.Categorical.from_codes(codes.astype(np.int16 if len(labels) > 127 else np.int8), labels, validate=False)


_LATE_RULES = [
    "overdue at the end of the period",
    "result after the appointed date",
    "more than one supplement request",
]


SUPPLEMENT_PAUSE_RULES = ("subtract", "none")


def _classify(
    c: dict, start: pd.Timestamp, end: pd.Timestamp, cal: WorkCalendar, supplement_pause: str = "subtract"
) -> pd.DataFrame:
    """Status at the end of the period, D2 verdict, working days; vectorised on day numbers."""
    nat = np.datetime64("NaT", "D")
    rec_day = c["received"].astype("datetime64[D]")
    due_day = c["due"].astype("datetime64[D]")
    fin_day = c["finished"].astype("datetime64[D]")
    end_day = np.datetime64(end.date(), "D")
    codes = c["state"]  # index into _PROGRESS: finished, returned, withdrawn, supplementing, in_progress
    after = ~np.isnat(fin_day) & (fin_day > end_day)  # a result after the period: open at its end
    done = (codes == 0) & ~after
    returned = (codes == 1) & ~after
    withdrawn = codes == 2
    open_ = ~(done | returned | withdrawn)
    supplements = c["supplements"]
    stop = np.where(done | returned, fin_day, end_day)  # open: the end of the period
    pause = np.zeros(len(codes))
    if c["supplement_requested"] is not None:  # None: no request dates in the export
        req = c["supplement_requested"].astype("datetime64[D]")
        got = (
            np.full(len(codes), nat)
            if c["supplement_completed"] is None
            else c["supplement_completed"].astype("datetime64[D]")
        )
        # D2: a supplement requested once and never completed ends the clock on the request date.
        waiting = open_ & ~np.isnat(req) & np.isnat(got) & (req <= end_day)
        np.copyto(stop, req, where=waiting)
        paused = ~np.isnat(req) & ~np.isnat(got)
        if paused.any():
            pause[paused] = np.nan_to_num(cal.between(req[paused], got[paused]))
    np.copyto(stop, nat, where=withdrawn)

    allowed = pause if supplement_pause == "subtract" else np.zeros(len(codes))  # D2: not the office's time

    def counts():  # calendar lookups, on a second core while the statuses are worked out
        days_late = cal.between(due_day, stop)  # new arrays, worked on in place
        days_late -= allowed
        np.clip(days_late, 0, None, out=days_late)
        days_late[withdrawn] = np.nan
        processing = cal.between(rec_day, np.where(done, fin_day, nat))
        processing -= pause
        processing[~done] = np.nan
        return days_late, processing, _months(rec_day)

    counted = fast.in_background(counts)
    late_date = ~np.isnat(stop) & (stop > due_day)
    excused = late_date & (allowed > 0)  # past the appointed date, but by no more than the pause?
    if excused.any():
        over = np.nan_to_num(cal.between(due_day[excused], stop[excused]))
        late_date[np.flatnonzero(excused)] = over > allowed[excused]
    late_supp = supplements > 1
    # index into STATUSES; each rule below overrides the ones above it
    status = np.full(len(codes), STATUSES.index("in_progress"), dtype=np.int8)
    np.copyto(status, STATUSES.index("overdue_in_progress"), where=open_ & late_date)
    np.copyto(status, STATUSES.index("on_time"), where=done)
    np.copyto(status, STATUSES.index("early"), where=done & (fin_day < due_day))
    np.copyto(status, STATUSES.index("late"), where=done & (late_date | late_supp))
    np.copyto(status, STATUSES.index("returned"), where=returned)
    np.copyto(status, STATUSES.index("withdrawn"), where=withdrawn)
    late_rule = np.full(len(codes), -1, dtype=np.int8)  # index into _LATE_RULES, in the same way
    np.copyto(late_rule, 2, where=late_supp)
    np.copyto(late_rule, 1, where=late_date)
    np.copyto(late_rule, 0, where=late_date & open_)
    np.copyto(late_rule, -1, where=withdrawn)
    verdict = np.where(late_date | late_supp, 0, 1).astype(np.int8)
    on_time = pd.arrays.BooleanArray(verdict == 1, withdrawn)
    categorical = {
        name: fast.drop_unused(c[name])
        for name in ("procedure", "procedure_code", "field", "office", "source_file", "source_sheet")
    }
    days_late, processing, month = counted.result()
    return pd.DataFrame(
        {
            "dossier_id": c["dossier_id"],
            "procedure": categorical["procedure"],
            "procedure_code": categorical["procedure_code"],
            "field": categorical["field"],
            "office": categorical["office"],
            "channel": c["channel"],
            "received": c["received"],
            "due": c["due"],
            "finished": c["finished"],
            "end": stop.astype("datetime64[ns]"),
            "status": pd.Categorical.from_codes(status, STATUSES),
            "on_time": on_time,
            "late_rule": pd.Categorical.from_codes(late_rule, _LATE_RULES),
            "supplements": c["supplements"].astype("int64", copy=False),
            "supplement_working_days": pause,
            "processing_working_days": processing,
            "working_days_late": days_late,
            "paid_online": c["paid_online"].astype(bool, copy=False),
            "fee": c["fee"].astype(float, copy=False),
            "carried_over": rec_day < np.datetime64(start.date(), "D"),
            "month": month,
            "source_file": categorical["source_file"],
            "source_sheet": categorical["source_sheet"],
            "source_row": c["source_row"].astype("int64", copy=False),
        },
        copy=False,
    )  # no copy into consolidated blocks: every column is new already


def schema():
    """pandera schema of the canonical dossier table."""
    import pandera.pandas as pa

    return pa.DataFrameSchema(
        {
            "dossier_id": pa.Column(str, unique=True, nullable=False),
            "procedure": pa.Column("category", nullable=False),
            "office": pa.Column("category", nullable=False),
            "channel": pa.Column("category", pa.Check.isin(CHANNELS), nullable=False),
            "received": pa.Column("datetime64[ns]", nullable=False),
            "due": pa.Column("datetime64[ns]", nullable=False),
            "status": pa.Column("category", pa.Check.isin(STATUSES), nullable=False),
            "supplements": pa.Column("int64", pa.Check.ge(0)),
            "processing_working_days": pa.Column(float, pa.Check.ge(-1e-9), nullable=True),
            "working_days_late": pa.Column(float, pa.Check.ge(0), nullable=True),
            "source_row": pa.Column("int64", pa.Check.ge(1)),
        },
        checks=[
            pa.Check(
                lambda d: (d["finished"].isna() | (d["finished"].dt.normalize() >= d["received"].dt.normalize())).all(),
                error="result before receipt",
            )
        ],
        strict=False,
    )


def load(
    paths,
    period=None,
    *,
    period_start=None,
    period_end=None,
    as_of=None,
    columns=None,
    values=None,
    days_off=None,
    supplement_pause="subtract",
) -> tuple[Cleaned, list[Export]]:
    """Read and clean one or more exports of one province and period together (duplicates
    across monthly files are resolved as one set)."""
    paths = [paths] if isinstance(paths, (str, Path)) else list(paths)
    exports = [read_export(p, columns=columns) for p in paths]
    frame = exports[0].frame if len(exports) == 1 else pd.concat([e.frame for e in exports], ignore_index=True)
    # a fault of the table as a whole (dates written month first) is one file's when there is one
    with reading(exports[0].file) if len(exports) == 1 else nullcontext():
        cleaned = clean_dossiers(
            frame,
            period,
            period_start=period_start,
            period_end=period_end,
            as_of=as_of,
            values=values,
            days_off=days_off,
            source=", ".join(e.file for e in exports),
            supplement_pause=supplement_pause,
        )
    return cleaned, exports


def export_files(path: str | Path) -> list[Path]:
    """An export file, or the spreadsheets and CSVs of a folder (monthly exports), sorted."""
    path = Path(path)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() in EXCEL_TYPES + (".csv",))
        if not files:
            raise FileNotFoundError(f"{path}: no .xlsx, .xls or .csv exports in this folder")
        return files
    if not path.exists():
        raise FileNotFoundError(f"{path}: file not found")
    return [path]
