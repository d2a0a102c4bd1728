"""The rules behind a report's sentences (govgap.render.claims), branch by branch, and the
headline sentences they make."""

from __future__ import annotations

import pandas as pd
import pytest

from govgap.render import claims, fmt


@pytest.mark.parametrize(
    ("value", "benchmark", "decimals", "expected"),
    [
        (2.16, 2.16, 2, "equal"),
        (2.163, 2.158, 2, "equal"),  # prints 2,16 against 2,16: no difference to claim
        (2.17, 2.16, 2, "above"),
        (2.15, 2.16, 2, "below"),
        (0.7744, 0.7739, 3, "equal"),  # shares printed to 0,1 percentage point
        (0.776, 0.774, 3, "above"),
        (0.0, 0.004, 2, "equal"),
    ],
)
def test_which_side_of_the_benchmark_at_the_printed_precision(value, benchmark, decimals, expected):
    assert claims.side(value, benchmark, decimals) == expected


def test_furthest_below_is_only_ever_below():
    rows = pd.DataFrame({"indicator_id": ["a", "b", "c"], "value": [2.16, 1.40, 1.90], "median": [2.16, 1.50, 1.95]})
    assert claims.furthest_below(rows, 2)["indicator_id"] == "b"  # -0.10, not "a" at 0.00
    above = rows.assign(value=[2.56, 1.90, 1.95])  # one 0.40 above, one 0.40 above, one level
    assert claims.furthest_below(above, 2) is None


def test_a_median_needs_other_provinces():
    assert not claims.has_median(1) and not claims.has_median(2) and claims.has_median(3)


def test_differences_of_shares_are_percentage_points():
    assert fmt.points(0.126, "vi") == "12,6 điểm phần trăm"
    assert fmt.points(0.126, "en") == "12.6 percentage points"


def test_headline_sentences_follow_the_rules(isolated_home, small_sample):
    """On the published figures, for every one of the 34 provinces in 2024: the Dimension 7 sentence
    states the side of the median that the printed numbers show, with the edition's number of
    provinces; the sub-dimension named is below its median, and the one furthest below; the 2.4
    rank is out of 2.4's own number of provinces."""
    from govgap.reference.provinces import provinces_2025
    from govgap.render import report

    branches = set()
    for name in provinces_2025()["name_vi"]:
        r = report.build(name, 2024, "vi", small_sample)
        lines = r.headline_lines()
        d7 = r._row("papi.d7")
        value, median = round(d7["value"], 2), round(d7["median"], 2)
        want = "bằng trung vị" if value == median else "cao hơn trung vị" if value > median else "thấp hơn trung vị"
        assert f"{want} của {int(d7['n_provinces'])} tỉnh" in lines[0], (name, lines[0])
        assert "0,00 điểm" not in lines[0]
        subs = r.env_table(raw=True)
        subs = subs[subs["indicator_id"] != "papi.d7"]
        gaps = (subs["value"].round(2) - subs["median"].round(2)).round(2)
        branches.add(((gaps < 0).any(), want))
        if (gaps < 0).any():
            worst = subs.loc[gaps.idxmin()]
            assert lines[1].startswith("Nội dung thành phần thấp hơn trung vị nhiều nhất: ")
            assert f"({r.n(worst['value'])} so với trung vị {r.n(worst['median'])}" in lines[1], (name, lines[1])
        else:
            assert lines[1] == "Không nội dung thành phần nào trong 3 nội dung thấp hơn trung vị.", (name, lines[1])
        s24 = r._row("papi.d2.4")
        land = next(line for line in lines if "(2.4)" in line)
        assert land.endswith(f"hạng {int(s24['rank'])}/{int(s24['n_provinces'])}."), (name, land)
    # the 34 provinces of 2024 meet every branch but "level with the median"
    assert {(True, "thấp hơn trung vị"), (True, "cao hơn trung vị"), (False, "cao hơn trung vị")} <= branches


def test_the_gap_narrative_states_the_side_it_prints(isolated_home, small_sample):
    """The gap analysis's first sentence (PAPI 2023, the latest indicator table) and its change
    sentence follow the same rules: the side of the median as printed, "unchanged" for a change
    that rounds to zero."""
    from govgap.render import report

    seen = set()
    for name in ("Hà Nội", "Lào Cai", "Ninh Bình", "Đắk Lắk", "TP HCM", "Cà Mau", "Huế", "Quảng Ninh"):
        g = report.build(name, 2024, "vi", small_sample).gaps()
        top = g.position("papi.d7").iloc[0]
        lines = g.narrative("papi.d7")
        value, median = round(top["value"], 2), round(top["median"], 2)
        want = "bằng trung vị" if value == median else "cao hơn trung vị" if value > median else "thấp hơn trung vị"
        seen.add(want)
        assert f"{want} của {int(top['n_provinces'])} tỉnh ({g.n(top['median'])})" in lines[0], (name, lines[0])
        change = next(line for line in lines if line.startswith(f"So với năm {int(top['previous_year'])}:"))
        moved = round(top["value"], 2) - round(top["previous_value"], 2)
        assert ("không đổi" in change) == (round(moved, 2) == 0) and "0,00 điểm" not in change, (name, change)
    assert {"cao hơn trung vị", "thấp hơn trung vị"} <= seen
