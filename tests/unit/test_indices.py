"""Published-table readers on the sample workbooks and on workbooks in layouts govgap has not
seen: ranks and medians checked independently, unknown layouts stop with a precise message."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from govgap.compare.standings import ranks
from govgap.sources.indices import LayoutError, load_files, load_folder, uncatalogued_id, validate


def test_sample_tables_load_clean_and_rank(sample_tables):
    loaded = load_folder(sample_tables / "indices")
    tidy = loaded.table
    marked = loaded.issues[loaded.issues["check"] == "sample"]  # the marker inside each simulated sheet
    assert len(marked) == len(loaded.sheets[loaded.sheets["status"] == "loaded"]) and loaded.sheets["sample"].all()
    serious = loaded.issues[loaded.issues["severity"].isin(["error", "warning"]) & (loaded.issues["check"] != "sample")]
    assert serious.empty, serious["message"].tolist()
    counts = tidy.groupby(["source", "year"])["province_code"].nunique()
    assert (counts == 63).all() and len(counts) == 14  # PAPI and PCI, 2018-2024
    ranked = ranks(tidy)
    d7 = ranked[(ranked["indicator_id"] == "papi.d7") & (ranked["year"] == 2024)]
    values = d7.set_index("province_code")["value"]
    assert d7["median"].iloc[0] == pytest.approx(float(np.median(values)))
    assert d7["best"].iloc[0] == pytest.approx(values.max())
    assert d7.set_index("province_code").loc[values.idxmax(), "rank"] == 1
    assert d7["top_quartile"].iloc[0] == pytest.approx(values.quantile(0.75))
    bribe = ranked[(ranked["indicator_id"] == "papi.d4.4.lurc") & (ranked["year"] == 2024)]
    assert bribe["best"].iloc[0] == pytest.approx(bribe["value"].min())  # lower is better
    wide = tidy[tidy["year"] == 2024].pivot_table(index="province_code", columns="indicator_id", values="value")
    assert np.allclose(wide["papi.d7"], wide[["papi.d7.1", "papi.d7.2", "papi.d7.3"]].sum(axis=1), atol=1e-5)
    # the sample writes 5.3 on 0.25-2.5 before 2022 and on 0.33-3.33 from 2022, as PAPI did
    s53 = tidy[tidy["indicator_id"] == "papi.d5.3"].groupby("year")[["scale_min", "scale_max"]].first()
    assert tuple(s53.loc[2021]) == (0.25, 2.5) and tuple(s53.loc[2022]) == (0.33, 3.33)
    pci = tidy[(tidy["source"] == "PCI") & (tidy["year"] == 2024)]
    assert {"pci.total", "pci.sub1", "pci.sub2", "pci.legal", "pci.sub2.lurc_days"} <= set(pci["indicator_id"])


def test_unrecognised_workbook_names_file_sheet_and_what_was_looked_for(tmp_path):
    path = tmp_path / "PAPI_2030_other.xlsx"
    pd.DataFrame({"a": ["x", "y"]}).to_excel(path, index=False, sheet_name="Data")
    with pytest.raises(
        LayoutError,
        match=r"PAPI_2030_other\.xlsx: no sheet is a PAPI or PCI province table.*"
        r"20 province names.*'Data': no province table",
    ):
        load_files([path])


def test_schema_rejects_a_broken_table(sample_tables):
    table = load_folder(sample_tables / "indices").table
    broken = table.copy()
    broken.loc[0, "province_code"] = "99"
    with pytest.raises(ValueError, match="province_code"):
        validate(broken)
    twice = pd.concat([table, table.iloc[:1]], ignore_index=True)
    with pytest.raises(ValueError, match="one value per source"):
        validate(twice)


def _next_edition(grid: pd.DataFrame) -> pd.DataFrame:
    """A 2023-style layout made from a real 2022 sheet: a title block on top, the English
    label column removed, the scale moved to the right of the labels after a spare column,
    and provinces in reverse order."""
    g = grid.drop(columns=[0]).T.reset_index(drop=True).T
    provinces = list(range(2, g.shape[1]))[::-1]
    g = g[[0, 1, *provinces]]
    g.insert(1, "spare", None)
    g = g.T.reset_index(drop=True).T
    title = pd.DataFrame([["CHỈ SỐ PAPI 2023 - BẢNG CHỈ SỐ CẤP TỈNH"] + [None] * (g.shape[1] - 1), [None] * g.shape[1]])
    return pd.concat([title, g], ignore_index=True)


def test_an_edition_in_a_new_layout_loads_through_the_command(tmp_path, shared_data, isolated_home):
    """Official 2022 values laid out differently (as the 2023 edition might be) load through
    ``govgap indices --input DIR`` with the same values; a label PAPI has not used before is
    listed with its row, and a changed scale is named."""
    grid = pd.read_excel(
        shared_data / "papi_cs571/PAPI_2015-2022_vie.xlsx", sheet_name="2022", header=None, engine="calamine"
    )
    new = _next_edition(grid)
    row = int(np.flatnonzero(new[0].astype(str).str.startswith("7.2:"))[0])
    new.iat[row + 1, 0] = "Tỷ lệ người trả lời cho biết không khí có mùi khó chịu (%)"  # a new indicator
    row53 = int(np.flatnonzero(new[0].astype(str).str.startswith("5.3:"))[0])
    new.iat[row53, 2] = "0.5-5.0 điểm"  # a rescale the catalogue does not know
    folder = tmp_path / "indices"
    folder.mkdir()
    with pd.ExcelWriter(folder / "PAPI_2023_Provincial_Indicators.xlsx") as writer:
        new.to_excel(writer, sheet_name="PAPI 2023", header=False, index=False)
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-m", "govgap.cli", "indices", "--input", str(folder), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "PAPI: 2023" in done.stdout
    table = pd.read_parquet(out / "indices.parquet")
    issues = pd.read_parquet(out / "index_issues.parquet")
    assert set(table["year"]) == {2023} and table["province_code"].nunique() == 63
    d7 = table[table["indicator_id"] == "papi.d7"].set_index("province_code")["value"]
    assert d7["01"] == pytest.approx(2.933844, abs=1e-6) and d7["24"] == pytest.approx(4.202125, abs=1e-6)
    unmatched = issues[issues["check"] == "unmatched_label"]
    assert list(unmatched["row"]) == [row + 2] and "mùi khó chịu" in unmatched["message"].iloc[0]
    assert "papi.d7.2.1" not in set(table["indicator_id"])  # the replaced row is not guessed
    # ... but loaded, marked: a stable id from its label and heading, the label as printed, no rank
    new_id = uncatalogued_id("PAPI", "Tỷ lệ người trả lời cho biết không khí có mùi khó chịu (%)", {"sub": "papi.d7.2"})
    assert new_id in unmatched["message"].iloc[0] and re.fullmatch(r"papi\.x\.[0-9a-f]{8}", new_id)
    mine = table[table["indicator_id"] == new_id]
    assert len(mine) == 63 and set(mine["level"]) == {"uncatalogued"} and set(mine["unit"]) == {"as published"}
    assert set(mine["label_vi"]) == {"Tỷ lệ người trả lời cho biết không khí có mùi khó chịu (%)"}
    source_row = pd.to_numeric(new.iloc[row + 1, 3:], errors="coerce").dropna().astype(float)
    assert sorted(mine["value"]) == pytest.approx(sorted(source_row))  # every value as printed, none rescaled
    assert mine[["rank", "best", "band", "best_province"]].isna().all().all() and mine["median"].notna().all()
    assert new_id not in set(pd.read_parquet(out / "indices_2025.parquet")["indicator_id"])
    scale = issues[issues["check"] == "scale"]
    assert len(scale) == 1 and "papi.d5.3" in scale["message"].iloc[0] and "0.5-5" in scale["message"].iloc[0]


def test_a_workbook_with_a_province_twice_is_refused(tmp_path, sample_tables):
    src = sorted((sample_tables / "indices").glob("PCI_2024.xlsx"))[0]
    book = pd.read_excel(src, sheet_name=None, header=None, engine="calamine")
    land = book["Land Access"]
    land.iat[5, 0] = land.iat[3, 0]  # the same province on rows 4 and 6
    path = tmp_path / "PCI_2024.xlsx"
    with pd.ExcelWriter(path) as writer:
        for name, frame in book.items():
            frame.to_excel(writer, sheet_name=name, header=False, index=False)
    loaded = load_files([path])
    err = loaded.issues[loaded.issues["check"] == "duplicate_province"]
    assert len(err) == 1 and err["severity"].iloc[0] == "error"
    assert tuple(err[["file", "sheet", "column"]].iloc[0]) == ("PCI_2024.xlsx", "Land Access", "A")
    assert "appears twice in column A (rows 4 and 6)" in err["message"].iloc[0]
    assert "pci.sub2.lurc_days" not in set(loaded.table["indicator_id"])  # the sheet is not loaded
    assert set(loaded.sheets.loc[loaded.sheets["sheet"] == "Land Access", "status"]) == {"rejected"}


def test_copied_files_do_not_double_count(tmp_path, sample_tables):
    """The same workbook twice (a user's copy) gives each value once, with no conflict."""
    src = sample_tables / "indices" / "PAPI_2024_Provincial_indicators_VIE.xlsx"
    shutil.copy(src, tmp_path / "PAPI_2024_Provincial_indicators_VIE.xlsx")
    shutil.copy(src, tmp_path / "PAPI_2024_copy.xlsx")
    loaded = load_folder(tmp_path)
    single = load_files([src]).table
    assert len(loaded.table) == len(single) and set(loaded.table["year"]) == {2024}
    issues = loaded.issues[loaded.issues["check"] != "sample"]
    assert issues[issues["severity"] != "info"].empty


def test_catalogue_is_consistent():
    """Ids unique, parents exist, breaks name catalogue ids, scales ordered, and the scale of an
    edition follows the breaks (5.3: 0.25-2.5 to 2021, 0.33-3.33 from 2022)."""
    from govgap.reference.catalogue import breaks, indicators, scale_for

    cat = indicators()
    assert cat.index.is_unique and len(cat) > 200
    parents = cat["parent"].dropna()
    assert set(parents) <= set(cat.index)
    assert set(breaks()["indicator_id"]) <= set(cat.index)
    both = cat.dropna(subset=["scale_min", "scale_max"])
    assert (both["scale_min"].astype(float) < both["scale_max"].astype(float)).all()
    assert scale_for("papi.d5.3", 2021) == (0.25, 2.5) and scale_for("papi.d5.3", 2022) == (0.33, 3.33)
    assert scale_for("papi.d2.4", 2017) == (0.33, 3.33) and scale_for("papi.d2.4", 2018) == (0.25, 2.5)
    assert scale_for("papi.d8.1", 2018) == (0.5, 5.0) and scale_for("papi.d8.1", 2019) == (0.33, 3.33)
    assert (cat["label_vi"].str.len() > 0).all() and (cat["label_en"].str.len() > 0).all()


def test_breaks_reach_the_series_they_affect():
    """A dimension's trend shows its sub-dimensions' breaks; an indicator shows those above it."""
    from govgap.reference.catalogue import breaks_for

    d7 = breaks_for("papi.d7")
    assert {(i, y) for i, y in zip(d7["indicator_id"], d7["year"])} == {("papi.d7", 2018), ("papi.d7.1", 2019)}
    item = breaks_for("papi.d5.3.1")
    assert {("papi.d5", 2022), ("papi.d5.3", 2022)} <= set(zip(item["indicator_id"], item["year"]))
    assert not (breaks_for("papi.d7.2")["year"] == 2019).any()  # 7.1's widening is not 7.2's


def test_a_province_twice_across_the_columns_is_refused_too(tmp_path, sample_tables):
    src = sample_tables / "indices" / "PAPI_2024_Provincial_indicators_VIE.xlsx"
    grid = pd.read_excel(src, header=None, engine="calamine")
    grid.iat[1, 5] = grid.iat[1, 3]  # the names row: one province in columns D and F
    path = tmp_path / "PAPI_2024_x.xlsx"
    grid.to_excel(path, sheet_name="2024", header=False, index=False)
    with pytest.raises(LayoutError, match="PAPI_2024_x.xlsx.*appears twice in row 2 \\(columns D and F\\)"):
        load_files([path])


def _write_grid(path, sheet, grid, formulas=()):
    """A grid as an .xlsx sheet; ``formulas`` are (row, column, formula, cached result) cells."""
    import xlsxwriter

    book = xlsxwriter.Workbook(path)
    ws = book.add_worksheet(sheet)
    for r, row in enumerate(grid.itertuples(index=False)):
        for c, value in enumerate(row):
            if isinstance(value, float) and np.isnan(value):
                continue
            ws.write(r, c, value)
    for r, c, formula, cached in formulas:
        ws.write_formula(r, c, formula, None, cached)
    book.close()


def test_publication_artefacts_are_not_read_as_findings(tmp_path, sample_tables):
    """A 0 dimension with its indicators at 0 is a placeholder, not the best province; one share
    above 1 is named and left out (the row stays in shares); a row in percent with one 120 is
    divided by 100 and the 120 left out; an Excel error is an error, not a suppressed cell; a
    year that cannot be published yet is warned about."""
    src = sample_tables / "indices" / "PAPI_2024_Provincial_indicators_VIE.xlsx"
    grid = pd.read_excel(src, header=None, engine="calamine")
    labels = grid[0].astype(str)
    row_of = {
        i: int(np.flatnonzero(labels.str.startswith(p))[0])
        for i, p in (
            ("papi.d7", "Chỉ số nội dung 7"),
            ("papi.d7.1", "7.1:"),
            ("papi.d7.2", "7.2:"),
            ("papi.d7.3", "7.3:"),
        )
    }
    from govgap.reference.catalogue import indicators

    cat = indicators()
    for ind in ("papi.d5.3.1", "papi.d7.2.2", "papi.d7.3.2", *cat.index[cat["parent"] == "papi.d7.1"]):
        row_of[ind] = int(np.flatnonzero(labels == cat.loc[ind, "label_vi"])[0])  # as the table prints it
    codes = [str(int(c)).zfill(2) for c in grid.iloc[0, 2:]]
    col = 2 + codes.index("24")  # Bắc Giang: its Dimension 7 block is a placeholder
    block = [row_of[i] for i in ("papi.d7", "papi.d7.1", *cat.index[cat["parent"] == "papi.d7.1"])]
    for r in block:
        grid.iat[r, col] = 0.0
    grid.iat[row_of["papi.d5.3.1"], 2 + codes.index("01")] = 1.04
    shares = grid.iloc[row_of["papi.d7.2.2"], 2:].astype(float)
    grid.iloc[row_of["papi.d7.2.2"], 2:] = (shares * 100).round(4).to_numpy()
    grid.iat[row_of["papi.d7.2.2"], 2 + codes.index("36")] = 120.0
    error_col = 2 + codes.index("66")
    path = tmp_path / "PAPI_2024_Provincial_indicators_VIE.xlsx"
    _write_grid(path, "2024PAPI_Indicators_VIE", grid, [(row_of["papi.d7.3.2"], error_col, "=1/0", "#DIV/0!")])
    loaded = load_files([path])
    t = loaded.table.set_index(["province_code", "indicator_id"])
    issues = loaded.issues
    assert not t.index.isin([("24", i) for i in ("papi.d7", "papi.d7.1", "papi.d7.1.1")]).any()
    placeholder = issues[issues["check"] == "placeholder_zero"]["message"]
    assert placeholder.str.contains(r"province 24: 2 value\(s\) are 0 below their scale \(papi.d7, papi.d7.1\)").any()
    assert ("01", "papi.d5.3.1") not in t.index
    out = issues[issues["check"] == "out_of_unit"]["message"].tolist()
    assert any("papi.d5.3.1: 1 cell(s) above 1 where" in m and "(1.04)" in m for m in out)
    assert t.loc[("79", "papi.d7.2.2"), "value"] == pytest.approx(shares.iloc[codes.index("79")], abs=1e-6)
    assert ("36", "papi.d7.2.2") not in t.index and any("above 100 where" in m and "(120)" in m for m in out)
    assert ("66", "papi.d7.3.2") not in t.index  # neither a value nor a suppressed cell
    assert issues["message"].str.contains(r"papi.d7.3.2: cells with an Excel error \(#DIV/0! x1\)").any()
    later = tmp_path / "later"
    later.mkdir()
    _write_grid(later / "PAPI_2099_Provincial_indicators_VIE.xlsx", "2099PAPI_Indicators_VIE", grid)
    warned = load_files([later / "PAPI_2099_Provincial_indicators_VIE.xlsx"]).issues
    year = warned[warned["check"] == "edition_year"]["message"]
    assert len(year) == 1 and "PAPI 2099" in year.iloc[0] and "edition N comes out in spring of N+1" in year.iloc[0]


def test_a_direction_that_changed_between_editions_ranks_each_edition_its_way():
    """PCI's expropriation-risk rating: a high score is good before 2016, bad from 2016."""
    from govgap.compare.standings import ranks
    from govgap.reference.catalogue import higher_is_better

    assert higher_is_better("pci.sub2.expropriation_risk", 2015) and not higher_is_better(
        "pci.sub2.expropriation_risk", 2016
    )
    tidy = pd.DataFrame(
        {
            "source": "PCI",
            "year": [2015, 2015, 2016, 2016],
            "indicator_id": "pci.sub2.expropriation_risk",
            "province_code": ["01", "79", "01", "79"],
            "value": [3.0, 2.0, 3.0, 2.0],
        }
    )
    r = ranks(tidy).set_index(["year", "province_code"])["rank"]
    assert (r[(2015, "01")], r[(2015, "79")], r[(2016, "01")], r[(2016, "79")]) == (1, 2, 2, 1)
