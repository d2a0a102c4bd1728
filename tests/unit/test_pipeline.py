"""Raw sample folder -> processed tables: accounting, no personal data, consistency, caching."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from govgap.contract import quarantine as quarantine_contract
from govgap.errors import ContractError
from govgap.estimate import survey_estimates
from govgap.pipeline import store
from govgap.render import report
from govgap.sources import survey


@pytest.fixture(scope="module")
def processed(isolated_home, small_sample):
    return store.prepare(small_sample, workers=2, progress=False)


def test_every_row_is_accounted_for(processed):
    acc = processed.accounting()
    assert (acc["read"] == acc["kept"] + acc["quarantined"]).all()
    assert set(acc["source"]) == {f"survey/papi_survey_{y}.csv" for y in range(2018, 2026)} | {
        "dossiers/2024/ha-noi.xlsx",
        "dossiers/2024/nam-dinh.xlsx",
        "dossiers/2024/dak-lak.xlsx",
        "dossiers/2024/ho-chi-minh.xlsx",
        "context/SIPAS_2021-2024.xlsx",
        "context/PAR_INDEX_2021-2024.csv",
        "context/NHIEM_VU_2023-2024.xlsx",
    }
    quarantine = processed.quarantine()
    per_source = quarantine.groupby("source").size()
    assert (acc.set_index("source")["quarantined"][per_source.index] == per_source).all()
    assert quarantine["reason"].str.len().gt(0).all()
    # one schema for every input; a dossier export's rows carry its province
    assert list(quarantine.columns) == quarantine_contract.COLUMNS
    dossier_rows = quarantine[quarantine["input"] == "dossiers"]
    slugs = {"01": "ha-noi", "36": "nam-dinh", "66": "dak-lak", "79": "ho-chi-minh"}
    assert len(dossier_rows) and all(
        source == f"dossiers/2024/{slugs[code]}.xlsx"
        for source, code in zip(dossier_rows["source"], dossier_rows["province_code"])
    )
    assert set(quarantine["input"]) == {"dossiers", "survey", "context"}
    assert quarantine.loc[quarantine["input"] == "survey", "province_code"].isna().all()


def test_no_personal_data_in_processed_tables(processed, small_sample):
    raw = pd.read_excel(small_sample / "dossiers/2024/ha-noi.xlsx", header=5, dtype=str, engine="calamine")
    names = (
        set(raw["Người nộp hồ sơ"].dropna()) | set(raw["Số điện thoại"].dropna()) | set(raw["Số CCCD/CMND"].dropna())
    )
    for path in processed.folder.glob("*.parquet"):
        table = pd.read_parquet(path)
        text = table.select_dtypes(exclude="number")
        for col in text.columns:
            values = set(text[col].dropna().astype(str))
            assert not values & names, f"{path.name}:{col} holds personal data"


def test_survey_estimates_reproduce_the_published_sample_table(processed, simulated_sample):
    """With design weights, the cleaned microdata give back the sample's simulated published
    table; the pipeline then rakes to margins.csv, and its weighted margins hit the targets."""
    folder = simulated_sample / "survey"
    cleaned = survey.load(folder / "papi_survey_2024.csv", folder / "codebook.yaml")
    est = survey_estimates.estimate(cleaned.table)
    idx = store.prepare(simulated_sample, workers=2, progress=False).indices()
    published = idx[(idx["source"] == "PAPI") & (idx["year"] == 2024) & (idx["level"] == "indicator")]
    merged = est.dropna(subset=["estimate"]).merge(published, on=["province_code", "indicator_id"])
    assert len(merged) > 1000
    assert np.allclose(merged["estimate"], merged["value"], atol=1e-6)
    scores = survey_estimates.score_estimates(cleaned.table, 2024)
    s = scores[scores["indicator_id"] == "papi.d7"].set_index("province_code")["score"]
    p = idx[(idx["year"] == 2024) & (idx["indicator_id"] == "papi.d7")].set_index("province_code")["value"]
    assert np.allclose(s.sort_index(), p.sort_index(), atol=1e-5)
    check = processed.survey_weighting()
    assert set(check["year"]) == set(range(2018, 2026)) and check["difference"].abs().max() < 1e-6
    stored = processed.survey_estimates()
    assert {"se", "ci_low", "ci_high", "df"} <= set(stored.columns)
    assert set(stored["group_var"]) == {"all", "district", "sex", "age_group", "ethnic_group", "urban"}
    raked = stored[(stored["year"] == 2024) & (stored["group_var"] == "all")].merge(
        est, on=["province_code", "indicator_id"], suffixes=("", "_design")
    )
    assert (raked["estimate"] - raked["estimate_design"]).abs().max() > 1e-3  # the raking did change them


def test_dossier_rates_and_cache(processed):
    rates = processed.dossier_rates()
    total = rates[rates["field"].isna()].set_index("province_code")
    assert set(total.index) == {"01", "36", "66", "79"}
    table = processed.dossiers(2024, "66")
    judged = table["on_time"].notna()
    assert total.loc["66", "on_time_rate"] == pytest.approx(table.loc[judged, "on_time"].astype(bool).mean())
    before = processed.path("stamp.json").stat().st_mtime_ns
    again = store.prepare(processed.stamp["data_dir"], progress=False)
    assert again.path("stamp.json").stat().st_mtime_ns == before  # nothing changed: not rebuilt


def test_an_unreadable_export_is_reported_and_the_rest_goes_on(isolated_home, small_sample, tmp_path):
    import shutil

    data = tmp_path / "broken"
    (data / "dossiers" / "2024").mkdir(parents=True)
    shutil.copy(small_sample / "dossiers/2024/dak-lak.xlsx", data / "dossiers/2024/dak-lak.xlsx")
    pd.DataFrame({"Cột A": ["x"], "Cột B": ["y"]}).to_excel(data / "dossiers/2024/ha-noi.xlsx", index=False)
    processed = store.prepare(data, workers=1, progress=False)
    errors = processed.file_errors()
    assert errors["source"].tolist() == ["dossiers/2024/ha-noi.xlsx"]
    assert "no header row" in errors["error"].iloc[0]
    assert processed.accounting()["source"].tolist() == ["dossiers/2024/dak-lak.xlsx"]
    hanoi = report.build("Hà Nội", 2024, "vi", data)
    assert "Không có dữ liệu hồ sơ" in hanoi.dossier_table()
    assert "no header row" in hanoi.quality_table()
    assert report.build("Đắk Lắk", 2024, "vi", data).office_rates()["received"].sum() > 1000


def test_the_quarantine_opens_in_excel_with_its_reasons_in_vietnamese(processed):
    """quarantine.xlsx beside the parquet: one row per quarantined row, Vietnamese headers, and every
    reason the sample's readers give translated (the reader's English kept in its own column)."""
    from python_calamine import CalamineWorkbook

    from govgap.reference.report_text import quarantine_reason

    q = processed.quarantine()
    rows = CalamineWorkbook.from_path(str(processed.path("quarantine.xlsx"))).get_sheet_by_name("Cách ly").to_python()
    assert len(rows) == len(q) + 1 and rows[0][:4] == [
        "Loại đầu vào",
        "Tệp (trong thư mục dữ liệu)",
        "Trang tính",
        "Dòng",
    ]
    untranslated = {r for r in q["reason"].unique() if quarantine_reason(r, "vi") == r}
    assert not untranslated, untranslated
    assert quarantine_reason("unknown status (column Trạng thái); add it to dossier_values.csv", "vi") == (
        "trạng thái không có trong danh mục (thêm vào dossier_values.csv) (cột Trạng thái)"
    )
    assert quarantine_reason("wrong number of fields (3 for 8 columns)", "vi").endswith("(3 ô, tiêu đề có 8 cột)")
    assert quarantine_reason("blank row", "en") == "blank row"


def test_a_table_read_once_per_process_is_read_again_when_its_file_changes(tmp_path):
    """The store keeps each whole table it has read (and schema-checked) for the next report of
    the same kernel: a caller's change to its copy stays its own, and a file written again (a
    new preparation) is read again, never served from what was kept."""
    folder = tmp_path / "processed"
    folder.mkdir()
    rates = pd.DataFrame(
        {
            "province_code": ["01", "02"],
            "field": ["Đất đai", "Đất đai"],
            "year": [2024, 2024],
            "received": [10, 20],
            "resolved": [8, 15],
            "judged": [9, 18],
            "on_time_or_within": [7, 12],
            "on_time_rate": [7 / 9, 12 / 18],
            "online_share": [0.5, 0.25],
        }
    )
    store._write(rates, folder / "dossier_rates.parquet")
    processed = store.Processed(folder)
    first = processed.dossier_rates()
    first["received"] = 0  # the caller's own copy
    first.loc[0, "on_time_rate"] = 0.0
    again = processed.dossier_rates()
    assert again["received"].tolist() == [10, 20] and again["on_time_rate"].iloc[0] == pytest.approx(7 / 9)
    store._write(rates.assign(received=[11, 21]), folder / "dossier_rates.parquet")
    assert processed.dossier_rates()["received"].tolist() == [11, 21]
    store._write(rates.assign(on_time_rate=[1.5, 0.5]), folder / "dossier_rates.parquet")
    with pytest.raises(ContractError, match="dossier_rates"):
        processed.dossier_rates()  # a table that breaks its schema is refused when read again
