"""Workbooks as every reader opens them (govgap.io.workbooks): a sheet whose used range is recorded
as rows only (PCI 2014 has five) is read as Excel and openpyxl read it, not refused."""

from __future__ import annotations

import re
import zipfile

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from govgap.io.workbooks import open_book, without_row_only_dimensions


def _with_row_only_dimension(tmp_path, rows, name="book.xlsx"):
    """A workbook of ``rows`` whose sheet says ``<dimension ref="1:n"/>``, as the exporter of
    PCI 2014 wrote it."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Bảng 1"
    for row in rows:
        sheet.append(row)
    plain = tmp_path / "plain.xlsx"
    book.save(plain)
    path = tmp_path / name
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.startswith("xl/worksheets/"):
                data, n = re.subn(rb'<dimension ref="[^"]*"\s*/>', f'<dimension ref="1:{len(rows)}"/>'.encode(), data)
                assert n == 1
            dst.writestr(info, data)
    return path


def test_a_sheet_with_a_row_only_used_range_reads_as_openpyxl_reads_it(tmp_path):
    rows = [["Tỉnh", "Điểm", "Ghi chú"], ["Hà Nội", 6.5, None], ["Huế", 7.25, "x"], [None, None, "cuối"]]
    path = _with_row_only_dimension(tmp_path, rows)
    with pytest.raises(Exception, match="column component"):  # calamine alone refuses the sheet
        CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Bảng 1")
    got = open_book(path).get_sheet_by_name("Bảng 1").to_python(skip_empty_area=False)
    expected = [list(r) for r in openpyxl.load_workbook(path, data_only=True)["Bảng 1"].iter_rows(values_only=True)]
    assert [[None if v == "" else v for v in r] for r in got] == expected
    assert got[2] == ["Huế", 7.25, "x"]


def test_a_workbook_without_such_a_record_is_not_copied(tmp_path):
    book = openpyxl.Workbook()
    book.active.append(["a", 1])
    book.save(tmp_path / "ok.xlsx")
    assert without_row_only_dimensions(tmp_path / "ok.xlsx") is None
    assert without_row_only_dimensions(tmp_path / "missing.xlsx") is None
