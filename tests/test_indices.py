"""Published-table readers on the sample workbooks, ranks and medians checked independently."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from govgap.indices import LayoutError, load_folder, ranks, read_papi_indicators


def test_sample_tables_load_and_rank(small_sample):
    tidy, unmatched = load_folder(small_sample / "indices")
    assert unmatched.empty
    counts = tidy.groupby(["source", "year"])["province_code"].nunique()
    assert (counts == 63).all() and len(counts) == 14  # PAPI and PCI, 2018-2024
    ranked = ranks(tidy)
    d7 = ranked[(ranked["indicator_id"] == "papi.d7") & (ranked["year"] == 2024)]
    values = d7.set_index("province_code")["value"]
    assert d7["median"].iloc[0] == pytest.approx(float(np.median(values)))
    assert d7["best"].iloc[0] == pytest.approx(values.max())
    first = values.idxmax()
    assert d7.set_index("province_code").loc[first, "rank"] == 1
    assert d7["top_quartile"].iloc[0] == pytest.approx(values.quantile(0.75))
    # lower is better for the bribe item: its best is the minimum
    bribe = ranked[(ranked["indicator_id"] == "papi.d4.4.lurc") & (ranked["year"] == 2024)]
    assert bribe["best"].iloc[0] == pytest.approx(bribe["value"].min())
    # a dimension equals the sum of its sub-dimensions
    wide = tidy[tidy["year"] == 2024].pivot_table(index="province_code", columns="indicator_id", values="value")
    assert np.allclose(wide["papi.d7"], wide[["papi.d7.1", "papi.d7.2", "papi.d7.3"]].sum(axis=1), atol=1e-5)


def test_unrecognised_workbook_names_file_and_what_was_looked_for(tmp_path):
    path = tmp_path / "PAPI_2030_other.xlsx"
    pd.DataFrame({"a": ["x", "y"]}).to_excel(path, index=False, sheet_name="Data")
    with pytest.raises(LayoutError, match=r"PAPI_2030_other\.xlsx.*'Mã tỉnh'.*Data"):
        read_papi_indicators(path)


def test_real_2019_indicator_workbook(shared_data):
    """The sample layout is the official 2019-2021 one: the same reader reads the real 2019 file,
    and its Dimension 7 agrees with the separately published 2011-2019 dimension table."""
    path = shared_data / "papi_mdtrinh/PAPI_2019_Provincial_indicators_VIE_ENG.xlsx"
    tidy, unmatched = read_papi_indicators(path)
    assert set(tidy["year"]) == {2019} and set(tidy["sheet"]) == {"2019PAPI_Indicators_VIE"}
    papi_ids = {i for i in tidy["indicator_id"]}
    from govgap.catalogue import indicators

    cat = indicators()
    assert papi_ids == set(cat.index[cat["source"] == "PAPI"])  # every catalogue item found
    wide = tidy.pivot(index="province_code", columns="indicator_id", values="value")
    assert len(wide) == 63
    assert wide.loc["01", "papi.d7"] == pytest.approx(2.717902, abs=1e-6)  # Hà Nội
    subs = wide[["papi.d7.1", "papi.d7.2", "papi.d7.3"]].sum(axis=1)
    assert (subs - wide["papi.d7"]).abs().max() < 0.01
    dims = pd.read_excel(shared_data / "papi_mdtrinh/PAPI_2011-2019.xlsx", sheet_name="2019_PAPI", header=None,
                         engine="calamine")
    col = [c for c in dims.columns if dims.iat[0, c] == "Environmental Governance"][0]
    official = {f"{int(code):02d}": v for code, v in zip(dims.iloc[2:65, 0], dims.iloc[2:65, col])}
    assert len(official) == 63
    for code, value in official.items():
        assert wide.loc[code, "papi.d7"] == pytest.approx(value, abs=1e-6)
    # other dimensions are not in the catalogue yet: listed with their rows, not dropped silently
    assert len(unmatched) > 100 and unmatched["row"].min() > 2


def test_real_pci_2018_land_access(shared_data):
    from govgap.indices import read_pci

    tidy, unmatched = read_pci(shared_data / "pci_vcci/PCI_2018.xlsx")
    wide = tidy.pivot(index="province_code", columns="indicator_id", values="value")
    assert len(wide) == 63  # the benchmark and Min/Median/Max rows are not provinces
    assert wide.loc["89", "pci.sub2"] == pytest.approx(7.606571, abs=1e-6)  # An Giang
    assert wide.loc["77", "pci.sub2"] == pytest.approx(6.411787, abs=1e-6)  # BRVT
    assert wide.loc["89", "pci.sub2.lurc_days"] == 30
    assert "Lack of available land (%)" in set(unmatched["label"])  # listed, not dropped
