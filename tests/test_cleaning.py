"""Survey cleaning on hand-made tables: accounting, quarantine reasons, personal data.

Dossier cleaning is tested in test_dossiers.py."""
from __future__ import annotations

import pandas as pd
import pytest

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


def test_date_formats():
    from govgap.dossiers import parse_dates

    parsed = parse_dates(pd.Series(["05/03/2024", "05/03/2024 14:30", "2024-03-05", "45356", "31/02/2024", "",
                                    "5/3/2024", "05-03-2024"]))
    assert list(parsed[[0, 1, 2, 3, 6, 7]].dt.strftime("%Y-%m-%d")) == ["2024-03-05"] * 6
    assert parsed[1].hour == 14 and parsed[[4, 5]].isna().all()
