"""The province registry against the public reference files and the spellings real files use."""

from __future__ import annotations

import unicodedata

import pandas as pd
import pytest

from govgap.reference.provinces import (
    ProvinceNotFoundError,
    RetiredProvinceError,
    crosswalk_2025,
    find_province,
    find_province_2025,
    province,
    provinces,
    provinces_2025,
    regions,
)


def test_registry_shape():
    table = provinces()
    assert len(table) == 63
    assert table["code"].is_unique and table["slug"].is_unique and table["pci_id"].is_unique
    assert set(table["region"]) == set(regions()["code"])
    assert table.groupby("region").size().to_dict() == {"CH": 5, "MRD": 13, "NCC": 14, "NMM": 14, "RRD": 11, "SE": 6}
    assert len(provinces_2025()) == 34
    assert province("1").name_vi == "Hà Nội" and province(79).slug == "ho-chi-minh"


def test_codes_and_names_match_gso_list(shared_data):
    gso = pd.read_csv(shared_data / "province_codes/gso_63_provinces_legacy_codes.csv", dtype=str)
    assert len(gso) == 63
    for name, code in zip(gso["provinceName"], gso["provinceCode"]):
        assert find_province(name).code == code, name
    assert set(gso["provinceCode"]) == set(provinces()["code"])


def test_vietnamcode_codes_and_pci_ids(shared_data):
    vc = pd.read_csv(shared_data / "province_codes/vietnamcode_data.csv", dtype=str)
    vc = vc[vc["papi"].notna()]
    assert len(vc) == 63
    table = provinces().set_index("code")
    for row in vc.itertuples():
        code = f"{int(row.enterprise_census):02d}"
        assert find_province(row.province_name_diacritics).code == code
        assert find_province(row.province_name).code == code
        assert find_province(row.province_name_full).code == code
        assert table.loc[code, "pci_id"] == int(row.pci)


def test_every_mdtrinh_spelling_resolves(shared_data):
    fixes = pd.read_csv(
        shared_data / "province_codes/mdtrinh_province_name_fixes.csv",
        dtype=str,
        keep_default_na=False,
        encoding="utf-7",
    )
    assert len(fixes) == 728
    canonical = {"Ho Chi Minh City": "Ho Chi Minh", "Thua Thien - Hue": "Thua Thien Hue"}
    retired = {"Ha Tay": "28", "Ha Bac": None}
    for raw, fixed in zip(fixes["original"], fixes["fixed"]):
        found = find_province(raw, retired="keep")
        if fixed in retired:
            assert not found.current and found.code == retired[fixed], raw
        else:
            assert found.current and found.name_ascii == canonical.get(fixed, fixed), raw


def test_ha_tay_is_handled_explicitly():
    with pytest.raises(RetiredProvinceError, match="Hà Nội"):
        find_province("Hà Tây")
    assert find_province("HA TAY", retired="successor").code == "01"
    assert find_province("Hà Tây", retired="keep").code == "28"
    with pytest.raises(RetiredProvinceError, match="Bắc Giang and Bắc Ninh|Bắc Ninh and Bắc Giang"):
        find_province("Hà Bắc", retired="successor")


@pytest.mark.parametrize(
    "text,code",
    [
        ("HCMC", "79"),
        ("TP HCM", "79"),
        ("Tp.HCM", "79"),
        ("TP. Hồ Chí Minh", "79"),
        ("Thành phố Hồ Chí Minh", "79"),
        ("TT-Hue", "46"),
        ("Thừa Thiên Huế", "46"),
        ("Huế", "46"),
        ("Thừa Thiên - Huế", "46"),
        ("BRVT", "77"),
        ("Bà Rịa - Vũng Tàu", "77"),
        ("Ba Ria Vung Tau", "77"),
        ("Dak Lak", "66"),
        ("Đắk Lắk", "66"),
        ("ĐẮK LẮK", "66"),
        ("Daklak", "66"),
        ("Tỉnh Đắk Nông", "67"),
        ("  hà   nội ", "01"),
        ("Thanh Hoá", "38"),
        ("Khánh Hoà", "56"),
        ("Bắc Cạn", "06"),
    ],
)
def test_common_spellings(text, code):
    assert find_province(text).code == code
    assert find_province(unicodedata.normalize("NFD", text)).code == code


def test_unknown_name_lists_closest_matches():
    with pytest.raises(ProvinceNotFoundError, match="Closest: .*Hà Nam"):
        find_province("Ha Namm")
    with pytest.raises(ProvinceNotFoundError):
        find_province("Atlantis")


def test_crosswalk_matches_merger_file(shared_data):
    merger = pd.read_csv(shared_data / "merger_2025/province_merger_2025_63to34_DERIVED.csv", dtype=str)
    ours = crosswalk_2025().set_index("old_code")
    assert len(ours) == 63 and ours["new_code"].nunique() == 34
    for row in merger.itertuples():
        assert ours.loc[row.old_code, "new_code"] == row.new_code, row.old_name_vi
        assert ours.loc[row.old_code, "new_name_vi"] == row.new_name_vi
    sizes = ours.groupby("new_code").size()
    assert (sizes == 1).sum() == 11 and sizes[sizes > 1].sum() == 52


def test_2025_names_resolve(shared_data):
    bando = pd.read_csv(shared_data / "merger_2025/sapnhap_bando_province_2025-07-17.csv", dtype=str)
    new_names = set(provinces_2025()["name_vi"])
    for name in bando["tentinh"]:
        assert find_province_2025(name)["name_vi"] in new_names, name
    assert find_province_2025("TP HCM")["code"] == "79"
    assert find_province_2025("Bắc Ninh")["code"] == "24"


def test_gso_codes_resolve_like_names():
    assert find_province("01").name_vi == "Hà Nội" and find_province("1").code == "01"
    assert find_province(" 36 ").name_vi == "Nam Định"
    with pytest.raises(ProvinceNotFoundError, match="GSO code '99'"):
        find_province("99")
