"""Survey microdata: read, clean (with a quarantine table) and estimate indicators.

Estimates here are weighted means of valid answers (don't know, refused and not applicable
are left out of the denominator), with the respondent count ``n``; cells with fewer than 15
respondents are flagged ``suppressed`` as PAPI does. Design-based confidence intervals
(strata, PSUs) come with issue #4.
"""
from __future__ import annotations

from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from .catalogue import survey_items
from .quality import Accounting
from .registry import ProvinceNotFoundError, find_province, province
from .text import nfc

MIN_RESPONDENTS = 15
ID = "id_nguoi_tra_loi"
PII_COLUMNS = ("ho_ten", "ten", "dien_thoai", "so_dien_thoai", "dia_chi", "cccd", "cmnd", "so_cccd")
DESIGN_COLUMNS = ["province_code", "huyen", "xa", "strata", "psu", "gioi_tinh", "tuoi",
                  "dan_toc", "thanh_thi", "trong_so"]


def answer_codes() -> pd.DataFrame:
    with resources.files("govgap.data").joinpath("answer_codes.csv").open("rb") as fh:
        return pd.read_csv(fh)


def read_survey(path: str | Path) -> pd.DataFrame:
    """Read respondent microdata from CSV or Stata (.dta); personal-data columns are dropped."""
    path = Path(path)
    if path.suffix.lower() == ".dta":
        raw = pd.read_stata(path, convert_categoricals=False)
    elif path.suffix.lower() == ".csv":
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    else:
        raise ValueError(f"{path}: unsupported survey file type {path.suffix!r} (use .csv or .dta)")
    pii = [c for c in raw.columns if c.lower() in PII_COLUMNS]
    return raw.drop(columns=pii)


def _to_code(series: pd.Series, labels: dict[str, int]) -> pd.Series:
    """Answer codes from numbers or Vietnamese labels ("Có", "Không biết"); unknown -> NaN."""
    text = series.astype(str).map(nfc)
    mapped = text.str.lower().map(labels)
    numeric = pd.to_numeric(text.str.replace(",", ".", regex=False), errors="coerce")
    return mapped.fillna(numeric)


def clean_survey(raw: pd.DataFrame, source: str = "survey") -> tuple[pd.DataFrame, pd.DataFrame, Accounting]:
    """Clean respondent microdata.

    Returns ``(clean, quarantine, accounting)``. Quarantine reasons: duplicated respondent id
    (later copies), unknown province, impossible age (outside 18-110), answer code outside
    the codebook, missing or non-positive weight. ``read = kept + quarantined`` always.
    """
    codes = answer_codes()
    labels = {nfc(lbl).lower(): int(c) for c, lbl in zip(codes["code"], codes["label_vi"])}
    labels.update({nfc(lbl).lower(): int(c) for c, lbl in zip(codes["code"], codes["label_en"])})
    special = set(codes.loc[codes["meaning"] != "valid", "code"].astype(int))
    frame = raw.copy()
    frame.insert(0, "source_row", np.arange(len(frame)) + 2)  # 1-based, after the header row
    reasons = pd.Series("", index=frame.index, dtype=object)

    def flag(mask, reason):
        mask = mask & (reasons == "")
        reasons[mask] = reason

    frame[ID] = frame[ID].astype(str).map(nfc)
    flag(frame.duplicated(ID, keep="first"), f"duplicated respondent id ({ID})")
    prov_col = "ma_tinh" if "ma_tinh" in frame.columns else "tinh"
    resolved = {}
    for value in frame[prov_col].dropna().unique():
        try:
            resolved[value] = _province_code(value)
        except ProvinceNotFoundError:
            resolved[value] = None
    frame["province_code"] = frame[prov_col].map(resolved)
    flag(frame["province_code"].isna(), f"unknown province in column {prov_col}")
    age = pd.to_numeric(frame["tuoi"], errors="coerce")
    flag(~age.between(18, 110), "impossible age (column tuoi outside 18-110)")
    weight = pd.to_numeric(frame["trong_so"], errors="coerce")
    flag(~(weight > 0), "missing or non-positive design weight (column trong_so)")
    frame["tuoi"], frame["trong_so"] = age, weight
    for item in survey_items().itertuples(index=False):
        if item.column not in frame.columns:
            continue
        coded = _to_code(frame[item.column], labels)
        if item.kind == "yesno":
            valid = coded.isin([1, 2]) | coded.isin(special)
        elif item.indicator_id == "papi.d2.4.4":
            valid = coded.isin([1, 2, 3]) | coded.isin(special)
        else:
            valid = coded.isin([0, 1, 2, 3, 4]) | coded.isin(special)
        flag(~valid, f"answer code outside the codebook in column {item.column}")
        frame[item.column] = coded
    if "d503" in frame.columns:
        frame["d503"] = _to_code(frame["d503"], labels)
    for col in ("gioi_tinh", "dan_toc", "thanh_thi"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce")
    bad = reasons != ""
    quarantine = frame.loc[bad, ["source_row", ID]].assign(reason=reasons[bad].to_numpy(), source=source)
    clean = frame.loc[~bad].drop(columns=[c for c in ("tinh", "ma_tinh") if c in frame.columns])
    accounting = Accounting(source=source, read=len(frame), kept=len(clean), quarantined=int(bad.sum()))
    return clean.reset_index(drop=True), quarantine.reset_index(drop=True), accounting


def _province_code(value) -> str:
    text = str(value).strip()
    if text.replace(".0", "").isdigit():
        return province(int(float(text))).code
    return find_province(text).code


def _item_values(clean: pd.DataFrame) -> pd.DataFrame:
    """Long table: one row per respondent x indicator with a valid answer, value 0/1 or score."""
    frames = []
    for item in survey_items().itertuples(index=False):
        if item.column not in clean.columns:
            continue
        code = clean[item.column]
        if item.kind == "yesno":
            ok = code.isin([1, 2])
            value = (code == int(item.positive_code)).astype(float)
        else:
            ok = code.between(0, 4) & ~code.isin([97, 98, 99])
            value = code.astype(float)
        part = clean.loc[ok, ["province_code", "trong_so"]].copy()
        part["row"] = part.index
        part["indicator_id"] = item.indicator_id
        part["value"] = value[ok].to_numpy()
        frames.append(part)
    return pd.concat(frames, ignore_index=True)


def indicator_estimates(clean: pd.DataFrame, by: list[str] | None = None) -> pd.DataFrame:
    """Weighted indicator estimates by province (and optional extra grouping columns).

    Accepts cleaned microdata (or coded raw microdata with ``ma_tinh``). Columns returned:
    the grouping columns, indicator_id, estimate (share 0-1 or score), n (respondents with a
    valid answer), weight_sum, suppressed (n < 15).
    """
    if "province_code" not in clean.columns:
        clean = clean.assign(province_code=clean["ma_tinh"].map(lambda v: f"{int(v):02d}"),
                             trong_so=pd.to_numeric(clean["trong_so"]))
    by = ["province_code", *(by or [])]
    long = _item_values(clean)
    for col in by:
        if col not in long.columns:
            long[col] = clean.loc[long["row"], col].to_numpy()
    long["wv"] = long["trong_so"] * long["value"]
    grouped = long.groupby([*by, "indicator_id"], observed=True).agg(
        wv=("wv", "sum"), weight_sum=("trong_so", "sum"), n=("value", "size")).reset_index()
    grouped["estimate"] = grouped["wv"] / grouped["weight_sum"]
    grouped["suppressed"] = grouped["n"] < MIN_RESPONDENTS
    return grouped.drop(columns="wv")
