"""Gap analysis on the official PAPI tables 2018-2022 (../shared/data, required in CI): medians,
quartile thresholds, ranks and bands equal an independent computation; decompositions add up."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from govgap.compare import gaps
from govgap.reference.catalogue import indicators

YEARS = (2018, 2019, 2022)


@pytest.fixture(scope="module")
def papi(real_indices):
    t = real_indices.table
    return t[(t["source"] == "PAPI") & t["year"].isin(YEARS)]


def _independent(values: np.ndarray, higher_is_better: bool) -> dict:
    oriented = values if higher_is_better else -values
    q25, q50, q75 = np.percentile(values, [25, 50, 75])  # numpy's default: linear interpolation
    top, mid, low = (q75, q50, q25) if higher_is_better else (-q25, -q50, -q75)
    band = np.where(oriented >= top, 1, np.where(oriented >= mid, 2, np.where(oriented >= low, 3, 4)))
    return {
        "median": q50,
        "q25": q25,
        "q75": q75,
        "rank": stats.rankdata(-oriented, method="min"),
        "band": band,
        "best": values[np.argmax(oriented)],
    }


def test_medians_quartiles_ranks_and_bands_match_an_independent_computation(papi):
    cat = indicators()
    table = gaps.standings(papi)
    checked = 0
    for (year, ind), part in table.groupby(["year", "indicator_id"]):
        raw = papi[(papi["year"] == year) & (papi["indicator_id"] == ind)].dropna(subset=["value"])
        raw = raw.sort_values("province_code")
        part = part.set_index("province_code").loc[raw["province_code"]]
        expected = _independent(raw["value"].to_numpy(float), bool(cat.loc[ind, "higher_is_better"]))
        assert part["n_provinces"].iloc[0] == len(raw), (year, ind)
        for key in ("median", "q25", "q75", "best"):
            assert part[key].iloc[0] == pytest.approx(expected[key], abs=1e-12), (year, ind, key)
        assert (part["rank"].to_numpy() == expected["rank"]).all(), (year, ind)
        assert (part["band"].to_numpy() == expected["band"]).all(), (year, ind)
        checked += 1
    assert checked > 250  # every PAPI indicator, sub-dimension and dimension of three editions
    d7 = table[(table["indicator_id"] == "papi.d7")]
    assert set(d7.groupby("year")["n_provinces"].first()) == {63}
    band_sizes = d7[d7["year"] == 2022]["band"].value_counts().sort_index()
    assert band_sizes.tolist() == [16, 16, 15, 16]  # 63 provinces: the quarter thresholds at 16, 32, 47


def test_2025_view_ranks_34_derived_provinces(papi):
    table = gaps.standings(papi, view="2025")
    d7 = table[(table["year"] == 2022) & (table["indicator_id"] == "papi.d7")]
    assert len(d7) == 34 and set(d7["n_provinces"]) == {34}
    assert (
        d7.sort_values("province_code")["rank"].to_numpy()
        == stats.rankdata(-d7.sort_values("province_code")["value"].to_numpy(), method="min")
    ).all()
    assert d7["median"].iloc[0] == pytest.approx(np.median(d7["value"]))


@pytest.mark.parametrize("year", YEARS)
def test_decompositions_add_up_for_every_province(papi, year):
    codes = sorted(papi.loc[(papi["year"] == year) & (papi["indicator_id"] == "papi.d7"), "province_code"])
    assert len(codes) == 63
    worst_composition = 0.0
    for code in codes:
        for benchmark in ("median", "best", "top_quartile"):
            d = gaps.decompose(papi, code, year, benchmark=benchmark)
            total = d["total_gap"].iloc[0]
            assert abs(d.loc[d["leaf"], "contribution"].sum() - total) < 1e-9, (code, benchmark)
            if benchmark == "best":  # one province against another: only the published rounding is left
                worst_composition = max(
                    worst_composition, abs(d.loc[d["part"] == "composition", "contribution"].iloc[0])
                )
                # where the rule reproduces PAPI (7.2, 7.3), the indicators alone make the sub-dimension gap
                exact = d[d["indicator_id"].isin(["papi.d7.2:unexplained", "papi.d7.3:unexplained"])]
                assert exact["contribution"].abs().max() < 1e-6, (code, year)
        for root in ("papi.d5.3", "papi.d2.4"):
            if (
                papi[(papi["year"] == year) & (papi["province_code"] == code) & (papi["indicator_id"] == root)]["value"]
                .notna()
                .any()
            ):
                d = gaps.decompose(papi, code, year, root=root)
                assert abs(d.loc[d["leaf"], "contribution"].sum() - d["total_gap"].iloc[0]) < 1e-9
    assert worst_composition < 2e-3


def test_points_to_gain_on_real_tables(papi):
    pts = gaps.points_to_gain(papi, "Nam Định", 2022).set_index("indicator_id")
    own = papi[(papi["year"] == 2022) & (papi["province_code"] == "36")].set_index("indicator_id")["value"]
    median = papi[(papi["year"] == 2022) & (papi["indicator_id"] == "papi.d7.2.1")]["value"].median()
    # 7.2 has three indicators on 1/3-10/3: one point per unit share
    assert pts.loc["papi.d7.2.1", "points_to_median"] == pytest.approx(max(0.0, median - own["papi.d7.2.1"]))
    assert set(pts["sub_dimension"]) == {"papi.d7.1", "papi.d7.2", "papi.d7.3", "papi.d2.4", "papi.d5.3"}
    assert len(pts.loc[pts["sub_dimension"] == "papi.d5.3"]) == 5  # 2022 added the share who applied
    assert (pts["points_to_median"] <= pts["points_to_top_quartile"] + 1e-12).all()
    assert (pts["office_vi"] != "").all()


def test_changes_across_a_rescale_are_on_one_scale_and_across_a_new_definition_are_not_numbers(papi):
    """5.3 moved from 0.25-2.5 (2019) to 0.33-3.33 (2022): unrescaled, every province "rises";
    with the 2019 value put on the 2022 scale, 32 of the 62 provinces with both rise. Dimension 7
    across 2019 (7.1 widened from one to four indicators) gets no number."""
    rows = []
    for code in sorted(papi.loc[(papi["year"] == 2022) & (papi["indicator_id"] == "papi.d5.3"), "province_code"]):
        r = gaps.position(papi, code, 2022, root="papi.d5").set_index("indicator_id").loc["papi.d5.3"]
        if pd.notna(r["previous_value"]):
            rows.append(r)
    table = pd.DataFrame(rows)
    assert len(table) == 62 and set(table["change_basis"]) == {"rescaled"} and set(table["previous_year"]) == {2019}
    raw = table["value"] - table["previous_value"]
    assert (raw > 0).all()  # the artefact the rescale removes
    on_scale = 1 / 3 + (table["previous_value"] - 0.25) * (10 / 3 - 1 / 3) / (2.5 - 0.25)
    assert np.allclose(table["change"], table["value"] - on_scale)
    assert (table["change"] > 0).sum() == 32
    d7 = gaps.position(papi, "01", 2019, root="papi.d7").set_index("indicator_id")
    assert d7.loc["papi.d7", "change_basis"] == "not comparable" and np.isnan(d7.loc["papi.d7", "change"])
    assert d7.loc["papi.d7.2", "change_basis"] == "same"  # 7.2 is unchanged: its change is a number
