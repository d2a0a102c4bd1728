"""Ranks, medians, quartiles and bands of every indicator among the provinces of an edition."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd

from govgap.io import _fast
from govgap.reference.catalogue import UNCATALOGUED, directions


def ranks(tidy: pd.DataFrame) -> pd.DataFrame:
    """Standing of every value among the provinces of its source x year x indicator.

    Adds ``rank`` (1 = best, direction from the catalogue for that edition, ties share the best rank),
    ``n_provinces`` (provinces with a value), ``median``, ``q25`` and ``q75`` (quantiles with
    linear interpolation, as Excel's PERCENTILE.INC), ``top_quartile`` (the threshold of the
    best quarter: q75, or q25 where lower is better), ``best`` and ``best_province`` (the first
    code among tied best provinces) and ``band``: PAPI's four colour groups, 1 best performers
    (at or past the top-quartile threshold), 2 high average (at or past the median), 3 low
    average (at or past the bottom-quartile threshold), 4 poor performers (``bands()``).

    An uncatalogued row (level "uncatalogued") gets its count and quantiles but no rank, best,
    threshold or band: the catalogue does not say which way is better."""
    better = pd.Series(directions(tidy["indicator_id"], tidy["year"]).to_numpy(), index=tidy.index)
    signed = tidy["value"].where(better, -tidy["value"])
    keys = [tidy["source"], tidy["year"], tidy["indicator_id"]]
    out = tidy.copy()
    out["rank"] = signed.groupby(keys).rank(ascending=False, method="min")
    values = tidy["value"].groupby(keys)
    out["n_provinces"] = values.transform("count")
    out["median"] = values.transform("median")
    out["q25"] = values.transform("quantile", 0.25)
    out["q75"] = values.transform("quantile", 0.75)
    best = signed.groupby(keys).transform("max")
    out["best"] = np.where(better, best, -best)
    out["top_quartile"] = out["q75"].where(better, out["q25"])
    ordered = out.sort_values("province_code", kind="stable")
    ordered = ordered[ordered["rank"] == 1]
    first = ordered.drop_duplicates(["source", "year", "indicator_id"]).set_index(["source", "year", "indicator_id"])[
        "province_code"
    ]
    out["best_province"] = pd.MultiIndex.from_arrays(keys).map(first)
    s = signed.to_numpy(float)
    top = np.where(better, out["q75"], -out["q25"])
    mid = np.where(better, out["median"], -out["median"])
    low = np.where(better, out["q25"], -out["q75"])
    band = np.select([s >= top, s >= mid, s >= low], [1, 2, 3], 4)
    out["band"] = pd.array(np.where(np.isnan(s), pd.NA, band), dtype="Int64")
    if "level" in out.columns:
        unknown = (out["level"] == UNCATALOGUED).to_numpy()
        if unknown.any():
            out.loc[unknown, ["rank", "best", "top_quartile"]] = np.nan
            out.loc[unknown, "best_province"] = None
            out.loc[unknown, "band"] = pd.NA
    return out


@lru_cache(maxsize=1)
def bands() -> pd.DataFrame:
    """PAPI's four colour groups (band 1-4) with Vietnamese and English names and colours."""
    with resources.files("govgap.data").joinpath("quartile_bands.csv").open("rb") as fh:
        return pd.read_csv(fh).set_index("band")


def table_key(tidy: pd.DataFrame) -> bytes:
    """The content key of a tidy indices table (its codes, years and values): what the caches of
    the comparisons are kept by, so that a table changed in place never gets a stale answer."""
    columns = [c for c in ("source", "year", "province_code", "indicator_id", "value") if c in tidy.columns]
    return _fast.content_digest(tidy, columns)
