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


def test_a_difference_is_the_one_between_the_printed_numbers():
    assert claims.printed_difference(1.296, 1.314, 2) == pytest.approx(-0.01)  # 1,30 against 1,31
    assert claims.printed_difference(2.164, 2.156, 2) == pytest.approx(0.0)
    assert claims.printed_difference(0.7744, 0.7611, 3) == pytest.approx(0.013)


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
            assert f"thấp hơn {r.n(-gaps.min())} điểm)" in lines[1], (name, lines[1])
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
        if want != "bằng trung vị":  # the gap a reader works out from the two printed numbers
            assert f"({g.n(top['median'])}) {g.n(abs(value - median))} điểm" in lines[0], (name, lines[0])
        change = next(line for line in lines if line.startswith(f"So với năm {int(top['previous_year'])}:"))
        moved = round(top["value"], 2) - round(top["previous_value"], 2)
        assert ("không đổi" in change) == (round(moved, 2) == 0) and "0,00 điểm" not in change, (name, change)
    assert {"cao hơn trung vị", "thấp hơn trung vị"} <= seen


@pytest.mark.parametrize(
    ("rank", "n", "expected"), [(25, 34, "25/34"), (2, 2, "–"), (1, 3, "1/3"), (float("nan"), 34, "–"), (1, None, "–")]
)
def test_a_rank_is_printed_only_among_three_or_more(rank, n, expected):
    assert claims.rank_text(rank, n) == expected


def test_one_term_per_concept_and_scores_with_their_scale():
    from govgap.reference.catalogue import label, one_term
    from govgap.render.html import label_with_scale

    assert "CNQSD" not in label("papi.d5.3.2") and "giấy chứng nhận quyền sử dụng đất" in label("papi.d5.3.2")
    assert label("pci.sub2.lurc_days") == "Số ngày trung vị chờ đợi để được cấp giấy chứng nhận quyền sử dụng đất"
    assert one_term("Tỷ lệ người làm thủ tục sổ đỏ") == "Tỷ lệ người làm thủ tục cấp giấy chứng nhận quyền sử dụng đất"
    assert one_term("GCNQSDĐ", "en") == "GCNQSDĐ"  # the table is per language
    assert label_with_scale("papi.d5.3", "vi").endswith("(thang 0,33–3,33)")
    assert label_with_scale("papi.d7", "en").endswith("(scale 1–10)")
    assert label_with_scale("papi.d5.3.1", "vi") == label("papi.d5.3.1")  # a share has no scale to add


def test_the_action_card_names_who_fixes_what_and_claims_no_more(isolated_home, small_sample):
    """At most three priorities, each with its points on its dimension, its office, the dossier
    evidence when an export names the office, and a target; the good news only when above."""
    from govgap.render import report

    r = report.build("Nam Định", 2024, "vi", small_sample)
    g = r.gaps()
    items, good = g.action_items()
    top = g.priorities()
    assert 1 <= len(items) == len(top) <= 3
    assert (top["points_to_median"].round(2) > 0).all()
    assert list(top["points_to_median"]) == sorted(top["points_to_median"], reverse=True)
    for text_, row in zip(items, top.itertuples()):
        assert f"thêm {fmt.number(row.points_to_median, 'vi', 2)} điểm" in text_
        assert "Đơn vị chịu trách nhiệm: " in text_ and "Mục tiêu ấn bản tới: từ " in text_
        assert ("Hồ sơ một cửa 2024 (dữ liệu mẫu): " in text_) == (g.evidence(row.indicator_id) is not None)
    best = g.strength()
    assert (good == "") == (best is None)
    if best is not None:
        assert claims.side(best["value"], best["median"], 2) == "above" and good.startswith("Điểm mạnh: ")
    card = r.action_card()
    assert card.count("<li>") == len(items) and "Việc cần làm trước (PAPI 2023)" in card
    assert r.action_card_text().splitlines()[0] == "Việc cần làm trước (PAPI 2023)"


def test_a_section_without_data_is_one_line_saying_what_fills_it(isolated_home, small_sample):
    from govgap.render import report

    r = report.build("Lào Cai", 2024, "vi", small_sample)  # the small sample has no exports for Lào Cai
    parts = r.section_parts("dossiers")
    assert len(parts) == 2 and "gg-note" not in parts[0]  # the heading without its long note
    assert "Chưa có hồ sơ một cửa của tỉnh năm 2024: đặt tệp xuất" in parts[1]  # true whatever earlier years hold
    assert "sample/dossiers/2024/" in parts[1]
    hanoi = report.build("Hà Nội", 2024, "vi", small_sample)
    shown = hanoi.section_parts("dossiers")  # with exports: heading, note and tables in one block, then the chart
    assert len(shown) == 2 and "<table" in shown[0] and not isinstance(shown[1], str)
