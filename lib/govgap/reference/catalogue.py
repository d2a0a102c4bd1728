"""Indicator catalogue (``govgap/data/indicators.csv``) and the scoring rule.

Scoring rule (docs/methods.md, with the table of how closely it reproduces PAPI): each
indicator is brought to 0-1 (shares as they are; scores by (value - min) / (max - min);
reversed where lower is better); a sub-dimension score is ``lo + (hi - lo) * mean(normalised
indicators)`` on the sub-dimension's exact scale (``score_scale``: 1/3-10/3 where PAPI prints
0.33-3.33); a dimension score is the sum of its sub-dimensions.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

import pandas as pd

from govgap.errors import OptionError

# A row or column of a published table whose label the catalogue does not know is loaded under a
# stable id (``sources.indices.uncatalogued_id``: "papi.x." and 8 hex digits) with this level: kept,
# marked, and left out of standings, gaps and scores (it has no direction, scale or parent).
UNCATALOGUED = "uncatalogued"
UNCATALOGUED_ID = re.compile(r"^(papi|pci)\.x\.[0-9a-f]{8}$")


@lru_cache(maxsize=1)
def indicators() -> pd.DataFrame:
    """The catalogue: one row per indicator id with labels, level, parent, scale, direction."""
    with resources.files("govgap.data").joinpath("indicators.csv").open("rb") as fh:
        table = pd.read_csv(fh, dtype={"indicator_id": str, "parent": str})
    table["higher_is_better"] = table["higher_is_better"].astype(bool)
    table["first_year"] = table["first_year"].astype(int)
    table["last_year"] = table["last_year"].astype("Int64")
    return table.set_index("indicator_id", drop=False)


def indicator_id(text) -> str:
    """A PAPI indicator id as a notebook parameter may give it: "papi.d5.3.1", "5.3.1", or 5.3 as
    papermill passes a number. Raises ``OptionError`` naming the text when no indicator has it."""
    wanted = str(text).strip()
    wanted = wanted if wanted.startswith(("papi.", "pci.")) else f"papi.d{wanted}"
    if wanted not in indicators().index:
        raise OptionError(f"không có chỉ tiêu {text!r} trong danh mục (no indicator {text!r} in the catalogue)")
    return wanted


@lru_cache(maxsize=1)
def _natures() -> pd.DataFrame:
    with resources.files("govgap.data").joinpath("item_nature.csv").open("rb") as fh:
        return pd.read_csv(fh, dtype=str, keep_default_na=False).set_index("indicator_id")


def item_nature(indicator_id: str) -> str:
    """What an indicator measures (``item_nature.csv``): "service" (the quality of what an agency
    does, the default), or "participation", "knowledge", "opinion", "circumstance": items that
    count in the score but that no office raises by serving better, so they are never made an
    office's task without saying so."""
    table = _natures()
    return table.loc[indicator_id, "nature"] if indicator_id in table.index else "service"


def item_nature_note(indicator_id: str, lang: str = "vi") -> str:
    """Why an item is not a service item, in words (empty for a service item)."""
    table = _natures()
    return table.loc[indicator_id, f"note_{lang}"] if indicator_id in table.index else ""


@lru_cache(maxsize=1)
def breaks() -> pd.DataFrame:
    """Known breaks in the series: new dimensions, changed composition, rescaled scales."""
    with resources.files("govgap.data").joinpath("indicator_breaks.csv").open("rb") as fh:
        return pd.read_csv(fh, dtype={"indicator_id": str})


@lru_cache(maxsize=4096)
def ancestors(indicator_id: str) -> frozenset[str]:
    """The ids above an indicator in the catalogue: its sub-dimension, dimension (or sub-index)."""
    cat, out = indicators(), set()
    current = cat.loc[indicator_id, "parent"] if indicator_id in cat.index else None
    while isinstance(current, str) and current in cat.index:
        out.add(current)
        current = cat.loc[current, "parent"]
    return frozenset(out)


def breaks_for(indicator_id: str) -> pd.DataFrame:
    """Breaks that affect an indicator's series: its own, those of the sub-dimension and
    dimension above it, and those of everything below it (7.1 widening in 2019 breaks the
    Dimension 7 series too)."""
    cat, table = indicators(), breaks()
    related = {indicator_id, *ancestors(indicator_id)} if indicator_id in cat.index else set()
    frontier = {indicator_id}
    while frontier:
        frontier = set(cat.index[cat["parent"].isin(frontier)]) - related
        related |= frontier
    return table[table["indicator_id"].isin(related)].sort_values("year")


@lru_cache(maxsize=1)
def _rescales() -> dict[str, list[tuple[int, float, float]]]:
    """Per indicator, its rescales (year, scale before) in year order."""
    table = breaks()
    table = table[table["kind"] == "rescale"].sort_values("year")
    out: dict[str, list[tuple[int, float, float]]] = {}
    for row in table.itertuples():
        out.setdefault(row.indicator_id, []).append(
            (int(row.year), float(row.scale_min_before), float(row.scale_max_before))
        )
    return out


@lru_cache(maxsize=4096)
def scale_for(indicator_id: str, year: int) -> tuple[float, float]:
    """Scale (min, max) of an indicator in a given edition: the catalogue's current scale,
    or the scale before the first later rescale listed in ``indicator_breaks.csv``."""
    for rescaled_in, lo, hi in _rescales().get(indicator_id, ()):
        if rescaled_in > year:
            return lo, hi
    row = indicators().loc[indicator_id]
    lo = float(row["scale_min"]) if pd.notna(row["scale_min"]) else float("nan")
    hi = float(row["scale_max"]) if pd.notna(row["scale_max"]) else float("nan")
    return lo, hi


@lru_cache(maxsize=1)
def _direction_breaks() -> dict[str, int]:
    """Per indicator, the edition from which its catalogue direction holds (``indicator_breaks.csv``
    rows of kind "direction"); before it, higher and lower swap (PCI expropriation risk, 2016)."""
    table = breaks()
    table = table[table["kind"] == "direction"]
    return {row.indicator_id: int(row.year) for row in table.itertuples()}


def higher_is_better(indicator_id: str, year: int | None = None) -> bool:
    """Whether a higher value is better in the edition of ``year`` (the catalogue's direction,
    swapped before a "direction" break); ``year=None`` gives the catalogue's (current) one."""
    return bool(directions(pd.Series([indicator_id]), pd.Series([year], dtype=float)).iloc[0])


def directions(ids: pd.Series, years: pd.Series) -> pd.Series:
    """``higher_is_better`` for many rows at once (True where an id is not in the catalogue)."""
    ids = pd.Series(ids).reset_index(drop=True)
    better = ids.map(indicators()["higher_is_better"]).fillna(True).astype(bool).to_numpy()
    since = ids.map(_direction_breaks()).to_numpy(dtype=float)
    before = pd.Series(years).reset_index(drop=True).to_numpy(dtype=float) < since  # NaN: False
    return pd.Series(better ^ before)


def label(indicator_id: str, lang: str = "vi") -> str:
    """Official label of an indicator in Vietnamese ("vi") or English ("en"), with one term per
    concept (``report_terms.csv``: PAPI's "giấy CNQSD đất" and PCI's "GCNQSDĐ" are both the
    official "giấy chứng nhận quyền sử dụng đất")."""
    return one_term(str(indicators().loc[indicator_id, f"label_{lang}"]), lang)


@lru_cache(maxsize=4)
def _terms(lang: str) -> tuple[tuple[str, str], ...]:
    """(variant, term) pairs of ``report_terms.csv`` for ``lang``, the longest variant first."""
    with resources.files("govgap.data").joinpath("report_terms.csv").open("rb") as fh:
        table = pd.read_csv(fh, dtype=str, keep_default_na=False)
    table = table[table["lang"] == lang]
    return tuple(sorted(zip(table["variant"], table["term"]), key=lambda p: -len(p[0])))


def one_term(text: str, lang: str = "vi") -> str:
    """``text`` with every variant of ``report_terms.csv`` replaced by its term."""
    for variant, term in _terms(lang):
        text = text.replace(variant, term)
    return text


@lru_cache(maxsize=4096)  # the catalogue is read once (``indicators``), and so each scale
def normalise_bounds(indicator_id: str) -> tuple[float, float, int]:
    """(min, max, direction) of an indicator's scale; direction -1 where lower is better."""
    row = indicators().loc[indicator_id]
    return float(row["scale_min"]), float(row["scale_max"]), 1 if row["higher_is_better"] else -1


def normalise(values: pd.Series | float, indicator_id: str) -> pd.Series | float:
    """Bring indicator values (a Series, or one value) to 0-1 where 1 is best, using the
    catalogue's scale and direction."""
    lo, hi, direction = normalise_bounds(indicator_id)
    x = values.astype(float) if isinstance(values, pd.Series) else float("nan" if pd.isna(values) else values)
    scaled = (x - lo) / (hi - lo)
    return scaled if direction > 0 else 1.0 - scaled


def score_scale(sub_id: str, year: int) -> tuple[float, float]:
    """The exact scale a sub-dimension is scored on: PAPI prints "0.33-3.33" for a dimension
    of three sub-dimensions, which is 1/3 to 10/3 (a dimension scores 1-10); "0.25-2.5" is
    exact. Checked on the official 2018-2022 tables: 7.2 and 7.3 equal 1/3 + 3 x mean."""
    lo, hi = scale_for(sub_id, year)
    if abs(hi - 3.33) < 0.006 and abs(lo - 0.33) < 0.006:
        return 1 / 3, 10 / 3
    return lo, hi


SCORED_SUBDIMENSIONS = ("papi.d7.1", "papi.d7.2", "papi.d7.3", "papi.d2.4", "papi.d5.3")


def children(parent_id: str) -> list[str]:
    table = indicators()
    return list(table.index[table["parent"] == parent_id])
