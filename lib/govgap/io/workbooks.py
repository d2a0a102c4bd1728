"""Opening a file named like a workbook (.xlsx, .xls, .ods): python-calamine's workbook, or, for
a web page saved under an Excel name, its tables; anything else gets a plain sentence saying what
the file really is and what to do.

Several one-stop-shop systems' "Export to Excel" writes an HTML table with an .xls name; Excel
opens it (after a warning), so users have such files and expect them to be read. Other files that
arrive under a workbook's name: a workbook cut short by a download or a copy, a password-protected
one, an "XML Spreadsheet 2003", a PDF, a CSV renamed. Every reader opens its workbooks here.
"""

from __future__ import annotations

import html
import re
import zipfile
from html.parser import HTMLParser
from pathlib import Path

from govgap.errors import InputError

ZIP, OLE = b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED = "EncryptionInfo".encode("utf-16-le")  # the stream a password-protected Office file has


def open_book(path: str | Path, error: type[InputError] = InputError):
    """The workbook at ``path`` (``sheet_names``, ``get_sheet_by_name(name).to_python()``,
    ``merged_cell_ranges``), or ``error`` naming the file and saying what it is instead."""
    from python_calamine import CalamineWorkbook

    path = Path(path)
    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception:  # noqa: BLE001 - calamine raises its own error types; what the file is, is said below
        head = _head(path)
        if looks_like_html(head):
            book = HtmlBook.read(path)
            if book.sheet_names:
                return book
            raise error(
                f"{path.name}: a web page (HTML) saved with a workbook's name, with no table in it; "
                "export the table again as Excel or CSV",
                file=path.name,
            ) from None
        raise error(f"{path.name}: {what_it_is(path, head)}", file=path.name) from None
    return _WithErrors(book, excel_error_cells(path), path)


class _WithErrors:
    """A calamine workbook whose sheets give Excel error cells (#N/A, #DIV/0!...) as their text:
    calamine reads them as empty cells, which a reader would take for a blank or a suppressed
    value (python-calamine issue 105). A sheet calamine refuses for its row-only used-range
    record is read from the workbook without it (``without_row_only_dimensions``)."""

    def __init__(self, book, errors: dict[str, list[tuple[int, int, str]]], path: Path):
        self._book, self._errors, self._path, self._repaired = book, errors, path, None
        self.sheet_names = book.sheet_names

    def get_sheet_by_name(self, name: str):
        try:
            sheet = self._book.get_sheet_by_name(name)
        except Exception:  # noqa: BLE001 - calamine's own error type; a sheet it still refuses raises again below
            if self._repaired is None:
                self._repaired = without_row_only_dimensions(self._path)
            if self._repaired is None:
                raise
            sheet = self._repaired.get_sheet_by_name(name)
        return _SheetWithErrors(sheet, self._errors.get(name, ()))


_ROW_ONLY_DIMENSION = re.compile(rb'<dimension ref="\d+(?::\d+)?"\s*/>')


def without_row_only_dimensions(path: Path):
    """The .xlsx/.xlsm workbook at ``path`` as calamine reads it once each sheet's row-only used
    range (``<dimension ref="1:69"/>``, rows without columns, as some exporters write it; PCI
    2014 has five such sheets) is taken out; None when no sheet has one. calamine refuses such a
    sheet ("Range is missing the expected column component"); Excel and openpyxl take the
    record for the hint it is, and so does this copy, made in memory (the file is not changed)."""
    import io

    from python_calamine import CalamineWorkbook

    out, changed = io.BytesIO(), False
    try:
        with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as dst:
            for info in src.infolist():
                data = src.read(info)
                if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                    data, n = _ROW_ONLY_DIMENSION.subn(b"", data, count=1)
                    changed |= bool(n)
                dst.writestr(info.filename, data)
    except (zipfile.BadZipFile, OSError):
        return None
    if not changed:
        return None
    out.seek(0)
    return CalamineWorkbook.from_filelike(out)


class _SheetWithErrors:
    def __init__(self, sheet, errors):
        self._sheet, self._errors = sheet, errors
        self.merged_cell_ranges = sheet.merged_cell_ranges

    def to_python(self, skip_empty_area: bool = True) -> list[list]:
        rows = self._sheet.to_python(skip_empty_area=skip_empty_area)
        r0, c0 = self._sheet.start if skip_empty_area and self._sheet.start else (0, 0)
        for r, c, text in self._errors:
            if 0 <= r - r0 < len(rows) and 0 <= c - c0 < len(rows[r - r0]):
                rows[r - r0][c - c0] = text
        return rows


_ERROR_CELL = re.compile(rb'<c r="([A-Z]+)(\d+)"[^>]*?\bt="e"[^>]*>(.*?)</c>', re.S)
_SHEET = re.compile(r'<sheet\b[^>]*?\bname="([^"]*)"[^>]*?\br:id="([^"]*)"')
_REL = re.compile(
    r'<Relationship\b[^>]*?\bId="([^"]*)"[^>]*?\bTarget="([^"]*)"'
    r'|<Relationship\b[^>]*?\bTarget="([^"]*)"[^>]*?\bId="([^"]*)"'
)


def excel_error_cells(path: str | Path) -> dict[str, list[tuple[int, int, str]]]:
    """Cells that hold an Excel error (#DIV/0!, #N/A, #VALUE!, ...) in an .xlsx/.xlsm, per sheet
    as (row, column, text), 0-based. The cell reader (python-calamine) gives them as empty cells,
    which would pass for suppressed values; this reads the sheets' XML for the error type."""
    path = Path(path)
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        return {}
    try:
        with zipfile.ZipFile(path) as z:
            book = z.read("xl/workbook.xml").decode("utf-8", "replace")
            rels = z.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
            targets = {m[0] or m[3]: m[1] or m[2] for m in _REL.findall(rels)}
            out: dict[str, list[tuple[int, int, str]]] = {}
            for name, rid in _SHEET.findall(book):
                target = targets.get(rid, "")
                member = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
                if member not in z.namelist():
                    continue
                xml = z.read(member)
                if b't="e"' not in xml:
                    continue
                for col, row, inner in _ERROR_CELL.findall(xml):
                    value = re.search(rb"<v>([^<]*)</v>", inner)
                    c = 0
                    for ch in col.decode():
                        c = c * 26 + ord(ch) - 64
                    text = html.unescape(value.group(1).decode()) if value else "#ERROR"
                    out.setdefault(html.unescape(name), []).append((int(row) - 1, c - 1, text))
            return out
    except (zipfile.BadZipFile, KeyError, OSError):
        return {}


def _head(path: Path, size: int = 1 << 16) -> bytes:
    with open(path, "rb") as fh:
        return fh.read(size)


def looks_like_html(head: bytes) -> bool:
    text = _decode(head[:4096]).lstrip("\ufeff \t\r\n").lower()
    return text.startswith(("<!doctype html", "<html", "<table", "<meta", "<head", "<body")) or (
        text.startswith("<") and "<table" in text
    )


def what_it_is(path: Path, head: bytes) -> str:
    """Why a file named like a workbook cannot be opened as one, in plain words, with what to do."""
    if not head:
        return "the file is empty (0 bytes); copy or export it again"
    if head.startswith(ZIP):
        try:
            with zipfile.ZipFile(path) as z:
                names = z.namelist()
        except (zipfile.BadZipFile, OSError, EOFError):
            return (
                "the workbook is damaged or incomplete (its zip container is cut short, as when a download "
                "or a copy did not finish); copy or export it again"
            )
        if not any(n.startswith(("xl/", "content.xml")) for n in names):
            return "a zip archive, not an Excel or ODS workbook (no workbook inside it); export the table again"
        return "the workbook is damaged (a part of it cannot be read); open it in Excel, save it again, and retry"
    if head.startswith(OLE):
        if _ENCRYPTED in path.read_bytes():
            return (
                "the workbook is protected by a password; open it in Excel, remove the password "
                "(File > Info > Protect Workbook) and save it again"
            )
        return "the .xls workbook is damaged (its OLE container cannot be read); open it in Excel and save it as .xlsx"
    text = _decode(head[:4096]).lstrip("\ufeff \t\r\n")
    if text.startswith("<?xml") and "urn:schemas-microsoft-com:office:spreadsheet" in _decode(head):
        return "an 'XML Spreadsheet 2003' file, which govgap does not read; open it in Excel and save it as .xlsx"
    if head.startswith(b"%PDF"):
        return "a PDF document, not a table; export the table as Excel or CSV"
    printable = sum(ch.isprintable() or ch in "\t\r\n" for ch in text)
    if text and printable > 0.95 * len(text):
        return "a text file (CSV?) with a workbook's name; give it the .csv extension and read it again"
    return "not a workbook (neither .xlsx, .xls nor .ods inside); export the table again"


def _decode(raw: bytes) -> str:
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return raw.decode("utf-16", errors="replace")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if exc.start > len(raw) - 4:  # a character cut at the end of the sample
            return raw[: exc.start].decode("utf-8-sig")
    charset = re.search(rb"charset=[\"']?([\w-]+)", raw[:4096], re.I)
    for codec in ([charset.group(1).decode("ascii")] if charset else []) + ["cp1258"]:
        try:
            return raw.decode(codec, errors="replace")
        except LookupError:
            continue
    return raw.decode("latin-1")


class _Tables(HTMLParser):
    """The tables of an HTML page as rows of cell text, with their merged cells (colspan, rowspan)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables: list[tuple[list[list], list]] = []
        self._stack: list[dict] = []  # nested tables: the innermost is read, an outer one continues
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self._stack.append({"rows": [], "merged": [], "pending": {}})
        elif not self._stack:
            return
        elif tag == "tr":
            self._stack[-1]["rows"].append([])
        elif tag in ("td", "th"):
            table = self._stack[-1]
            if not table["rows"]:
                table["rows"].append([])
            self._cell = []
            self._span = (_int(attrs.get("rowspan")), _int(attrs.get("colspan")))
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")

    def handle_endtag(self, tag):
        if not self._stack:
            return
        table = self._stack[-1]
        if tag in ("td", "th") and self._cell is not None:
            self._place(table, " ".join("".join(self._cell).split()) or None)
            self._cell = None
        elif tag == "table":
            self._stack.pop()
            if table["rows"]:
                self.tables.append((table["rows"], table["merged"]))

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)

    def _place(self, table, text):
        rows, pending = table["rows"], table["pending"]
        r = len(rows) - 1
        row = rows[r]
        while (r, len(row)) in pending:  # cells taken by a rowspan from above
            row.append(pending.pop((r, len(row))))
        c = len(row)
        span_r, span_c = self._span
        row.append(text)
        row.extend([None] * (span_c - 1))
        for dr in range(1, span_r):
            for dc in range(span_c):
                pending[(r + dr, c + dc)] = None
        if span_r > 1 or span_c > 1:
            table["merged"].append(((r, c), (r + span_r - 1, c + span_c - 1)))


def _int(value) -> int:
    try:
        return max(1, min(int(value), 1000))
    except (TypeError, ValueError):
        return 1


class _HtmlSheet:
    def __init__(self, rows: list[list], merged: list):
        width = max(map(len, rows), default=0)
        self._rows = [row + [None] * (width - len(row)) for row in rows]
        self.merged_cell_ranges = merged

    def to_python(self, skip_empty_area: bool = False) -> list[list]:
        return [list(row) for row in self._rows]


class HtmlBook:
    """The tables of a web page saved as a workbook, as sheets "Bảng 1", "Bảng 2"... (cell values
    are text, as the page shows them: the readers parse dates and numbers from text)."""

    def __init__(self, tables: list[tuple[list[list], list]]):
        self._sheets = {f"Bảng {i}": _HtmlSheet(rows, merged) for i, (rows, merged) in enumerate(tables, start=1)}
        self.sheet_names = list(self._sheets)

    @classmethod
    def read(cls, path: str | Path) -> HtmlBook:
        parser = _Tables()
        parser.feed(_decode(Path(path).read_bytes()))
        parser.close()
        return cls([t for t in parser.tables if any(any(v is not None for v in row) for row in t[0])])

    def get_sheet_by_name(self, name: str) -> _HtmlSheet:
        return self._sheets[name]
