"""The fast paths of the dossier pipeline (govgap.io._fast and the engines that use it) against the
plain versions they replace: metric breakdowns against pandas groupby, duplicate ids by hashed words
against a text comparison, footer words on the ids that can begin them against matching every id,
the pyarrow trim, UTF-8 check and dictionary indices against plain Python, and the timed-date
parser against a plain parse; the chart style written out against seaborn's own; a chart's pixels read from the canvas
against matplotlib's own PNG; the standings
cache's content digest against pandas' row hashes; the report's HTML without nbconvert's last pass
against the exporter's own page."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from govgap.estimate import dossier_metrics
from govgap.estimate.dossier_metrics import metrics
from govgap.io import _fast
from govgap.sources import dossiers


def test_breakdowns_equal_a_plain_groupby(small_sample):
    """metric_tables first sums dossiers per combination of the breakdown columns and cell;
    each breakdown must equal pandas' own groupby on the dossiers."""
    cleaned, _ = dossiers.load(small_sample / "dossiers/2024/nam-dinh.xlsx", 2024, as_of="2025-01-15")
    t = cleaned.table
    tables = dossier_metrics.metric_tables(t)
    pd.testing.assert_frame_equal(tables["total"], metrics(t))  # one group: row by row
    judged = t["on_time"].notna()
    for name, by in (
        ("office", ["office"]),
        ("month", ["month"]),
        ("procedure", ["procedure"]),
        ("office_procedure", ["office", "procedure"]),
    ):
        got = tables[name].set_index(by)
        groups = t.groupby(by, observed=True)
        assert got["received"].to_dict() == groups.size().to_dict()
        late = t[t["status"] == "late"].groupby(by, observed=True).size()
        assert got["late"].to_dict() == late.reindex(got.index, fill_value=0).to_dict()
        rate = t[judged].assign(ok=t.loc[judged, "on_time"].astype(bool)).groupby(by, observed=True)["ok"].mean()
        np.testing.assert_allclose(got["on_time_rate"].to_numpy(), rate.reindex(got.index).to_numpy())
        mean = groups["processing_working_days"].mean()
        np.testing.assert_allclose(got["mean_processing_working_days"].to_numpy(), mean.reindex(got.index).to_numpy())
        postal = (t["channel"] == "postal") & ~t["carried_over"]
        share = (
            postal.groupby([t[c] for c in by], observed=True).sum()
            / (~t["carried_over"]).groupby([t[c] for c in by], observed=True).sum()
        )
        np.testing.assert_allclose(got["postal_share"].to_numpy(), share.reindex(got.index).to_numpy())
    assert dossier_metrics.leader_summary(t, tables).equals(dossier_metrics.leader_summary(t))


def test_repeated_ids_by_hashed_words_equal_text_comparison():
    import pyarrow as pa

    rng = np.random.default_rng(5)
    stems = np.array([f"000.00.{k:02d}.H{k % 7}-24{k:04d}" for k in range(3000)], dtype=object)
    ids = np.concatenate(
        [
            stems,
            rng.choice(stems, 400),
            ["", "", "A1", "Tổng cộng", "Tổng cộng", "H12-9", "abcdefgh"],
            ["x" * w for w in range(8, 30)],
            ["abcdefgh"],
        ]
    )
    ids = pd.Series(rng.permutation(ids), dtype="str")
    got = _fast.repeated(ids)
    want = ids.duplicated(keep=False).to_numpy()
    assert got.sum() > 700 and (got == want).all()
    # the same length for all (one hash path) and an array that starts inside its buffer
    same = ids[ids.str.len() == len(stems[0])].tolist()
    fixed = pd.Series(pd.arrays.ArrowStringArray(pa.array(same + same[:50])[5:]))
    assert len(fixed) == len(same) + 45 > 150 and fixed.str.len().nunique() == 1
    assert (_fast.repeated(fixed) == fixed.duplicated(keep=False).to_numpy()).all()
    words = _fast.repeated_fixed(pa.array(["abcdefghij", "abcdefghik", "abcdefghij"]), 10)
    assert words.tolist() == [True, False, True]


def test_footer_words_found_as_by_matching_every_id():
    import pyarrow as pa
    import pyarrow.compute as pc

    ids = pd.Series(
        [
            "H01.2024.1",
            "TỔNG CỘNG",
            "  tổng số hồ sơ",
            "Người lập biểu",
            "\tGhi chú: ...",
            "Xác nhận",
            "total",
            "Cong",
            "T-2024-001",
            "G01.002",
            "",
            "cộng dồn",
            "Ngày 31/12",
            "nguoi lap",
            "x",
            "\u00a0Tổng",
        ]
        * 50,
        dtype="str",
    )
    got = dossiers._starts_like_footer(ids)
    every = pc.match_substring_regex(pa.array(ids.tolist()), dossiers._FOOTER, ignore_case=True)
    assert got.tolist() == every.to_numpy(zero_copy_only=False).tolist()
    assert got[:16].tolist() == [
        False,
        True,
        True,
        True,
        True,
        True,
        True,
        True,
        False,
        False,
        False,
        True,
        False,
        True,
        False,
        False,
    ]


def test_many_dates_with_times_match_a_plain_parse():
    """Over 1,000 distinct "dd/mm/yyyy HH:MM" values, the days are parsed once and the times
    added: the result must equal parsing every value in full."""
    from govgap.sources.dossiers import parse_dates

    rng = np.random.default_rng(3)
    stamps = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 366 * 24 * 60, 3000), unit="min")
    values = list(stamps.strftime("%d/%m/%Y %H:%M")) + [
        "31/02/2024 10:00",
        "29/02/2024 23:59",
        "15/03/2024 24:00",
        "15/03/2024 10:60",
        "01/03/2024 00:00",
        "1/3/2024 9:30",
        "2024-03-05 08:15:00",
        "45356",
        "",
        "15/13/2024 10:00",
    ]
    parsed = parse_dates(pd.Series(values, dtype=object))
    assert list(parsed[:3000]) == list(stamps)
    tail = parsed[3000:].dt.strftime("%Y-%m-%d %H:%M").tolist()
    assert tail[1] == "2024-02-29 23:59" and tail[4] == "2024-03-01 00:00" and tail[5] == "2024-03-01 09:30"
    assert tail[6] == "2024-03-05 08:15" and tail[7] == "2024-03-05 00:00"
    assert parsed[3000:].isna().tolist() == [True, False, True, True, False, False, False, False, True, True]


def test_arrow_helpers_trim_check_and_indices_with_nulls():
    import pyarrow as pa

    assert not _fast.edges_may_be_blank(pa.array(["H1-01", "", "H1-02"]))
    assert _fast.edges_may_be_blank(pa.array(["H1-01", "H1-02 "]))
    assert _fast.edges_may_be_blank(pa.array(["x", "\tH1-02", "y"])[1:2])
    assert not _fast.edges_may_be_blank(pa.array([" x", "H1-02", "y"])[1:])
    import pyarrow.compute as pc

    chunks = pa.chunked_array([pa.array(["b", None, "a", "b"]), pa.array([None, "c"]), pa.array(["a", "c", "b"])[1:]])
    encoded = pc.dictionary_encode(chunks)
    codes = _fast.arrow_indices(encoded.chunks, 3)
    labels = encoded.chunk(0).dictionary.to_pylist()
    assert codes.dtype == np.int8 and [labels[c] if c >= 0 else None for c in codes] == [
        "b",
        None,
        "a",
        "b",
        None,
        "c",
        "c",
        "b",
    ]
    assert _fast.arrow_indices(encoded.chunks, 40_000).dtype == np.int32
    sliced = pa.DictionaryArray.from_arrays(
        pa.array([0, None, 1, 2, None, 0, 1, 2, 2, 0], pa.int32())[3:], pa.array(["x", "y", "z"])
    )  # indices and nulls start mid-buffer
    assert _fast.arrow_indices([sliced], 3).tolist() == [2, -1, 0, 1, 2, 2, 0]


def test_the_chart_style_written_out_equals_seaborn_s_theme():
    """charts.chart_style sets seaborn's whitegrid theme from a written-out table (importing
    seaborn costs every report kernel about a second): it must equal what seaborn itself sets."""
    import matplotlib as mpl
    import seaborn as sns
    from matplotlib.colors import to_hex

    from govgap.render import charts

    with mpl.rc_context():
        mpl.rcdefaults()
        sns.set_theme(style="whitegrid", context="notebook", font_scale=0.9)
        theirs = dict(mpl.rcParams)
    with mpl.rc_context():
        mpl.rcdefaults()
        mpl.rcParams.update(charts._SEABORN_WHITEGRID)
        ours = dict(mpl.rcParams)
    differ = {k for k in theirs if theirs[k] != ours[k]}
    assert differ == {"axes.prop_cycle", "image.cmap"}  # colours as hex here; seaborn's own colour map
    assert [to_hex(c["color"]) for c in theirs["axes.prop_cycle"]] == [
        to_hex(c["color"]) for c in ours["axes.prop_cycle"]
    ]


@pytest.mark.parametrize("height", [3.4, 7.9])  # 7.9 in: drawn at a lower resolution, rows rounded down
def test_a_chart_s_png_has_the_pixels_of_matplotlib_s_own_png(height):
    """charts.png_bytes draws a constrained chart once and reads its pixels straight from the canvas
    (savefig draws it twice and encodes a full-colour PNG): the palette image must equal the one
    made from matplotlib's own PNG of the same chart, pixel for pixel, in size and orientation.
    Each side draws a chart of its own: a constrained layout laid out a second time may move by a
    pixel (long wrapped labels), so one figure drawn twice would compare the wrong things."""
    import io

    import matplotlib.pyplot as plt
    from PIL import Image

    from govgap.render import charts

    charts.chart_style()

    def chart():
        fig, ax = plt.subplots(figsize=(charts.WIDTH, height), layout="constrained")
        labels = ["Hà Nội", "Huế", "Tỷ lệ người trả lời cho biết nước từ sông/kênh/rạch/suối gần nhà đủ sạch"]
        ax.barh([charts.wrap(t, 28) for t in labels], [5.1, -4.2, 0.004], color=charts.PALETTE["province"])
        ax.set_title("Quản trị môi trường")
        ax.plot([0, 5], [0, 2], color=charts.PALETTE["late"])
        return fig

    dpi = charts.DPI if height <= 7 else max(100, round(charts.DPI * 7 / height))
    fig, other = chart(), chart()
    try:
        canvas, dpi_before, face = fig.canvas, fig.dpi, fig.get_facecolor()
        ours = Image.open(io.BytesIO(charts.png_bytes(fig))).convert("RGB")
        # drawn on a canvas of its own: the figure keeps its canvas, resolution and colour
        assert (fig.canvas, fig.dpi, fig.get_facecolor()) == (canvas, dpi_before, face)
        raw = io.BytesIO()
        other.savefig(raw, format="png", dpi=dpi, facecolor="white")
        plain = Image.open(raw).convert("RGB").quantize(48, method=Image.Quantize.FASTOCTREE).convert("RGB")
    finally:
        plt.close(fig)
        plt.close(other)
    assert ours.size == plain.size == (int(charts.WIDTH * dpi), int(height * dpi))
    assert np.array_equal(np.asarray(ours), np.asarray(plain))


def test_content_digest_tells_apart_what_pandas_row_hashes_tell_apart():
    """The standings cache's key: for copies, slices that share their parent's buffers, and
    changes made in place, two tables get the same digest exactly when pandas' row hashes of
    the same columns are equal row by row (the plain version it replaces)."""
    columns = ["source", "year", "province_code", "indicator_id", "value"]
    base = pd.DataFrame(
        {
            "source": pd.array(["PAPI"] * 6, dtype="str"),
            "year": [2023, 2023, 2024, 2024, 2024, 2024],
            "province_code": pd.array(["01", "79", "01", "79", "31", "48"], dtype="str"),
            "indicator_id": pd.array(["papi.d7"] * 6, dtype="str"),
            "value": [5.1, 4.9, 5.3, np.nan, 4.7, 5.0],
            "label_vi": pd.array(["Quản trị môi trường"] * 6, dtype="str"),
        }
    )
    parent = pd.concat([base] * 3, ignore_index=True)  # a slice of it shares the parent's buffers
    changed_value = base.copy()
    changed_value.loc[3, "value"] = 4.4  # in place
    changed_code = base.copy()
    changed_code.loc[0, "province_code"] = "02"
    other_label = base.assign(label_vi="Environmental governance")  # not a column of the key
    variants = {
        "base": base,
        "copy": base.copy(),
        "object text": base.astype({"province_code": object}),
        "object text changed": changed_code.astype({"province_code": object}),
        "object text copy": base.astype({"province_code": object}).copy(),
        "slice 0-6": parent.iloc[0:6].reset_index(drop=True),
        "slice 6-12": parent.iloc[6:12],
        "slice 1-7": parent.iloc[1:7],
        "value changed": changed_value,
        "code changed": changed_code,
        "label changed": other_label,
        "fewer rows": base.iloc[:5],
    }

    def plain(frame):
        return tuple(pd.util.hash_pandas_object(frame[columns], index=False))

    digests = {name: _fast.content_digest(frame, columns) for name, frame in variants.items()}
    for a in variants:
        for b in variants:
            same_type = variants[a]["province_code"].dtype == variants[b]["province_code"].dtype
            if same_type:  # a change of dtype may give a new digest (a cache miss, never a stale hit)
                assert (digests[a] == digests[b]) == (plain(variants[a]) == plain(variants[b])), (a, b)
    assert digests["base"] == digests["slice 0-6"] == digests["slice 6-12"] == digests["label changed"]
    assert len({digests["base"], digests["value changed"], digests["code changed"], digests["slice 1-7"]}) == 4
    assert digests["object text"] == digests["object text copy"] != digests["object text changed"]


def test_an_arrow_column_s_kept_digest_is_the_digest_of_its_values():
    """Each Arrow array is hashed once and its digest kept: a column changed in place (pandas
    gives it a new array) gets a new digest, and every kept digest is the one hashing anew gives."""
    columns = ["province_code", "indicator_id", "value"]
    frame = pd.DataFrame(
        {
            "province_code": pd.array([f"{i % 63:02d}" for i in range(5000)], dtype="str"),
            "indicator_id": pd.array([f"papi.d{i % 8}" for i in range(5000)], dtype="str"),
            "value": np.linspace(1.0, 9.0, 5000),
        }
    )
    parts = [frame, frame.iloc[10:4000], frame.iloc[10:4000].copy(), frame[frame["value"] > 5]]
    kept = [_fast.content_digest(part, columns) for part in parts]
    assert [_fast.content_digest(part, columns) for part in parts] == kept  # from the kept digests
    frame.loc[7, "province_code"] = "79"  # in place
    code_changed = _fast.content_digest(frame, columns)
    frame.loc[8, "value"] = 0.5  # a numpy column in place: its memory is hashed every time
    changed = _fast.content_digest(frame, columns)
    assert len({kept[0], code_changed, changed}) == 3
    _fast._CHUNK_DIGESTS.clear()
    assert [_fast.content_digest(part, columns) for part in parts[1:]] == kept[1:]  # hashed anew
    assert _fast.content_digest(frame, columns) == changed
    assert len({kept[0], kept[1], kept[3]}) == 3  # other rows, other digests


def test_a_kept_answer_stays_until_the_cache_is_full_and_then_the_oldest_goes():
    """``_fast.remember``, the bounded memo of the report kernel's caches: it keeps at most
    ``limit`` answers, lets the oldest go first, and replacing a kept key takes no new room."""
    cache = {}
    assert _fast.remember(cache, "a", 1, 2) == 1
    _fast.remember(cache, "b", 2, 2)
    _fast.remember(cache, "b", 3, 2)
    assert cache == {"a": 1, "b": 3}
    _fast.remember(cache, "c", 4, 2)
    assert cache == {"b": 3, "c": 4}


def test_the_report_page_without_nbconvert_s_last_pass_says_and_shows_what_the_exporter_s_own_does():
    """batch._exporter leaves out HTMLExporter's BeautifulSoup pass (a placeholder alt text, a
    tabindex on every output): the page must keep every text, image, alt text, table and removed
    cell of the exporter's own page, with no placeholder to put in."""
    import nbformat
    from bs4 import BeautifulSoup
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    from govgap.publish import batch

    nb = nbformat.v4.new_notebook()
    nb.metadata["language_info"] = {"name": "python", "pygments_lexer": "ipython3"}
    shown = (
        '<h2>2. Quản trị môi trường</h2><p class="gg-note">Điểm 3,12 &amp; hạng 5/34</p>'
        '<div class="gg-scroll" role="region" tabindex="0">'
        "<table><tr><th>Chỉ tiêu</th><td>77,4%</td></tr></table></div>"
        '<figure class="gg-chart"><img src="data:image/png;base64,iVBORw0KGgo=" alt="Biểu đồ: tỉ lệ đúng hạn">'
        "<figcaption>Dữ liệu mẫu</figcaption></figure>"
    )
    nb.cells = [
        nbformat.v4.new_code_cell("_fresh_run()", metadata={"tags": ["remove-in-report"]}),
        nbformat.v4.new_markdown_cell("Báo cáo **Huế** — <b>mẫu</b>"),
        nbformat.v4.new_code_cell(
            "html.show(...)",
            outputs=[
                nbformat.v4.new_output("display_data", data={"text/html": shown, "text/plain": "<HTML>"}),
                nbformat.v4.new_output("stream", name="stdout", text="in ra: 1 < 2\n"),
            ],
        ),
    ]
    nb.cells[0].outputs = [nbformat.v4.new_output("stream", name="stdout", text="không được hiện\n")]
    ours, _ = batch._exporter("vi").from_notebook_node(nb)
    config = batch._exporter("vi").config
    plain = HTMLExporter(
        config=config, template_name="govgap", extra_template_basedirs=batch._exporter("vi").extra_template_basedirs
    )

    plain.register_preprocessor(TagRemovePreprocessor(config=config), enabled=True)
    theirs, _ = plain.from_notebook_node(nb)
    a, b = BeautifulSoup(ours, "html.parser"), BeautifulSoup(theirs, "html.parser")
    assert " ".join(a.get_text().split()) == " ".join(b.get_text().split())
    assert "Điểm 3,12 & hạng 5/34" in a.get_text() and "77,4%" in a.get_text() and "không được hiện" not in ours
    images = [[(i["src"], i.get("alt")) for i in soup.find_all("img")] for soup in (a, b)]
    assert images[0] == images[1] == [("data:image/png;base64,iVBORw0KGgo=", "Biểu đồ: tỉ lệ đúng hạn")]
    assert [str(t) for t in a.find_all("table")] == [str(t) for t in b.find_all("table")]
    assert [t.name for t in a.find_all(True)] == [t.name for t in b.find_all(True)]  # the same elements, in order
    # what the pass adds and nothing else: a tab stop on each cell's output
    outputs = [d for d in b.find_all("div") if "jp-OutputArea-output" in d.get("class", [])]
    assert outputs and all(d.get("tabindex") == "0" for d in outputs)
    assert all("tabindex" not in d.attrs for d in a.find_all("div") if "jp-OutputArea-output" in d.get("class", []))
    assert "No description has been provided" not in ours + theirs


def test_cells_as_numbers_equal_pandas_to_numeric():
    """``_fast.numbers`` against the plain conversion it replaced, on rows of every kind of cell a
    workbook reader gives: floats, whole numbers, blanks (None, NaN, ""), booleans, numbers as
    text (" 7,5", "1e3", "1_000", "inf"), text ("KCDL", "#N/A"), dates, pd.NA."""
    import datetime as dt
    import decimal

    kinds = [
        1.5, 3, np.int64(4), np.float64(2.25), None, np.nan, float("inf"), -0.0, True, False,
        decimal.Decimal("0.1"), "", " ", "7.5", " 7.5 ", "7,5", "1e3", "1_000", "inf", "nan", "KCDL",
        "#N/A", dt.datetime(2024, 1, 1), dt.date(2024, 1, 1), pd.NA, pd.NaT,
    ]  # fmt: skip
    rng = np.random.default_rng(11)
    rows = [[kinds[i] for i in rng.integers(0, len(kinds), size=rng.integers(0, 12))] for _ in range(3000)]
    rows += [[float(x) for x in rng.normal(size=63)], [], [None] * 5, kinds]
    for row in rows:
        plain = pd.to_numeric(pd.Series(list(row), dtype=object), errors="coerce").to_numpy(dtype=float)
        got = _fast.numbers(iter(row))
        assert got.dtype == np.float64
        np.testing.assert_array_equal(got, plain, err_msg=repr(row))
