"""The rules behind a report's sentences (govgap.render.claims), branch by branch, and the
headline sentences they make."""

from __future__ import annotations

import re

import numpy as np
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

    branches, widths = set(), []
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
        total = r.total_rank_interval()  # PAPI 2023: the latest total with published standard errors
        # Quảng Ninh is blank in 2023: its latest total with errors is 2022's (Cà Mau's members print 0)
        edition, n = (2022, 32) if name == "Quảng Ninh" else (2023, 33)
        said = next(line for line in lines if line.startswith("Chỉ số PAPI tổng hợp (không có trọng số), PAPI "))
        assert said.startswith(f"Chỉ số PAPI tổng hợp (không có trọng số), PAPI {edition}: "), (name, said)
        assert total["n"] == n and total["rank_low"] <= total["rank"] <= total["rank_high"]
        assert f"xếp hạng {int(total['rank'])}/{n}" in said, (name, said)
        assert f"trong khoảng {int(total['rank_low'])}–{int(total['rank_high'])} trên {n} tỉnh" in said, (name, said)
        widths.append(int(total["rank_high"] - total["rank_low"]))
        s24 = r._row("papi.d2.4")
        land = next(line for line in lines if "(2.4)" in line)
        assert land.endswith(f"hạng {int(s24['rank'])}/{int(s24['n_provinces'])}."), (name, land)
    # most ranks are unsure (an interval wider than the rank), and the intervals still say something
    assert sum(w > 0 for w in widths) >= 30 and sorted(widths)[len(widths) // 2] < 31
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


def test_points_to_gain_are_said_per_dimension_by_the_weights_that_score_it(isolated_home, small_sample):
    """The Dimension 7 sentence counts and adds Dimension 7's indicators only (not 2.4 or 5.3), and
    says how its points were estimated: PAPI's rule for 7.2 and 7.3, weights fitted to the published
    scores for 7.1 (PAPI 2023). No priority of the action card is an item that no office raises by
    serving better (taking part, an opinion, a household's circumstances), though such items do
    have points to gain."""
    from govgap.render import report

    excluded_with_points = 0
    for name in ("Hà Nội", "Lào Cai", "Ninh Bình", "Đắk Lắk", "TP HCM", "Cà Mau", "Huế", "Gia Lai"):
        g = report.build(name, 2024, "vi", small_sample).gaps()
        pts = g.points()
        own = pts[(pts["dimension"] == "papi.d7") & (pts["points_to_median"].round(2) > 0)]
        line = next((x for x in g.narrative("papi.d7") if x.startswith("Đưa ")), None)
        if len(own):
            assert line.startswith(f"Đưa {len(own)} chỉ tiêu của Quản trị môi trường"), (name, line)
            assert f"thêm khoảng {g.n(own['points_to_median'].sum())} điểm" in line, (name, line)
            subs = set(own["sub_dimension"])
            rule = ", ".join(s.removeprefix("papi.d") for s in sorted(subs - {"papi.d7.1"}))
            rule_words, fit_words = "theo quy tắc tính điểm của PAPI", "theo trọng số khớp với điểm công bố của 61 tỉnh"
            if subs == {"papi.d7.1"}:
                assert f"({fit_words}, lệch tối đa " in line, (name, line)
            elif "papi.d7.1" not in subs:
                assert f"({rule_words}, tái tạo đúng điểm công bố)" in line, (name, line)
            else:
                assert f"({rule}: {rule_words}, tái tạo đúng điểm công bố; 7.1: {fit_words}" in line or (
                    f"(7.1: {fit_words}" in line and f"; {rule}: {rule_words}" in line
                ), (name, line)
        else:
            assert line is None, (name, line)
        assert set(pts.loc[pts["sub_dimension"] == "papi.d7.1", "weight_basis"]) == {"fitted"}
        assert set(pts.loc[pts["sub_dimension"].isin(["papi.d7.2", "papi.d7.3"]), "weight_basis"]) == {"rule"}
        assert set(g.priorities()["nature"]) <= {"service", "knowledge"}
        outside = pts[~pts["nature"].isin(["service", "knowledge"])]
        excluded_with_points += int((outside["points_to_median"].round(2) > 0).sum())
    assert excluded_with_points > 0  # the rule above had something to leave out


def test_an_indicator_parameter_is_read_as_papermill_passes_it():
    from govgap.errors import OptionError
    from govgap.reference.catalogue import indicator_id
    from govgap.render.gap_report import GapAnalysis

    assert indicator_id(5.3) == "papi.d5.3" and indicator_id("5.3.1") == "papi.d5.3.1"
    assert indicator_id("papi.d7") == "papi.d7"
    with pytest.raises(OptionError, match="9.9"):
        indicator_id("9.9")
    focus = GapAnalysis.land_focus  # no data needed: it only reads the catalogue
    assert focus(None, 2.4) == ("papi.d2.4", "papi.d2.4", "papi.d5.3")
    assert focus(None, "papi.d5.3.1") == ("papi.d5.3.1", "papi.d5.3", "papi.d2.4")
    with pytest.raises(OptionError, match="papi.d2.4, papi.d5.3"):
        focus(None, "7.1")


@pytest.mark.parametrize(
    ("band", "best", "worst", "expected"),
    [(2, None, None, "band"), (2, 2, 2, "sure"), (2, 1, 2, "unsure"), (4, 3, 4, "unsure"), (1, 1, 1, "sure")],
)
def test_a_band_is_named_alone_only_when_its_rank_interval_stays_in_it(band, best, worst, expected):
    assert claims.band_phrase(band, best, worst) == expected


def test_a_rank_interval_stands_beside_a_rank_only_when_it_ranks_the_same_provinces():
    interval = {"rank": 24, "rank_low": 15, "rank_high": 33, "n": 63}
    assert claims.rank_interval_consistent(24, 63, interval)
    assert not claims.rank_interval_consistent(24, 61, interval)  # PAPI 2022: three 0 errors not ranked
    assert not claims.rank_interval_consistent(23, 63, interval)
    assert not claims.rank_interval_consistent(24, 63, None)


def test_the_gap_narrative_names_a_band_only_when_the_published_errors_allow(isolated_home, small_sample):
    """PAPI 2019 prints each dimension's variance: the headline's and the gap analysis's first
    sentences on Dimension 7 then give the rank interval from its square root, and the gap
    analysis names one band only where that interval stays in one band (Đồng Tháp, ranked 1,
    interval 1-5), else the range of bands (Hà Nội, 62: low average to poor). PAPI 2023 and 2024
    print none: the band alone, as before."""
    from govgap.compare.rank_intervals import possible_bands, rank_intervals
    from govgap.render import report

    table = report.build("Hà Nội", 2019, "vi", small_sample, units="63").gaps().tidy
    rows = table[(table["source"] == "PAPI") & (table["year"] == 2019)]
    d7 = rows[rows["indicator_id"] == "papi.d7"].set_index("province_code")
    se = np.sqrt(rows[rows["indicator_id"] == "papi.d7.variance"].set_index("province_code")["value"])
    expected = rank_intervals(d7["value"], se)  # an independent path to the same intervals
    order = d7["value"].sort_values(ascending=False)
    for name, code, sure in (("Hà Nội", "01", False), ("Đồng Tháp", "87", True)):
        g = report.build(name, 2019, "vi", small_sample, units="63").gaps()
        top = g.position("papi.d7").iloc[0]
        low, high = int(expected.loc[code, "rank_low"]), int(expected.loc[code, "rank_high"])
        reached = {int(d7.loc[c, "band"]) for c in order.index[low - 1 : high]}  # the bands of ranks low..high
        assert (len(reached) == 1) == sure and int(top["band"]) in reached
        line = g.narrative("papi.d7")[0]
        assert (
            f"xếp hạng {int(top['rank'])}/63 (thứ hạng thực trong khoảng {low}–{high} với sai số PAPI công bố" in line
        )
        band = report.band_label(int(top["band"]), "vi").lower()
        if sure:
            assert f"độ tin cậy 95%; {band})" in line and "chưa phân định" not in line, line
        else:
            best, worst = (report.band_label(b, "vi").lower() for b in (min(reached), max(reached)))
            assert f"chưa phân định được nhóm: từ {best} đến {worst})" in line, line
        got = possible_bands(expected, d7["band"])
        assert (int(got.loc[code, "band_best"]), int(got.loc[code, "band_worst"])) == (min(reached), max(reached))
        head = report.build(name, 2019, "vi", small_sample, units="63").headline_lines()[0]
        assert f"xếp hạng {int(top['rank'])}/63 (khoảng {low}–{high} với sai số PAPI công bố);" in head, head
    later = report.build("Hà Nội", 2024, "vi", small_sample)
    line = later.gaps().narrative("papi.d7")[0]
    assert "thứ hạng thực" not in line and "(nhóm đạt điểm thấp nhất)" in line
    assert "khoảng" not in later.headline_lines()[0]  # PAPI 2024 prints no error for Dimension 7


def test_the_total_s_rank_line_names_the_bands_its_interval_reaches(isolated_home, small_sample):
    """The headline's PAPI total (2023 unweighted, 33 of the 34 with an error): the bands of the
    provinces ranked from the best to the worst possible rank, worked out here from the table; one
    band named where they are one (Huế), the range where not."""
    from govgap.render import report

    seen = set()
    for name in ("Hà Nội", "Lào Cai", "Huế"):  # Huế: ranked 1, interval 1-6, all in the best band
        r = report.build(name, 2024, "vi", small_sample)
        row = r.total_rank_interval()
        tbl = r.indices
        total = tbl[(tbl["year"] == 2023) & (tbl["indicator_id"] == row["indicator_id"])]
        ranked = total[total["province_code"].isin(_ranked_codes(r, row))].sort_values("value", ascending=False)
        reached = sorted({int(b) for b in ranked["band"].iloc[int(row["rank_low"]) - 1 : int(row["rank_high"])]})
        line = r.total_rank_line()
        first, last = (report.band_label(b, "vi").lower() for b in (reached[0], reached[-1]))
        seen.add(len(reached) == 1)
        if len(reached) == 1:
            assert line.endswith(f"(độ tin cậy 95%), nên ở cùng độ tin cậy tỉnh thuộc {first}."), line
        else:
            assert line.endswith(f"(độ tin cậy 95%), nên chưa phân định được nhóm: từ {first} đến {last}."), line
    assert seen == {True, False}  # both branches met


def test_a_merged_province_s_rank_intervals_say_its_errors_are_its_members_combined(isolated_home, small_sample):
    """Among the 34, a merged province's intervals on an edition of the 63 rest on its members'
    published standard errors, combined (``standard_errors_2025``), not on errors PAPI published
    for it: each of its three interval sentences (headline, gap analysis, PAPI total) says so; a
    province that was not merged keeps "với sai số PAPI công bố" (Hà Nội's errors are PAPI's own)."""
    from govgap.render import report

    combined = "với sai số gộp từ sai số PAPI công bố của các tỉnh thành viên"
    for name, merged in (("Lào Cai", True), ("Hà Nội", False)):
        r = report.build(name, 2019, "vi", small_sample)
        assert r.merged is merged
        lines = {
            "headline": r.headline_lines()[0],
            "gap analysis": r.gaps().narrative("papi.d7")[0],
            "total": r.total_rank_line(),
        }
        for where, line in lines.items():
            assert (combined in line) is merged, (where, line)
            assert ("với sai số PAPI công bố" in line) is not merged, (where, line)  # every one has an interval
        assert ("(suy ra từ các tỉnh thành viên)" in lines["total"]) is merged
    english = report.build("Lào Cai", 2019, "en", small_sample).total_rank_line()
    assert "given the errors combined from those PAPI publishes for the member provinces, the true" in english


def _ranked_codes(r, row) -> set:
    from govgap.compare.rank_intervals import published_rank_intervals

    return set(published_rank_intervals(r.official, int(row["edition"]), row["indicator_id"], r.view).index)


def test_the_index_names_a_band_alone_only_when_the_2019_errors_allow(isolated_home, small_sample, tmp_path):
    """The index page of 2019 (PAPI prints Dimension 7's variance) gives two band names for a
    province whose rank interval spans bands (Hà Nội: low average to poor) and one for a sure
    one (Đồng Tháp), and says why in a note; 2024's index names the band of the score."""
    from dataclasses import asdict

    from govgap.pipeline import store
    from govgap.publish import batch

    processed = store.prepare(small_sample, progress=False)
    pages = {}
    for year in (2019, 2024):
        runs = batch.plan([year], ["vi"], ["Hà Nội", "Đồng Tháp"], str(small_sample), tmp_path, units="63")
        manifest = {
            "runs": [{**asdict(r), "status": "ok", "error": ""} for r in runs],
            "govgap_version": "test",
            "started": "2026-12-02T00:00:00",
            "sample_data": True,
        }
        pages[year] = batch.write_index(manifest, processed, tmp_path).read_text(encoding="utf-8")
    assert '<span class="gg-band gg-band-4">Nhóm trung bình thấp – thấp nhất</span>' in pages[2019]  # Hà Nội
    assert '<span class="gg-band gg-band-1">Nhóm đạt điểm cao nhất</span>' in pages[2019]  # Đồng Tháp: 1-5
    assert "PAPI 2019 công bố sai số của Chỉ số nội dung 7" in pages[2019]
    two_bands = r'<span class="gg-band gg-band-\d">[^<]* – '
    assert re.search(two_bands, pages[2019]) and not re.search(two_bands, pages[2024])
    assert "công bố sai số" not in pages[2024]
