"""Gap analysis on hand-made tables: standings, bands, oriented gaps, exact decomposition,
points to gain, offices, intervals and breaks; then the sample's slow-land province."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from govgap.compare import gaps
from govgap.estimate.scores import score_subdimensions
from govgap.reference.catalogue import children

CODES = ["01", "02", "04", "35", "36", "37"]  # Hà Nội, Hà Giang, Cao Bằng, Hà Nam, Nam Định, Ninh Bình
D7_INDICATORS = [i for s in ("papi.d7.1", "papi.d7.2", "papi.d7.3") for i in children(s)]


def _tidy(year: int, wide: pd.DataFrame) -> pd.DataFrame:
    """Published-style rows: indicators, sub-dimensions by the scoring rule, D7 = their sum."""
    wide = wide.join(score_subdimensions(wide, year))
    long = (
        wide.rename_axis("province_code")
        .reset_index()
        .melt(id_vars="province_code", var_name="indicator_id", value_name="value")
    )
    level = {"papi.d7": "dimension", **{s: "sub-dimension" for s in ("papi.d7.1", "papi.d7.2", "papi.d7.3")}}
    long["level"] = long["indicator_id"].map(level).fillna("indicator")
    return long.assign(source="PAPI", year=year)


@pytest.fixture(scope="module")
def tidy():
    rng = np.random.default_rng(7)
    wide = pd.DataFrame(rng.uniform(0.1, 0.9, (len(CODES), len(D7_INDICATORS))), index=CODES, columns=D7_INDICATORS)
    wide["papi.d7.2.1"] = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]
    y2022 = _tidy(2022, wide)
    y2018 = _tidy(2018, wide[["papi.d7.1.1", *D7_INDICATORS[4:]]] - 0.05)  # 7.1 had one indicator in 2018
    bribes = pd.DataFrame(
        {
            "province_code": CODES,
            "indicator_id": "papi.d4.4.lurc",
            "level": "indicator",
            "value": [0.1, 0.2, 0.3, 0.4, 0.5, 0.6],
            "source": "PAPI",
            "year": 2022,
        }
    )
    return pd.concat([y2018, y2022, bribes], ignore_index=True)


def test_standings_ranks_quartiles_and_bands_by_hand(tidy):
    table = gaps.standings(tidy)
    share = table[(table["indicator_id"] == "papi.d7.2.1") & (table["year"] == 2022)].set_index("province_code")
    # 0.1 ... 0.6: median 0.35, q25 0.225, q75 0.475 (linear interpolation, as Excel PERCENTILE.INC)
    assert share["median"].iloc[0] == pytest.approx(0.35)
    assert share["q25"].iloc[0] == pytest.approx(0.225) and share["q75"].iloc[0] == pytest.approx(0.475)
    assert share["rank"].tolist() == [6, 5, 4, 3, 2, 1]
    assert share["band"].tolist() == [4, 4, 3, 2, 1, 1]
    assert (share["best_province"] == "37").all() and (share["top_quartile"] == share["q75"]).all()
    bribe = table[table["indicator_id"] == "papi.d4.4.lurc"].set_index("province_code")  # lower is better
    assert bribe["rank"].tolist() == [1, 2, 3, 4, 5, 6]
    assert bribe["band"].tolist() == [1, 1, 2, 3, 4, 4]
    assert bribe["top_quartile"].iloc[0] == pytest.approx(0.225) and (bribe["best_province"] == "01").all()


def test_standings_follow_values_changed_in_place(tidy):
    """The standings of a table whose values change in place (same length, same sum) are new."""
    table = tidy.copy()
    first = gaps.standings(table)
    rows = table.index[(table["indicator_id"] == "papi.d7.2.1") & (table["year"] == 2022)]
    table.loc[rows, "value"] = table.loc[rows, "value"].to_numpy()[::-1]  # the same values, reversed
    again = gaps.standings(table)
    share = again[(again["indicator_id"] == "papi.d7.2.1") & (again["year"] == 2022)].set_index("province_code")
    assert share["rank"].tolist() == [1, 2, 3, 4, 5, 6]
    before = first[(first["indicator_id"] == "papi.d7.2.1") & (first["year"] == 2022)]
    assert before["rank"].tolist() == [6, 5, 4, 3, 2, 1]


def test_position_gaps_are_oriented_and_peers_resolved(tidy):
    pos = gaps.position(tidy, "Nam Định", 2022, root=["papi.d7.2.1", "papi.d4.4.lurc"]).set_index("indicator_id")
    assert pos.loc["papi.d7.2.1", "gap_median"] == pytest.approx(0.5 - 0.35)
    assert pos.loc["papi.d7.2.1", "gap_best"] == pytest.approx(0.5 - 0.6)
    # bribes: 0.5 where the median is 0.35 is WORSE, so the oriented gap is negative
    assert pos.loc["papi.d4.4.lurc", "gap_median"] == pytest.approx(-(0.5 - 0.35))
    assert pos.loc["papi.d4.4.lurc", "gap_top_quartile"] == pytest.approx(-(0.5 - 0.225))
    # peers: the Red River Delta provinces present (Hà Nội, Hà Nam, Ninh Bình)
    assert pos.loc["papi.d7.2.1", "peer_n"] == 3
    assert pos.loc["papi.d7.2.1", "peer_median"] == pytest.approx(np.median([0.1, 0.4, 0.6]))
    merged = gaps.position(tidy, "Nam Định", 2022, root=["papi.d7.2.1"], peers="merger").set_index("indicator_id")
    assert merged.loc["papi.d7.2.1", "peer_n"] == 2  # Hà Nam and Ninh Bình became the new Ninh Bình
    assert merged.loc["papi.d7.2.1", "peer_median"] == pytest.approx(0.5)
    assert gaps.unit("Nam Định", "2025").name_vi == "Ninh Bình"


def test_change_across_the_2019_break_is_labelled(tidy):
    pos = gaps.position(tidy, "36", 2022).set_index("indicator_id")
    assert pos.loc["papi.d7.1", "previous_year"] == 2018
    assert "2019: 7.1 mở rộng" in pos.loc["papi.d7.1", "across_break"]
    assert "2019: 7.1 mở rộng" in pos.loc["papi.d7", "across_break"]  # the dimension holds 7.1
    assert pos.loc["papi.d7.2.1", "across_break"] == ""
    assert pos.loc["papi.d7.2.1", "change"] == pytest.approx(0.05)
    assert pos["gap_median_significant"].isna().all()  # no microdata: no claim either way


@pytest.mark.parametrize("benchmark", gaps.BENCHMARKS)
@pytest.mark.parametrize("province", CODES)
def test_decomposition_adds_up_exactly(tidy, benchmark, province):
    d = gaps.decompose(tidy, province, 2022, benchmark=benchmark)
    total = d["total_gap"].iloc[0]
    assert abs(d.loc[d["leaf"], "contribution"].sum() - total) < 1e-9
    assert abs(d.loc[d["part"].isin(["sub-dimension", "composition"]), "contribution"].sum() - total) < 1e-9
    for sub in ("papi.d7.1", "papi.d7.2", "papi.d7.3"):
        parts = d.loc[(d["parent"] == sub) & d["leaf"], "contribution"].sum()
        assert abs(parts - d.set_index("indicator_id").loc[sub, "contribution"]) < 1e-9


def test_decomposition_against_one_province_is_all_indicators(tidy):
    """Against a real province (the best) the rule reproduces every sub-dimension, so the
    composition and unexplained parts vanish and indicators alone make the gap."""
    d = gaps.decompose(tidy, "02", 2022, benchmark="best")
    assert d["benchmark"].iloc[0].startswith("best:")
    assert d.loc[d["part"].isin(["composition", "unexplained"]), "contribution"].abs().max() < 1e-12
    one = d.set_index("indicator_id").loc["papi.d7.2.1"]
    assert one["contribution"] == pytest.approx(1.0 * (one["value"] - one["benchmark_value"]))  # (10/3-1/3)/3 = 1


def test_points_to_gain_by_hand_and_offices(tidy):
    pts = gaps.points_to_gain(tidy, "02", 2022, scope=("papi.d7.2",)).set_index("indicator_id")
    # 7.2 has 3 indicators on 1/3-10/3: one point per unit share. Hà Giang has 0.2 on 7.2.1.
    assert pts.loc["papi.d7.2.1", "points_to_median"] == pytest.approx(0.35 - 0.2)
    assert pts.loc["papi.d7.2.1", "points_to_top_quartile"] == pytest.approx(0.475 - 0.2)
    assert pts.loc["papi.d7.2.1", "office_vi"].startswith("Chi cục Bảo vệ môi trường")
    assert (pts[["points_to_median", "points_to_top_quartile"]] >= 0).all().all()
    assert list(pts["priority"]) == list(range(1, 4))
    assert pts["points_to_median"].is_monotonic_decreasing
    mapping = gaps.office_mapping()
    assert gaps.office_for("papi.d2.4.6", mapping)["office_vi"] == "Trung tâm Phát triển quỹ đất"
    assert gaps.office_for("papi.d2.4.1", mapping)["office_vi"].startswith("Phòng Quản lý đất đai")
    assert gaps.office_for("papi.d5.3.3", mapping)["dossier_field"] == "Đất đai"
    assert gaps.office_for("papi.d1.1.1", mapping) is None


def test_a_broken_office_mapping_names_file_and_column(tmp_path):
    path = tmp_path / "offices.csv"
    path.write_text("indicator_prefix,office_vi\npapi.d5.3,Văn phòng\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"offices\.csv: missing column\(s\) \['office_en'"):
        gaps.office_mapping(path)
    path.write_text(
        "indicator_prefix,office_vi,office_en,dossier_field,dossier_office_pattern\n,A,A,,\n", encoding="utf-8"
    )
    with pytest.raises(ValueError, match="row 2: empty indicator_prefix"):
        gaps.office_mapping(path)


def test_intervals_decide_significance(tidy):
    table = gaps.standings(tidy)
    median = table[(table["year"] == 2022) & (table["indicator_id"] == "papi.d7.2.1")]["median"].iloc[0]
    iv = pd.DataFrame(
        {
            "year": [2022, 2022, 2018],
            "indicator_id": ["papi.d7.2.1", "papi.d7.2.2", "papi.d7.2.1"],
            "estimate": [0.5, 0.6, 0.45],
            "se": [0.03, 0.2, 0.04],
            "df": [20, 20, 30],
            "ci_low": [0.44, 0.2, 0.37],
            "ci_high": [0.56, 0.99, 0.53],
        }
    )
    pos = gaps.position(tidy, "36", 2022, root=["papi.d7.2.1", "papi.d7.2.2", "papi.d7.3.1"], intervals=iv).set_index(
        "indicator_id"
    )
    assert pos.loc["papi.d7.2.1", "gap_median_low"] == pytest.approx(0.44 - median)
    assert bool(pos.loc["papi.d7.2.1", "gap_median_significant"]) is True  # 0.09 to 0.21
    assert bool(pos.loc["papi.d7.2.2", "gap_median_significant"]) is False  # interval holds the median
    assert pd.isna(pos.loc["papi.d7.3.1", "gap_median_significant"])  # no estimate: no claim
    se = np.sqrt(0.03**2 + 0.04**2)
    df = se**4 / (0.03**4 / 20 + 0.04**4 / 30)
    t = stats.t.ppf(0.975, df)
    assert pos.loc["papi.d7.2.1", "change_low"] == pytest.approx(0.05 - t * se)
    assert bool(pos.loc["papi.d7.2.1", "change_significant"]) is False


def test_association_and_subgroups():
    x = pd.Series([0.5, 0.6, 0.7, 0.8, 0.9, 0.95], index=CODES)
    a = gaps.association(x, x**2 + 1)
    assert a["n"] == 6 and a["spearman"] == pytest.approx(1.0) and a["spearman_p"] < 0.01
    few = gaps.association(x.head(4), x.head(4))
    assert few["n"] == 4 and np.isnan(few["spearman"])
    est = pd.DataFrame(
        {
            "province_code": "36",
            "year": 2024,
            "indicator_id": "papi.d5.3.1",
            "group_var": ["all", "sex", "sex", "urban"],
            "group_value": ["all", "Nam", "Nữ", "Nông thôn"],
            "estimate": [0.6, 0.7, 0.5, 0.3],
            "ci_low": [0.5, 0.6, 0.4, 0.2],
            "ci_high": [0.7, 0.8, 0.65, 0.45],
            "n": [200, 100, 100, 10],
            "suppressed": [False, False, False, True],
        }
    )
    worst = gaps.subgroups(est, "36", 2024)
    assert worst["group_value"].tolist() == ["Nữ", "Nam"]  # the suppressed rural group is left out
    assert worst["difference"].tolist() == pytest.approx([-0.1, 0.1])
    assert worst["below"].tolist() == [False, False]  # 0.4-0.65 still holds the province's 0.6


def test_worst_subgroups_rank_by_the_better_end_of_their_interval_not_by_noise():
    """A small group with the lowest point estimate but an interval across the province's value
    ranks below a large group whose whole interval lies below it."""
    est = pd.DataFrame(
        {
            "province_code": "36",
            "year": 2024,
            "indicator_id": "papi.d5.3.1",
            "group_var": ["all", "district", "district", "district", "sex"],
            "group_value": ["all", "Huyện nhỏ", "Huyện lớn", "Huyện vừa", "Nữ"],
            "estimate": [0.60, 0.105, 0.45, 0.55, 0.62],
            "ci_low": [0.55, 0.0, 0.40, 0.45, 0.55],
            "ci_high": [0.65, 0.987, 0.50, 0.65, 0.69],
            "n": [400, 19, 150, 90, 200],
            "suppressed": False,
        }
    )
    worst = gaps.worst_subgroups(est, "36", 2024, top=2)
    assert worst["group_value"].tolist() == ["Huyện lớn", "Huyện vừa"]  # not "Huyện nhỏ" at 10,5% (0-98,7%)
    assert worst["below"].tolist() == [True, False]
    assert worst["margin"].tolist() == pytest.approx([0.10, -0.05])
    assert gaps.subgroups(est, "36", 2024).iloc[0]["group_value"] == "Huyện nhỏ"  # the point estimate's order


def test_sample_slow_land_province_puts_land_titles_and_slow_offices_first(isolated_home, simulated_sample):
    """The sample's Nam Định is built with slow land offices: on the simulated tables its
    points-to-gain list opens with the 5.3 land-title indicators, and the offices behind them
    start with slow branches."""
    from govgap.render.gap_report import GapAnalysis

    g = GapAnalysis.build("Nam Định", 2024, str(simulated_sample))
    pts = g.points()
    assert pts["indicator_id"].head(3).str.startswith("papi.d5.3.").all()
    assert (pts.head(3)["office_vi"] == "Văn phòng Đăng ký đất đai và các chi nhánh").all()
    assert pts.head(3)["gap_median_significant"].all()
    acts = g.office_actions()
    first = acts.iloc[0]
    assert first["unit_vi"] == "Văn phòng Đăng ký đất đai và các chi nhánh"
    assert first["office"].startswith("Chi nhánh Văn phòng Đăng ký đất đai") and first["slower"]
    unit = acts[acts["unit_vi"] == first["unit_vi"]]
    assert first["on_time_rate"] < first["unit_on_time_rate"]
    assert unit["share_of_late"].sum() == pytest.approx(1.0)
    lines = g.narrative("papi.d5.3", scope=gaps.LAND)
    assert any("Văn phòng Đăng ký đất đai" in line for line in lines)
    own = g.position("papi.d5.3").iloc[0]
    assert f"{int(own['rank'])}/63" in lines[0] and f"{own['value']:.2f}".replace(".", ",") in lines[0]
    d = g.decomposition("papi.d7")
    assert abs(d.loc[d["leaf"], "contribution"].sum() - d["total_gap"].iloc[0]) < 1e-9
    english = GapAnalysis.build("Nam Định", 2024, str(simulated_sample), language="en", view="2025")
    assert english.position()["n_provinces"].iloc[0] == 34


def test_how_a_change_compares_across_breaks():
    from govgap.compare.gaps import change_basis

    basis, scales = change_basis("papi.d5.3", 2019, 2022)
    assert basis == "rescaled" and scales == pytest.approx((0.25, 2.5, 1 / 3, 10 / 3))
    assert change_basis("papi.d7", 2018, 2019) == ("not comparable", None)  # 7.1 widened below it
    assert change_basis("papi.d7.2", 2018, 2019) == ("same", None)
    assert change_basis("papi.d5", 2019, 2022) == ("not comparable", None)  # 5.2 dropped, 5.x rescaled
    assert change_basis("pci.sub2.expropriation_risk", 2015, 2016) == ("not comparable", None)  # reversed
    assert change_basis("papi.d7", 2019, 2022) == ("same", None)
