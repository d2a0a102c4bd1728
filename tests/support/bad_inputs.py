"""A generator of bad inputs for every reader: one-stop-shop exports, survey files, context tables
(SIPAS, PAR INDEX) and PAPI/PCI workbooks, each with the kind of answer govgap must give.

``corpus(folder)`` writes the files and returns the cases. A case's ``expect`` is
- ``"error"``: one plain line naming the file (exit code 2) that contains ``words``;
- ``"read"``: the file is read (exit code 0); rows that cannot be used are quarantined with a
  reason containing ``words`` (when given), and every row read is accounted for.
Personal data (``PERSONAL``) is planted in many of them: it must reach no output.
"""

from __future__ import annotations

import io
import random
import zipfile
from dataclasses import dataclass
from pathlib import Path

from legacy_encoders import to_cp1258

PHONE, NAME, CCCD, EMAIL = "0912345678", "Nguyễn Văn Bình", "001203004567", "binh.nguyen@gmail.com"
PERSONAL = (PHONE, "0912 345 678", NAME, CCCD, EMAIL, "Trần Thị Mai")

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the signature of an .xls (OLE) file
COLUMNS = [
    "Mã hồ sơ",
    "Lĩnh vực",
    "Thủ tục",
    "Đơn vị",
    "Ngày tiếp nhận",
    "Ngày hẹn trả",
    "Ngày có kết quả",
    "Trạng thái",
]


@dataclass(frozen=True)
class Case:
    reader: str  # "dossiers", "context", "indices", "survey"
    name: str  # file name
    expect: str  # "error" or "read"
    words: str = ""  # what the message (error) or a quarantine reason (read) must say
    quarantined: int | None = None  # rows a "read" case must quarantine, when known


def dossier_rows(n=30, status="Đã trả kết quả") -> list[list[str]]:
    return [
        [
            f"HS{i:04d}",
            "Đất đai",
            "Cấp giấy chứng nhận",
            "Văn phòng Đăng ký đất đai",
            f"0{1 + i % 8}/02/2024",
            f"1{1 + i % 8}/02/2024",
            f"0{2 + i % 8}/02/2024",
            status,
        ]
        for i in range(n)
    ]


def _csv(rows, sep=",", header=COLUMNS) -> str:
    return "\n".join(sep.join(r) for r in ([header] if header else []) + rows) + "\n"


def _xlsx(rows, header=COLUMNS, before=(), after=(), sheet="Sheet1") -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet
    for line in [*before, header, *rows, *after]:
        ws.append(list(line))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _with(rows, row, col, value):
    rows = [list(r) for r in rows]
    rows[row][col] = value
    return rows


def _dossier_cases() -> dict[str, tuple[bytes | str, Case]]:
    random.seed(7)
    ok = dossier_rows()
    c = {}

    def add(name, content, expect, words="", quarantined=None):
        c[name] = (content, Case("dossiers", name, expect, words, quarantined))

    # containers and text that are not an export
    add("d_empty.csv", "", "error", "the file is empty")
    add("d_bom_only.csv", "\ufeff", "error", "the file is empty")
    add("d_blank_lines.csv", "\n\n  \n", "error", "empty")
    add("d_header_only.csv", _csv([]), "error", "no dossier rows")
    add("d_random.csv", bytes(random.randrange(256) for _ in range(5000)), "error", "not a CSV text file")
    add(
        "d_nul.csv",
        _csv(ok[:3]).encode("utf-8").replace(b",", b"\x00", 3),
        "error",
        "not a CSV text file (binary bytes",
    )
    add("d_zip_named_csv.csv", b"PK\x03\x04" + bytes(300), "error", "workbook")
    add("d_truncated.xlsx", _xlsx(ok)[:2000], "error", "damaged or incomplete (its zip container is cut short")
    add("d_junk.xlsx", bytes(random.randrange(256) for _ in range(3000)), "error", "not a workbook")
    add("d_ole_junk.xls", OLE + bytes(3000), "error", "the .xls workbook is damaged (its OLE container")
    add("d_password.xlsx", OLE + bytes(600) + "EncryptionInfo".encode("utf-16-le") + bytes(900), "error", "password")
    add("d_empty.xlsx", b"", "error", "the file is empty (0 bytes)")
    html = "<html><body><table><tr>" + "".join(f"<th>{h}</th>" for h in COLUMNS) + "</tr>"
    html += "".join("<tr>" + "".join(f"<td>{v}</td>" for v in r) + "</tr>" for r in ok) + "</table></body></html>"
    add("d_html_saved_as.xls", html, "read", "", 0)
    add("d_html_no_table.xls", "<html><body><p>Không có dữ liệu</p></body></html>", "error", "no table in it")
    xml = '<?xml version="1.0"?>\n<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"></Workbook>'
    add("d_xml_2003.xls", xml, "error", "XML Spreadsheet 2003")
    add("d_pdf.xlsx", b"%PDF-1.4\n" + bytes(500), "error", "a PDF document")
    add("d_csv_named_xlsx.xlsx", _csv(ok), "error", "a text file (CSV?) with a workbook's name")
    add("d_zip_not_workbook.xlsx", _zip({"hello.txt": b"hi"}), "error", "a zip archive, not an Excel or ODS workbook")
    # layouts
    add("d_semicolon.csv", _csv(ok, sep=";"), "read", "", 0)
    add("d_tab.csv", _csv(ok, sep="\t"), "read", "", 0)
    add("d_utf16.csv", _csv(ok).encode("utf-16"), "read", "", 0)
    add("d_cp1258.csv", to_cp1258(_csv(ok)), "read", "", 0)  # Windows-1258, as old Vietnamese Excel saves CSV
    add("d_no_header.csv", _csv(ok, header=None), "error", "no header row")
    add("d_header_only_junk.csv", "a,b,c\n1,2,3\n", "error", "no header row")
    add(
        "d_missing_due.csv",
        _csv([r[:5] + r[6:] for r in ok], header=COLUMNS[:5] + COLUMNS[6:]),
        "error",
        "required column(s) missing: due",
    )
    add("d_duplicate_header.csv", _csv([r + [r[7]] for r in ok], header=COLUMNS + ["Trạng thái"]), "read")
    add("d_title_rows.xlsx", _xlsx(ok, before=[["SỞ NÔNG NGHIỆP VÀ MÔI TRƯỜNG"], ["BÁO CÁO HỒ SƠ"], []]), "read")
    signature = [f"Người lập biểu: Trần Thị Mai - ĐT 0912 345 678 - {EMAIL}"]
    add(
        "d_footer_signature.xlsx", _xlsx(ok, after=[[], ["Tổng cộng", "", "", "", "", "", "", "30"], signature]), "read"
    )
    add("d_footer_signature.csv", _csv(ok) + signature[0] + ",,,,,,,\n", "read")
    add("d_ragged.csv", _csv(ok) + "HS9,Đất đai\nHS10,a,b,c,d,e,f,g,h,i,j\n", "read")
    add("d_unbalanced_quote.csv", _csv(ok[:10]) + 'HS99,"Đất đai,x,y,01/02/2024,10/02/2024,,Đang xử lý\n', "read")
    add("d_long_line.csv", _csv(_with(ok, 0, 2, "x" * 200_000)), "read", "", 0)
    add(
        "d_many_columns.csv",
        _csv([r + [""] * 3000 for r in ok], header=COLUMNS + [f"c{i}" for i in range(3000)]),
        "read",
    )
    # cells
    add("d_bad_dates.csv", _csv(_with(_with(ok, 0, 4, "32/13/2024"), 1, 5, "ngày mai")), "read", "", 2)
    add("d_far_dates.csv", _csv(_with(_with(ok, 0, 4, "01/01/1900"), 1, 5, "01/01/2199")), "read")
    add("d_due_before_received.csv", _csv(_with(ok, 0, 5, "01/01/2024")), "read")
    add("d_phone_in_status.csv", _csv(_with(ok, 3, 7, f"Gọi {PHONE} anh {NAME}")), "read", "", 1)
    add("d_cccd_in_id.csv", _csv(_with(ok, 4, 0, CCCD)), "read")
    add("d_email_in_office.csv", _csv(_with(ok, 5, 3, EMAIL)), "read")
    add("d_name_in_procedure.csv", _csv(_with(ok, 6, 2, f"Cấp GCN cho ông {NAME}, {PHONE}")), "read")
    add("d_formula_cells.csv", _csv(_with(_with(ok, 0, 2, '=HYPERLINK("x")'), 1, 3, "+cmd|' /C calc'!A0")), "read")
    add("d_unknown_status.csv", _csv(_with(ok, 0, 7, "Trạng thái lạ 123")), "read", "", 1)
    add("d_blank_ids.csv", _csv(_with(ok, 0, 0, "")), "read")
    add("d_duplicate_ids.csv", _csv(ok + ok[:3]), "read")
    add("d_inf_text.csv", _csv(_with(ok, 0, 4, "inf")), "read", "", 1)
    errors = _xlsx(_with(_with(_with(ok, 0, 4, "#N/A"), 1, 5, "#VALUE!"), 2, 6, "#REF!"))
    add("d_error_cells.xlsx", errors, "read")
    add("d_serial_dates.xlsx", _xlsx([r[:4] + [45323, 45333, 45324] + r[7:] for r in ok]), "read", "", 0)
    add("d_all_broken.csv", _csv([["HS1", "Đất đai"], ["HS2"]]), "error", "every one of its 2 rows")
    return c


def _zip(files: dict) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    return out.getvalue()


def _context_cases() -> dict[str, tuple[bytes | str, Case]]:
    header = "Năm;Tỉnh/Thành phố;Chỉ số CCHC (điểm/100)"
    good = [f"{y};Hà Nội;{80 + y % 5}.5" for y in (2021, 2022, 2023, 2024)]
    c = {}

    def add(name, content, expect, words="", quarantined=None):
        c[name] = (content, Case("context", name, expect, words, quarantined))

    add("PAR_INDEX_empty.csv", "", "error", "empty")
    add("PAR_INDEX_header_only.csv", header + "\n", "read", "no rows below it (an empty template?)")
    add("PAR_INDEX_random.csv", random.Random(3).randbytes(3000), "error", "not a CSV text file")
    add("PAR_INDEX_truncated.xlsx", b"PK\x03\x04" + bytes(500), "error", "damaged or incomplete")
    add("PAR_INDEX_comma.csv", header.replace(";", ",") + "\n" + "\n".join(g.replace(";", ",") for g in good), "read")
    # the context command checks a table: each bad cell is a problem with its row and column (exit code 2)
    bad = {
        "over_100": ("2024;Hà Nội;180", "row 5, column C (Chỉ số CCHC (điểm/100)): '180' is outside 0-100"),
        "text_score": ("2024;Hà Nội;tốt", "row 5, column C (Chỉ số CCHC (điểm/100)): 'tốt' is not a number"),
        "inf": ("2024;Hà Nội;inf", "row 5, column C (Chỉ số CCHC (điểm/100)): 'inf' is not a number"),
        "unknown_province": ("2024;Tỉnh Lạ;80", "row 5, column B (Tỉnh/Thành phố): Unknown province 'Tỉnh Lạ'"),
        "phone": (f"2024;Gọi {PHONE};80", "row 5, column B (Tỉnh/Thành phố): Unknown province 'Gọi [số điện thoại]'"),
        "wrong_delimiter_row": ("2024,Hà Nội,80", "row 5: the row's figures are in one cell, separated by ','"),
        "far_year": ("1890;Hà Nội;80", "row 5, column A (Năm)"),
    }
    for name, (line, words) in bad.items():
        add(f"PAR_INDEX_{name}.csv", header + "\n" + "\n".join(good[:3] + [line]), "error", words)
    add(
        "PAR_INDEX_html.xls",
        "<table><tr><td>Năm</td><td>Tỉnh/Thành phố</td><td>Chỉ số CCHC (điểm/100)</td></tr>"
        "<tr><td>2024</td><td>Hà Nội</td><td>81,5</td></tr></table>",
        "read",
    )
    return c


def _indices_cases() -> dict[str, tuple[bytes | str, Case]]:
    c = {}

    def add(name, content, expect, words=""):
        c[name] = (content, Case("indices", name, expect, words))

    add("PAPI_2024_truncated.xlsx", b"PK\x03\x04" + bytes(800), "error", "damaged or incomplete")
    add("PAPI_2024_empty.xlsx", _xlsx([], header=[]), "error", "'Sheet1': empty sheet")
    add(
        "PAPI_2024_no_layout.xlsx",
        _xlsx([["x", 1]], header=["Tên", "Giá trị"]),
        "error",
        "no sheet is a PAPI or PCI province table",
    )
    add(
        "PAPI_2024_html.xls",
        "<html><table><tr><td>Tỉnh</td></tr></table></html>",
        "error",
        "'Bảng 1': no province table",
    )
    return c


SURVEY = "papi_survey_2024"


def _survey_cases() -> dict[str, tuple[object, Case]]:
    """Each case is a data folder ``<case>/survey/`` with the sample's codebook and margins and one
    survey file, read by ``govgap prepare``: a function of the sample's survey folder giving the
    files (name: bytes or text). "error": the file is listed as unreadable with ``words`` (exit
    code 2); "read": its bad rows are quarantined with ``words``."""
    c = {}

    def add(label, files, expect, words="", quarantined=None):
        c[label] = (files, Case("survey", label, expect, words, quarantined))

    def base(folder: Path):
        import pandas as pd

        frame = pd.read_csv(folder / f"{SURVEY}.csv", dtype=str, keep_default_na=False)
        # without the sample's own planted faults (ages, a stray code, copies): each case has only its own
        age = pd.to_numeric(frame["tuoi"], errors="coerce")
        clean = age.between(18, 110) & (frame["d702a"] != "5") & ~frame["id_nguoi_tra_loi"].duplicated(keep=False)
        return frame[clean].head(200).reset_index(drop=True)

    def text(folder):
        return base(folder).to_csv(index=False)

    def changed(col, row, value):
        def files(folder):
            frame = base(folder)
            frame.loc[row, col] = value
            return {f"{SURVEY}.csv": frame.to_csv(index=False)}

        return files

    def wrong_delimiter(folder):
        lines = text(folder).splitlines()
        lines[9] = ";".join(lines[9].split(",")[:3] + [NAME, CCCD, PHONE])
        return {f"{SURVEY}.csv": "\n".join(lines) + "\n"}

    def margins(old, new):
        return lambda folder: {"margins.csv": (folder / "margins.csv").read_text(encoding="utf-8").replace(old, new)}

    noise = random.Random(5).randbytes(4000)
    add("s_empty", lambda f: {f"{SURVEY}.csv": ""}, "error", "the file is empty")
    add("s_header_only", lambda f: {f"{SURVEY}.csv": text(f).splitlines()[0] + "\n"}, "error", "no respondent rows")
    add("s_random_sav", lambda f: {f"{SURVEY}.sav": noise}, "error", "cannot be read as a SPSS (.sav) file")
    add("s_truncated_dta", lambda f: {f"{SURVEY}.dta": (f / f"{SURVEY}.dta").read_bytes()[:3000]}, "error", "damaged")
    add("s_text_as_sav", lambda f: {f"{SURVEY}.sav": text(f)}, "error", "cannot be read as a SPSS (.sav) file")
    add("s_truncated_xlsx", lambda f: {f"{SURVEY}.xlsx": b"PK\x03\x04" + bytes(900)}, "error", "cut short")
    html = "<html><table><tr><td>id_nguoi_tra_loi</td><td>tinh</td></tr><tr><td>1</td><td>Hà Nội</td></tr></table>"
    add("s_html_as_xls", lambda f: {f"{SURVEY}.xls": html}, "error", "column 'strata'")
    add("s_weight_inf", changed("trong_so", 3, "inf"), "read", "infinite or non-positive weight", 1)
    add("s_weight_negative", changed("trong_so", 3, "-2.5"), "read", "infinite or non-positive weight", 1)
    add("s_weight_text", changed("trong_so", 3, "nặng"), "read", "non-numeric", 1)
    add("s_weight_huge", changed("trong_so", 3, "1e308"), "read", "times its province's median weight", 1)
    add(
        "s_no_weight",
        lambda f: {f"{SURVEY}.csv": base(f).drop(columns=["trong_so"]).to_csv(index=False)},
        "error",
        "column 'trong_so' (design.weight) is missing",
    )
    add("s_phone_in_answer", changed("d702b", 5, PHONE), "read", "answer code outside the codebook", 1)
    add("s_name_in_id", changed("id_nguoi_tra_loi", 5, f"{NAME} {EMAIL}"), "read", "", 0)
    add("s_answer_out_of_scale", changed("d701a", 6, "9"), "read", "answer code outside the codebook", 1)
    add("s_wrong_delimiter_line", wrong_delimiter, "read", "a line saved with another delimiter", 1)
    add("s_unknown_province", changed("ma_tinh", 7, f"Gọi {PHONE}"), "read", "unknown province", 1)
    add("s_margins_negative", margins("sex,Nam,0.49", "sex,Nam,-0.49"), "error", "margins.csv, row 2, column target")
    add("s_margins_text", margins("sex,Nam,0.49", "sex,Nam,nhiều"), "error", "margins.csv, row 2, column target")
    return c


def cases() -> list[Case]:
    """Every case, without writing a file (for a test's parameters)."""
    return [
        case
        for group in (_dossier_cases(), _context_cases(), _indices_cases(), _survey_cases())
        for _, case in group.values()
    ]


def corpus(folder: Path, sample: Path | None = None) -> list[Case]:
    """Write every case's files under ``folder/<reader>/`` and return the cases (the survey cases,
    in their own data folders ``folder/survey/<case>``, when ``sample`` is a sample data folder to
    start from)."""
    written = []
    for group in (_dossier_cases(), _context_cases(), _indices_cases()):
        for name, (content, case) in group.items():
            path = folder / case.reader / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
            written.append(case)
    for label, (files, case) in (_survey_cases() if sample else {}).items():
        source, survey = sample / "survey", folder / "survey" / label / "survey"
        survey.mkdir(parents=True, exist_ok=True)
        for name in ("codebook.yaml", "margins.csv"):
            (survey / name).write_bytes((source / name).read_bytes())
        made = files(source)
        for name, content in made.items():
            (survey / name).write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        if "margins.csv" in made:  # the survey file itself is a good one
            (survey / f"{SURVEY}.csv").write_bytes((source / f"{SURVEY}.csv").read_bytes())
        written.append(case)
    return written


def planted_data_folder(data: Path, sample: Path) -> Path:
    """A data folder whose inputs carry personal data where it does not belong: a status cell with
    a phone and a name, a footer signature with a phone and an e-mail (Hà Nội's export); a survey
    answer with a phone, a survey line written with the wrong delimiter (the whole line lands in
    one cell) with a name and an ID number; and an export that cannot be read whose message
    quotes a cell with a name and a phone (Hồ Chí Minh's)."""
    import pandas as pd

    (data / "dossiers" / "2024").mkdir(parents=True)
    rows = [",".join(r) for r in dossier_rows(40)]
    rows[3] = rows[3].replace("Đã trả kết quả", f"Gọi {PHONE} anh {NAME}")
    signature = f"Người lập biểu: Trần Thị Mai - ĐT 0912 345 678 - {EMAIL}"
    text = ",".join(COLUMNS) + "\n" + "\n".join(rows) + f"\n{signature},,,,,,,\n"
    (data / "dossiers" / "2024" / "ha-noi.csv").write_text(text, encoding="utf-8")
    (data / "dossiers" / "2024" / "ho-chi-minh.csv").write_text(
        f"{signature}\nMã hồ sơ,Ghi chú\nHS1,{NAME} {PHONE}\n", encoding="utf-8"
    )
    (data / "survey").mkdir()
    (data / "survey" / "codebook.yaml").write_bytes((sample / "survey" / "codebook.yaml").read_bytes())
    survey = pd.read_csv(sample / "survey" / "papi_survey_2024.csv", dtype=str, keep_default_na=False).head(300)
    survey.loc[5, "d702b"] = PHONE
    survey.loc[9, "id_nguoi_tra_loi"] = f"{NAME};{CCCD};Hà Nội;{PHONE}"
    survey.to_csv(data / "survey" / "papi_survey_2024.csv", index=False)
    return data
