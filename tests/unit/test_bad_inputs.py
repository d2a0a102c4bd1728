"""Bad inputs get a plain answer (exit code 2, the file named, no traceback), and personal data
planted in the inputs reaches no output: a generator of bad files, one assertion per case."""

from __future__ import annotations

import json
import random
import shutil
import unicodedata

import pandas as pd
import pytest
from bad_inputs import PERSONAL, planted_data_folder

from govgap import cli
from govgap.redact import redact

HEADER = "Mã hồ sơ,Lĩnh vực,Thủ tục,Đơn vị,Ngày tiếp nhận,Ngày hẹn trả,Ngày có kết quả,Trạng thái"
ROW = "HS{n:04d},Đất đai,Cấp giấy chứng nhận,Văn phòng Đăng ký đất đai,0{d}/02/2024,1{d}/02/2024,0{e}/02/2024,{status}"
PHONE, NAME, CCCD, EMAIL = "0912345678", "Nguyễn Văn Bình", "001203004567", "binh.nguyen@gmail.com"
SIGNATURE = f"Người lập biểu: Trần Thị Mai - ĐT 0987 654 321 - {EMAIL}"


def _rows(n=30, status="Đã trả kết quả"):
    return [ROW.format(n=i, d=1 + i % 8, e=2 + i % 8, status=status) for i in range(n)]


def _run_export(tmp_path, monkeypatch, capsys, name, header, rows):
    """Write an export, clean it with ``govgap dossiers`` from its folder: (console, table, quarantine)."""
    (tmp_path / name).write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert cli.main(["dossiers", name, "--period", "2024", "--out", "out"]) == 0
    stem = name.rsplit(".", 1)[0]
    table = pd.read_parquet(tmp_path / "out" / f"{stem}.parquet")
    return capsys.readouterr().out, table, pd.read_parquet(tmp_path / "out" / f"{stem}_quarantine.parquet")


def _bad_files(folder):
    """Each bad file with the words its message must contain."""
    random.seed(3)
    cases = {
        "header_only.csv": (HEADER + "\n", "no dossier rows"),
        "empty.csv": ("", "the file is empty"),
        "random.csv": (bytes(random.randrange(256) for _ in range(4000)), "not a CSV text file"),
        "workbook.csv": (b"PK\x03\x04" + bytes(200), "is an .xlsx/.ods (zip) workbook"),
        "truncated.xlsx": (b"PK\x03\x04" + bytes(3000), "the workbook is damaged or incomplete"),
        "all_broken.csv": (HEADER + "\n" + "HS1,Đất đai,x,y,01/02/2024\nHS2,a,b\n", "every one of its 2 rows"),
    }
    for name, (content, _) in cases.items():
        path = folder / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return {name: words for name, (_, words) in cases.items()}


@pytest.mark.parametrize(
    "name",
    ["header_only.csv", "empty.csv", "random.csv", "workbook.csv", "truncated.xlsx", "all_broken.csv"],
)
def test_a_bad_export_gets_one_plain_line(tmp_path, capsys, monkeypatch, name):
    words = _bad_files(tmp_path)[name]
    monkeypatch.chdir(tmp_path)  # a relative path is taken from the current folder
    code = cli.main(["dossiers", name, "--period", "2024", "--out", "out"])
    out, err = capsys.readouterr()
    assert code == 2 and "Traceback" not in out + err and "internal error" not in err, err
    assert name in err and words in err, err


def test_a_long_cell_and_a_decomposed_header_are_read(tmp_path, capsys, monkeypatch):
    """A 140 kB note (past Python's csv field limit) and a header in NFD are no reasons to fail."""
    header = unicodedata.normalize("NFD", HEADER.replace("Trạng thái", "Ghi chú,Trạng thái"))
    rows = [
        r.replace(",Đã trả", "," + "x" * 140_000 + ",Đã trả") if i == 0 else r.replace(",Đã trả", ",,Đã trả")
        for i, r in enumerate(_rows(5))
    ]
    (tmp_path / "long.csv").write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert cli.main(["dossiers", "long.csv", "--period", "2024", "--out", "out"]) == 0
    table = pd.read_parquet(tmp_path / "out" / "long.parquet")
    assert len(table) == 5


def test_damaged_survey_files_are_listed_and_the_rest_goes_on(tmp_path, small_sample, capsys, isolated_home):
    for name, content, words in (
        ("papi_survey_2024.csv", b"", "the file is empty"),
        ("papi_survey_2024.dta", b"\x75\x00garbage" * 40, "cannot be read as a Stata (.dta) file"),
        ("papi_survey_2024.sav", b"garbage", "cannot be read as a SPSS (.sav) file"),
    ):
        data = tmp_path / name.replace(".", "_")
        (data / "survey").mkdir(parents=True)
        shutil.copy(small_sample / "survey/codebook.yaml", data / "survey/codebook.yaml")
        (data / "survey" / name).write_bytes(content)
        code = cli.main(["prepare", "--data-dir", str(data), "--workers", "1"])
        out, err = capsys.readouterr()
        # listed as unreadable with its plain message; the other inputs are prepared, and the exit
        # code (2, an input to fix) tells a script so
        assert code == 2 and f"UNREADABLE survey/{name}: " in out and words in out, out + err
        assert "1 file(s) could not be read" in out
        assert "Traceback" not in out + err


def test_planted_personal_data_reaches_no_output(tmp_path, small_sample, isolated_home):
    """Every processed table, the stamp, the quarantine and the rendered report are searched for
    the planted strings: none is there; the rows that carried them are accounted for."""
    from govgap.pipeline import store
    from govgap.render import report

    data = planted_data_folder(tmp_path / "planted", small_sample)
    processed = store.prepare(data, workers=1, progress=False)
    q = processed.quarantine()
    assert len(q) >= 3  # the bad status, the footer, the bad answer (and the broken id line)
    texts = []
    for path in processed.folder.rglob("*"):
        if path.suffix == ".parquet":
            frame = pd.read_parquet(path)
            texts += [str(v) for col in frame.columns for v in frame[col].astype(str)]
        elif path.suffix in (".json", ".csv", ".txt"):
            texts.append(path.read_text(encoding="utf-8", errors="replace"))
    r = report.build("Hà Nội", 2024, "vi", data, units="63")
    shown = [r.banner(), r.headline(), r.quality_table(), r.footer()]
    shown += [p for s in r.sections() for p in r.section_parts(s.key) if isinstance(p, str)]
    assert "ha-noi.csv" in r.quality_table()  # the report's input checks list the planted export
    texts += shown
    blob = "\n".join(texts)
    for planted in PERSONAL:
        assert planted not in blob, planted
    assert "[số điện thoại]" in blob and "[họ tên]" in blob
    acc = processed.accounting()
    assert (acc["read"] == acc["kept"] + acc["quarantined"]).all()


def test_redact_masks_what_is_personal_and_leaves_what_is_not():
    assert redact(f"Người lập biểu: {NAME}, ĐT {PHONE}") == "Người lập biểu: [họ tên], ĐT [số điện thoại]"
    assert redact(f"CCCD {CCCD}; {EMAIL}; +84 912 345 678") == "CCCD [số giấy tờ]; [email]; [số điện thoại]"
    for kept in (
        "Đã trả kết quả",
        "Chi nhánh VPĐKĐĐ huyện Lâm Hà",
        "đường Lê Lợi, TP Hồ Chí Minh",
        "Hà Nội",
        "000.00.19.H26-240101-0001",
        "01/02/2024 08:30",
        "1.500.000",
        "Văn Phòng Đăng Ký Đất Đai",
    ):
        assert redact(kept) == kept, kept
    from govgap.errors import InputError

    assert PHONE not in str(InputError(f"a.csv, row 3, column 'Trạng thái': {PHONE!r} is not a status"))


def test_the_stamp_keeps_no_personal_data_from_error_messages(tmp_path, small_sample, isolated_home):
    """An unreadable export whose message quotes a cell with a name and phone: the stamp lists the
    file with the message masked."""
    from govgap.pipeline import store

    data = tmp_path / "stamp"
    (data / "dossiers" / "2024").mkdir(parents=True)
    (data / "dossiers" / "2024" / "ha-noi.csv").write_text(
        f"{SIGNATURE}\nMã hồ sơ,Ghi chú\nHS1,{NAME} {PHONE}\n", encoding="utf-8"
    )
    processed = store.prepare(data, workers=1, progress=False)
    stamp = json.dumps(processed.stamp, ensure_ascii=False)
    assert "ha-noi.csv" in stamp and PHONE not in stamp and "0987 654 321" not in stamp and EMAIL not in stamp


def test_csv_outputs_do_not_run_formulas(tmp_path, monkeypatch, capsys):
    """An office named like a formula in an export stays text in the metrics CSV an analyst opens."""
    rows = [r.replace("Văn phòng Đăng ký đất đai", '"=HYPERLINK(""http://x.example"",""y"")"') for r in _rows(6)]
    _run_export(tmp_path, monkeypatch, capsys, "f.csv", HEADER, rows)
    metrics = pd.read_csv(tmp_path / "out" / "f_metrics.csv", dtype=str, encoding="utf-8-sig")
    offices = set(metrics["office"].dropna())
    assert offices == {'\'=HYPERLINK("http://x.example","y")'}


def test_common_statuses_are_known_and_unknown_ones_are_listed(tmp_path, capsys, monkeypatch):
    """ "Đã tiếp nhận" (received, open) is a status of the common one-stop-shop systems: such a
    dossier is counted as in progress, not quarantined; a status govgap does not know is listed
    with its rows on the console, as well as quarantined."""
    rows = _rows(10)
    rows[1] = rows[1].replace("03/02/2024,Đã trả kết quả", ",Đã tiếp nhận")  # open: no result date
    rows[2] = rows[2].replace("04/02/2024,Đã trả kết quả", ",Tạm dừng xử lý")
    rows[3] = rows[3].replace("Đã trả kết quả", "Chờ tiếp nhận")
    rows[4] = rows[4].replace("Đã trả kết quả", "Chờ tiếp nhận")
    out, table, quarantine = _run_export(tmp_path, monkeypatch, capsys, "s.csv", HEADER, rows)
    assert "STATUSES NOT IN THE VOCABULARY" in out and "'Chờ tiếp nhận' (2 rows)" in out, out
    assert len(table) == 8 and len(quarantine) == 2
    open_ones = table.set_index("dossier_id").loc[["HS0001", "HS0002"], "status"]
    assert set(open_ones) <= {"in_progress", "overdue_in_progress"}  # counted, as open dossiers


def test_two_received_columns_the_counter_receipt_is_read_and_said(tmp_path, capsys, monkeypatch):
    """An export with the portal's submission date before the counter's receipt date: the
    receipt (the dictionary's first spelling) is the received date, and the console says which
    column was read for what and which was left out."""
    header = HEADER.replace("Ngày tiếp nhận", "Ngày nộp,Ngày tiếp nhận")
    rows = [
        ROW.format(n=i, d=2 + i, e=3 + i, status="Đã trả kết quả").replace(
            "Văn phòng Đăng ký đất đai,", "Văn phòng Đăng ký đất đai,31/01/2024,"
        )
        for i in range(4)
    ]
    out, table, _ = _run_export(tmp_path, monkeypatch, capsys, "two.csv", header, rows)
    assert "received <- 'Ngày tiếp nhận'" in out and "'Ngày nộp' means the same field and is not read" in out, out
    assert sorted(table["received"].dt.day) == [2, 3, 4, 5]  # the counter's dates, not 31/01


@pytest.mark.parametrize(("rule", "expected"), [("subtract", "on_time"), ("none", "late")])
def test_the_applicants_supplement_time_is_not_the_offices(tmp_path, capsys, monkeypatch, rule, expected):
    """D2 (Decision 766): received Fri 1/3/2024, due Fri 8/3; a supplement requested Mon 4/3 and
    brought Wed 6/3 (2 working days: Tue 5, Wed 6); result Mon 11/3, one working day past the
    appointed date: on time once the applicant's 2 days are taken off; late for software that
    already moved the appointed date (``--supplement-pause none``)."""
    header = HEADER + ",Ngày yêu cầu bổ sung,Ngày bổ sung,Số lần bổ sung"
    row = "HS1,Đất đai,Cấp giấy chứng nhận,Văn phòng Đăng ký đất đai,01/03/2024,08/03/2024,11/03/2024,Đã trả kết quả"
    (tmp_path / "p.csv").write_text(f"{header}\n{row},04/03/2024,06/03/2024,1\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert cli.main(["dossiers", "p.csv", "--period", "2024", "--out", "out", "--supplement-pause", rule]) == 0
    table = pd.read_parquet(tmp_path / "out" / "p.parquet")
    assert table["status"].tolist() == [expected] and table["supplement_working_days"].tolist() == [2]
    assert table["working_days_late"].tolist() == [0 if rule == "subtract" else 1]
