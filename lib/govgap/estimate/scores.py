"""Sub-dimension scores from indicator values by the catalogue's scoring rule, and how closely that
rule reproduces the published scores.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from govgap.reference.catalogue import SCORED_SUBDIMENSIONS, children, indicators, normalise, score_scale


def score_subdimensions(wide: pd.DataFrame, year: int) -> pd.DataFrame:
    """Sub-dimension and Dimension 7 scores from indicator values.

    ``wide`` has one row per province and one column per indicator id (shares 0-1 or scores).
    Indicators missing for a province (suppressed, n < 15) are left out of its mean. Returns
    columns for each scored sub-dimension and ``papi.d7``.
    """
    out = pd.DataFrame(index=wide.index)
    for sub_id in SCORED_SUBDIMENSIONS:
        members = [c for c in children(sub_id) if c in wide.columns]
        if not members:
            continue
        normalised = pd.concat([normalise(wide[c], c) for c in members], axis=1)
        lo, hi = score_scale(sub_id, year)
        out[sub_id] = lo + (hi - lo) * normalised.mean(axis=1, skipna=True)
    d7 = [s for s in ("papi.d7.1", "papi.d7.2", "papi.d7.3") if s in out.columns]
    if len(d7) == 3:
        out["papi.d7"] = out[d7].sum(axis=1, min_count=3)
    return out.astype(float).replace([np.inf, -np.inf], np.nan)


def reproduction_table(tidy: pd.DataFrame, subdimensions=SCORED_SUBDIMENSIONS) -> pd.DataFrame:
    """How closely ``score_subdimensions`` reproduces published sub-dimension scores from the
    published indicator values of the same table: one row per edition and sub-dimension with
    the provinces compared, the largest and mean absolute difference, Pearson's r and
    Spearman's rank correlation. ``tidy`` is a published-indices table (``indices.load_files``)."""
    rows = []
    papi = tidy[tidy["source"] == "PAPI"]
    for year, part in papi.groupby("year"):
        wide = part.pivot_table(index="province_code", columns="indicator_id", values="value", aggfunc="first")
        ours = score_subdimensions(wide, int(year))
        for sub in [*subdimensions, "papi.d7"]:
            if sub not in ours.columns or sub not in wide.columns:
                continue
            both = pd.concat([ours[sub].rename("ours"), wide[sub].rename("published")], axis=1).dropna()
            if both.empty:
                continue
            diff = (both["ours"] - both["published"]).abs()
            rows.append(
                {
                    "year": int(year),
                    "indicator_id": sub,
                    "parts": len(
                        [
                            c
                            for c in children(sub)
                            if c in wide.columns and indicators().loc[c, "level"] in ("indicator", "sub-dimension")
                        ]
                    ),
                    "provinces": len(both),
                    "max_abs_diff": diff.max(),
                    "mean_abs_diff": diff.mean(),
                    "pearson": both["ours"].corr(both["published"]),
                    "spearman": both["ours"].corr(both["published"], method="spearman"),
                }
            )
    return pd.DataFrame(rows)
