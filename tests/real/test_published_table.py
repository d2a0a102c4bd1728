"""The published figures shipped with govgap (govgap/data/published) are exactly what govgap's
loader reads from the official files in ../shared/data, and the 2024 edition comes from the
transcription as its files say."""

from __future__ import annotations

import csv

import pandas as pd
import pytest

from govgap.sources import indices, published


@pytest.fixture(scope="module")
def rebuilt(shared_data):
    return indices.load_folder(shared_data)


def test_the_shipped_table_equals_a_rebuild_from_the_official_files(rebuilt, tmp_path):
    shipped = published.load()
    for part in ("table", "issues", "sheets"):
        pd.testing.assert_frame_equal(getattr(shipped, part), getattr(rebuilt, part), check_exact=True)
    published.write(rebuilt, tmp_path)  # and the writer gives the shipped files byte for byte
    for name in ("values.csv", "sheets.csv", "scales.csv", "issues.csv"):
        shipped_file = published.resources.files("govgap.data").joinpath(published.FOLDER, name).read_bytes()
        assert (tmp_path / name).read_bytes() == shipped_file, name


def _csv_scores(path):
    with open(path, encoding="utf-8") as fh:
        return {row["Province"]: row for row in csv.DictReader(fh)}


def test_2024_comes_from_the_transcription_with_dimensions_as_sums(shared_data):
    table = published.load().table
    papi24 = table[(table["source"] == "PAPI") & (table["year"] == 2024)]
    raw = _csv_scores(shared_data / "papi_2024_mlmcdm" / "2024.csv")
    hanoi = papi24[papi24["province_code"] == "01"].set_index("indicator_id")["value"]
    parts = [float(raw["P01"][c]) for c in ("SC71", "SC72", "SC73")]
    assert hanoi["papi.d7.1"] == parts[0] and hanoi["papi.d7.3"] == parts[2]
    assert hanoi["papi.d7"] == pytest.approx(2.8726, abs=5e-5) == sum(parts)
    assert hanoi["papi.d2.4"] == float(raw["P01"]["SC24"]) and hanoi["papi.d5.3"] == float(raw["P01"]["SC53"])
    assert "papi.d5.2" not in hanoi.index  # construction permits: empty from 2021
    assert hanoi["papi.d5"] == pytest.approx(sum(float(raw["P01"][c]) for c in ("SC51", "SC53", "SC54")), abs=1e-12)
    # Vĩnh Phúc (26) and Tiền Giang (82) are blank in 2024: no values, not zeros
    assert papi24["province_code"].nunique() == 61
    assert not papi24["province_code"].isin(["26", "82"]).any()
    assert set(papi24["file"]) == {"papi_2024_mlmcdm/2024.csv"}
    assert papi24.loc[papi24["indicator_id"] == "papi.d7", "cell"].iloc[0] == "SC71+SC72+SC73:P01"


def test_2023_is_official_and_the_transcription_agrees_with_it(shared_data):
    shipped = published.load()
    papi23 = shipped.table[(shipped.table["source"] == "PAPI") & (shipped.table["year"] == 2023)]
    assert set(papi23["file"]) <= {"PAPI-2015-2023_eng.xlsm", "PAPI-2015-2023_vie.xlsm"}
    raw = _csv_scores(shared_data / "papi_2024_mlmcdm" / "2023.csv")
    official = papi23.set_index(["province_code", "indicator_id"])["value"]
    # P24 is Nam Định (36): every 2023 sub-dimension the official sheet has agrees to 1e-6
    compared = 0
    for column, value in raw["P24"].items():
        if column.startswith("SC") and value:
            key = ("36", f"papi.d{column[2]}.{column[3]}")
            if key in official.index:
                assert official[key] == pytest.approx(float(value), abs=1e-6), column
                compared += 1
    assert compared == 28
    note = shipped.issues[(shipped.issues["check"] == "transcription") & (shipped.issues["year"] == 2023)]
    assert note["message"].str.contains("is not used, the official workbook").all() and len(note) == 1


def test_the_default_report_stands_on_the_published_figures(shared_data, isolated_home, small_sample):
    """A report on the sample data folder shows the published 2024 Dimension 7 (the sum of the
    transcribed sub-dimensions) among the 61 provinces with values, PCI from its latest edition
    (2019), and marks what is sample."""
    from govgap.render import report

    raw = _csv_scores(shared_data / "papi_2024_mlmcdm" / "2024.csv")["P24"]  # Nam Định
    r = report.build("Nam Định", 2024, "vi", small_sample, units="63")
    d7 = r._row("papi.d7")
    assert d7["value"] == sum(float(raw[c]) for c in ("SC71", "SC72", "SC73")) and d7["n_provinces"] == 61
    lines = r.headline_lines()
    assert lines[0].startswith("Chỉ số nội dung 7 – Quản trị môi trường (PAPI 2024): ")
    assert f"xếp hạng {int(d7['rank'])}/61" in lines[0]
    assert any(line.startswith("PCI 2019 – Tiếp cận đất đai") for line in lines)
    assert any("(dữ liệu mẫu)" in line for line in lines if line.startswith("Hồ sơ đất đai"))
    assert "CÓ DỮ LIỆU MẪU" in r.banner() and "số liệu công bố chính thức" in r.banner()
    assert r.gaps().year == 2023  # the decomposition needs an indicator table: PAPI 2023
    assert "PAPI 2023" in r.section_parts("gaps")[0].split("</h2>", 1)[1]  # the note right under the heading


def test_a_merged_province_reads_as_its_members_and_a_derived_aggregate_among_34(
    shared_data, isolated_home, small_sample
):
    """Ninh Bình from 1/7/2025 = Ninh Bình + Hà Nam + Nam Định: on PAPI 2024 (an edition of the 63) its
    Dimension 7 is the members' population-weighted mean, ranked among the 34 aggregates; each
    member's official score and rank among the 61 stand beside it. Hà Nội (unchanged) reads its
    own published score."""
    from govgap.reference.provinces import population_2019
    from govgap.render import report

    raw = _csv_scores(shared_data / "papi_2024_mlmcdm" / "2024.csv")
    d7 = {p: d7_of(raw, p) for p in ("P23", "P24", "P25")}
    weights = population_2019()[["35", "36", "37"]].to_numpy()
    expected = float((weights * [d7["P23"], d7["P24"], d7["P25"]]).sum() / weights.sum())
    for name in ("Ninh Bình", "Nam Định", "ha nam"):  # any member's name reaches the new province
        r = report.build(name, 2024, "vi", small_sample)
        assert r.name == "Ninh Bình" and [m.code for m in r.members] == ["35", "36", "37"]
    row = r._row("papi.d7")
    assert row["value"] == pytest.approx(expected, abs=1e-12) and row["n_provinces"] == 34
    assert f"xếp hạng {int(row['rank'])}/34" in r.headline_lines()[0]
    env = "".join(p for p in r.section_parts("environment") if isinstance(p, str))
    assert "gồm Hà Nam, Nam Định, Ninh Bình" in env and "không phải số liệu chính thức" in env
    official = r.official[(r.official["year"] == 2024) & (r.official["indicator_id"] == "papi.d7")]
    nam_dinh = official.set_index("province_code").loc["36"]
    assert "Nam Định (PAPI 2024)" in env and f"({int(nam_dinh['rank'])}/61)" in env
    legend = [t.get_text() for t in r.trend_chart().legends[0].get_texts()]  # the legend is under the chart
    assert "Ninh Bình (tổng hợp)" in legend  # the charts say the merged province's line is derived
    hanoi = report.build("Hà Nội", 2024, "vi", small_sample)
    assert not hanoi.merged and hanoi._row("papi.d7")["value"] == d7_of(raw, "P01")
    assert hanoi.member_note() == "" and hanoi.members_table(["papi.d7"]) == ""


def d7_of(raw, key):
    return sum(float(raw[key][c]) for c in ("SC71", "SC72", "SC73"))


def test_a_province_left_blank_in_an_edition_shows_its_previous_one(shared_data, isolated_home, small_sample):
    """Quảng Ninh is blank in every row of PAPI 2023: its indicator analysis uses PAPI 2022, and says
    why; Vĩnh Phúc is blank in 2024: its own report (the 63) shows PAPI 2023."""
    from govgap.render import report

    r = report.build("Quảng Ninh", 2024, "vi", small_sample)
    assert r.edition("PAPI") == 2024 and r.edition("PAPI", "indicator") == 2022 and r.gaps().year == 2022
    note = next(p for p in r.section_parts("gaps") if isinstance(p, str) and "gg-edition" in p)
    assert "PAPI 2022" in note and "PAPI 2023 để trống số liệu của Quảng Ninh" in note
    old = report.build("Vĩnh Phúc", 2024, "vi", small_sample, units="63")
    assert old.edition("PAPI") == 2023 and old.headline_lines()[0].startswith(
        "Chỉ số nội dung 7 – Quản trị môi trường (PAPI 2023)"
    )


@pytest.mark.parametrize("year", [2018, 2019, 2022, 2023])
def test_every_province_s_headline_on_every_edition_agrees_with_the_official_files(
    year, rebuilt, isolated_home, small_sample
):
    """For each of the 63 provinces on each edition with Dimension 7, the headline's sentences
    against the table read from ../shared/data and ranked here, not by govgap: Dimension 7's score,
    rank of the provinces with a value and side of their median as printed; the sub-dimension
    named is the one furthest below its median (or none is below); 5.3's and 2.4's ranks each of
    its own number of provinces; a rank interval only in 2019, the edition that prints errors."""
    from govgap.reference.provinces import provinces
    from govgap.render import fmt, report

    t = rebuilt.table
    t = t[(t["source"] == "PAPI") & (t["year"] == year) & t["value"].notna()]
    wide = t.pivot_table(index="province_code", columns="indicator_id", values="value")
    ranks = wide.rank(ascending=False, method="min")  # every sub-dimension here: higher is better
    medians = wide.median()
    subs = [s for s in ("papi.d7.1", "papi.d7.2", "papi.d7.3") if s in wide.columns]
    sides, missing = set(), 0
    for code, name in zip(provinces()["code"], provinces()["name_vi"]):
        if code not in wide.index or pd.isna(wide.loc[code, "papi.d7"]):
            continue
        lines = report.build(name, year, "vi", small_sample, units="63").headline_lines()
        value, median = wide.loc[code, "papi.d7"], medians["papi.d7"]
        n = int(wide["papi.d7"].count())
        shown = f"PAPI {year}): {fmt.number(value, 'vi', 2)}/10 điểm, xếp hạng {int(ranks.loc[code, 'papi.d7'])}/{n}"
        assert shown in lines[0], (name, lines[0])
        gap = round(round(value, 2) - round(median, 2), 2)
        side = "bằng trung vị" if gap == 0 else "cao hơn trung vị" if gap > 0 else "thấp hơn trung vị"
        sides.add(side)
        assert f"{side} của {n} tỉnh ({fmt.number(median, 'vi', 2)})" in lines[0], (name, lines[0])
        assert ("(khoảng " in lines[0]) == (year == 2019), (name, lines[0])
        below = {s: round(round(wide.loc[code, s], 2) - round(medians[s], 2), 2) for s in subs}
        below = {s: g for s, g in below.items() if g < 0}
        if below:
            worst = min(below, key=lambda s: wide.loc[code, s] - medians[s])
            assert f"({fmt.number(wide.loc[code, worst], 'vi', 2)} so với trung vị" in lines[1], (name, lines[1])
        else:
            assert lines[1].startswith("Không nội dung thành phần nào"), (name, lines[1])
        land = next(line for line in lines if "(5.3)" in line)
        for s, part in zip(("papi.d5.3", "papi.d2.4"), land.split(". Quy hoạch")):
            if pd.isna(wide.loc[code, s]):  # 2.4 in 2018: two provinces have none, and it is said
                assert part.rstrip(".").endswith("không có số liệu công bố cho tỉnh"), (name, land)
                missing += 1
            else:
                assert f"hạng {int(ranks.loc[code, s])}/{int(wide[s].count())}" in part, (name, land)
    assert {"cao hơn trung vị", "thấp hơn trung vị"} <= sides
    lacking = wide.loc[wide["papi.d7"].notna(), ["papi.d5.3", "papi.d2.4"]].isna().to_numpy().sum()
    assert missing == lacking and (missing > 0) == (year in (2018, 2022))  # said for each one lacking
