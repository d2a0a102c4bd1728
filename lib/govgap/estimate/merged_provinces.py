"""The 34 provinces from 1/7/2025 on editions published for the 63: population-weighted aggregates of
each new province's members, marked as derived (not official figures).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from govgap.errors import GovgapError
from govgap.reference.catalogue import UNCATALOGUED, indicators
from govgap.reference.provinces import crosswalk_2025, population_2019, provinces_2025


def view_2025(table: pd.DataFrame, weights: pd.Series | None = None) -> pd.DataFrame:
    """The 34 provinces in force from 1 July 2025, DERIVED from the 63-province values.

    Each new province gets the population-weighted mean of its member provinces (weights:
    2019 census unless ``weights`` is given, renormalised over the members with a value).
    These are not official scores: every row has ``derived=True`` and the members used.
    Statistics (confidence limits, standard errors, respondent counts) are not combined, nor
    are uncatalogued rows (their unit is unknown: a mean of counts or ranks means nothing).
    """

    weights = population_2019() if weights is None else weights
    cross = crosswalk_2025()[["old_code", "new_code"]]
    data = table[table["value"].notna() & ~table["level"].isin(["statistic", UNCATALOGUED])]
    data = data.merge(cross, left_on="province_code", right_on="old_code", how="inner")
    data["w"] = data["province_code"].map(weights)
    if data["w"].isna().any():
        missing = sorted(set(data.loc[data["w"].isna(), "province_code"]))
        raise GovgapError(f"no population weight for province(s) {missing}")
    data["wv"] = data["w"] * data["value"]
    keys = ["source", "year", "indicator_id", "new_code"]
    members = cross.groupby("new_code")["old_code"].apply(lambda s: sorted(s))
    # the members behind each value, as one bit per old province (a string per group is slow);
    # a province appears once per key, so the sum of its bits is their union
    position = {c: k for k, c in enumerate(sorted(cross["old_code"]))}
    data["bit"] = np.left_shift(1, data["province_code"].map(position).to_numpy(np.int64))
    grouped = data.groupby(keys)
    masks = grouped["bit"].sum()
    codes = sorted(position, key=position.get)
    names = {m: ",".join(c for c in codes if (m >> position[c]) & 1) for m in pd.unique(masks)}
    out = pd.DataFrame(
        {
            "value": grouped["wv"].sum() / grouped["w"].sum(),
            "members_used": masks.map(names),
            "weight_share": grouped["w"].sum(),
        }
    ).reset_index()
    total_w = members.map(lambda m: float(weights.reindex(m).sum()))
    out["weight_share"] = out["weight_share"] / out["new_code"].map(total_w)
    out["n_members"] = out["new_code"].map(members.map(len))
    names = provinces_2025().set_index("code")["name_vi"]
    out["name_vi"] = out["new_code"].map(names)
    out["derived"] = True
    out["method"] = "population-weighted mean of member provinces (2019 census)"
    meta = indicators().loc[out["indicator_id"]]
    out["level"] = meta["level"].to_numpy()
    out["label_vi"] = meta["label_vi"].to_numpy()
    return out.rename(columns={"new_code": "province_code_2025"})[
        [
            "source",
            "year",
            "province_code_2025",
            "name_vi",
            "indicator_id",
            "level",
            "label_vi",
            "value",
            "n_members",
            "members_used",
            "weight_share",
            "derived",
            "method",
        ]
    ]


def standard_errors_2025(se: pd.Series, weights: pd.Series | None = None) -> pd.Series:
    """The standard error of each new province's derived value (``view_2025``) from its members'
    published standard errors (``se``, by old province code), the members' samples being
    independent: sqrt(sum of w² se²) / sum of w, over the members with one (by new code)."""
    weights = population_2019() if weights is None else weights
    cross = crosswalk_2025()[["old_code", "new_code"]].set_index("old_code")["new_code"]
    data = pd.DataFrame({"se": se.dropna()})
    data["new_code"] = data.index.map(cross)
    data["w"] = data.index.map(weights)
    data = data.dropna(subset=["new_code", "w"])
    grouped = data.assign(w2s2=(data["w"] * data["se"]) ** 2).groupby("new_code")
    return np.sqrt(grouped["w2s2"].sum()) / grouped["w"].sum()
