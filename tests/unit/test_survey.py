"""Survey microdata: codebook, readers, quarantine, weights, design-based estimates on
hand-made tables with hand-worked values. The cross-check against R's survey package is in
tests/oracle/test_survey_against_r.py."""

from __future__ import annotations

import unicodedata

import numpy as np
import pandas as pd
import pytest

from govgap.errors import OptionError
from govgap.estimate import survey_estimates
from govgap.pipeline import sample
from govgap.reference import catalogue, codebook
from govgap.sources import survey

PII = {"ho_ten": "Nguyễn Thị Bích Ngọc", "dien_thoai": "0912345678", "dia_chi_nha": "12 Lý Thường Kiệt"}


def _rows():
    """Fourteen hand-made respondents of Đắk Lắk (file rows 2-15), eight of them broken."""
    base = {
        "id_nguoi_tra_loi": "",
        "tinh": "Tỉnh Đắk Lắk",
        "huyen": "Huyện A",
        "xa": "Xã B",
        "strata": "1",
        "psu": "11",
        "gioi_tinh": "1",
        "dan_toc": "1",
        "thanh_thi": "2",
        "trong_so": "1.5",
        "tuoi": "40",
        "d702b": "Có",
        "d503": "2",
        "d503a": "97",
        **PII,
    }
    rows = [dict(base, id_nguoi_tra_loi=f"r{i}") for i in range(6)]
    rows[1]["d702b"] = "Không"
    rows[2]["d702b"] = "Không biết"  # don't know: not in the denominator
    rows[3]["d702b"] = unicodedata.normalize("NFD", " có ")  # NFD, spaces, lower case
    rows[4]["d702b"] = "1. Có"
    rows[5]["tinh"] = "66"  # a code instead of the name
    rows.append(dict(rows[0]))  # row 8: exact copy of row 2
    rows.append(dict(base, id_nguoi_tra_loi="r9", tuoi="150"))  # row 9
    rows.append(dict(base, id_nguoi_tra_loi="r10", d702b="7"))  # row 10
    rows.append(dict(base, id_nguoi_tra_loi="r11", tinh="Atlantis"))  # row 11
    rows.append(dict(base, id_nguoi_tra_loi="r12", gioi_tinh="3"))  # row 12
    rows.append(dict(base, id_nguoi_tra_loi="r13", trong_so="0"))  # row 13
    rows.append(dict(base, id_nguoi_tra_loi="r14", d702b="Có"))  # rows 14, 15: same id,
    rows.append(dict(base, id_nguoi_tra_loi="r14", d702b="Không"))  # different answers
    return pd.DataFrame(rows)


def test_sample_codebook_covers_the_environment_and_land_items():
    book = codebook.load_codebook()
    ids = set(book.item_ids)
    cat = catalogue.indicators()
    for sub in ("papi.d7.1", "papi.d7.2", "papi.d7.3", "papi.d2.4"):
        assert set(catalogue.children(sub)) <= ids, sub
    assert {"papi.d5.3.1", "papi.d5.3.2", "papi.d5.3.3", "papi.d5.3.4", "papi.d4.1.lurc", "papi.d4.4.lurc"} <= ids
    assert ids <= set(cat.index)
    assert book.item("papi.d5.3.1").positive == (2,)  # "did not go through many doors" counts No
    assert book.missing == {97: "not_applicable", 98: "dont_know", 99: "refused"}
    assert book.label_codes(book.item("papi.d7.2.2"))["không biết"] == 98


def test_an_infinite_weight_is_quarantined_not_spread_as_nan():
    rows = _rows().head(6).copy()
    rows.loc[2, "trong_so"] = "inf"
    rows.loc[3, "trong_so"] = "1e400"  # overflows to inf too
    cleaned = survey.clean_survey(rows, source="hand")
    q = cleaned.quarantine.set_index("row")
    assert list(q.index) == [4, 5] and q["reason"].str.startswith("missing, non-numeric, infinite").all()
    assert len(cleaned.table) == 4 and np.isfinite(cleaned.table["weight"]).all()


def test_a_survey_of_2025_is_read_under_the_codes_of_the_34():
    """PAPI 2025 sampled the 34 provinces: a new name, an old member's name and an old code all
    read as the province they are now; the same cells in a 2024 survey are the old provinces."""
    raw = pd.DataFrame(
        [
            dict(_rows().iloc[0], id_nguoi_tra_loi=f"r{i}", tinh=t)
            for i, t in enumerate(["Tỉnh Ninh Bình", "Nam Định", "35", "Tỉnh Đắk Lắk", "Phú Yên", "TP HCM"])
        ]
    )
    now = survey.clean_survey(raw, year=2025).table["province_code"].tolist()
    assert now == ["37", "37", "37", "66", "66", "79"]
    before = survey.clean_survey(raw, year=2024).table["province_code"].tolist()
    assert before == ["37", "36", "35", "66", "54", "79"]


def test_the_sample_survey_of_2025_samples_the_34_by_their_members():
    traits = sample.province_traits(4)
    s25 = sample._survey_year(4, 2025, traits)
    assert s25["ma_tinh"].nunique() == 34 and set(s25.loc[s25["ma_tinh"] == 37, "tinh"]) == {"Tỉnh Ninh Bình"}
    ninh_binh = s25[s25["ma_tinh"] == 37]
    strata = ninh_binh["strata"].str[:2].value_counts()  # the members' former districts are the strata
    assert set(strata.index) == {"35", "36", "37"}
    # weights follow the members' populations (2019 census: Nam Định 1,781k, Hà Nam 853k)
    total = ninh_binh.groupby(ninh_binh["strata"].str[:2])["trong_so"].sum()
    assert total["36"] / total["35"] == pytest.approx(1780.4 / 852.8, rel=0.1)
    assert sample._survey_year(4, 2024, traits)["ma_tinh"].nunique() == 63


def test_codebook_mistakes_name_the_file_and_the_key(tmp_path):
    good = codebook.sample_codebook_path().read_text(encoding="utf-8")
    cases = {
        "indicator: papi.d7.2.2": (
            "indicator: papi.d9.9",
            "items\\[5\\]: indicator 'papi.d9.9' is not in the catalogue",
        ),
        "  id: id_nguoi_tra_loi\n": ("  id:\n", "design.id is missing"),
        'answers: yesno, measure: share, positive: [1],\n     question: "Chất lượng không khí nơi': (
            'answers: yesno, measure: share,\n     question: "Chất lượng không khí nơi',
            "needs 'positive'",
        ),
    }
    for i, (old, (new, message)) in enumerate(cases.items()):
        assert old in good
        path = tmp_path / f"book{i}.yaml"
        path.write_text(good.replace(old, new, 1), encoding="utf-8")
        with pytest.raises(codebook.CodebookError, match=message) as err:
            codebook.load_codebook(path)
        assert str(path) in str(err.value) and err.value.file == path.name


def test_broken_rows_go_to_quarantine_with_row_column_and_reason():
    cleaned = survey.clean_survey(_rows(), source="hand")
    acc = cleaned.accounting
    assert (acc.read, acc.kept, acc.quarantined) == (14, 6, 8)
    q = cleaned.quarantine.set_index("row")
    assert q.loc[8, "reason"] == "exact copy of an earlier row" and q.loc[8, "value"] == "copy of row 2"
    assert q.loc[9, "reason"].startswith("impossible age") and (q.loc[9, "column"], q.loc[9, "value"]) == (
        "tuoi",
        "150",
    )
    assert q.loc[10, "reason"] == "answer code outside the codebook" and q.loc[10, "column"] == "d702b"
    assert q.loc[11, "reason"] == "unknown province" and q.loc[11, "value"] == "Atlantis"
    assert q.loc[12, "reason"] == "sex code outside the codebook"
    assert q.loc[13, "reason"].startswith("missing, non-numeric, infinite or non-positive weight")
    assert list(q.index[q["reason"].str.startswith("respondent id appears with different answers")]) == [14, 15]
    table = cleaned.table
    assert set(table["province_code"]) == {"66"} and list(table["source_row"]) == [2, 3, 4, 5, 6, 7]
    assert table["papi.d7.2.2"].tolist() == [1, 2, 98, 1, 1, 1]
    assert set(table["sex"]) == {"Nam"} and set(table["age_group"]) == {"40-49"}
    assert "codebook items not in the file" in " ".join(cleaned.notes)
    est = survey_estimates.estimate(table).set_index("indicator_id")
    # 4 yes, 1 no, 1 don't know (left out): 4/5, and fewer than 15 answers -> suppressed
    assert est.loc["papi.d7.2.2", "n"] == 5 and bool(est.loc["papi.d7.2.2", "suppressed"])
    assert np.isnan(est.loc["papi.d7.2.2", "estimate"])
    unsuppressed = survey_estimates.estimate(table, min_n=1, min_df=0).set_index("indicator_id")
    assert unsuppressed.loc["papi.d7.2.2", "estimate"] == pytest.approx(0.8)


def _write_all_formats(frame: pd.DataFrame, folder):
    import pyreadstat
    import xlsxwriter

    paths = {}
    frame.to_csv(folder / "s.csv", index=False, sep=";", encoding="utf-8")
    paths["csv"] = folder / "s.csv"
    from legacy_encoders import to_cp1258

    text = frame.to_csv(index=False)
    (folder / "s1258.csv").write_bytes(b"\n".join(to_cp1258(line) for line in text.split("\n")))
    paths["cp1258"] = folder / "s1258.csv"
    wb = xlsxwriter.Workbook(folder / "s.xlsx")
    ws = wb.add_worksheet("Dữ liệu")
    ws.merge_range(0, 0, 0, 6, "KHẢO SÁT MẪU - DỮ LIỆU CẤP NGƯỜI TRẢ LỜI")
    ws.write_row(2, 0, list(frame.columns))
    for r, row in enumerate(frame.itertuples(index=False), start=3):
        ws.write_row(r, 0, [float(v) if str(v).replace(".", "").isdigit() else v for v in row])
    wb.close()
    paths["xlsx"] = folder / "s.xlsx"
    numeric = frame.rename(columns={"Địa chỉ": "dia_chi"})  # Stata and SPSS names have no spaces
    for col in numeric.columns:
        as_num = pd.to_numeric(numeric[col], errors="coerce")
        if as_num.notna().all() and col not in ("id_nguoi_tra_loi", "strata", "psu"):
            numeric[col] = as_num
    numeric.to_stata(folder / "s.dta", write_index=False, version=118)
    paths["dta"] = folder / "s.dta"
    pyreadstat.write_sav(numeric, str(folder / "s.sav"))
    paths["sav"] = folder / "s.sav"
    return paths


def test_every_format_reads_to_the_same_table_and_personal_data_never_leaves(tmp_path):
    traits = sample.province_traits(5)
    frame = sample._survey_year(5, 2021, traits)
    frame = frame[frame["ma_tinh"].isin([1, 66])].astype(str).reset_index(drop=True)
    frame["ho_ten"] = PII["ho_ten"]
    frame["dien_thoai"] = PII["dien_thoai"]
    frame["Địa chỉ"] = PII["dia_chi_nha"]
    paths = _write_all_formats(frame, tmp_path)
    results = {}
    for kind, path in paths.items():
        raw = survey.read_survey(path)
        address = "dia_chi" if kind in ("dta", "sav") else "Địa chỉ"
        assert set(raw.personal_dropped) == {"ho_ten", "dien_thoai", address}, kind
        cleaned = survey.clean_survey(raw)
        assert cleaned.accounting.read == len(frame), kind
        est = survey_estimates.estimate(cleaned.table)
        results[kind] = est.set_index(["province_code", "indicator_id"])["estimate"]
        text = " ".join(
            cleaned.table.astype(str).stack().tolist() + cleaned.quarantine.astype(str).stack().tolist() + cleaned.notes
        )
        for value in PII.values():
            assert value not in text, kind
    for kind, values in results.items():
        pd.testing.assert_series_equal(values, results["csv"], check_names=False, obj=kind)
    assert survey.read_survey(paths["xlsx"]).sheet == "Dữ liệu"
    assert survey.read_survey(paths["cp1258"]).notes == ["decoded as cp1258"]
    (tmp_path / "s.txt").write_text("x")
    with pytest.raises(survey.SurveyFormatError, match="unsupported survey file type '.txt'"):
        survey.read_survey(tmp_path / "s.txt")


def test_a_missing_design_column_stops_with_file_and_column(tmp_path):
    frame = _rows().drop(columns=["psu"])
    frame.to_csv(tmp_path / "nopsu.csv", index=False)
    with pytest.raises(survey.SurveyFormatError, match="nopsu.csv: column 'psu' \\(design.psu\\) is missing"):
        survey.load(tmp_path / "nopsu.csv")


def test_damaged_utf8_csv_names_row_and_column(tmp_path):
    frame = _rows()
    text = frame.to_csv(index=False, sep=";")
    lines = text.split("\n")
    cells = lines[3].split(";")
    cells[2] = cells[2] + "\udcff"  # one byte that is not UTF-8, in the third cell of file row 4
    lines[3] = ";".join(cells)
    path = tmp_path / "hong.csv"
    path.write_bytes("\n".join(lines).encode("utf-8", errors="surrogateescape"))
    with pytest.raises(survey.SurveyFormatError, match="hong.csv, row 4, column 3: bytes that are not UTF-8 text"):
        survey.read_survey(path)


@pytest.fixture(scope="module")
def year_2022():
    traits = sample.province_traits(2024)
    raw = sample._survey_year(2024, 2022, traits)
    return survey.clean_survey(raw).table


def _design(lonely: bool):
    """Two strata: stratum A with PSUs a1 (y 1,1,0) and a2 (y 0,0); stratum B with b1 (y 1) and,
    unless lonely, b2 (y 1, 0). Weights 1."""
    rows = [("A", "a1", 1), ("A", "a1", 1), ("A", "a1", 0), ("A", "a2", 0), ("A", "a2", 0), ("B", "b1", 1)]
    if not lonely:
        rows += [("B", "b2", 1), ("B", "b2", 0)]
    t = pd.DataFrame(rows, columns=["strata", "psu", "code"])
    return pd.DataFrame(
        {
            "province_code": "01",
            "strata": t["strata"],
            "psu": t["psu"],
            "weight": 1.0,
            "papi.d7.2.2": np.where(t["code"] == 1, 1, 2),
        }
    )


def test_lonely_psu_rules_by_hand():
    t = _design(lonely=True)  # y = 1,1,0,0,0,1: mean 1/2, z_i = (y_i - 1/2)/6
    # PSU totals: a1 = (1/2 + 1/2 - 1/2)/6 = 1/12, a2 = -1/6, b1 = 1/12
    a = 2 * ((1 / 12 + 1 / 24) ** 2 + (-1 / 6 + 1 / 24) ** 2)  # stratum A: n/(n-1) * sum (z - mean)^2
    by_hand = {"min_n": 1, "min_df": 0}  # three PSUs: the variance by hand, not a publishable estimate
    skip = survey_estimates.estimate(t, lonely_psu="skip", **by_hand).set_index("indicator_id").loc["papi.d7.2.2"]
    adjust = survey_estimates.estimate(t, lonely_psu="adjust", **by_hand).set_index("indicator_id").loc["papi.d7.2.2"]
    assert skip["estimate"] == pytest.approx(0.5)
    assert skip["se"] ** 2 == pytest.approx(a)
    assert adjust["se"] ** 2 == pytest.approx(a + (1 / 12) ** 2)  # b1 deviates from the grand mean 0
    with pytest.raises(ValueError, match="single PSU"):
        survey_estimates.estimate(t, lonely_psu="fail")


def test_raking_hits_the_margins_and_poststratification_the_cells(year_2022):
    table = year_2022[year_2022["province_code"].isin(["01", "66"])].reset_index(drop=True)
    margins = pd.DataFrame(
        [
            {"variable": v, "category": c, "target": t}
            for v, cats in sample.SAMPLE_MARGINS.items()
            for c, t in cats.items()
        ]
    )
    raked = survey_estimates.rake(table, margins)
    assert raked.converged and raked.max_difference < 1e-6 * table["weight"].sum()
    check = raked.check.set_index(["group", "variable", "category"])
    total = table.loc[table["province_code"] == "66", "weight"].sum()
    assert check.loc[("66", "age_group", "18-29"), "target"] == pytest.approx(0.24 * total)
    w = raked.weights
    share = w[(table["province_code"] == "66") & (table["age_group"] == "60+")].sum() / total
    assert share == pytest.approx(0.19, abs=1e-9)
    cells = pd.DataFrame(
        [
            {"sex": s, "age_group": a, "target": ps * pa}
            for s, ps in sample.SAMPLE_MARGINS["sex"].items()
            for a, pa in sample.SAMPLE_MARGINS["age_group"].items()
        ]
    )
    post = survey_estimates.poststratify(table, cells, ["sex", "age_group"])
    assert post.max_difference < 1e-9
    with pytest.raises(ValueError, match="age_group = \\['60\\+'\\] have no target"):
        survey_estimates.rake(table, margins[margins["category"] != "60+"])


def test_subgroups_and_suppression(year_2022):
    table = year_2022[year_2022["province_code"] == "66"]
    groups = survey_estimates.estimate_groups(table)
    assert set(groups["group_var"]) == {"all", "district", "sex", "age_group", "ethnic_group", "urban"}
    small = groups[groups["n"] < 15]
    assert len(small) and small["suppressed"].all() and small["estimate"].isna().all()
    # 15 answers or more but under 3 degrees of freedom (districts of few PSUs): not shown either
    few_psus = groups[(groups["n"] >= 15) & (groups["df"] < 3)]
    assert len(few_psus) and set(few_psus["group_var"]) == {"district"} and few_psus["suppressed"].all()
    big = groups[(groups["n"] >= 15) & (groups["df"] >= 3)]
    assert not big["suppressed"].any() and big["estimate"].notna().all()
    assert (big["ci_low"] <= big["estimate"]).all() and (big["estimate"] <= big["ci_high"]).all()


def test_reverse_coding_turns_code_c_into_min_plus_max_minus_c(tmp_path):
    text = codebook.sample_codebook_path().read_text(encoding="utf-8")
    old = "answers: satisfaction_1_5, measure: mean,"
    assert old in text
    path = tmp_path / "reversed.yaml"
    path.write_text(text.replace(old, "answers: satisfaction_1_5, measure: mean, reverse: true,"), encoding="utf-8")
    book = codebook.load_codebook(path)
    table = pd.DataFrame({"papi.d5.3.4": pd.array([1, 2, 5, 98, None], dtype="Int16")})
    values = survey_estimates.item_values(table, book)["papi.d5.3.4"].tolist()
    assert values[:3] == [5.0, 4.0, 1.0] and np.isnan(values[3]) and np.isnan(values[4])
    plain = survey_estimates.item_values(table, codebook.load_codebook())["papi.d5.3.4"].tolist()
    assert plain[:3] == [1.0, 2.0, 5.0]


def test_a_share_of_0_or_100_percent_gets_an_interval_that_does_not_collapse():
    """Korn and Graubard at the edges: the logit interval of 100% is "100-100%", which claims
    certainty from a sample; govgap gives the Clopper-Pearson interval on the number of answers
    with R's degrees-of-freedom correction (svyciprop(method = "beta"))."""
    from scipy import stats

    from govgap.estimate import survey_estimates
    from govgap.reference import codebook

    rng = np.random.default_rng(4)
    n = 60
    t = pd.DataFrame(
        {"province_code": "01", "strata": rng.integers(0, 4, n).astype(str), "weight": rng.uniform(0.5, 2, n)}
    )
    t["psu"] = t["strata"] + rng.integers(0, 3, n).astype(str)
    positive = codebook.load_codebook().item("papi.d7.2.2").positive[0]
    t["papi.d7.2.2"] = positive  # everyone says the air is good enough
    row = survey_estimates.estimate(t, items=["papi.d7.2.2"], min_n=1).iloc[0]
    assert row["estimate"] == 1 and row["se"] == 0
    df = row["df"]
    n_eff = n * (stats.t.ppf(0.025, n - 1) / stats.t.ppf(0.025, df)) ** 2
    assert row["ci_high"] == 1 and row["ci_low"] == pytest.approx(stats.beta.ppf(0.025, n_eff, 1), abs=1e-12)
    assert 0.8 < row["ci_low"] < 0.99
    t["papi.d7.2.2"] = 3 - positive  # and now no one does
    row = survey_estimates.estimate(t, items=["papi.d7.2.2"], min_n=1).iloc[0]
    assert row["ci_low"] == 0 and row["ci_high"] == pytest.approx(stats.beta.ppf(0.975, 1, n_eff), abs=1e-12)


def test_rows_below_a_blank_line_of_a_survey_csv_keep_their_numbers(tmp_path):
    """A blank line in a survey CSV stays a row (quarantined as blank): the broken rows below it
    are named by their own line of the file."""
    rows = pd.DataFrame(_rows())
    path = tmp_path / "papi_survey_2022.csv"
    text = rows.to_csv(index=False).splitlines()
    text.insert(5, "")  # line 6 is blank: respondents from r4 on move one line down
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    cleaned = survey.load(path)
    q = cleaned.quarantine.set_index("row")
    assert q.loc[6, "reason"] == "blank row"
    assert q.loc[10, "reason"].startswith("impossible age")  # row 9 of the file without the blank line
    assert cleaned.accounting.read == 15 and cleaned.accounting.quarantined == 9


@pytest.mark.parametrize("written", ["-0.5", "nhiều", "inf", "0"])
def test_a_margin_that_is_not_a_positive_target_is_named_by_file_row_and_column(tmp_path, written):
    from govgap.errors import InputError

    path = tmp_path / "margins.csv"
    path.write_text(f"variable,category,target\nsex,Nam,0.49\nsex,Nữ,{written}\n", encoding="utf-8")
    table = pd.DataFrame({"province_code": "01", "sex": ["Nam", "Nữ"], "weight": [1.0, 1.0]})
    with pytest.raises(InputError, match=f"margins.csv, row 3, column target: '{written}' is not a target") as e:
        survey_estimates.rake(table, path)
    assert (e.value.file, e.value.row, e.value.column) == ("margins.csv", 3, "target")


def test_raking_refuses_weights_that_are_not_positive():
    from govgap.errors import InputError

    margins = pd.DataFrame({"variable": "sex", "category": ["Nam", "Nữ"], "target": [0.5, 0.5]})
    table = pd.DataFrame({"province_code": "01", "sex": ["Nam", "Nữ", "Nam"], "weight": [1.0, -2.0, 1.0]})
    with pytest.raises(InputError, match="column weight: 1 weight\\(s\\) that are not above zero"):
        survey_estimates.rake(table, margins)


def _plain_raked_variance(z, domain_rows, province_rows, table, w, margins=("sex", "age_group"), old=None):
    """One domain's raked variance the plain way: its linearised values, zero outside it, swept ten
    times over the margins' cells with a loop per cell (each cell's mean of z / w weighted by
    ``old``, the weights before post-stratification, when given), then the with-replacement
    variance of the PSU totals of its province."""
    z = np.where(domain_rows, z, 0.0)
    cells = [
        table[["province_code", *(v if isinstance(v, tuple) else (v,))]].astype(str).agg("|".join, axis=1)
        for v in margins
    ]
    for _ in range(10):
        for cell in cells:
            for c in cell.unique():
                m = (cell == c).to_numpy()
                mean = np.mean(z[m] / w[m]) if old is None else np.sum(old[m] * z[m] / w[m]) / old[m].sum()
                z[m] -= w[m] * mean
    frame = table.assign(z=z)[province_rows]
    psu = frame.groupby(["strata", "psu"], observed=True)["z"].sum().reset_index()
    total = 0.0
    for _, h in psu.groupby("strata"):
        n = len(h)
        total += n / (n - 1) * ((h["z"] - h["z"].mean()) ** 2).sum() if n > 1 else (h["z"] ** 2).sum()
    return total


def test_raked_variances_equal_the_plain_computation_domain_by_domain(year_2022):
    """The batched raked variance (every item and domain at once) against a loop per domain, per
    cell: provinces, and sex domains that the age-group margin cuts across."""
    table = year_2022[year_2022["province_code"].isin(["01", "66"])].reset_index(drop=True)
    raked = survey_estimates.Raked(("sex", "age_group"), "province_code")
    _assert_sex_domains_equal_the_plain_variance(table, raked, ("sex", "age_group"))


def _assert_sex_domains_equal_the_plain_variance(table, raked, margins, old=None) -> None:
    """Each province x sex domain's standard error of 7.1.1 with ``raked`` against the plain loop."""
    ours = survey_estimates.estimate(table, by="sex", items=["papi.d7.1.1"], min_n=1, min_df=0, raked=raked)
    y = survey_estimates.item_values(table)["papi.d7.1.1"].to_numpy()
    w = table["weight"].to_numpy(dtype=float)
    for row in ours.itertuples():
        in_domain = ((table["province_code"] == row.province_code) & (table["sex"] == row.sex)).to_numpy()
        ok = in_domain & ~np.isnan(y)
        mean = np.sum(w[ok] * y[ok]) / w[ok].sum()
        z = np.where(ok, w * (np.nan_to_num(y) - mean) / w[ok].sum(), 0.0)
        province = (table["province_code"] == row.province_code).to_numpy()
        plain = _plain_raked_variance(z, in_domain, province, table, w, margins, old)
        assert row.se == pytest.approx(np.sqrt(plain), rel=1e-10)


def test_post_stratified_variances_equal_the_plain_computation(year_2022):
    """Post-stratified to province x sex x age-group cells whose targets move the weights (each
    cell's total times 0.7 to 1.3), the batched variance against the plain loop with each cell's
    mean weighted by the weights before (R's postStratify)."""
    table = year_2022[year_2022["province_code"].isin(["01", "66"])].reset_index(drop=True)
    table["age_group"] = table["age_group"].astype(str)
    targets = table.groupby(["province_code", "sex", "age_group"], as_index=False)["weight"].sum()
    targets["target"] = targets.pop("weight") * np.random.default_rng(3).uniform(0.7, 1.3, len(targets))
    weighting = survey_estimates.poststratify(table, targets, ["sex", "age_group"])
    old = table["weight"].to_numpy(dtype=float)
    table = table.assign(design_weight=old, weight=weighting.weights)
    assert not np.allclose(old, table["weight"])  # the weights moved
    _assert_sex_domains_equal_the_plain_variance(table, weighting.raked, [("sex", "age_group")], old)
    with pytest.raises(OptionError, match="design_weight"):
        survey_estimates.estimate(table.drop(columns="design_weight"), items=["papi.d7.1.1"], raked=weighting.raked)


def test_the_pipeline_s_survey_errors_account_for_its_raking(small_sample):
    """With survey/margins.csv, the stored standard errors are those of the raked design."""
    from govgap.pipeline import store

    path = small_sample / "survey" / "papi_survey_2023.csv"
    estimates, scores, *_ = store._survey_job((str(path), str(path.parent / "margins.csv")))
    cleaned, weighting = store.clean_survey_file(path, path.parent / "margins.csv")
    assert weighting.raked == survey_estimates.Raked(("sex", "age_group"), "province_code")
    raked = survey_estimates.estimate(cleaned.table, cleaned.codebook, raked=weighting.raked)
    plain = survey_estimates.estimate(cleaned.table, cleaned.codebook)
    stored = estimates[estimates["group_var"] == "all"]
    assert np.allclose(stored["se"].to_numpy(), raked["se"].to_numpy(), equal_nan=True)
    assert not np.allclose(stored["se"].to_numpy(), plain["se"].to_numpy(), equal_nan=True)
    with_raking = survey_estimates.score_estimates(cleaned.table, 2023, cleaned.codebook, raked=weighting.raked)
    assert np.allclose(scores["se"].to_numpy(), with_raking["se"].to_numpy(), equal_nan=True)
