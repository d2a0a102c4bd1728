"""Survey and dossier cleaning on hand-made tables: accounting, quarantine reasons, PII, dates."""
from __future__ import annotations

import pandas as pd
import pytest

from govgap.dossiers import DossierFormatError, clean_dossiers, on_time_rates, parse_dates, read_export
from govgap.survey import clean_survey, indicator_estimates, read_survey


def _survey_rows():
    base = {"tinh": "Tỉnh Đắk Lắk", "huyen": "Huyện A", "xa": "Xã B", "strata": "1", "psu": "11",
            "gioi_tinh": "1", "dan_toc": "1", "thanh_thi": "2", "trong_so": "1.5", "tuoi": "40",
            "d702b": "Có", "d503": "2", "d503a": "97"}
    rows = [dict(base, id_nguoi_tra_loi=f"r{i}") for i in range(5)]
    rows[1]["d702b"] = "Không"
    rows[2]["d702b"] = "Không biết"
    rows.append(dict(base, id_nguoi_tra_loi="r0"))             # duplicate id
    rows.append(dict(base, id_nguoi_tra_loi="r9", tuoi="150"))  # impossible age
    rows.append(dict(base, id_nguoi_tra_loi="r10", d702b="7"))  # code outside the codebook
    rows.append(dict(base, id_nguoi_tra_loi="r11", tinh="Atlantis"))
    return pd.DataFrame(rows)


def test_survey_accounting_and_reasons():
    clean, quarantine, acc = clean_survey(_survey_rows(), source="hand")
    assert (acc.read, acc.kept, acc.quarantined) == (9, 5, 4)
    assert sorted(quarantine["reason"].str.split(" \\(").str[0]) == [
        "answer code outside the codebook in column d702b", "duplicated respondent id",
        "impossible age", "unknown province in column tinh"]
    assert quarantine["source_row"].tolist() == [7, 8, 9, 10]
    assert set(clean["province_code"]) == {"66"}
    est = indicator_estimates(clean).set_index("indicator_id")
    # d702b: 3 yes, 1 no, 1 don't know (left out of the denominator) -> 3/4
    assert est.loc["papi.d7.2.2", "estimate"] == pytest.approx(0.75)
    assert est.loc["papi.d7.2.2", "n"] == 4 and bool(est.loc["papi.d7.2.2", "suppressed"])


def test_survey_reader_drops_personal_data(tmp_path):
    frame = _survey_rows().assign(ho_ten="Nguyễn Văn A", dien_thoai="0912345678")
    frame.to_csv(tmp_path / "s.csv", index=False)
    raw = read_survey(tmp_path / "s.csv")
    assert "ho_ten" not in raw.columns and "dien_thoai" not in raw.columns
    with pytest.raises(ValueError, match="unsupported"):
        read_survey(tmp_path / "s.txt")


def _export(tmp_path, rows, header=None):
    header = header or ["STT", "Mã hồ sơ", "Tên thủ tục", "Lĩnh vực", "Cơ quan/Đơn vị tiếp nhận",
                        "Họ và tên", "Ngày tiếp nhận", "Ngày hẹn trả", "Ngày có kết quả", "Trạng thái",
                        "Số lần bổ sung", "Hình thức nộp"]
    grid = [["BÁO CÁO"], [], header, *rows, ["", "Tổng cộng: 4 hồ sơ"]]
    grid = [row + [""] * (len(header) - len(row)) for row in grid]
    path = tmp_path / "export.csv"
    pd.DataFrame(grid).to_csv(path, header=False, index=False)
    return path


def test_dossier_rules_on_hand_made_rows(tmp_path):
    rows = [
        ["1", "A1", "Cấp GCN", "Đất đai", "VP", "Lê A", "02/01/2024 08:00", "10/01/2024", "09/01/2024", "Đã trả kết quả", "0", "Trực tuyến"],
        ["2", "A2", "Cấp GCN", "Đất đai", "VP", "Lê B", "02/01/2024", "10/01/2024", "12/01/2024", "Đã trả kết quả", "0", "Trực tiếp"],
        ["3", "A3", "Cấp GCN", "Đất đai", "VP", "Lê C", "2024-01-03", "10/01/2024", "09/01/2024", "Đã trả kết quả", "2", "Qua bưu chính công ích"],
        ["4", "A4", "Cấp GCN", "Đất đai", "VP", "Lê D", "02/12/2024", "20/12/2024", "", "Đang giải quyết", "0", ""],
        ["5", "A5", "Cấp GCN", "Đất đai", "VP", "Lê E", "31/02/2024", "10/03/2024", "", "Đang giải quyết", "0", ""],
        ["6", "A6", "Cấp GCN", "Đất đai", "VP", "Lê F", "05/01/2024", "10/01/2024", "04/01/2024", "Đã trả kết quả", "0", ""],
        ["7", "A1", "Cấp GCN", "Đất đai", "VP", "Lê A", "02/01/2024 08:00", "10/01/2024", "09/01/2024", "Đã trả kết quả", "0", ""],
    ]
    raw = read_export(_export(tmp_path, rows))
    assert "applicant_name" not in raw.columns
    clean, quarantine, acc = clean_dossiers(raw, pd.Timestamp("2024-12-31 23:59"))
    assert (acc.read, acc.kept, acc.quarantined) == (8, 4, 4)
    assert dict(zip(quarantine["source_row"], quarantine["reason"])) == {
        8: "unreadable received date (column Ngày tiếp nhận)",
        9: "result date before received date",
        10: "duplicated dossier id (later copy of the same record)",
        11: "total or blank row (no dossier id)"}
    verdict = dict(zip(clean["dossier_id"], clean["on_time"]))
    # on time; late by 2 days; two supplement requests -> late; overdue in progress -> late
    assert verdict == {"A1": True, "A2": False, "A3": False, "A4": False}
    assert dict(zip(clean["dossier_id"], clean["late_days"])) == {"A1": 0, "A2": 2, "A3": 0, "A4": 11}
    rates = on_time_rates(clean)
    assert rates.loc[0, "on_time_rate"] == pytest.approx(0.25)
    assert rates.loc[0, "online_share"] == pytest.approx(0.25)
    assert rates.loc[0, "postal_share"] == pytest.approx(0.25)


def test_missing_required_column_names_file_and_column(tmp_path):
    header = ["STT", "Mã hồ sơ", "Tên thủ tục", "Cơ quan tiếp nhận", "Ngày tiếp nhận", "Ngày hẹn trả", "Trạng thái"]
    path = _export(tmp_path, [["1", "A", "x", "y", "01/01/2024", "02/01/2024", "Đã trả kết quả"]], header)
    with pytest.raises(DossierFormatError, match=r"export\.csv.*header row 3.*Ngày có kết quả"):
        read_export(path)


def test_no_header_row_is_a_clear_error(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(DossierFormatError, match="empty.csv.*no header row"):
        read_export(path)


def test_date_formats():
    parsed = parse_dates(pd.Series(["05/03/2024", "05/03/2024 14:30", "2024-03-05", "45356", "31/02/2024", ""]))
    assert list(parsed[:4].dt.strftime("%Y-%m-%d")) == ["2024-03-05"] * 4
    assert parsed[1].hour == 14 and parsed[4:].isna().all()
