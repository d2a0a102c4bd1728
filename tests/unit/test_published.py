"""Transcriptions of published scores and the shipped figures with the user's workbooks over
them (govgap.sources.transcriptions, govgap.sources.published)."""

from __future__ import annotations

import matplotlib.colors
import pandas as pd
import pytest

from govgap.errors import LayoutError
from govgap.sources import indices, published

SUBCRITERIA = [("SC71", "Environmental Protection"), ("SC72", "Quality of Air"), ("SC73", "Quality of Water")]
PROVINCES = [("P01", "Hanoi"), ("P02", "Ha Giang"), ("P03", "Nam Dinh")] + [
    (f"P{i:02d}", name)
    for i, name in enumerate(
        ["Cao Bang", "Bac Kan", "Tuyen Quang", "Lao Cai", "Dien Bien", "Lai Chau", "Son La", "Yen Bai", "Hoa Binh"]
        + ["Thai Nguyen", "Lang Son", "Quang Ninh", "Bac Giang", "Phu Tho", "Vinh Phuc", "Bac Ninh", "Hai Duong"]
        + ["Hai Phong", "Hung Yen", "Thai Binh"],
        start=4,
    )
]


def _transcription(folder, subcriteria=SUBCRITERIA, blank=("P02",)):
    folder.mkdir()
    pd.DataFrame(subcriteria, columns=["Variable_Code", "Variable_Name"]).to_csv(
        folder / "codebook_subcriteria.csv", index=False
    )
    pd.DataFrame(PROVINCES, columns=["Variable_Code", "Variable_Name"]).to_csv(
        folder / "codebook_provinces.csv", index=False
    )
    rows = []
    for k, (code, _) in enumerate(PROVINCES):
        values = [None] * 3 if code in blank else [0.9 + k / 100, 1.5 + k / 200, 0.4 + k / 300]
        rows.append([code, *values])
    pd.DataFrame(rows, columns=["Province", "SC71", "SC72", "SC73"]).to_csv(folder / "2026.csv", index=False)
    return folder


def test_a_transcription_is_read_by_names_with_dimensions_as_sums(tmp_path):
    result = indices.load_folder(_transcription(tmp_path / "papi_t"))
    t = result.table.set_index(["province_code", "indicator_id"])["value"]
    assert t[("01", "papi.d7.2")] == 1.5 and t[("36", "papi.d7.1")] == pytest.approx(0.92)
    assert t[("36", "papi.d7")] == pytest.approx(0.92 + 1.51 + 0.4 + 2 / 300)
    assert "02" not in result.table["province_code"].to_numpy()  # blank: no values, not zeros
    assert set(result.table["file"]) == {"papi_t/2026.csv"}
    assert result.issues["message"].str.contains("third-party transcription papi_t/2026.csv").any()


def test_a_moved_column_is_refused_with_file_row_and_column(tmp_path):
    moved = [("SC71", "Quality of Air"), ("SC72", "Environmental Protection"), ("SC73", "Quality of Water")]
    with pytest.raises(LayoutError, match=r"codebook_subcriteria.csv, row 2, column Variable_Name: 'Quality of Air'"):
        indices.load_folder(_transcription(tmp_path / "papi_t", subcriteria=moved))


def _edition(source, year, value, file):
    table = pd.DataFrame(
        {
            "source": [source],
            "year": [year],
            "province_code": ["36"],
            "indicator_id": ["papi.d7"],
            "value": [value],
            "file": [file],
        }
    )
    issues = pd.DataFrame(columns=indices.ISSUE_COLUMNS)
    return indices.LoadResult(table, issues, pd.DataFrame({"file": [file], "sheet": ["s"]}))


def test_own_workbooks_replace_the_shipped_edition_and_say_so():
    shipped = indices.LoadResult(
        pd.concat([_edition("PAPI", 2023, 3.0, "a.xlsx").table, _edition("PAPI", 2024, 3.1, "b.csv").table]),
        pd.DataFrame(columns=indices.ISSUE_COLUMNS),
        pd.DataFrame({"file": ["a.xlsx"], "sheet": ["s"]}),
    )
    own = pd.concat(
        [_edition("PAPI", 2024, 3.2, "PAPI_2024.xlsx").table, _edition("PAPI", 2025, 3.3, "P25.xlsx").table]
    )
    result = published.overlay(shipped, indices.LoadResult(own, shipped.issues.iloc[0:0], shipped.sheets))
    assert result.table.set_index("year")["value"].to_dict() == {2023: 3.0, 2024: 3.2, 2025: 3.3}
    messages = result.issues["message"].tolist()
    assert (
        "PAPI 2024: read from PAPI_2024.xlsx in the data folder, in place of the figures shipped with govgap"
        in messages
    )
    assert "PAPI 2025: read from P25.xlsx in the data folder (not shipped with govgap)" in messages


def test_an_old_name_for_an_edition_of_the_34_says_where_it_went():
    from govgap.errors import MergedProvinceError
    from govgap.reference.provinces import check_province_for_edition

    for name in ("Nam Định", "nam dinh", "Hà Nam"):
        check_province_for_edition(name, 2024)  # an edition of the 63: the old province itself
        with pytest.raises(MergedProvinceError, match="đã được hợp nhất vào Ninh Bình từ ngày 1/7/2025") as err:
            check_province_for_edition(name, 2025)
        assert err.value.successor == "Ninh Bình" and "merged into Ninh Bình on 1/7/2025" in str(err.value)
    for name in ("Ninh Bình", "Hà Nội", "TP HCM"):  # names of the 34 pass
        check_province_for_edition(name, 2025)


def test_the_command_line_answers_nam_dinh_2025_in_one_plain_line(isolated_home, capsys):
    from govgap import cli

    code = cli.main(["reports", "--years", "2025", "--provinces", "Nam Định"])
    out, err = capsys.readouterr()
    assert code == 2 and "Traceback" not in out + err and "LookupError" not in out + err
    assert "Nam Định đã được hợp nhất vào Ninh Bình từ ngày 1/7/2025" in out + err


def test_provinces_lists_both_unit_sets(capsys):
    from govgap import cli

    assert cli.main(["provinces", "--units", "34"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 34
    assert any(line.startswith("37  Ninh Bình") and line.endswith("<- Hà Nam, Nam Định, Ninh Bình") for line in lines)
    assert cli.main(["provinces"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 63 and any(line.startswith("36  Nam Định") and line.endswith("-> Ninh Bình") for line in lines)


@pytest.fixture(scope="module")
def with_2025_edition(tmp_path_factory, small_sample):
    """The small sample beside a simulated PAPI 2025 edition of the 34 provinces, in the official
    layout with their names and codes (a workbook govgap has not seen before)."""
    from govgap.pipeline import sample

    tables = tmp_path_factory.mktemp("edition2025") / "tables"
    sample.generate(tables, seed=11, survey_years=(), dossier_years=(), index_years=(2025,), progress=False)
    data = tmp_path_factory.mktemp("data2025") / "with2025"
    data.mkdir()
    for name in ("survey", "dossiers", "context", sample.MANIFEST):
        (data / name).symlink_to(small_sample / name)
    (data / "indices").symlink_to(tables / "indices", target_is_directory=True)
    return data


def test_a_34_province_edition_is_read_under_the_new_codes(with_2025_edition):
    loaded = indices.load_folder(with_2025_edition / "indices")
    assert set(loaded.table["year"]) == {2025} and loaded.table["province_code"].nunique() == 34
    assert {"24", "52", "80", "91", "15"} <= set(loaded.table["province_code"])  # Bắc Ninh, Gia Lai, Tây Ninh, ...
    assert not {"27", "64", "72", "89", "10"} & set(loaded.table["province_code"])  # their old namesakes' codes
    assert (loaded.sheets["units"] == "34").all()
    assert loaded.issues["check"].eq("units_34").any()


def test_reports_on_a_34_province_edition(isolated_home, with_2025_edition):
    from govgap.errors import MergedProvinceError, OptionError
    from govgap.render import charts, report

    r = report.build("Ninh Bình", 2025, "vi", with_2025_edition)
    row = r._row("papi.d7")
    official = r.official[(r.official["year"] == 2025) & (r.official["indicator_id"] == "papi.d7")]
    assert row["value"] == official.set_index("province_code").loc["37", "value"] and row["n_provinces"] == 34
    land = r.land_table()
    assert not r.derived and r.member_note() == "" and "PAPI 2025</td>" in land and "PAPI 2025 (tổng hợp)" not in land
    assert "PCI 2025</td>" in land and "PCI 2019" not in land  # the 34-province PCI, with its 9 sub-indices
    pci = r.official[(r.official["source"] == "PCI") & (r.official["year"] == 2025)]
    assert pci["province_code"].nunique() == 34 and pci["indicator_id"].nunique() == 10  # total + 9
    assert "DỮ LIỆU MẪU" in r.banner() and "PAPI/PCI mô phỏng" in r.banner()  # the 2025 edition is simulated
    assert report.build("Bắc Ninh", 2025, "vi", with_2025_edition).unit.code == "24"
    with pytest.raises(MergedProvinceError, match="Nam Định đã được hợp nhất vào Ninh Bình"):
        report.build("Nam Định", 2025, "vi", with_2025_edition)
    with pytest.raises(OptionError, match="use units='34'"):
        report.build("Hà Nội", 2025, "vi", with_2025_edition, units="63")
    fig = r.trend_chart()  # derived editions up to 2024, the 34-province edition 2025: the break is marked
    breaks = [line for line in fig.axes[0].lines if list(line.get_xdata()) == [2024.5, 2024.5]]
    assert breaks and "1/7/2025: 34 tỉnh" in charts.caption(fig)  # said under the chart and in its alt text
    assert "1/7/2025: 34 tỉnh" in charts.alt_text(fig)
    # the simulated 2025 beside published editions: shaded, said under the chart and across the image
    shaded = [
        p for p in fig.axes[0].patches if p.get_facecolor()[:3] == matplotlib.colors.to_rgb(charts.PALETTE["simulated"])
    ]
    assert shaded and "ấn bản mô phỏng (2025)" in charts.caption(fig) and "DỮ LIỆU MẪU" in fig.texts[-1].get_text()
    # on the same folder, 2024 is still an edition of the 63: Ninh Bình is derived there
    assert report.build("Ninh Bình", 2024, "vi", with_2025_edition).derived


def _pci_34(path, columns):
    from govgap.io.xlsx import Sheet, write_workbook
    from govgap.reference.provinces import provinces_2025

    names = list(provinces_2025()["name_vi"])
    rows = [["Tỉnh/Thành phố", *columns]] + [
        [n, *[5 + (k + j) / 100 for j in range(len(columns))]] for k, n in enumerate(names)
    ]
    write_workbook(path, [Sheet("Tổng hợp", rows)])
    return path


def test_a_pci_of_another_structure_keeps_each_sub_index_apart(tmp_path):
    """PCI 2025 has 9 sub-indices: its new ones are read as new series, and a label of the
    10-sub-index PCI in a 2025 table is left out with its cell, not read as that series."""
    folder = tmp_path / "indices"
    folder.mkdir()
    columns = ["PCI_2: Tiếp cận đất đai", "PCI_4: Chi phí tuân thủ hành chính", "Chính quyền kiến tạo"]
    _pci_34(folder / "PCI_2025.xlsx", [*columns, "Chi phí thời gian"])
    result = indices.load_folder(folder)
    t = result.table.set_index(["province_code", "indicator_id"])["value"]
    assert set(result.table["indicator_id"]) == {"pci.sub2", "pci.compliance_costs", "pci.constructive_government"}
    from govgap.reference.provinces import provinces_2025

    k = list(provinces_2025()["code"]).index("37")  # Ninh Bình's row: its value in the second column
    assert t[("37", "pci.compliance_costs")] == pytest.approx(5 + (k + 1) / 100)
    left_out = result.issues[result.issues["check"] == "structure"]
    assert len(left_out) == 1 and "pci.sub4 (Chi phí thời gian" in left_out["message"].iloc[0]
    assert "belongs to the PCI of 2005-2024" in left_out["message"].iloc[0] and "E2" in left_out["message"].iloc[0]
    old = tmp_path / "old"
    old.mkdir()
    from govgap.io.xlsx import Sheet, write_workbook
    from govgap.reference.provinces import provinces

    names = list(provinces()["name_vi"])
    rows = [["Province", "Land Access", "Chính quyền kiến tạo"]] + [[n, 6.0, 7.0] for n in names]
    write_workbook(old / "PCI_2019.xlsx", [Sheet("Summary", rows)])
    result = indices.load_folder(old)
    assert set(result.table["indicator_id"]) == {"pci.sub2"} and len(result.table) == 63
    assert result.issues["message"].str.contains("pci.constructive_government .* belongs to the PCI of 2025-").any()


def test_whose_export_a_file_is_follows_its_folder(tmp_path):
    from govgap.errors import InputError
    from govgap.pipeline.store import BEFORE_MERGER, export_unit

    dossiers = tmp_path / "dossiers"
    assert export_unit(dossiers / "2024" / "nam-dinh.xlsx", 2024) == ("36", "37", "36", None, None)
    before = dossiers / "2025" / BEFORE_MERGER / "nam-dinh.xlsx"
    assert export_unit(before, 2025) == ("36", "37", "36", "2025-01-01", "2025-06-30")
    assert export_unit(dossiers / "2025" / "ninh-binh.xlsx", 2025) == ("37", "37", "", "2025-07-01", "2025-12-31")
    assert export_unit(dossiers / "2025" / "bac-ninh.xlsx", 2025)[:2] == ("24", "24")  # not the old Bắc Ninh, 27
    assert export_unit(dossiers / "2026" / "ninh-binh.xlsx", 2026) == ("37", "37", "", None, None)
    with pytest.raises(InputError, match=f"no department of its own since 1/7/2025; .* dossiers/2025/{BEFORE_MERGER}/"):
        export_unit(dossiers / "2025" / "nam-dinh.xlsx", 2025)


def test_the_merger_year_joins_the_old_departments_and_the_new_one(isolated_home, tmp_path):
    """2025 as a department of 2026 holds it: the old departments' exports to 30/6 and the new
    department's from 1/7. The new province's report reads them together, member by member."""
    from govgap.pipeline import sample, store
    from govgap.render import report

    data = tmp_path / "merger"
    subset = ["01", "35", "36", "37"]
    sample.generate(
        data, seed=3, survey_years=(), dossier_years=(2025,), dossiers_per_file=300, provinces_subset=subset
    )
    files = sorted(p.relative_to(data / "dossiers" / "2025").as_posix() for p in (data / "dossiers").rglob("*.xlsx"))
    before = [f"{store.BEFORE_MERGER}/{s}.xlsx" for s in ("ha-nam", "nam-dinh", "ninh-binh")]
    assert files == sorted([*before, "ha-noi.xlsx", "ninh-binh.xlsx"])
    processed = store.prepare(data, workers=1, progress=False)
    joined = processed.unit_dossiers(2025, "37")
    assert sorted(joined["member"].unique()) == ["", "35", "36", "37"]
    old, new = joined[joined["member"] != ""], joined[joined["member"] == ""]
    assert old["received"].max() < pd.Timestamp("2025-07-01") <= new["received"].min()
    rates = processed.dossier_rates("34")
    total = rates[(rates["year"] == 2025) & rates["field"].isna()].set_index("province_code")
    assert total.loc["37", "received"] == len(joined) and set(total.index) == {"01", "37"}
    # the report of the new province for 2024 (the latest edition) reads the latest exports up to
    # 2024: none here, and it says so; for 2025 there is no published edition yet
    r = report.build("Ninh Bình", 2024, "vi", data)
    assert r.dossiers().empty and "Không có dữ liệu hồ sơ" in r.dossier_table()
    from govgap.errors import OptionError

    with pytest.raises(OptionError, match="Chưa có ấn bản PAPI hay PCI năm 2025"):
        report.build("Ninh Bình", 2025, "vi", data)
    table = report.build("Ninh Bình", 2024, "vi", data)
    table._cache["dossiers"] = joined  # the 2025 exports shown as the report shows a merged province's
    member_rows = table.dossier_member_table()
    assert all(name in member_rows for name in ("Hà Nam", "Nam Định", "Ninh Bình (Sở từ 1/7/2025)"))


def test_sample_files_among_real_files_are_still_sample_data(isolated_home, small_sample, tmp_path):
    """No manifest beside them: the marker inside each file is enough (an export's and a context
    table's title block, a survey file's marker column or .dta label)."""
    import shutil

    from govgap.pipeline import store
    from govgap.render import report

    data = tmp_path / "real"
    for name in ("dossiers/2024/nam-dinh.xlsx", "survey/papi_survey_2024.csv", "context/SIPAS_2021-2024.xlsx"):
        (data / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(small_sample / name, data / name)
    shutil.copy(small_sample / "survey/codebook.yaml", data / "survey/codebook.yaml")
    processed = store.prepare(data, workers=1, progress=False)
    assert sorted(processed.stamp["sample_inputs"]) == [
        "context/SIPAS_2021-2024.xlsx",
        "dossiers/2024/nam-dinh.xlsx",
        "survey/papi_survey_2024.csv",
    ]
    from govgap.sources import survey

    dta = survey.read_survey(small_sample / "survey/papi_survey_2024.dta", small_sample / "survey/codebook.yaml")
    assert dta.sample  # the .dta carries the marker as its data label
    r = report.build("Nam Định", 2024, "vi", data, units="63")
    assert r.is_sample and "CÓ DỮ LIỆU MẪU" in r.banner() and "DỮ LIỆU MẪU" in r.sample_note()
    dossier = next(line for line in r.headline_lines() if line.startswith("Hồ sơ đất đai"))
    assert "chỉ có số liệu của 1 tỉnh, chưa đủ để so với trung vị" in dossier and "trung vị của" not in dossier


def test_the_store_computes_the_standings_once_and_as_the_analysis_does(isolated_home, small_sample, monkeypatch):
    from govgap.compare import gaps
    from govgap.pipeline import store
    from govgap.render import report

    processed = store.prepare(small_sample, workers=1, progress=False)
    keys = ["source", "year", "indicator_id", "province_code"]
    for view, most in (("2025", 34), ("63", 64)):  # 64: Hà Tây, in PCI until it joined Hà Nội in 2008
        stored = processed.standings_of(view).sort_values(keys).reset_index(drop=True)
        computed = gaps.standings(processed.indices(), view).sort_values(keys).reset_index(drop=True)
        pd.testing.assert_frame_equal(stored, computed)
        assert stored.groupby(["source", "year", "indicator_id"])["province_code"].nunique().max() == most
    # a report and its gap analysis read them from the store: nothing computes them again (the
    # context tables' own standings, a few thousand rows, are the only ones computed)
    gaps._STANDINGS.clear()
    sizes, plain = [], gaps._standings

    def counted(tidy, view):
        sizes.append(len(tidy))
        return plain(tidy, view)

    monkeypatch.setattr(gaps, "_standings", counted)
    for units in ("34", "63"):
        r = report.build("Nam Định", 2024, "vi", small_sample, units)
        assert r.action_card() and r.headline_lines()
    assert sizes and max(sizes) < len(processed.indices()) / 10
