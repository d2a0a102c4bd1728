"""Targets of the dossier metrics: the built-in one, a department's own, which one applies, bad rows
named by file, row and column, and the target line on the office charts."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from govgap.pipeline import store
from govgap.render import charts, report
from govgap.sources import dossier_targets
from govgap.sources.dossier_targets import DossierTargetError, target_for

HEADER = "metric,field,province,year_from,year_to,target,basis_vi,basis_en\n"


def test_the_built_in_target_is_the_766_item_5_4_threshold_for_every_province():
    table = dossier_targets.targets()
    for code, units in (("01", "34"), ("15", "34"), ("10", "63")):
        goal = target_for(table, "on_time_rate", code, 2024, "Đất đai", units)
        assert goal["target"] == pytest.approx(0.90)
        assert "766" in goal["basis_vi"] and "5.4" in goal["basis_en"]
        assert not goal["own"]
    assert target_for(table, "on_time_rate", "01", 2021) is None  # before Decision 766
    assert target_for(table, "online_share", "01", 2024) is None  # no target: no line


def test_the_most_specific_target_wins_and_the_department_s_before_the_built_in(tmp_path):
    own = tmp_path / "dossier_targets.csv"
    own.write_text(
        HEADER
        + "on_time_rate,,,2024,2025,85%,Kế hoạch CCHC của tỉnh,The province's PAR plan\n"
        + 'on_time_rate,Đất đai,Lào Cai,2024,2024,"95,5",Chỉ thị của UBND tỉnh,Directive of the PPC\n'
        + 'mean_processing_working_days,,,2024,2024,"7,5",Kế hoạch,Plan\n',
        encoding="utf-8",
    )
    table = dossier_targets.targets(own)
    # Lào Cai (63: code 10; the 34: 15, with Yên Bái) on land: its own row
    assert target_for(table, "on_time_rate", "15", 2024, "Đất đai")["target"] == pytest.approx(0.955)
    assert target_for(table, "on_time_rate", "10", 2024, "Đất đai", units="63")["target"] == pytest.approx(0.955)
    # another province's land, and Lào Cai's other fields: the department's row for every province
    assert target_for(table, "on_time_rate", "01", 2024, "Đất đai")["target"] == pytest.approx(0.85)
    assert target_for(table, "on_time_rate", "15", 2024, "Môi trường")["basis_en"] == "The province's PAR plan"
    # a year the department did not set: the built-in target again
    assert target_for(table, "on_time_rate", "15", 2026, "Đất đai")["target"] == pytest.approx(0.90)
    assert target_for(table, "mean_processing_working_days", "01", 2024)["target"] == pytest.approx(7.5)


@pytest.mark.parametrize(
    ("row", "column", "said"),
    [
        ("ti_le_dung_han,,,2024,2024,90%,a,b", "metric", "ti_le_dung_han"),
        ("on_time_rate,,,2024,2024,chín mươi,a,b", "target", "target"),
        ("on_time_rate,,,năm sau,2024,90%,a,b", "year_from", "year_from"),
        ("on_time_rate,,Tỉnh Không Có,2024,2024,90%,a,b", "province", "province"),
        ("on_time_rate,,,2025,2024,90%,a,b", "year_to", "year_to before year_from"),
    ],
)
def test_a_bad_target_row_is_named_by_file_row_and_column(tmp_path, row, column, said):
    own = tmp_path / "dossier_targets.csv"
    own.write_text(HEADER + "on_time_rate,,,2024,2024,90%,a,b\n" + row + "\n", encoding="utf-8")
    with pytest.raises(DossierTargetError) as caught:
        dossier_targets.targets(own)
    error = caught.value
    assert (error.file, error.row, error.column) == ("dossier_targets.csv", 3, column)
    assert "dòng 3" in str(error) and said in str(error)


def test_a_target_file_without_its_columns_is_refused_by_name(tmp_path):
    own = tmp_path / "dossier_targets.csv"
    own.write_text("metric,target\non_time_rate,90%\n", encoding="utf-8")
    with pytest.raises(DossierTargetError, match="field, province, year_from") as caught:
        dossier_targets.targets(own)
    assert caught.value.column == "field"


def test_the_store_keeps_the_built_in_targets_when_the_department_s_file_is_bad(tmp_path):
    folder, out = tmp_path / "dossiers", tmp_path / "processed"
    folder.mkdir()
    out.mkdir()
    (folder / "dossier_targets.csv").write_text(HEADER + "on_time_rate,,,2024,2024,x,a,b\n", encoding="utf-8")
    errors = store.write_dossier_targets(folder, out)
    assert [e["source"] for e in errors] == ["dossiers/dossier_targets.csv"]
    assert "dòng 2, cột target" in errors[0]["error"]
    written = pd.read_parquet(out / "dossier_targets.parquet")
    assert not written["own"].any() and written["target"].eq(0.9).all()


def test_office_charts_draw_the_department_s_target_and_come_in_parts(
    isolated_home, small_sample, tmp_path, monkeypatch
):
    data = tmp_path / "targets"
    (data / "dossiers" / "2024").mkdir(parents=True)
    shutil.copy(small_sample / "dossiers/2024/nam-dinh.xlsx", data / "dossiers/2024/nam-dinh.xlsx")
    (data / "dossiers" / "dossier_targets.csv").write_text(
        HEADER + "on_time_rate,Đất đai,Ninh Bình,2024,2024,95%,Chỉ thị của UBND tỉnh,Directive of the PPC\n",
        encoding="utf-8",
    )
    store.prepare(data, workers=1, progress=False)
    # Nam Định is part of Ninh Bình since 1/7/2025: the new province's target applies to its offices
    r = report.build("Ninh Bình", 2024, "vi", data)
    monkeypatch.setattr(report.ProvinceReport, "OFFICES_PER_CHART", 4)  # the sample's 10 offices in 3 parts
    rates = r.office_rates()
    figures = r.office_charts()
    assert len(rates) > report.ProvinceReport.OFFICES_PER_CHART  # the sample has enough offices for parts
    assert len(figures) == -(-len(rates) // report.ProvinceReport.OFFICES_PER_CHART)
    drawn = [len(f.axes[0].texts) for f in figures]  # one label per office
    assert sum(drawn) == len(rates) and max(drawn) <= report.ProvinceReport.OFFICES_PER_CHART
    legend = [t.get_text() for t in figures[-1].legends[0].get_texts()]
    assert "Mục tiêu: 95,0%" in legend
    short = int((rates["on_time_rate"].round(3) < 0.95).sum())  # as printed, to 0,1 percentage point
    assert f"Mục tiêu 95,0%: {short} đơn vị chưa đạt." in charts.alt_text(figures[0])
    assert charts.caption(figures[-1]) == "Mục tiêu 95,0%: Chỉ thị của UBND tỉnh."
    assert charts.caption(figures[0]) == ""
    assert "Phần 2/" in charts.alt_text(figures[1])
