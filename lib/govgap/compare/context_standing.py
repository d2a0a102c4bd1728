"""A province's standing on the context yardsticks (SIPAS, PAR INDEX, tasks) against targets and
other provinces, and the table of its units.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from govgap.compare.gaps import position, tree, unit
from govgap.reference.catalogue import indicators
from govgap.sources.context import HEADLINE, KINDS, targets_for

STANDING_COLUMNS = [
    "source",
    "indicator_id",
    "level",
    "year",
    "value",
    "previous_year",
    "previous_value",
    "change",
    "rank",
    "n_provinces",
    "median",
    "best",
    "best_province",
    "gap_median",
    "gap_best",
    "target",
    "target_basis_vi",
    "target_basis_en",
    "gap_target",
]


def standing(tidy: pd.DataFrame, target_table: pd.DataFrame, province: str, year: int, sources=KINDS) -> pd.DataFrame:
    """Each yardstick of the province in the latest year up to ``year`` that has it: value,
    the previous year, oriented change, rank among the provinces present, the median and best
    of those provinces, and the gap to the target (positive = at or past the target).
    ``gaps.position`` does the ranking, exactly as for PAPI; yardsticks without data for the
    province are left out (an empty frame when there are none)."""

    code = unit(province).code
    parts = []
    for source in sources:
        mine = tidy[(tidy["source"] == source) & (tidy["province_code"] == code) & (tidy["year"] <= int(year))]
        if mine.empty:
            continue
        latest = int(mine["year"].max())
        try:
            pos = position(tidy, province, latest, root=tree(HEADLINE[source]), source=source)
        except LookupError:  # only counts, no rate (no task assigned)
            continue
        parts.append(pos.assign(source=source, year=latest))
    if not parts:
        return pd.DataFrame(columns=STANDING_COLUMNS)
    out = pd.concat(parts, ignore_index=True)
    sign = np.where(out["indicator_id"].map(indicators()["higher_is_better"]).astype(bool), 1.0, -1.0)
    targets = targets_for(target_table, code)
    tg = [targets.get((i, int(y))) for i, y in zip(out["indicator_id"], out["year"])]
    out["target"] = [t["target"] if t is not None else np.nan for t in tg]
    out["target_basis_vi"] = [t["basis_vi"] if t is not None else "" for t in tg]
    out["target_basis_en"] = [t["basis_en"] if t is not None else "" for t in tg]
    out["gap_target"] = sign * (out["value"] - out["target"])
    return out[STANDING_COLUMNS]


UNIT_COLUMNS = {
    "SIPAS": ["sipas.index"],
    "PAR_INDEX": ["par.index"],
    "TASKS": ["tasks.assigned", "tasks.completion_rate", "tasks.overdue_share"],
}


def agency_table(agencies: pd.DataFrame, province_code: str, year: int, source: str) -> pd.DataFrame:
    """Units inside the province (a department, an office) for one yardstick, in ``year`` or
    the latest earlier year with units: agency, the headline values (``UNIT_COLUMNS``), rank
    in the province (1 = best on the headline) and year; worst first. Empty when none."""
    mine = agencies[
        (agencies["province_code"] == province_code) & (agencies["source"] == source) & (agencies["year"] <= int(year))
    ]
    if mine.empty:
        return pd.DataFrame()
    latest = int(mine["year"].max())
    mine = mine[(mine["year"] == latest) & mine["indicator_id"].isin(UNIT_COLUMNS[source])]
    wide = mine.pivot_table(index="agency", columns="indicator_id", values="value", aggfunc="first")
    head = HEADLINE[source]
    better = bool(indicators().loc[head, "higher_is_better"])
    wide["rank"] = wide[head].rank(ascending=not better, method="min").astype("Int64")
    wide = wide.sort_values(head, ascending=better)
    cols = [c for c in UNIT_COLUMNS[source] if c in wide.columns]
    return wide[cols + ["rank"]].reset_index().assign(year=latest)
