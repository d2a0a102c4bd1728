"""The sample generator: deterministic, realistic formats, consistent province traits."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from govgap.pipeline import sample
from govgap.reference.text import SAMPLE_NOTE_EN, SAMPLE_NOTE_VI
from govgap.sources.dossiers import read_export


def _hashes(folder):
    return json.loads((folder / sample.MANIFEST).read_text(encoding="utf-8"))["files"]


def test_same_seed_same_bytes_other_seed_differs(tmp_path):
    kwargs = dict(
        survey_years=(2024,),
        dossier_years=(2024,),
        dossiers_per_file=300,
        provinces_subset=["02"],
        workers=1,
        progress=False,
    )
    sample.generate(tmp_path / "a", seed=5, **kwargs)
    sample.generate(tmp_path / "b", seed=5, **kwargs)
    sample.generate(tmp_path / "c", seed=6, **kwargs)
    a, b, c = _hashes(tmp_path / "a"), _hashes(tmp_path / "b"), _hashes(tmp_path / "c")
    assert a == b
    # survey csv, dta, codebook and margins, one dossier export, README, 3 context tables (no index tables:
    # govgap ships the published ones, the sample writes simulated ones only when asked)
    assert len(a) == 9 and not any(name.startswith("indices/") for name in a)
    assert a["dossiers/2024/ha-giang.xlsx"] != c["dossiers/2024/ha-giang.xlsx"]
    assert a["context/SIPAS_2021-2024.xlsx"] != c["context/SIPAS_2021-2024.xlsx"]
    for name in a:  # the files really are byte-identical, not only the manifest
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_survey_format(small_sample):
    survey = pd.read_csv(small_sample / "survey/papi_survey_2024.csv", dtype=str)
    per_province = survey.drop_duplicates("id_nguoi_tra_loi").groupby("ma_tinh").size()
    assert len(per_province) == 63 and per_province.between(200, 250).all()
    for col in ("strata", "psu", "trong_so", "gioi_tinh", "tuoi", "dan_toc", "thanh_thi", "huyen", "xa"):
        assert col in survey.columns
    assert {"Có", "Không", "Không biết"} <= set(survey["d702b"])  # labelled column
    assert {"98", "99"} <= set(survey["d701a"])  # don't know / refused codes
    assert {"ho_ten", "dien_thoai"} <= set(survey.columns)  # personal data, as real files have
    assert (small_sample / "survey/codebook.yaml").exists() and (small_sample / "survey/margins.csv").exists()
    assert survey["id_nguoi_tra_loi"].duplicated().any()  # cleaning has something to catch
    dta = pd.read_stata(small_sample / "survey/papi_survey_2024.dta")
    # the marker inside the file: the CSV's last column is named by it, the .dta has it as its label
    assert survey.columns[-1] == SAMPLE_NOTE_VI and survey[SAMPLE_NOTE_VI].isna().all()
    assert len(dta) == len(survey) and list(dta.columns) == list(survey.columns[:-1])
    with pd.io.stata.StataReader(small_sample / "survey/papi_survey_2024.dta") as reader:
        assert reader.data_label == SAMPLE_NOTE_EN


def test_dossier_export_format(small_sample):
    path = small_sample / "dossiers/2024/ha-noi.xlsx"
    grid = pd.read_excel(path, header=None, dtype=str, engine="calamine")
    assert grid.iat[0, 0].startswith("ỦY BAN NHÂN DÂN THÀNH PHỐ HÀ NỘI")
    assert "DỮ LIỆU MẪU" in grid.iat[3, 0]
    assert grid.iat[5, 1] == "Mã hồ sơ" and "Người nộp hồ sơ" in list(grid.iloc[5])
    assert grid.iat[6, 10].count("/") == 2  # dd/mm/yyyy HH:MM
    assert grid.iloc[-1].str.startswith("Tổng cộng").any()
    raw = read_export(path).frame
    assert "applicant_name" not in raw.columns and "phone" not in raw.columns
    assert set(raw["channel"].dropna()) == {"Trực tiếp", "Trực tuyến", "Qua bưu chính công ích"}
    assert raw["office"].str.startswith("Chi nhánh Văn phòng Đăng ký đất đai").mean() > 0.6


def test_index_tables_in_official_layouts(sample_tables):
    papi = pd.read_excel(
        sample_tables / "indices/PAPI_2024_Provincial_indicators_VIE.xlsx", header=None, engine="calamine"
    )
    assert papi.iat[0, 0] == "Mã tỉnh" and papi.iat[0, 1] == "Thang điểm"
    assert papi.shape[1] == 65  # label, scale, 63 provinces
    pci = pd.read_excel(sample_tables / "indices/PCI_2024.xlsx", sheet_name=None, header=None, engine="calamine")
    assert {"Summary", "Land Access"} <= set(pci)
    names = list(pci["Summary"].iloc[1:64, 0])
    assert {"BRVT", "HCMC", "TT-Hue"} <= set(names) and names == sorted(names)
    assert pd.isna(pci["Summary"].iat[64, 0])  # blank row, then the benchmark rows
    assert list(pci["Summary"].iloc[65:69, 0]) == ["Ha Noi", "Min", "Median", "Max"]


def test_province_traits_drive_all_sources():
    """Slow land offices, low land-title items and low PCI land access go together."""
    seed = 3
    traits = sample.province_traits(seed)
    codes = sorted(traits)
    land = np.array([traits[c].land for c in codes])
    ontime = np.array([sample._on_time_share(sample.dossier_frame(c, 2024, seed, traits[c], n=800)) for c in codes])
    survey = sample._survey_year(seed, 2024, traits)
    table = sample.published_indicators(survey, 2024)
    doors = table.loc[codes, "papi.d5.3.1"].to_numpy()
    assert np.corrcoef(land, ontime)[0, 1] > 0.6
    assert np.corrcoef(land, doors)[0, 1] > 0.4
    assert np.corrcoef(ontime, doors)[0, 1] > 0.3


def test_a_sample_made_by_an_older_govgap_is_written_again_with_its_own_settings(tmp_path):
    kwargs = dict(
        survey_years=(2024,),
        dossier_years=(2024,),
        dossiers_per_file=300,
        provinces_subset=["02"],
        workers=1,
        progress=False,
    )
    manifest = sample.generate(tmp_path / "s", seed=5, **kwargs)
    assert sample.refresh(tmp_path / "s") is False  # current: nothing to do
    before = json.loads(manifest.read_text(encoding="utf-8"))
    old = dict(before, fingerprint=dict(before["fingerprint"], generator="an older generator"))
    manifest.write_text(json.dumps(old), encoding="utf-8")
    (tmp_path / "s" / "context" / "SIPAS_2021-2024.xlsx").unlink()  # as if made before context tables existed
    assert sample.refresh(tmp_path / "s") is True
    after = json.loads(manifest.read_text(encoding="utf-8"))
    assert after == before  # same seed, years, sizes and provinces: the same files
    assert (tmp_path / "s" / "context" / "SIPAS_2021-2024.xlsx").exists()
