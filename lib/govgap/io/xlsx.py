"""A minimal, fast and byte-deterministic .xlsx writer for large generated sheets.

xlsxwriter spends about 2 s on a 20,000-row export; sample generation writes 126 of them.
This writer emits worksheets with shared strings, numbers, merged title cells and a bold
style, which Excel, LibreOffice, openpyxl and python-calamine all read. Zip entries carry a
fixed timestamp so that the same rows give the same bytes.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

_FIXED = (2025, 1, 1, 0, 0, 0)


def column_letter(i: int) -> str:
    """Excel column letters of a 0-based column index (0 -> A, 26 -> AA)."""
    name = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        name = chr(65 + r) + name
    return name


class _Strings:
    """The shared-strings table: each distinct text is written (and escaped) once and cells point
    to it, which halves a dossier export's XML (its offices, procedures and statuses repeat)."""

    def __init__(self):
        self.index: dict[str, int] = {}

    def __call__(self, text: str) -> int:
        found = self.index.get(text)
        if found is None:
            found = self.index[text] = len(self.index)
        return found

    def xml(self) -> str:
        items = "".join(
            f'<si><t xml:space="preserve">{escape(t)}</t></si>' if t != t.strip() else f"<si><t>{escape(t)}</t></si>"
            for t in self.index
        )
        return (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            f'count="{len(self.index)}" uniqueCount="{len(self.index)}">{items}</sst>'
        )


def _row_cells(row: list, cols: list[str], number: int, style: str, strings: _Strings) -> str:
    """The cells of one row (a 20,000-row export has 300,000 cells): text as shared strings,
    numbers inline; None, "" and NaN left empty; anything else written as its text."""
    out = []
    index = strings.index
    for c, value in enumerate(row):
        kind = type(value)
        if kind is str:
            if value:
                position = index.get(value)
                if position is None:
                    position = index[value] = len(index)
                out.append(f'<c r="{cols[c]}{number}" t="s"{style}><v>{position}</v></c>')
        elif kind is int or (kind is float and value == value):
            out.append(f'<c r="{cols[c]}{number}"{style}><v>{value}</v></c>')
        elif value is not None and kind is not float:  # a bool, a date ...: as its text
            out.append(f'<c r="{cols[c]}{number}" t="s"{style}><v>{strings(str(value))}</v></c>')
    return "".join(out)


@dataclass
class Sheet:
    """One worksheet: ``rows`` (0-based; None/"" cells left empty), merged ranges ("A1:D1"), the
    rows in bold and column widths (in characters, from column A)."""

    name: str
    rows: list[list]
    merges: list[str] = field(default_factory=list)
    bold_rows: set[int] = field(default_factory=set)
    widths: list[float] | None = None


def write_sheet(
    path: str | Path,
    sheet_name: str,
    rows: list[list],
    merges: list[str] = (),
    bold_rows: set[int] = frozenset(),
    title: str = "",
    widths: list[float] | None = None,
) -> None:
    """A one-sheet workbook (see ``write_workbook``)."""
    write_workbook(path, [Sheet(sheet_name, rows, list(merges), set(bold_rows), widths)], title)


def _worksheet(sheet: Sheet, strings: _Strings) -> str:
    rows = sheet.rows
    width = max((len(r) for r in rows), default=1)
    cols = [column_letter(i) for i in range(width)]
    parts = []
    for r, row in enumerate(rows):
        style = ' s="1"' if r in sheet.bold_rows else ""
        cells = _row_cells(row, cols, r + 1, style, strings)
        if cells:
            parts.append(f'<row r="{r + 1}">{cells}</row>')
    merge_xml = ""
    if sheet.merges:
        merge_xml = (
            f'<mergeCells count="{len(sheet.merges)}">'
            + "".join(f'<mergeCell ref="{m}"/>' for m in sheet.merges)
            + "</mergeCells>"
        )
    widths = sheet.widths
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<dimension ref="A1:{cols[-1]}{max(len(rows), 1)}"/>'
        + (
            "<cols>"
            + "".join(f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>' for i, w in enumerate(widths, start=1))
            + "</cols>"
            if widths
            else ""
        )
        + "<sheetData>"
        + "".join(parts)
        + "</sheetData>"
        + merge_xml
        + "</worksheet>"
    )


def write_workbook(path: str | Path, sheets: list[Sheet], title: str = "") -> None:
    """Write the sheets, in order, to one workbook; written to a temporary name and renamed."""
    n = len(sheets)
    strings = _Strings()
    sheet_types = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(1, n + 1)
    )
    files = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            + sheet_types
            + '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
            + '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
            "</Types>"
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>'
            "</Relationships>"
        ),
        "docProps/core.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/">'
            f"<dc:title>{escape(title)}</dc:title></cp:coreProperties>"
        ),
        "xl/workbook.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            "<sheets>"
            + "".join(
                f'<sheet name="{escape(sh.name)}" sheetId="{i}" r:id="rId{i}"/>' for i, sh in enumerate(sheets, 1)
            )
            + "</sheets></workbook>"
        ),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            + "".join(
                f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{i}.xml"/>'
                for i in range(1, n + 1)
            )
            + f'<Relationship Id="rId{n + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
            f'<Relationship Id="rId{n + 2}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
            "</Relationships>"
        ),
        "xl/styles.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
            '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
            '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
            '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
            '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
            '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
            "</styleSheet>"
        ),
        **{f"xl/worksheets/sheet{i}.xml": _worksheet(sh, strings) for i, sh in enumerate(sheets, 1)},
    }
    files["xl/sharedStrings.xml"] = strings.xml()
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for name, content in files.items():
            info = zipfile.ZipInfo(name, date_time=_FIXED)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, content.encode("utf-8"), compresslevel=1)
    tmp.replace(path)
