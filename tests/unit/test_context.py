"""SIPAS, PAR INDEX and assigned-task tables: templates, readers, checks, analysis and the report panel."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from legacy_encoders import to_cp1258, to_tcvn3

from govgap.cli import main as cli_main
from govgap.compare import context_standing, gaps, standings
from govgap.pipeline import store
from govgap.pipeline import templates as template_writer
from govgap.render import report
from govgap.sources import context, indices

ROOT = Path(__file__).resolve().parents[2]
TODAY = dt.date(2026, 11, 23)
SEED = {
    "tasks.assigned": 1494,
    "tasks.completed": 1205,
    "tasks.in_progress": 289,
    "tasks.in_progress_on_time": 201,
    "tasks.in_progress_overdue": 88,
}


def _values(table: pd.DataFrame, code: str = "36", year: int = 2024) -> dict:
    mine = table[(table["province_code"] == code) & (table["year"] == year)]
    return dict(zip(mine["indicator_id"], mine["value"]))


def _xlsx(path: Path, rows: list[list], merges=(), sheet="Sheet1") -> Path:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet
    for row in rows:
        ws.append(row)
    for m in merges:
        ws.merge_cells(m)
    book.save(path)
    return path


# ------------------------------------------------------------------------- templates


@pytest.fixture(scope="module")
def templates(tmp_path_factory):
    """The templates as `make setup` writes them (generated, not committed)."""
    return tmp_path_factory.mktemp("templates")


def test_templates_are_written_the_same_every_time(templates, tmp_path):
    written = template_writer.write_templates(templates)
    assert sorted(p.name for p in written) == sorted([*context.TEMPLATE_FILES.values(), "targets_mau.csv"])
    again = template_writer.write_templates(tmp_path)
    for a, b in zip(written, again):
        assert a.read_bytes() == b.read_bytes(), a.name
    readme = (ROOT / "data/raw/templates/README.md").read_text(encoding="utf-8")
    assert all(p.name in readme for p in written)


@pytest.mark.parametrize("kind", context.KINDS)
def test_empty_template_reads_to_no_rows_with_its_headers_found(kind, templates):
    path = template_writer.write_template(kind, templates / context.TEMPLATE_FILES[kind])
    got = context.read_table(path, today=TODAY)
    assert got.sheets[0]["kind"] == kind and got.sheets[0]["reason"] == "header at row 4"
    assert len(got.table) == 0 and len(got.agencies) == 0
    assert [(a.read, a.kept, a.quarantined) for a in got.accounting] == [(0, 0, 0)]
    headers = [c.value for c in openpyxl.load_workbook(path).active[4]]
    assert headers == [h for _, h in context.template_columns(kind)]


def test_a_filled_template_round_trips_every_value(tmp_path):
    rows = [
        [2023, "Nam Định", "", 80.9, 81.2, 79.5, 80.1, 82.0, 78.8, 90],
        [2024, "Nam Định", "", "77,4%", 0.791, "75,5", 78.7, 78.1, 75.3, "90%"],
        [2024, "Hà Nội", "", 84.25, None, None, None, None, None, None],
    ]
    path = template_writer.write_template("SIPAS", tmp_path / "s.xlsx", rows)
    got = context.read_table(path, today=TODAY)
    v = _values(got.table)
    assert v == pytest.approx(
        {
            "sipas.index": 0.774,
            "sipas.access": 0.791,
            "sipas.procedures": 0.755,
            "sipas.civil_servants": 0.787,
            "sipas.results": 0.781,
            "sipas.feedback": 0.753,
        }
    )
    assert _values(got.table, "01") == pytest.approx({"sipas.index": 0.8425})
    assert _values(got.table, year=2023)["sipas.index"] == pytest.approx(0.809)
    assert got.targets[["year", "province_code", "target"]].values.tolist() == [[2023, "36", 0.9], [2024, "36", 0.9]]
    cells = got.table.set_index(["year", "province_code", "indicator_id"])["cell"]
    assert cells[(2024, "36", "sipas.index")] == "E7"  # title, note, blank, header, numbers, 2023, 2024
    assert list(got.table.columns) == indices.TIDY_COLUMNS


# ------------------------------------------------------------------ the seed figures


def _check_seed(got):
    v = _values(got.table)
    for key, want in SEED.items():
        assert v[key] == want, key
    assert v["tasks.completion_rate"] == pytest.approx(1205 / 1494)
    assert v["tasks.overdue_share"] == pytest.approx(88 / 1494)


def test_seed_tasks_typed_as_text_with_thousands_dots(tmp_path):
    rows = [[2024, "Nam Định", "Toàn Sở", "1.494", "1.205", None, None, "289", "201", None, "81%"]]
    _check_seed(context.read_table(template_writer.write_template("TASKS", tmp_path / "t.xlsx", rows), today=TODAY))


def test_seed_tasks_in_a_semicolon_csv_in_windows_1258_with_two_row_header(tmp_path):
    text = (
        "BÁO CÁO KẾT QUẢ THỰC HIỆN NHIỆM VỤ UBND TỈNH GIAO;;;;;;\r\n"
        "Năm;Tỉnh;Tổng số nhiệm vụ;Đã hoàn thành;Đang thực hiện;;\r\n"
        ";;;;Tổng số;Trong hạn;Quá hạn\r\n"
        "2024;Nam Định;1,494;1,205;289;201;88\r\n"
    )
    path = tmp_path / "nhiem_vu.csv"
    path.write_bytes(to_cp1258(text))
    got = context.read_table(path, today=TODAY)
    _check_seed(got)
    assert got.table.set_index("indicator_id").loc["tasks.in_progress_overdue", "cell"] == "G4"


def test_seed_tasks_with_merged_two_row_header_and_column_numbers(tmp_path):
    rows = [
        ["ỦY BAN NHÂN DÂN TỈNH NAM ĐỊNH", None, None, None, None, None, None, None],
        ["Năm", "Tỉnh/Thành phố", "Số nhiệm vụ được giao", "Đã hoàn thành", None, "Đang thực hiện", None, None],
        [None, None, None, "Tổng số", "Quá hạn", "Tổng số", "Trong hạn", "Quá hạn"],
        ["(1)", "(2)", "(3)", "(4)", "(5)", "(6)", "(7)", "(8)"],
        [2024, "Nam Định", 1494, 1205, 30, 289, 201, 88],
        ["Người lập biểu", None, None, None, None, None, None, None],
    ]
    path = _xlsx(tmp_path / "tasks.xlsx", rows, merges=["A1:H1", "D2:E2", "F2:H2", "A2:A3", "B2:B3", "C2:C3"])
    got = context.read_table(path, today=TODAY)
    _check_seed(got)
    v = _values(got.table)
    assert v["tasks.completed_late"] == 30 and v["tasks.completed_on_time"] == 1175
    assert v["tasks.on_time_rate"] == pytest.approx(1175 / 1494)
    assert [(a.read, a.kept, a.quarantined) for a in got.accounting] == [(1, 1, 0)]
    note = got.issues[got.issues["check"] == "not_a_data_row"]
    assert note["row"].tolist() == [6] and "Người lập biểu" not in note["message"].iloc[0]  # no names in logs


@pytest.mark.parametrize("written", ["77,4%", "77.4%", "77,4", 77.4, 0.774, "0,774", " 77,4 % "])
def test_seed_satisfaction_in_every_format_departments_use(tmp_path, written):
    path = _xlsx(tmp_path / "sipas.xlsx", [["Năm", "Tỉnh", "Chỉ số SIPAS (%)"], [2024, "Nam Định", written]])
    assert _values(context.read_table(path, today=TODAY).table) == pytest.approx({"sipas.index": 0.774})


def test_legacy_tcvn3_province_names_are_converted(tmp_path):
    path = _xlsx(
        tmp_path / "sipas.xlsx",
        [["Năm", "Tỉnh", "Chỉ số SIPAS"], [2024, to_tcvn3("Nam Định"), 77.4], [2024, to_tcvn3("Hà Nội"), 80.1]],
    )
    got = context.read_table(path, today=TODAY)
    assert sorted(got.table["province_code"]) == ["01", "36"]
    assert got.issues["check"].tolist() == ["encoding"]


@pytest.mark.parametrize(
    "text, unit, want",
    [
        ("77,4%", "share", 0.774),
        ("77.4", "share", 0.774),
        ("0,774", "share", 0.774),
        (1, "share", 1.0),
        ("100%", "share", 1.0),
        ("89,52", "points", 89.52),
        ("89,52%", "points", 89.52),
        (0.8952, "points", 89.52),
        ("1.494", "count", 1494),
        ("1,494", "count", 1494),
        ("1 494", "count", 1494),
        ("12.345.678", "count", 12345678),
        ("1.234,5", "points", None),
        ("-", "share", np.nan),
        (None, "count", np.nan),
    ],
)
def test_read_number(text, unit, want):
    if want is None:
        with pytest.raises(ValueError, match="outside 0-100 points"):
            context.read_number(text, unit)
        return
    got = context.read_number(text, unit)
    assert (np.isnan(got) and np.isnan(want)) or got == pytest.approx(want)


@pytest.mark.parametrize(
    "text, unit, message",
    [
        ("7x,4", "share", "'7x,4' is not a number"),
        ("112%", "share", "outside 0-100%"),
        ("12,5", "count", "whole"),
        ("-3", "count", "whole"),
        ("81%", "count", "percentage where a number of tasks"),
        (True, "share", "yes/no"),
        ("1.2.3", "count", "not a number"),
        ("1,234.5.6", "points", "not a number"),
        (dt.datetime(2024, 1, 1), "share", "a date"),
    ],
)
def test_read_number_refuses(text, unit, message):
    with pytest.raises(ValueError, match=message):
        context.read_number(text, unit)


# ----------------------------------------------------------------------- broken files


def test_broken_cells_are_all_listed_with_file_sheet_row_and_column(tmp_path):
    rows = [
        [2024, "Nam Định", "", "1.494", "1.2o5", None, None, 289, 201],
        [2024, "Hà Nội", "", 900, 950, None, None, 10, 5],
        [2024, "Hà Nọi x", "", 100, 50, None, None, 50, 60],
        [2030, "Huế", "", 100, 50, None, None, 50, 10],
    ]
    path = template_writer.write_template("TASKS", tmp_path / "NHIEM_VU_2024.xlsx", rows)
    with pytest.raises(context.ContextFormatError) as err:
        context.read_table(path, today=TODAY)
    text = str(err.value)
    assert text.startswith("NHIEM_VU_2024.xlsx, sheet 'TASKS': 4 problem(s)")
    assert "row 6, column F (Đã hoàn thành): '1.2o5' is not a number" in text
    assert "row 7, column F (Đã hoàn thành): completed (950) cannot be more than assigned (900)" in text
    assert "row 8, column C (Tỉnh/Thành phố): Unknown province 'Hà Nọi x'" in text
    assert "row 9, column B (Năm): 2030 is in the future" in text


def test_out_of_range_and_contradicting_counts(tmp_path):
    path = _xlsx(
        tmp_path / "x.xlsx",
        [
            ["Năm", "Tỉnh", "Chỉ số SIPAS", "Tiếp cận dịch vụ"],
            [2024, "Nam Định", "112%", 80],
            [2024, "Hà Nội", None, 80],
        ],
    )
    with pytest.raises(context.ContextFormatError) as err:
        context.read_table(path, today=TODAY)
    assert "row 2, column C (Chỉ số SIPAS): '112%' is outside 0-100%" in str(err.value)
    assert "row 3, column C (Chỉ số SIPAS): empty: this column is required" in str(err.value)
    path = _xlsx(
        tmp_path / "t.xlsx",
        [
            [
                "Năm",
                "Tỉnh",
                "Số nhiệm vụ được giao",
                "Đã hoàn thành",
                "Đang thực hiện",
                "Đang thực hiện trong hạn",
                "Đang thực hiện quá hạn",
            ],
            [2024, "Nam Định", 1494, 1205, 300, 201, 88],
        ],
    )
    with pytest.raises(context.ContextFormatError) as err:
        context.read_table(path, today=TODAY)
    msg = str(err.value)
    assert "in progress on time (201) + in progress overdue (88) is not in progress (300)" in msg
    assert "completed (1,205) + in progress (300) is more than assigned (1,494)" in msg


def test_missing_required_column_and_unknown_layout_name_the_file(tmp_path):
    path = _xlsx(tmp_path / "sipas.xlsx", [["Năm", "Tỉnh", "Tiếp cận dịch vụ", "Kết quả"], [2024, "Nam Định", 80, 81]])
    with pytest.raises(
        context.ContextFormatError,
        match=r"sipas.xlsx, sheet 'Sheet1', header row 1: SIPAS table "
        r"without the required column\(s\) 'Chỉ số SIPAS'",
    ):
        context.read_table(path, today=TODAY)
    path = _xlsx(tmp_path / "other.xlsx", [["Họ tên", "Điện thoại"], ["Nguyễn Văn A", "0912345678"]])
    with pytest.raises(context.ContextFormatError, match="other.xlsx: no header row found"):
        context.read_table(path, today=TODAY)


def test_user_header_spellings_extend_the_dictionary(tmp_path):
    path = _xlsx(tmp_path / "s.xlsx", [["Năm", "Tỉnh", "Điểm hài lòng tổng hợp"], [2024, "Nam Định", 77.4]])
    with pytest.raises(context.ContextFormatError):
        context.read_table(path, kind="SIPAS", today=TODAY)
    extra = tmp_path / "context_columns.csv"
    extra.write_text("kind,canonical,required,variants\nSIPAS,sipas.index,1,Điểm hài lòng tổng hợp\n", encoding="utf-8")
    got = context.read_table(path, columns=extra, today=TODAY)
    assert _values(got.table) == pytest.approx({"sipas.index": 0.774})


def test_rows_are_accounted_for_national_rows_and_copies_quarantined(tmp_path):
    rows = [
        ["Năm", "Tỉnh/Thành phố", "Chỉ số SIPAS"],
        [2024, "Nam Định", 77.4],
        [2024, "Hà Nội", 80.1],
        [2024, "Nam Định", "77,4"],
        [2024, "Cả nước", 80.08],
        [None, None, None],
        [2024, "Trung bình", 79],
    ]
    got = context.read_table(_xlsx(tmp_path / "s.xlsx", rows), today=TODAY)
    acc = got.accounting[0]
    assert (acc.read, acc.kept, acc.quarantined) == (5, 2, 3)
    assert got.quarantine["row"].tolist() == [4, 5, 7]
    assert got.quarantine["reason"].iloc[0] == "the same figures as row 2"
    assert got.quarantine["reason"].iloc[1].startswith("national or total row")
    rows[3] = [2024, "Nam Định", 78.0]
    with pytest.raises(
        context.ContextFormatError,
        match=r"Nam Định 2024 appears twice with different figures "
        r"\(rows 2 and 4\)",
    ):
        context.read_table(_xlsx(tmp_path / "s2.xlsx", rows), today=TODAY)


def test_provinces_merged_in_2025_are_refused_from_2026(tmp_path):
    rows = [["Năm", "Tỉnh", "Chỉ số SIPAS"], [2026, "Nam Định", 80], [2026, "Ninh Bình", 81]]
    with pytest.raises(context.ContextFormatError, match="Nam Định was merged into Ninh Bình on 1 July 2025"):
        context.read_table(_xlsx(tmp_path / "s.xlsx", rows), today=TODAY)
    got = context.read_table(_xlsx(tmp_path / "s2.xlsx", [rows[0], [2025, "Nam Định", 80]]), today=TODAY)
    assert got.issues["check"].tolist() == ["merger"]


# ------------------------------------------------------------------------- analysis


@pytest.fixture(scope="module")
def sample_context(small_sample):
    tables, errors = context.load_folder(small_sample / "context", today=TODAY)
    assert errors == []
    return tables


def test_sample_carries_the_seed_figures_and_covers_every_province(sample_context):
    _check_seed(sample_context)
    v = _values(sample_context.table)
    assert v["sipas.index"] == pytest.approx(0.774)
    sipas = sample_context.table[sample_context.table["indicator_id"] == "sipas.index"]
    assert sipas.groupby("year")["province_code"].nunique().to_dict() == {y: 63 for y in range(2021, 2025)}
    tasks = sample_context.table[sample_context.table["source"] == "TASKS"]
    assert sorted(tasks["province_code"].unique()) == ["01", "36"]
    units = sample_context.agencies[
        (sample_context.agencies["province_code"] == "36")
        & (sample_context.agencies["year"] == 2024)
        & (sample_context.agencies["indicator_id"] == "tasks.assigned")
    ]
    assert units["value"].sum() == 1494 and len(units) == 5


def test_ranks_and_position_work_unchanged_on_the_context_table(sample_context):
    t = sample_context.table
    ranked = standings.ranks(t)
    year = ranked[(ranked["indicator_id"] == "sipas.index") & (ranked["year"] == 2024)]
    values = year.set_index("province_code")["value"]
    assert year["median"].iloc[0] == pytest.approx(np.median(values))
    assert year.set_index("province_code").loc["36", "rank"] == (values > 0.774).sum() + 1
    assert year["best_province"].iloc[0] == values.idxmax()
    pos = gaps.position(t, "Nam Định", 2024, root="sipas.index", source="SIPAS")
    assert pos["indicator_id"].tolist() == [
        "sipas.index",
        "sipas.access",
        "sipas.procedures",
        "sipas.civil_servants",
        "sipas.results",
        "sipas.feedback",
    ]
    row = pos.iloc[0]
    assert row["gap_median"] == pytest.approx(0.774 - np.median(values))
    assert row["gap_best"] == pytest.approx(0.774 - values.max())
    hist = gaps.history(t, "Nam Định", "sipas.index")
    assert hist["year"].tolist() == [2021, 2022, 2023, 2024] and hist["value"].iloc[-1] == pytest.approx(0.774)
    # lower is better for the overdue share: the province with the smaller share ranks first
    over = standings.ranks(t[t["indicator_id"] == "tasks.overdue_share"])
    over = over[over["year"] == 2024].set_index("province_code")
    assert over["rank"].idxmin() == over["value"].idxmin()


def test_targets_built_in_file_and_table_and_the_gap_to_them(sample_context, tmp_path):
    goals = context.targets(sample_context)
    sip = goals[(goals["indicator_id"] == "sipas.index")].set_index("year")["target"]
    assert sip[2020] == 0.80 and sip[2024] == 0.90 and sip[2030] == 0.95 and 2015 not in sip.index
    st = context_standing.standing(sample_context.table, goals, "Nam Định", 2024).set_index("indicator_id")
    assert st.loc["sipas.index", "gap_target"] == pytest.approx(0.774 - 0.90)
    assert st.loc["tasks.completion_rate", "target"] == 1.0  # "100%" written in the sample table
    own = tmp_path / "targets.csv"
    own.write_text(
        "indicator_id,province,year_from,year_to,target,basis_vi,basis_en\n"
        'sipas.index,Nam Định,2024,2025,"85,5%",Nghị quyết của tỉnh,Provincial resolution\n'
        "par.index,,2024,2024,90,Kế hoạch,Plan\n",
        encoding="utf-8",
    )
    goals = context.targets(sample_context, own)
    st = context_standing.standing(sample_context.table, goals, "Nam Định", 2024).set_index("indicator_id")
    assert st.loc["sipas.index", "target"] == pytest.approx(0.855)
    assert st.loc["sipas.index", "target_basis_en"] == "Provincial resolution"
    assert st.loc["par.index", "gap_target"] == pytest.approx(st.loc["par.index", "value"] - 90)
    hanoi = context_standing.standing(sample_context.table, goals, "Hà Nội", 2024).set_index("indicator_id")
    assert hanoi.loc["sipas.index", "target"] == 0.90  # another province keeps the national one
    own.write_text(
        "indicator_id,province,year_from,year_to,target,basis_vi,basis_en\nsipas.index,,2024,2025,abc,x,y\n",
        encoding="utf-8",
    )
    with pytest.raises(context.ContextFormatError, match="targets.csv, row 2: 'abc' is not a number"):
        context.targets(sample_context, own)


def test_unit_table_worst_first(sample_context):
    units = context_standing.agency_table(sample_context.agencies, "36", 2024, "TASKS")
    assert units["agency"].iloc[0] == "Văn phòng Đăng ký đất đai"
    assert units["rank"].tolist() == [5, 4, 3, 2, 1]
    assert units["tasks.completion_rate"].is_monotonic_increasing
    assert context_standing.agency_table(sample_context.agencies, "79", 2024, "TASKS").empty


# ----------------------------------------------------------------- pipeline and report


def test_report_panel_with_figures_and_none_without(isolated_home, small_sample, tmp_path):
    r = report.build("Nam Định", 2024, "vi", small_sample)
    html = "".join(p for p in r.section_parts("context") if isinstance(p, str))
    assert "6. Bối cảnh" in html
    assert (
        "Nhiệm vụ UBND tỉnh giao năm 2024: 1.494 nhiệm vụ; đã hoàn thành 1.205 (80,7%); đang thực hiện 289, "
        "trong đó 201 trong hạn và 88 đã quá hạn."
    ) in html
    assert "<td>77,4%</td>" in html and "Nghị quyết 76/NQ-CP" in html
    assert any(
        "(SIPAS) năm 2024: 77,4% (thấp hơn mục tiêu 90,0% là 12,6 điểm phần trăm)" in line
        for line in r.headline_lines()
    )
    assert r.heading("quality").startswith("<h2>7.")
    # a data folder with tables for two other provinces only, and one without any context table
    data = tmp_path / "few"
    (data / "context").mkdir(parents=True)
    _xlsx(data / "context" / "sipas.xlsx", [["Năm", "Tỉnh", "Chỉ số SIPAS"], [2024, "Hà Nội", 80], [2024, "Huế", 81]])
    for folder in (data, tmp_path / "none"):
        folder.mkdir(exist_ok=True)  # an empty data folder: the shipped published figures alone
        r = report.build("Nam Định", 2024, "en", folder)
        assert r.section_parts("context") == [] and not r.has_context()
        assert r.heading("quality").startswith("<h2>6.")
        assert not any("SIPAS" in line for line in r.headline_lines())
    assert report.build("Hà Nội", 2024, "en", data).has_context()


def test_pipeline_reports_an_unreadable_context_table_and_keeps_the_others(isolated_home, small_sample, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(small_sample / "context", data / "context")
    _xlsx(data / "context" / "PAR_broken.xlsx", [["Năm", "Tỉnh", "Chỉ số CCHC"], [2024, "Nam Định", "chín mươi"]])
    processed = store.prepare(data, workers=1, progress=False)
    errors = processed.file_errors()
    assert errors["source"].tolist() == ["context/PAR_broken.xlsx"]
    assert "row 2, column C (Chỉ số CCHC): 'chín mươi' is not a number" in errors["error"].iloc[0]
    ctx = processed.context()
    assert set(ctx["source"]) == {"SIPAS", "PAR_INDEX", "TASKS"} and len(ctx) == len(
        context.load_folder(small_sample / "context")[0].table
    )
    acc = processed.accounting()
    acc = acc[acc["source"].str.startswith("context/")]
    assert (acc["read"] == acc["kept"] + acc["quarantined"]).all() and acc["quarantined"].sum() == 4
    q = processed.quarantine()
    assert q["source"].str.startswith("context/SIPAS").sum() == 4
    html = report.build("Nam Định", 2024, "vi", data).quality_table()
    assert "PAR_broken.xlsx" in html and "chín mươi" in html


def test_cli_checks_a_table(tmp_path, capsys):
    good = template_writer.write_template("SIPAS", tmp_path / "s.xlsx", [[2024, "Nam Định", "", "77,4%"]])
    assert cli_main(["context", str(good), "--out", str(tmp_path / "tidy.csv")]) == 0
    assert "1 rows read, 1 kept, 0 quarantined" in capsys.readouterr().out
    assert pd.read_csv(tmp_path / "tidy.csv")["value"].tolist() == [pytest.approx(0.774)]
    bad = _xlsx(tmp_path / "b.xlsx", [["Năm", "Tỉnh", "Chỉ số SIPAS"], [2024, "Nam Định", "??"]])
    assert cli_main(["context", str(bad)]) == 2
    assert (
        "b.xlsx, sheet 'Sheet1': 1 problem(s):\n  row 2, column C (Chỉ số SIPAS): '??' is not a number"
        in capsys.readouterr().err
    )


def test_a_row_written_with_another_delimiter_is_an_error_that_names_it(tmp_path):
    """A province's figures glued into one cell (the row was typed with ';' in a tab-split file) are
    not a note: the file is refused with the row named; a real note stays a warning."""
    path = tmp_path / "sipas.csv"
    path.write_text(
        "Năm\tTỉnh\tChỉ số SIPAS (%)\n2024\tNam Định\t82,5\nNinh Bình;2024;80,1\n"
        "2024\tHà Nam\t79,0\nGhi chú: số liệu tạm tính\n",
        encoding="utf-8",
    )
    with pytest.raises(context.ContextFormatError, match="row 3: the row's figures are in one cell, separated by ';'"):
        context.read_table(path, today=TODAY)
    path.write_text("Năm\tTỉnh\tChỉ số SIPAS (%)\n2024\tNam Định\t82,5\nGhi chú: số liệu tạm tính\n", encoding="utf-8")
    got = context.read_table(path, today=TODAY)
    note = got.issues[got.issues["check"] == "not_a_data_row"]
    assert note["row"].tolist() == [3] and (note["severity"] == "warning").all()


def test_components_under_a_heading_not_in_the_dictionary_are_read_by_their_own_names(tmp_path):
    """ "Các yếu tố thành phần" over the SIPAS components: the heading is unknown, so each column is
    read by its own name; a column whose own name is unknown too is listed as not read, by letter."""
    rows = [
        ["Năm", "Tỉnh", "Chỉ số SIPAS (%)", "Các yếu tố thành phần", None, None, None],
        [None, None, None, "Tiếp cận dịch vụ", "Thủ tục hành chính", "Kết quả giải quyết công việc", "Ý kiến khác"],
        [2024, "Nam Định", 82.5, 80, 81, 84, 79],
    ]
    path = _xlsx(tmp_path / "sipas.xlsx", rows, merges=["D1:G1", "A1:A2", "B1:B2", "C1:C2"])
    got = context.read_table(path, today=TODAY)
    assert _values(got.table) == pytest.approx(
        {"sipas.index": 0.825, "sipas.access": 0.80, "sipas.procedures": 0.81, "sipas.results": 0.84}
    )
    unread = got.issues[got.issues["check"] == "column_not_read"]
    assert (unread["severity"] == "warning").all() and "G 'Các yếu tố thành phần Ý kiến khác'" in unread[
        "message"
    ].iloc[0]
    assert not (got.issues["check"] == "not_a_data_row").any()  # the second header row is not a data row
