"""Dossier exports: hand-worked statuses and working days, D2 metrics, header spellings,
legacy encodings, row accounting on broken files, personal data."""

from __future__ import annotations

import datetime as dt
import random
import shutil
import subprocess
import unicodedata

import numpy as np
import pandas as pd
import pytest
from legacy_encoders import to_cp1258, to_tcvn3, to_vni

from govgap import cli
from govgap.contract import quarantine as quarantine_contract
from govgap.estimate import dossier_metrics
from govgap.estimate.dossier_metrics import metrics
from govgap.io import legacy_text
from govgap.io.xlsx import write_sheet
from govgap.pipeline import single_export
from govgap.sources import dossiers
from govgap.sources.dossiers import DossierFormatError, clean_dossiers, load, read_export

HEADER = [
    "STT",
    "Mã hồ sơ",
    "Tên thủ tục hành chính",
    "Lĩnh vực",
    "Cơ quan tiếp nhận",
    "Họ và tên",
    "Số điện thoại",
    "Hình thức nộp",
    "Ngày tiếp nhận",
    "Ngày hẹn trả",
    "Ngày có kết quả",
    "Trạng thái",
    "Số lần bổ sung",
]
PROC, FIELD, OFFICE = "Đăng ký đất đai lần đầu", "Đất đai", "Chi nhánh Văn phòng Đăng ký đất đai huyện A"
DONE, OPEN = "Đã trả kết quả", "Đang xử lý"


def row(
    i,
    ident,
    received,
    due,
    finished="",
    status=DONE,
    supplements=0,
    channel="",
    name="Nguyễn Văn An",
    phone="0912345678",
):
    return [i, ident, PROC, FIELD, OFFICE, name, phone, channel, received, due, finished, status, supplements]


def xlsx(path, rows, header=HEADER, merges=(), extra_header=None):
    grid = [["ỦY BAN NHÂN DÂN TỈNH X"], ["BÁO CÁO CHI TIẾT HỒ SƠ"], []]
    grid += ([header, extra_header] if extra_header else [header]) + rows + [["", "Tổng cộng: hồ sơ"]]
    write_sheet(path, "Hồ sơ", grid, merges=["A1:M1", *merges])
    return path


# Hand-worked cases; working days count (received, end]; Tết 2026 is Mon 16 - Fri 20 February,
# Saturday 22 August 2026 is worked in exchange for Monday 31 August.
HAND = [
    row(1, "A-tet-on-time", "11/02/2026 09:00", "23/02/2026", "23/02/2026", channel="Trực tuyến"),
    row(2, "B-due-before-tet", "11/02/2026", "13/02/2026", "23/02/2026", channel="Qua bưu chính công ích"),
    row(3, "C-two-supplements", "02/03/2026", "16/03/2026", "10/03/2026", supplements=2),
    row(4, "D-open-overdue", "01/12/2026", "10/12/2026", "", OPEN),
    row(5, "E-open-in-time", "28/12/2026", "08/01/2027", "", "Đang giải quyết"),
    row(6, "F-makeup-saturday", "21/08/2026", "24/08/2026", "24/08/2026"),
    row(7, "G-withdrawn", "05/01/2026", "15/01/2026", "", "Công dân rút hồ sơ"),
    row(8, "H-returned", "05/01/2026", "15/01/2026", "07/01/2026", "Trả lại hồ sơ (không đủ điều kiện)"),
    row(9, "I-early", "05/01/2026 08:00", "15/01/2026", "08/01/2026"),
    row(10, "J-carried-over", "20/12/2025", "05/01/2026", "06/01/2026"),
    row(11, "K-finished-after-period", "21/12/2026", "30/12/2026", "05/01/2027"),
]


@pytest.fixture(scope="module")
def hand(tmp_path_factory):
    path = xlsx(tmp_path_factory.mktemp("hand") / "hand.xlsx", HAND)
    export = read_export(path)
    return clean_dossiers(export, 2026, as_of="2027-01-15")


def test_hand_worked_statuses_and_working_days(hand):
    t = hand.table.set_index("dossier_id")
    assert hand.accounting.as_dict() == {"source": "hand.xlsx", "read": 12, "kept": 11, "quarantined": 1}
    assert hand.quarantine["reason"].tolist() == ["footer row (total or signature, not a dossier)"]
    expected = {  # status, D2 verdict, processing working days, working days late
        "A-tet-on-time": ("on_time", True, 3, 0),  # Thu 12, Fri 13, Mon 23 Feb
        "B-due-before-tet": ("late", False, 3, 1),  # 10 calendar days late, 1 working day
        "C-two-supplements": ("late", False, 6, 0),  # early by date, late by the D2 rule
        "D-open-overdue": ("overdue_in_progress", False, None, 15),  # 11 Dec - 31 Dec 2026
        "E-open-in-time": ("in_progress", True, None, 0),
        "F-makeup-saturday": ("on_time", True, 2, 0),  # Sat 22 Aug worked, Mon 24
        "G-withdrawn": ("withdrawn", None, None, None),
        "H-returned": ("returned", True, None, 0),
        "I-early": ("early", True, 3, 0),
        "J-carried-over": ("late", False, 11, 1),  # 1 January is a holiday
        "K-finished-after-period": ("overdue_in_progress", False, None, 1),
    }
    for ident, (status, verdict, days, late) in expected.items():
        got = t.loc[ident]
        assert got["status"] == status, ident
        assert pd.isna(got["on_time"]) if verdict is None else bool(got["on_time"]) is verdict, ident
        assert pd.isna(got["processing_working_days"]) if days is None else got["processing_working_days"] == days, (
            ident
        )
        assert pd.isna(got["working_days_late"]) if late is None else got["working_days_late"] == late, ident
    assert t.loc["C-two-supplements", "late_rule"] == "more than one supplement request"
    assert t.loc["D-open-overdue", "late_rule"] == "overdue at the end of the period"
    assert bool(t.loc["J-carried-over", "carried_over"]) and t["carried_over"].sum() == 1
    assert t.loc["A-tet-on-time", "channel"] == "online" and t.loc["I-early", "channel"] == "in_person"
    dossiers.schema().validate(hand.table)


def test_d2_metrics_on_the_hand_worked_cases(hand):
    m = metrics(hand.table).iloc[0]
    # judged: all but the withdrawn one (10); on time or within: A, E, F, H, I
    assert (m["judged"], m["on_time_or_within"]) == (10, 5) and m["on_time_rate"] == pytest.approx(0.5)
    assert (m["resolved"], m["early"], m["on_time"], m["late"]) == (6, 1, 2, 3)
    assert m["resolved_on_time_rate"] == pytest.approx(0.5)
    assert (m["backlog"], m["overdue_in_progress"], m["returned"], m["withdrawn"]) == (3, 2, 1, 1)
    assert (m["received"], m["received_in_period"], m["carried_over"]) == (11, 10, 1)
    assert m["mean_processing_working_days"] == pytest.approx((3 + 3 + 6 + 2 + 3 + 11) / 6)
    assert m["online_share"] == pytest.approx(0.1) and m["postal_share"] == pytest.approx(0.1)
    assert m["mean_working_days_late"] == pytest.approx((1 + 0 + 15 + 1 + 1) / 5)
    by_month = metrics(hand.table, "month").set_index("month")
    assert by_month.loc["2026-02", "received"] == 2 and by_month["received"].sum() == 11
    summary = dossier_metrics.leader_summary(hand.table)
    assert summary["received"] == 11 and summary["backlog"] == 3


def test_duplicates_follow_the_documented_rule(tmp_path):
    rows = [
        row(1, "X1", "05/01/2026", "15/01/2026", "14/01/2026"),
        row(2, "X1", "05/01/2026", "15/01/2026", "14/01/2026"),  # exact copy
        row(3, "X2", "05/01/2026", "15/01/2026", "", OPEN),  # January export: open
        row(4, "X2", "05/01/2026", "15/01/2026", "20/01/2026"),  # February export: done
        row(5, "X3", "05/01/2026", "15/01/2026", "14/01/2026"),
        row(6, "X3", "06/02/2026", "15/02/2026", "14/02/2026"),  # same id, other dossier
    ]
    cleaned = clean_dossiers(read_export(xlsx(tmp_path / "d.xlsx", rows)), 2026, as_of="2026-06-30")
    q = cleaned.quarantine.set_index("source_row")
    assert q.loc[6, "reason"].startswith("duplicated dossier id: exact copy") and q.loc[6, "value"] == "d.xlsx row 5"
    assert (
        q.loc[7, "reason"].startswith("duplicated dossier id: an earlier state") and q.loc[7, "value"] == "d.xlsx row 8"
    )
    assert q.loc[9, "reason"].startswith("duplicated dossier id: records disagree") and 10 in q.index
    t = cleaned.table.set_index("dossier_id")
    assert list(t.index) == ["X1", "X2"] and t.loc["X2", "status"] == "late"
    assert cleaned.accounting.read == cleaned.accounting.kept + cleaned.accounting.quarantined == 7


def test_broken_rows_are_quarantined_with_reasons(tmp_path):
    rows = [
        row(1, "OK1", "05/01/2026", "15/01/2026", "14/01/2026"),
        row(2, "BAD-DATE", "31/02/2026", "15/03/2026"),
        row(3, "BAD-ORDER", "10/01/2026", "15/01/2026", "04/01/2026"),
        row(4, "BAD-STATUS", "05/01/2026", "15/01/2026", "", "Bay mất"),
        row(5, "FUTURE", "05/01/2026", "15/01/2026", "02/02/2026"),
        row(6, "BAD-CHANNEL", "05/01/2026", "15/01/2026", "14/01/2026", channel="Chim bồ câu"),
        row(7, "", "", "", "", ""),
        row(8, "NO-DUE", "05/01/2026", "", "14/01/2026"),
    ]
    cleaned = clean_dossiers(read_export(xlsx(tmp_path / "b.xlsx", rows)), 2026, as_of="31/01/2026")
    q = cleaned.quarantine
    reasons = dict(zip(q["dossier_id"], q["reason"]))
    assert reasons.pop("") == "no dossier id"
    assert reasons.pop("Tổng cộng: hồ sơ") == "footer row (total or signature, not a dossier)"
    assert reasons == {
        "BAD-DATE": "unreadable date in column received (Ngày tiếp nhận)",
        "BAD-ORDER": "result date before received date",
        "BAD-STATUS": "unknown status (column Trạng thái); add it to dossier_values.csv",
        "FUTURE": "result date in the future",
        "BAD-CHANNEL": "unknown value in column channel (Hình thức nộp); add it to dossier_values.csv",
        "NO-DUE": "no appointed date (Ngày hẹn trả)",
    }
    q = q[q["dossier_id"] != ""].set_index("dossier_id")
    assert q.loc["BAD-DATE", "source_row"] == 6 and q.loc["BAD-DATE", "value"] == "31/02/2026"
    assert q.loc["BAD-STATUS", "value"] == "Bay mất" and q.loc["BAD-STATUS", "source_sheet"] == "Hồ sơ"
    acc = cleaned.accounting
    assert (acc.read, acc.kept, acc.quarantined) == (9, 1, 8)


def test_appointed_date_from_the_legal_time_limit(tmp_path):
    """No Ngày hẹn trả but a Thời hạn giải quyết: due = received + that many working days."""
    header = HEADER + ["Thời hạn giải quyết"]
    rows = [
        row(1, "TET", "11/02/2026 09:00", "", "23/02/2026") + [3],  # Thu 12, Fri 13, (Tết), Mon 23
        row(2, "GIVEN", "05/01/2026", "09/01/2026", "08/01/2026") + [10],  # a given date is kept
        row(3, "LATE", "05/01/2026", "", "09/01/2026") + ["2"],  # due Wed 7 January
        row(4, "NEITHER", "05/01/2026", "", "08/01/2026") + [""],
    ]
    cleaned = clean_dossiers(read_export(xlsx(tmp_path / "l.xlsx", rows, header=header)), 2026, as_of="31/12/2026")
    t = cleaned.table.set_index("dossier_id")
    assert t.loc["TET", "due"] == pd.Timestamp("2026-02-23") and t.loc["TET", "status"] == "on_time"
    assert t.loc["GIVEN", "due"] == pd.Timestamp("2026-01-09") and t.loc["GIVEN", "status"] == "early"
    assert t.loc["LATE", "due"] == pd.Timestamp("2026-01-07") and t.loc["LATE", "working_days_late"] == 2
    assert t.loc["TET", "received"] == pd.Timestamp("2026-02-11 09:00")
    q = cleaned.quarantine.set_index("dossier_id")
    assert q.loc["NEITHER", "reason"] == "no appointed date (Ngày hẹn trả)"
    assert "2 appointed dates computed from the legal time limit" in cleaned.notes


def test_unfamiliar_headers_two_row_header_and_serial_dates(tmp_path):
    nfd = unicodedata.normalize("NFD", "Tên thủ tục")
    header = [
        "TT",
        "MÃ HỒ SƠ",
        nfd,
        "Lĩnh  vực",
        "Cơ quan/ Đơn vị\ntiếp nhận",
        "Ngày",
        None,
        None,
        "Trạng thái hồ sơ (*)",
        "Số lần yêu cầu bổ sung",
        "Người nộp",
    ]
    sub = [None, None, None, None, None, "Tiếp nhận", "Hẹn trả (dd/mm/yyyy)", "Có kết quả", None, None, None]
    numbers = [f"({i})" for i in range(1, 12)]
    serial = (pd.Timestamp("2026-01-15") - pd.Timestamp("1899-12-30")).days  # 46037
    rows = [
        numbers,
        [1, "S1", PROC, FIELD, OFFICE, "05/01/2026", serial, "2026-01-14", DONE, 0, "Trần Thị Bình"],
        [2, "S2", PROC, FIELD, OFFICE, "5/1/2026", "15/01/2026", float(serial + 1), DONE, 1, "Lê Văn C"],
    ]
    path = xlsx(tmp_path / "u.xlsx", rows, header=header, merges=["F4:H4"], extra_header=sub)
    export = read_export(path)
    assert export.columns["received"] == "Ngày Tiếp nhận" and export.columns["due"] == "Ngày Hẹn trả (dd/mm/yyyy)"
    assert export.personal_dropped == ["Người nộp"] and any("column numbers" in n for n in export.notes)
    cleaned = clean_dossiers(export, 2026, as_of="2026-06-30")
    t = cleaned.table.set_index("dossier_id")
    assert t.loc["S1", "due"] == pd.Timestamp("2026-01-15") and t.loc["S2", "finished"] == pd.Timestamp("2026-01-16")
    assert list(t["status"]) == ["early", "late"] and t.loc["S2", "received"] == pd.Timestamp("2026-01-05")
    assert cleaned.accounting.kept == 2 and t.loc["S1", "procedure"] == PROC


def test_user_column_dictionary_and_missing_column_message(tmp_path):
    header = ["Số phiếu", "Tên thủ tục", "Đơn vị", "Ngày nhận", "Ngày hẹn", "Ngày kết thúc", "Ghi chú riêng"]
    rows = [["P1", PROC, OFFICE, "05/01/2026", "15/01/2026", "14/01/2026", "x"]]
    path = tmp_path / "e.csv"
    pd.DataFrame([header] + rows).to_csv(path, header=False, index=False)
    with pytest.raises(DossierFormatError) as err:
        read_export(path)
    message = str(err.value)
    assert "e.csv, header row 1" in message and "dossier_id (e.g. 'Mã hồ sơ')" in message
    assert "'Số phiếu'" in message and "'Ghi chú riêng'" in message
    user = tmp_path / "dossier_columns.csv"
    user.write_text("canonical,required,pii,kind,variants\ndossier_id,1,0,text,Số phiếu\n", encoding="utf-8")
    export = read_export(path, columns=user)
    assert export.unrecognised == ["Ghi chú riêng"] and export.frame["dossier_id"].tolist() == ["P1"]
    assert clean_dossiers(export, 2026, as_of="2026-06-30").table["status"].tolist() == ["early"]


def test_no_header_and_month_first_dates_are_clear_errors(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(DossierFormatError, match="empty.csv: no header row found"):
        read_export(path)
    rows = [row(1, "M1", "12/25/2026", "12/30/2026", "12/29/2026")]
    with pytest.raises(DossierFormatError, match="mm/dd/yyyy"):
        clean_dossiers(read_export(xlsx(tmp_path / "m.xlsx", rows)), 2026)
    # read and cleaned as one export: the error carries the file and the column as the file names it
    with pytest.raises(DossierFormatError, match="column 'Ngày tiếp nhận' \\(received\\): dates look like") as caught:
        load([tmp_path / "m.xlsx"], 2026)
    assert (caught.value.file, caught.value.column, caught.value.row) == ("m.xlsx", "Ngày tiếp nhận", None)


# ------------------------------------------------------------------ legacy encodings


def test_tcvn3_table_matches_glibc_iconv():
    assert shutil.which("iconv"), "iconv (glibc) is needed to check the TCVN3 table"
    for code in range(0xA0, 0x100):
        got = subprocess.run(
            ["iconv", "-f", "TCVN5712-1", "-t", "UTF-8"], input=bytes([code]), capture_output=True, check=True
        ).stdout.decode()
        assert legacy_text._TCVN3[code] == got, hex(code)
    assert legacy_text.from_tcvn3("Hå s¬ ®· gi¶i quyÕt") == "Hồ sơ đã giải quyết"
    assert legacy_text.from_vni("Hoà sô ñaõ giaûi quyeát") == "Hồ sơ đã giải quyết"
    assert legacy_text.from_vni("ÑAÉK LAÉK") == "ĐẮK LẮK"


def test_tcvn3_workbook_is_converted(tmp_path):
    header = [to_tcvn3(h) for h in HEADER]
    rows = [[to_tcvn3(v) if isinstance(v, str) else v for v in r] for r in HAND[:3]]
    export = read_export(xlsx(tmp_path / "tcvn3.xlsx", rows, header=header))
    assert "received" in export.columns and export.frame["office"].iloc[0] == OFFICE
    assert any("tcvn3" in n for n in export.notes)
    cleaned = clean_dossiers(export, 2026, as_of="2027-01-15")
    assert cleaned.table["status"].tolist() == ["on_time", "late", "late"]
    assert cleaned.table["procedure"].iloc[0] == PROC


def test_vni_and_cp1258_csv_files_are_read(tmp_path):
    grid = [HEADER] + HAND[:3]
    vni = tmp_path / "vni.csv"
    vni.write_bytes("\r\n".join(",".join(to_vni(str(v)) for v in r) for r in grid).encode("cp1252"))
    export = read_export(vni)
    assert export.encoding == "cp1252" and export.frame["procedure"].iloc[0] == PROC
    assert clean_dossiers(export, 2026, as_of="2027-01-15").table["status"].tolist() == ["on_time", "late", "late"]
    ansi = tmp_path / "cp1258.csv"
    ansi.write_bytes(b"\r\n".join(b",".join(to_cp1258(str(v)) for v in r) for r in grid))
    export = read_export(ansi)
    assert export.encoding == "cp1258" and export.frame["office"].iloc[0] == OFFICE
    assert export.frame["status_text"].iloc[1] == DONE


def test_unreadable_text_is_refused_with_file_and_column(tmp_path):
    rows = [row(i, f"G{i}", "05/01/2026", "15/01/2026", "14/01/2026") for i in range(3)]
    for r in rows:
        r[4] = "¤¥¦ §¨© ª«¬ ®¯° ±²³"
    with pytest.raises(DossierFormatError, match=r"g\.xlsx, column 'Cơ quan tiếp nhận': text is not readable"):
        read_export(xlsx(tmp_path / "g.xlsx", rows))


# ------------------------------------------------------------------ csv specifics, xls, personal data


def test_csv_with_wrong_field_counts_keeps_row_numbers(tmp_path):
    lines = [",".join(HEADER)]
    lines += [",".join(str(v) for v in row(i, f"C{i}", "05/01/2026", "15/01/2026", "14/01/2026")) for i in range(1, 4)]
    lines.insert(2, "broken,row")
    path = tmp_path / "c.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    cleaned = clean_dossiers(read_export(path), 2026, as_of="2026-06-30")
    q = cleaned.quarantine
    assert q["reason"].tolist() == ["wrong number of fields (2 for 13 columns)"] and q["source_row"].tolist() == [3]
    assert dict(zip(cleaned.table["dossier_id"], cleaned.table["source_row"])) == {"C1": 2, "C2": 4, "C3": 5}


@pytest.mark.parametrize("rows", [40, 9000])  # the damaged byte inside / after the first 1 MB sniffed
def test_damaged_utf8_names_row_and_column(tmp_path, rows):
    lines = [",".join(HEADER)]
    lines += [
        ",".join(str(v) for v in row(i, f"C{i}", "05/01/2026", "15/01/2026", "14/01/2026")) for i in range(1, rows + 1)
    ]
    data = ("\n".join(lines) + "\n").encode("utf-8")
    target = f"\n{rows - 5},C{rows - 5},".encode() + PROC.encode()
    assert data.count(target) == 1
    path = tmp_path / "d.csv"
    path.write_bytes(data.replace(target, target[:-3] + b"\xff\xfe\xfd"))  # part of "đai" made invalid
    with pytest.raises(
        DossierFormatError,
        match=rf"d\.csv, row {rows - 4}, column 'Tên thủ tục hành chính': "
        "bytes that are not UTF-8 text",
    ):
        read_export(path)
    path.write_bytes(data.replace(f"C{rows - 5},".encode(), f"C{rows - 5}\xff,".encode("latin-1")))
    with pytest.raises(DossierFormatError, match=rf"row {rows - 4}, column 'Mã hồ sơ': bytes that are not UTF-8"):
        read_export(path)
    path.write_bytes(data)
    assert len(read_export(path).frame) == rows


def test_xls_export_is_read(tmp_path):
    import xlwt  # test dependency: writes the old binary format that some one-stop shops still export

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Sheet1")
    sheet.write(0, 0, "BÁO CÁO HỒ SƠ")
    for c, h in enumerate(HEADER):
        sheet.write(2, c, h)
    for r, values in enumerate(HAND[:4], start=3):
        for c, v in enumerate(values):
            sheet.write(r, c, v)
    path = tmp_path / "old.xls"
    book.save(str(path))
    cleaned = clean_dossiers(read_export(path), 2026, as_of="2027-01-15")
    assert cleaned.table["status"].tolist() == ["on_time", "late", "late", "overdue_in_progress"]
    assert cleaned.table["source_row"].tolist() == [4, 5, 6, 7]


def test_no_personal_data_reaches_any_output(tmp_path):
    names = ["Nguyễn Thị Hoa", "Trần Văn Minh", "Phạm Quốc Bảo"]
    rows = [
        row(i, f"P{i}", "05/01/2026", "15/01/2026", "14/01/2026", name=n, phone=f"09{i}8765432")
        for i, n in enumerate(names)
    ]
    rows.append(row(9, "P9", "31/02/2026", "15/01/2026", name="Lê Thị Quarantine", phone="0987000111"))
    export = read_export(xlsx(tmp_path / "p.xlsx", rows, header=HEADER + ["Địa chỉ", "Số CCCD"]))
    cleaned = clean_dossiers(export, 2026, as_of="2026-06-30")
    dumped = " ".join(frame.astype(str).to_csv() for frame in (export.frame, cleaned.table, cleaned.quarantine))
    dumped += export.describe() + " ".join(cleaned.notes)
    for secret in names + ["Lê Thị Quarantine", "0987000111", "0918765432"]:
        assert secret not in dumped
    assert set(export.personal_dropped) == {"Họ và tên", "Số điện thoại", "Địa chỉ", "Số CCCD"}


def test_sample_export_reads_and_cleans(small_sample):
    cleaned, exports = dossiers.load(small_sample / "dossiers/2024/ha-noi.xlsx", 2024)
    acc = cleaned.accounting
    assert acc.read == acc.kept + acc.quarantined and acc.quarantined >= 4
    assert set(cleaned.reasons()["reason"]) >= {
        "footer row (total or signature, not a dossier)",
        "unreadable date in column received (Ngày tiếp nhận)",
        "result date before received date",
    }
    assert set(exports[0].personal_dropped) == {"Người nộp hồ sơ", "Số điện thoại", "Số CCCD/CMND", "Địa chỉ"}
    tables = dossier_metrics.metric_tables(cleaned.table)
    assert tables["office"]["received"].sum() == acc.kept
    assert np.isclose(tables["total"]["on_time_rate"].iloc[0], cleaned.table["on_time"].dropna().astype(bool).mean())


def test_process_writes_table_quarantine_and_metrics(small_sample, tmp_path):
    src = small_sample / "dossiers/2024/ha-noi.xlsx"
    done = single_export.process(src, tmp_path / "out", 2024, as_of="15/01/2025")
    cleaned, _ = dossiers.load(src, 2024, as_of="2025-01-15")
    assert {k: p.name for k, p in done.files.items()} == {
        "table": "ha-noi.parquet",
        "quarantine": "ha-noi_quarantine.parquet",
        "metrics": "ha-noi_metrics.csv",
    }
    back = pd.read_parquet(done.files["table"])
    assert list(back.columns) == list(cleaned.table.columns) and len(back) == cleaned.accounting.kept
    for col in back.columns:
        assert back[col].astype(object).equals(cleaned.table[col].astype(object)), col
    quarantine = pd.read_parquet(done.files["quarantine"])
    assert quarantine["reason"].tolist() == cleaned.quarantine["reason"].tolist()
    assert len(quarantine) == cleaned.accounting.quarantined > 0
    # the processed store's one quarantine schema, as data/processed/<folder>/quarantine.parquet has it
    assert list(quarantine.columns) == quarantine_contract.COLUMNS and set(quarantine["input"]) == {"dossiers"}
    assert quarantine["row"].tolist() == cleaned.quarantine["source_row"].tolist()
    assert quarantine["record_id"].tolist() == [
        None if pd.isna(v) else str(v) for v in cleaned.quarantine["dossier_id"]
    ]
    assert set(quarantine["source"]) == {"ha-noi.xlsx"}
    long = pd.read_csv(done.files["metrics"], encoding="utf-8-sig")
    assert set(long["breakdown"]) == set(dossier_metrics.BREAKDOWNS)
    office = long[long["breakdown"] == "office"].set_index("office")["received"]
    assert office.to_dict() == done.tables["office"].set_index("office")["received"].to_dict()
    assert done.summary.equals(dossier_metrics.leader_summary(cleaned.table))
    assert not list((tmp_path / "out").glob("*.tmp"))


def test_govgap_dossiers_command(small_sample, tmp_path, capsys):
    from govgap.cli import main as cli_main

    src = small_sample / "dossiers/2024/ha-noi.xlsx"
    assert (
        cli_main(
            [
                "dossiers",
                str(src),
                "--period",
                "2024",
                "--as-of",
                "15/01/2025",
                "--out",
                str(tmp_path / "o"),
                "--lang",
                "en",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    acc = dossiers.load(src, 2024, as_of="2025-01-15")[0].accounting
    assert f"Rows read {acc.read:,}, kept {acc.kept:,}, quarantined {acc.quarantined:,}." in out
    assert "quarantined" in out and "On-time rate (766, item 2.1)" in out
    assert (tmp_path / "o" / "ha-noi.parquet").exists()
    broken = tmp_path / "broken.csv"
    broken.write_text("a,b\n1,2\n", encoding="utf-8")
    assert cli_main(["dossiers", str(broken), "--period", "2024", "--out", str(tmp_path / "o")]) == 2
    assert "broken.csv: no header row found" in capsys.readouterr().err


def test_numpy_page_advice_is_restored():
    from govgap.io._fast import _set_madvise_hugepage, small_pages

    if _set_madvise_hugepage is None:
        pytest.fail("numpy's _set_madvise_hugepage switch was not found")
    before = _set_madvise_hugepage(True)
    with small_pages():
        assert _set_madvise_hugepage(False) is False  # off inside
    assert _set_madvise_hugepage(before) is True  # back on afterwards


def test_process_reads_a_folder_of_exports_together(small_sample, tmp_path):
    """Two monthly files that overlap completely: the second file's rows are exact copies."""
    folder = tmp_path / "ha-noi-2024"
    folder.mkdir()
    src = small_sample / "dossiers/2024/ha-noi.xlsx"
    shutil.copy(src, folder / "thang_01.xlsx")
    shutil.copy(src, folder / "thang_02.xlsx")
    single = dossiers.load(src, 2024, as_of="2025-01-15")[0].accounting
    done = single_export.process(folder, tmp_path / "out", 2024, as_of="2025-01-15")
    acc = done.cleaned.accounting
    assert [e.file for e in done.exports] == ["thang_01.xlsx", "thang_02.xlsx"]
    assert (acc.read, acc.kept) == (2 * single.read, single.kept)
    reasons = done.cleaned.reasons().set_index("reason")["rows"]
    assert reasons["duplicated dossier id: exact copy of another row (value: the row kept)"] >= single.kept
    assert done.files["table"].name == "ha-noi-2024.parquet" and done.files["table"].exists()


def test_csv_ids_with_spaces_are_trimmed(tmp_path):
    lines = [",".join(HEADER)]
    lines += [
        ",".join(str(v) for v in row(i, f"  C{i} " if i == 2 else f"C{i}", "05/01/2026", "15/01/2026", "14/01/2026"))
        for i in range(1, 4)
    ]
    path = tmp_path / "s.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert read_export(path).frame["dossier_id"].tolist() == ["C1", "C2", "C3"]


def test_an_export_whose_only_result_date_is_the_hand_back_date_is_read_and_says_so(tmp_path, hand):
    """Software that exports only "Ngày trả kết quả" (handed back to the applicant): that date is
    the result date, the notes say which column was taken, and the hand-worked cases come out as
    with a result-date column (their hand-back is the result day here)."""
    header = [h if h != "Ngày có kết quả" else "Ngày trả kết quả" for h in HEADER]
    export = read_export(xlsx(tmp_path / "tra.xlsx", HAND, header=header))
    assert export.columns["finished"] == "Ngày trả kết quả"
    assert any("hand-back date 'Ngày trả kết quả' is read as the result date" in n for n in export.notes)
    cleaned = clean_dossiers(export, 2026, as_of="2027-01-15")
    mine, theirs = cleaned.table.set_index("dossier_id"), hand.table.set_index("dossier_id")
    assert mine["status"].astype(str).to_dict() == theirs["status"].astype(str).to_dict()
    assert metrics(cleaned.table).iloc[0]["on_time_rate"] == pytest.approx(0.5)
    # as a CSV too
    csv_path = tmp_path / "tra.csv"
    pd.DataFrame(HAND, columns=header).to_csv(csv_path, index=False, encoding="utf-8-sig")
    export = read_export(csv_path)
    assert export.columns["finished"] == "Ngày trả kết quả" and any("hand-back" in n for n in export.notes)
    # with both columns, the result date is the result column, the hand-back date stays the hand-back date
    both = read_export(xlsx(tmp_path / "both.xlsx", [r + [r[10]] for r in HAND], header=HEADER + ["Ngày trả kết quả"]))
    assert both.columns["finished"] == "Ngày có kết quả" and not any("hand-back" in n for n in both.notes)


def test_row_numbers_below_a_blank_line_of_a_csv_are_the_file_s(tmp_path):
    """A blank line in a CSV export is a row like a blank row of a workbook: quarantined as blank,
    and the rows below keep their numbers in the file (a broken row is named by its own line)."""
    lines = [",".join(HEADER)]
    for r in HAND[:3]:
        lines.append(",".join(str(v) for v in r))
    lines.append("")  # line 5: blank
    lines.append(",".join(str(v) for v in HAND[3]))  # line 6
    lines.append("7,G-short,Đăng ký")  # line 7: too few fields
    lines.append(",".join(str(v) for v in HAND[4]))  # line 8
    path = tmp_path / "blank.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    cleaned = clean_dossiers(read_export(path), 2026, as_of="2027-01-15")
    kept = cleaned.table.set_index("dossier_id")["source_row"].to_dict()
    assert kept == {
        "A-tet-on-time": 2,
        "B-due-before-tet": 3,
        "C-two-supplements": 4,
        "D-open-overdue": 6,
        "E-open-in-time": 8,
    }
    q = cleaned.quarantine.set_index("source_row")["reason"]
    assert q[5].startswith("blank row") and q[7].startswith("wrong number of fields")
    acc = cleaned.accounting.as_dict()
    assert acc["read"] == acc["kept"] + acc["quarantined"] == 7


def _layout_records(n=120, seed=4):
    """Dossiers received in March 2024, due 3-15 days later, finished 0-20 days later (some after
    the period): with the times of day the systems record."""
    rng = random.Random(seed)
    start = dt.datetime(2024, 3, 1, 8, 0)
    out = []
    for i in range(n):
        received = start + dt.timedelta(days=rng.randrange(25), hours=rng.randrange(8))
        due = received + dt.timedelta(days=rng.choice([3, 5, 10, 15]))
        out.append(
            (f"H26.{i:05d}", received, due, received + dt.timedelta(days=rng.randrange(20), hours=rng.randrange(8)))
        )
    return out


def _independent_766(records, period_end=dt.date(2024, 3, 31)):
    """Decision 766, 2.1, by hand: a dossier finished in the period is on time when its result day
    is not after its appointed day; one still open at the period's end, when that day is not after it."""
    resolved = [(d, f) for _, _, d, f in records if f.date() <= period_end]
    on_time = sum(f.date() <= d.date() for d, f in resolved)
    open_ok = sum(period_end <= d.date() for _, _, d, f in records if f.date() > period_end)
    return len(resolved), on_time, (on_time + open_ok) / len(records)


def _write_layouts(folder, records):
    """Four one-stop-shop layouts govgap's tests had not used: a title block with an STT column and
    both a portal and a counter date; real datetimes under "Thời điểm ..." headers; a two-row
    header under a merged "Ngày"; a semicolon CSV with ISO dates and "Phòng ban"."""
    import openpyxl

    def book(path, rows, merge=None):
        wb = openpyxl.Workbook()
        for row in rows:
            wb.active.append(row)
        if merge:
            wb.active.merge_cells(merge)
        wb.save(path)

    text = lambda d: d.strftime("%d/%m/%Y %H:%M")  # noqa: E731
    book(
        folder / "A.xlsx",
        [["UBND TỈNH LÀO CAI"], ["DANH SÁCH HỒ SƠ"], []]
        + [
            [
                "STT",
                "Số hồ sơ",
                "Tên thủ tục",
                "Cơ quan giải quyết",
                "Ngày nộp",
                "Ngày tiếp nhận",
                "Hạn xử lý",
                "Ngày hoàn thành",
                "Tình trạng",
            ]
        ]
        + [
            [
                k + 1,
                i,
                "Đăng ký biến động",
                "Chi nhánh VPĐKĐĐ",
                text(r - dt.timedelta(hours=3)),
                text(r),
                text(d),
                text(f),
                "Đã hoàn thành",
            ]
            for k, (i, r, d, f) in enumerate(records)
        ],
    )
    book(
        folder / "B.xlsx",
        [
            [
                "Mã hồ sơ",
                "Thủ tục hành chính",
                "Đơn vị xử lý",
                "Thời điểm tiếp nhận",
                "Thời hạn trả kết quả",
                "Thời điểm có kết quả",
                "Trạng thái hồ sơ",
            ]
        ]
        + [[i, "Cấp GCN", "VPĐKĐĐ", r, d, f, "Đã trả kết quả"] for i, r, d, f in records],
    )
    book(
        folder / "C.xlsx",
        [
            ["Mã hồ sơ", "Thủ tục", "Đơn vị", "Ngày", None, None, "Trạng thái"],
            [None, None, None, "Tiếp nhận", "Hẹn trả", "Có kết quả", None],
        ]
        + [
            [i, "Cấp GCN", "VPĐKĐĐ", f"{r:%d/%m/%Y}", f"{d:%d/%m/%Y}", f"{f:%d/%m/%Y}", "Hoàn thành"]
            for i, r, d, f in records
        ],
        merge="D1:F1",
    )
    lines = ["Số biên nhận;Tên TTHC;Phòng ban;Ngày nhận;Ngày hẹn;Ngày xử lý xong;Trạng thái"]
    lines += [f"{i};Cấp GCN;Phòng TNMT;{r:%Y-%m-%d};{d:%Y-%m-%d};{f:%Y-%m-%d};Đã giải quyết" for i, r, d, f in records]
    (folder / "D.csv").write_text("\ufeff" + "\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.parametrize("name", ["A.xlsx", "B.xlsx", "C.xlsx", "D.csv"])
def test_unseen_export_layouts_give_the_766_figures_of_an_independent_computation(tmp_path, capsys, name):
    records = _layout_records()
    _write_layouts(tmp_path, records)
    args = [
        "dossiers",
        str(tmp_path / name),
        "--period",
        "2024-03",
        "--as-of",
        "15/05/2024",
        "--out",
        str(tmp_path / "out"),
    ]
    assert cli.main(args) == 0, capsys.readouterr()
    total = pd.read_csv(tmp_path / "out" / f"{name.split('.')[0]}_metrics.csv").query("breakdown == 'total'").iloc[0]
    resolved, on_time, rate = _independent_766(records)
    assert (total["received"], total["resolved"], total["early"] + total["on_time"]) == (120, resolved, on_time)
    assert total["on_time_rate"] == pytest.approx(rate, abs=1e-12)


def test_every_header_spelling_names_one_column_only():
    """A spelling listed under two columns would be read as the first one silently (the legal time
    limit "Thời hạn giải quyết" is a number of days, not an appointed date)."""
    from govgap.io.sheets import header_key

    seen: dict[str, str] = {}
    for row in dossiers.column_dictionary().itertuples():
        for variant in row.variants.split("|"):
            other = seen.setdefault(header_key(variant), row.canonical)
            assert other == row.canonical, f"{variant!r}: {other} and {row.canonical}"
