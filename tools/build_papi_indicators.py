"""Draft the PAPI indicator rows of ``lib/govgap/data/indicators.csv`` from the official
indicator tables (2018, 2019, 2022) in ../shared/data.

The catalogue is a maintained data file; this script only drafts rows for review and prints
them as CSV. Ids are ``papi.d<dim>.<sub>.<k>`` in order of first publication; an indicator
keeps its id when its label changes only in spelling (the loader's label key).
"""

import csv
import re
import sys

import pandas as pd

from govgap.sources.indices import _label_key

S = sys.argv[1] if len(sys.argv) > 1 else "../shared/data/"
SOURCES = {
    2018: ("papi_mdtrinh/PAPI_2018_FULL_vie.xlsx", "ProvincialIndicators_VIE", 0, 1, None),
    2019: ("papi_mdtrinh/PAPI_2019_Provincial_indicators_VIE_ENG.xlsx", "2019PAPI_Indicators_VIE", 0, 1, None),
    2022: ("papi_cs571/PAPI_2015-2022_vie.xlsx", "2022", 1, 2, 0),
}
LOWER_IS_BETTER = (
    "hộ thực tế",
    "nạn nhân",
    "chưa hợp vệ sinh",
    "quãng đường",
    "quãng thời gian",
    "chung chi",
    "mức tiền đòi hối lộ",
)
SPECIAL = {("4.1", 2): "papi.d4.1.lurc", ("4.4", 5): "papi.d4.4.lurc"}


def scale(text):
    text = str(text)
    if "%" in text:
        return 0, 1, "share"
    m = re.match(r"\s*([\d.]+)\s*-\s*([\d.,]+)", text)
    if not m:
        return "", "", "value"
    hi = m.group(2).replace(",", "")
    if "VND" in text:
        return float(m.group(1)), float(hi) / 1000, "thousand VND"
    return float(m.group(1)), float(hi), "points"


found = {}
for year, (path, sheet, lab, sc, en_col) in SOURCES.items():
    g = pd.read_excel(S + path, sheet_name=sheet, header=None, engine="calamine")
    sub = None
    for r in range(len(g)):
        label = g.iat[r, lab]
        if not isinstance(label, str):
            continue
        m = re.match(r"^\s*(\d+)\.(\d+)\s*:", label)
        if m or re.match(r"^\s*chỉ số nội dung", label, re.I):
            sub = f"{m.group(1)}.{m.group(2)}" if m else None
            continue
        if sub is None or not isinstance(g.iat[r, sc], str) or _label_key(label) == _label_key("Số quan sát"):
            continue
        items = found.setdefault(sub, {})
        key = _label_key(label)
        entry = items.setdefault(key, {"years": [], "labels": [], "scale": g.iat[r, sc], "en": ""})
        entry["years"].append(year)
        clean = re.sub(r"\s*\*$", "", label.strip())
        if clean not in entry["labels"]:
            entry["labels"].append(clean)
        if en_col is not None and isinstance(g.iat[r, en_col], str):
            entry["en"] = g.iat[r, en_col].strip()

out = csv.writer(sys.stdout)
for sub, items in found.items():
    for k, entry in enumerate(items.values(), start=1):
        ind = SPECIAL.get((sub, k), f"papi.d{sub}.{k}")
        lo, hi, unit = scale(entry["scale"])
        label_vi = entry["labels"][-1]
        better = 0 if any(w in label_vi.lower() for w in LOWER_IS_BETTER) else 1
        last = "" if 2022 in entry["years"] else max(entry["years"])
        out.writerow(
            [
                ind,
                "PAPI",
                "indicator",
                f"papi.d{sub}",
                label_vi,
                entry["en"],
                "|".join(entry["labels"][:-1]),
                lo,
                hi,
                unit,
                better,
                min(entry["years"]),
                last,
                "",
            ]
        )
