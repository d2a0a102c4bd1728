"""Gap analysis: where a province stands, where its points are lost and who can win them back.

Every function works on the tidy published-indices table (``indices.load_files(...).table`` or
``Processed.indices()``), one row per source x year x province x indicator, in the 63-province
view or in the derived 34-province view of 2025 (``view="2025"``, ``indices.view_2025``).

* ``position``: value, rank, PAPI colour band and gaps to the national median, the
  top-quartile threshold, the best province, a peer group and the province's previous edition,
  for a dimension, its sub-dimensions and indicators; with survey intervals when microdata exist.
* ``decompose``: the gap of a dimension (or sub-dimension) split into contributions that add up
  exactly to the total gap.
* ``points_to_gain``: indicators ranked by the points that bringing them to the median or the
  top quartile would add, each with the office responsible (``responsible_offices.csv``).
* ``office_actions``: the dossier offices behind those indicators, worst first.
* ``subgroups``, ``association``, ``land_panel``, ``history``: the causes and the context.

Units: gaps are in the indicator's own unit (points; shares 0-1; days) and ORIENTED: a positive
gap is better than the benchmark, also for indicators where lower is better (bribes, days).
Contributions and points are in points of the dimension scale (1-10).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from govgap.compare.standings import bands, ranks, table_key
from govgap.errors import InputError, OptionError
from govgap.estimate.dossier_metrics import metric_tables
from govgap.estimate.merged_provinces import view_2025
from govgap.estimate.scoring_weights import ScoringWeights, scoring_weights
from govgap.io import _fast
from govgap.reference.catalogue import (
    UNCATALOGUED,
    ancestors,
    breaks_for,
    children,
    directions,
    indicators,
    item_nature,
    normalise,
    score_scale,
)
from govgap.reference.provinces import crosswalk_2025, find_province, find_province_2025, provinces, provinces_2025

BENCHMARKS = ("median", "top_quartile", "best", "peers", "previous")
ENVIRONMENT = ("papi.d7.1", "papi.d7.2", "papi.d7.3")
LAND = ("papi.d2.4", "papi.d5.3")
LAND_PANEL = ("papi.d2.4", "papi.d5.3", "papi.d4.1.lurc", "papi.d4.4.lurc", "pci.sub2")
LAND_FIELD = "Đất đai"


# --------------------------------------------------------------------------- views


@dataclass(frozen=True)
class Unit:
    """The province analysed, in the view it is compared in."""

    code: str
    name_vi: str
    view: str  # "63" (provinces before 1 July 2025) or "2025" (the 34, derived)
    region: str | None  # peer region (for the 2025 view: the region of most member provinces)
    merged_with: tuple[str, ...]  # codes of the other provinces in the same 2025 province


@lru_cache(maxsize=512)
def unit(province: str, view: str = "63") -> Unit:
    """Resolve a province name or GSO code in a view. In the 2025 view, an old province is
    taken to its new province (Nam Định -> Ninh Bình)."""
    cross = crosswalk_2025()
    province, view = str(province).strip(), str(view)  # papermill passes `-p view 2025` as a number
    if view == "63":
        prov = find_province(province)
        members = cross.loc[cross["new_code"] == prov.new_code, "old_code"]
        return Unit(prov.code, prov.name_vi, "63", prov.region, tuple(sorted(c for c in members if c != prov.code)))
    if view != "2025":
        raise OptionError(f"view must be '63' or '2025', not {view!r}")
    new = provinces_2025().set_index("code")["name_vi"]
    if province.isdigit() and province.zfill(2) in new.index:
        code = province.zfill(2)
    else:
        try:
            code = find_province_2025(province)["code"]
        except LookupError:
            code = find_province(province).new_code
    return Unit(code, new[code], "2025", regions_of("2025")[code], ())


@lru_cache(maxsize=2)
def regions_of(view: str) -> pd.Series:
    """Region code per province code of a view (2025: the region of most member provinces)."""
    table = provinces()
    if view == "63":
        return table.set_index("code")["region"]
    merged = crosswalk_2025().merge(table[["code", "region"]], left_on="old_code", right_on="code")
    return merged.groupby("new_code")["region"].agg(lambda s: s.mode().iloc[0])


@dataclass
class _Standing:
    """A standings table and its rows cut by edition and by province, each cut made once: every
    question of a report reads one edition or one province, not the 80,000 rows again."""

    table: pd.DataFrame
    _years: dict = field(default_factory=dict)
    _provinces: dict = field(default_factory=dict)

    def year(self, year: int) -> pd.DataFrame:
        if not self._years:
            self._years.update({int(y): part for y, part in self.table.groupby("year", sort=False)})
        return self._years.get(int(year), self.table.iloc[:0])

    def province(self, code: str) -> pd.DataFrame:
        if not self._provinces:
            self._provinces.update(dict(iter(self.table.groupby("province_code", sort=False))))
        return self._provinces.get(code, self.table.iloc[:0])


_STANDINGS: dict[tuple, _Standing] = {}


def standings(tidy: pd.DataFrame, view: str = "63") -> pd.DataFrame:
    """The tidy table (statistics rows left out) with ``indices.ranks`` columns, in a view.
    In the 2025 view every value is the population-weighted mean of the member provinces
    (derived, not official) and ranks are out of the provinces present (34 when complete).

    Kept for the last few tables analysed (the functions below call it for every question). The
    key is the table's content (a hash of its codes, years and values, a few ms), not the object:
    a table changed in place gets new standings."""
    return _standing(tidy, view).table


def _standing(tidy: pd.DataFrame, view: str) -> _Standing:
    key = (view, table_key(tidy))
    hit = _STANDINGS.get(key)
    if hit is None:
        hit = _keep(key, _Standing(_standings(tidy, view)))
    return hit


def _keep(key: tuple, standing: _Standing) -> _Standing:
    return _fast.remember(_STANDINGS, key, standing, 8)


def remember_standings(tidy: pd.DataFrame, view: str, table: pd.DataFrame) -> None:
    """Keep ``table`` as ``standings(tidy, view)``, computed once by the store (the 34 provinces'
    standings of ``standings_34.parquet``): a report kernel need not compute them again."""
    key = (view, table_key(tidy))
    if key not in _STANDINGS:
        _keep(key, _Standing(table))


def _standings(tidy: pd.DataFrame, view: str) -> pd.DataFrame:
    data = tidy[~tidy["level"].isin(["statistic", UNCATALOGUED])]
    if view == "2025":
        data = view_2025(data).rename(columns={"province_code_2025": "province_code"})
    elif view != "63":
        raise OptionError(f"view must be '63' or '2025', not {view!r}")
    keep = ["source", "year", "province_code", "indicator_id", "level", "value"]
    return ranks(data[keep].dropna(subset=["value"]).reset_index(drop=True))


def tree(root: str) -> list[str]:
    """``root`` and everything below it in the catalogue (statistics left out), depth first."""
    return list(_tree(root))


@lru_cache(maxsize=256)  # the catalogue is a fixed table: each root's tree is walked once
def _tree(root: str) -> tuple[str, ...]:
    cat = indicators()
    out = [root]
    for child in cat.index[(cat["parent"] == root) & (cat["level"] != "statistic")]:
        out.extend(_tree(child))
    return tuple(out)


def _orientation(ids, year: int) -> np.ndarray:
    """+1 where higher is better in the edition of ``year``, -1 where lower is."""
    ids = pd.Series(list(ids))
    return np.where(directions(ids, pd.Series(int(year), index=ids.index)).to_numpy(), 1.0, -1.0)


def _peer_codes(u: Unit, peers: str, view: str) -> list[str]:
    if peers == "region":
        reg = regions_of(view)
        return [c for c in reg.index[reg == u.region] if c != u.code]
    if peers == "merger":
        if view != "63":
            raise OptionError("peers='merger' compares provinces merged in 2025: use view='63'")
        return list(u.merged_with)
    raise OptionError(f"peers must be 'region' or 'merger', not {peers!r}")


@lru_cache(maxsize=4096)  # a pure rule of the breaks table, asked for every indicator of every report
def change_basis(indicator_id: str, before: int, after: int) -> tuple[str, tuple | None]:
    """How an indicator's value of ``before`` compares with its value of ``after``:
    ("same", None) on one scale and definition; ("rescaled", (lo, hi, lo', hi')) when only its own
    scale changed (5.3 from 0.25-2.5 to 0.33-3.33 in 2022: the earlier value is put on the later
    scale before subtracting); ("not comparable", None) when it, or anything it is made of, changed
    its composition or direction, or a component was rescaled (7.1 widened in 2019, Dimension 5 in
    2022, PCI expropriation risk reversed in 2016): no number is printed for such a change."""
    marks = breaks_for(indicator_id)
    marks = marks[(marks["year"] > before) & (marks["year"] <= after)]
    marks = marks[[i == indicator_id or indicator_id in ancestors(i) for i in marks["indicator_id"]]]
    if marks.empty:
        return "same", None
    own_rescale = (marks["indicator_id"] == indicator_id) & (marks["kind"] == "rescale")
    if not own_rescale.all():
        return "not comparable", None
    # exact scales: PAPI's "0.33-3.33" is 1/3 to 10/3 (``score_scale``)
    return "rescaled", (*score_scale(indicator_id, before), *score_scale(indicator_id, after))


def _rescaled(value: float, scales: tuple) -> float:
    """A value moved from one scale onto another, linearly (min to min, max to max)."""
    lo, hi, lo2, hi2 = scales
    return lo2 + (value - lo) * (hi2 - lo2) / (hi - lo)


@lru_cache(maxsize=4096)
def _breaks_between(indicator_id: str, before: int, after: int, lang: str = "vi") -> str:
    marks = breaks_for(indicator_id)
    marks = marks[(marks["year"] > before) & (marks["year"] <= after)]
    return "; ".join(dict.fromkeys(marks[f"short_{lang}"]))


# --------------------------------------------------------------------------- uncertainty


def survey_intervals(estimates: pd.DataFrame | None, scores: pd.DataFrame | None, province_code: str) -> pd.DataFrame:
    """Standard errors and 95% intervals of a province's values from its survey microdata:
    indicators from ``survey.estimate_groups`` (whole-province rows), sub-dimensions and
    Dimension 7 from ``survey.score_estimates``. Columns year, indicator_id, estimate, se, df,
    ci_low, ci_high. Empty when there are no microdata."""
    cols = ["year", "indicator_id", "estimate", "se", "df", "ci_low", "ci_high"]
    parts = []
    if estimates is not None and len(estimates):
        e = estimates[
            (estimates["province_code"] == province_code)
            & (estimates["group_var"] == "all")
            & ~estimates["suppressed"].astype(bool)
        ]
        parts.append(e[cols])
    if scores is not None and len(scores):
        s = scores[scores["province_code"] == province_code].rename(columns={"score": "estimate"})
        parts.append(s[cols])
    if not parts:
        return pd.DataFrame(columns=cols)
    out = pd.concat(parts, ignore_index=True)
    out["year"] = out["year"].astype(int)
    return out


def _difference_interval(se1, df1, se2, df2) -> tuple[np.ndarray, np.ndarray]:
    """SE and Welch-Satterthwaite df of a difference of two independent estimates."""
    se1, se2 = np.asarray(se1, float), np.asarray(se2, float)
    df1, df2 = np.asarray(df1, float), np.asarray(df2, float)
    se = np.sqrt(se1**2 + se2**2)
    with np.errstate(divide="ignore", invalid="ignore"):
        df = se**4 / (se1**4 / df1 + se2**4 / df2)
    return se, np.where(np.isfinite(df), df, np.minimum(df1, df2))


# --------------------------------------------------------------------------- position

POSITION_COLUMNS = [
    "indicator_id",
    "level",
    "parent",
    "value",
    "ci_low",
    "ci_high",
    "rank",
    "n_provinces",
    "band",
    "median",
    "top_quartile",
    "best",
    "best_province",
    "peer_median",
    "peer_n",
    "previous_year",
    "previous_value",
    "gap_median",
    "gap_top_quartile",
    "gap_best",
    "gap_peers",
    "change",
    "change_basis",
    "across_break",
    "gap_median_low",
    "gap_median_high",
    "gap_median_significant",
    "change_low",
    "change_high",
    "change_significant",
]


def position(
    tidy: pd.DataFrame,
    province: str,
    year: int,
    root: str = "papi.d7",
    view: str = "63",
    peers: str = "region",
    intervals: pd.DataFrame | None = None,
    source: str | None = None,
    lang: str = "vi",
) -> pd.DataFrame:
    """Where the province stands on ``root`` and everything below it (or on the ids in
    ``root`` when it is a list) in ``year``: value, rank of n, band 1-4, the national median,
    top-quartile threshold and best value (with the best province), the peer median (region, or
    ``peers="merger"``: the provinces merged into the same 2025 province), the previous edition
    with a value, and the oriented gaps to each (positive = better).

    ``across_break`` names the trend breaks between the previous edition and ``year``
    (``indicator_breaks.csv``); ``change_basis`` says how ``change`` was made across them
    (``change_basis``): "same", "rescaled" (the earlier value on the later scale) or "not
    comparable" (``change`` is NaN: a changed definition is not printed as a number).
    With ``intervals`` (``survey_intervals``): the value's 95% interval, the gap to the median
    with its interval (the median treated as fixed: PAPI publishes it without error) and the
    change with its interval (two independent samples, Welch-Satterthwaite df). A gap or a
    change is ``significant`` only when its interval excludes zero; without microdata these
    columns are empty, never False.
    """
    u = unit(province, view)
    ids = list(root) if isinstance(root, (list, tuple)) else tree(root)
    standing = _standing(tidy, view)
    now = standing.year(year)
    now = now[now["indicator_id"].isin(ids)]
    past = standing.province(u.code)
    past = past[past["indicator_id"].isin(ids) & (past["year"] < int(year))]
    if source:
        now, past = now[now["source"] == source], past[past["source"] == source]
    own = now[now["province_code"] == u.code].set_index("indicator_id")
    cat = indicators()
    found = [i for i in ids if i in own.index]
    if not found:
        raise LookupError(f"{u.name_vi}: no values for {root} in {year}")
    out = {"indicator_id": found}
    out["level"] = cat["level"].reindex(found).to_numpy()
    out["parent"] = cat["parent"].reindex(found).to_numpy()
    mine = own.loc[found]
    for col in ("value", "rank", "n_provinces", "band", "median", "top_quartile", "best", "best_province"):
        out[col] = mine[col].to_numpy()
    peer = now[now["province_code"].isin(_peer_codes(u, peers, view))].groupby("indicator_id")["value"]
    out["peer_median"] = peer.median().reindex(found).to_numpy()
    out["peer_n"] = peer.count().reindex(found).fillna(0).astype(int).to_numpy()
    last = past.sort_values("year").groupby("indicator_id").last()
    out["previous_year"] = pd.array(last["year"].reindex(found), dtype="Int64")
    out["previous_value"] = last["value"].reindex(found).to_numpy(dtype=float)
    sign = _orientation(found, year)
    value = out["value"].astype(float)
    for name, col in (
        ("median", "median"),
        ("top_quartile", "top_quartile"),
        ("best", "best"),
        ("peers", "peer_median"),
    ):
        out[f"gap_{name}"] = sign * (value - np.asarray(out[col], dtype=float))
    previous = [None if pd.isna(p) else int(p) for p in out["previous_year"]]
    basis = [change_basis(i, p, int(year)) if p is not None else ("", None) for i, p in zip(found, previous)]
    out["change_basis"] = [b for b, _ in basis]
    on_scale = [
        np.nan if b == "not comparable" else (_rescaled(v, scales) if scales else v)
        for (b, scales), v in zip(basis, out["previous_value"])
    ]
    out["change"] = sign * (value - np.array(on_scale, dtype=float))
    out["across_break"] = [
        _breaks_between(i, p, int(year), lang) if p is not None else "" for i, p in zip(found, previous)
    ]
    _add_intervals(out, intervals, u.code if view == "63" else None, int(year), sign)
    return pd.DataFrame({col: out[col] for col in POSITION_COLUMNS})


def _add_intervals(out: dict, intervals, code, year: int, sign: np.ndarray) -> None:
    """The interval columns of ``position`` (``out``: its columns by name), NaN and NA without
    microdata; a change across a changed scale or definition gets none (survey intervals are on
    the published scale of one edition)."""
    n = len(out["indicator_id"])
    for col in ("ci_low", "ci_high", "gap_median_low", "gap_median_high", "change_low", "change_high"):
        out[col] = np.full(n, np.nan)
    out["gap_median_significant"] = pd.array([pd.NA] * n, dtype="boolean")
    out["change_significant"] = pd.array([pd.NA] * n, dtype="boolean")
    if intervals is None or intervals.empty or code is None:
        return
    iv = intervals.set_index(["year", "indicator_id"])
    now = iv.reindex(pd.MultiIndex.from_arrays([[year] * n, out["indicator_id"]]))
    out["ci_low"], out["ci_high"] = now["ci_low"].to_numpy(dtype=float), now["ci_high"].to_numpy(dtype=float)
    median = np.asarray(out["median"], dtype=float)
    low, high = sign * (out["ci_low"] - median), sign * (out["ci_high"] - median)
    out["gap_median_low"], out["gap_median_high"] = np.minimum(low, high), np.maximum(low, high)
    sig = (out["gap_median_low"] > 0) | (out["gap_median_high"] < 0)
    out["gap_median_significant"] = pd.array(np.where(~np.isnan(low), sig, pd.NA), dtype="boolean")
    previous = out["previous_year"].fillna(-1).astype(int)
    prev = iv.reindex(pd.MultiIndex.from_arrays([np.asarray(previous), out["indicator_id"]]))
    se, df = _difference_interval(now["se"], now["df"], prev["se"], prev["df"])
    diff = sign * (now["estimate"].to_numpy(dtype=float) - prev["estimate"].to_numpy(dtype=float))
    from scipy import special  # the t quantile, imported where it is used (scipy.stats costs a second)

    with np.errstate(invalid="ignore"):
        t = special.stdtrit(df, 0.975)
    other = np.asarray(out["change_basis"]) != "same"
    low, high = np.where(other, np.nan, diff - t * se), np.where(other, np.nan, diff + t * se)
    out["change_low"], out["change_high"] = low, high
    sig = (low > 0) | (high < 0)
    out["change_significant"] = pd.array(np.where(~np.isnan(low), sig, pd.NA), dtype="boolean")


def latest_edition(
    tidy: pd.DataFrame, year: int, source: str = "PAPI", level: str | None = None, province_code: str | None = None
) -> int | None:
    """The latest edition of ``source`` up to ``year`` with values (at ``level``, e.g. "indicator":
    PAPI 2024 has sub-dimension scores but no indicator table; PCI may lag PAPI), and with values
    of ``province_code`` when given (Quảng Ninh is blank in PAPI 2023). None if none."""
    keep = (tidy["source"] == source) & (tidy["year"] <= int(year)) & tidy["value"].notna()
    if level is not None:
        keep &= tidy["level"] == level
    if province_code is not None:
        keep &= tidy["province_code"] == province_code
    years = tidy.loc[keep, "year"]  # (the one column needed, not every row's label and source cell)
    return int(years.max()) if len(years) else None


def history(
    tidy: pd.DataFrame, province: str, indicator_id: str, view: str = "63", intervals: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Every edition of one indicator for the province: value, rank of n, band, the national
    median and top-quartile threshold, the survey interval when microdata exist, and the breaks
    that start that year (a change into that year compares different definitions)."""
    u = unit(province, view)
    table = standings(tidy, view)
    table = table[table["indicator_id"] == indicator_id]
    own = table[table["province_code"] == u.code].sort_values("year")
    out = own[["year", "value", "rank", "n_provinces", "band", "median", "top_quartile", "best"]].reset_index(drop=True)
    for lang in ("vi", "en"):
        out[f"break_{lang}"] = [_breaks_between(indicator_id, y - 1, y, lang) for y in out["year"]]
    out["ci_low"], out["ci_high"] = np.nan, np.nan
    if intervals is not None and len(intervals) and view == "63":
        iv = intervals[intervals["indicator_id"] == indicator_id].set_index("year")
        out["ci_low"] = out["year"].map(iv["ci_low"])
        out["ci_high"] = out["year"].map(iv["ci_high"])
    return out


# --------------------------------------------------------------------------- decomposition


_WEIGHTS: dict = {}


def scoring_weights_for(tidy: pd.DataFrame, sub: str, year: int) -> ScoringWeights:
    """The weights of ``sub``'s indicators in edition ``year`` (``estimate.scoring_weights``: the
    equal-weight rule where it reproduces the published scores, else fitted to them), from the
    provinces of that edition as published (the 63 up to 2024); kept per table content."""
    key = (table_key(tidy), sub, int(year))
    hit = _WEIGHTS.get(key)
    if hit is None:
        # the edition's published values as they are (no ranks needed: standings would cost 0.4 s)
        part = tidy[(tidy["year"] == int(year)) & (tidy["source"] == "PAPI") & (tidy["level"] != "statistic")]
        wide = part.pivot_table(index="province_code", columns="indicator_id", values="value", aggfunc="first")
        hit = _fast.remember(_WEIGHTS, key, scoring_weights(wide, sub, int(year)), 256)
    return hit


def _weights(tidy: pd.DataFrame, sub: str, year: int, present) -> tuple[list[str], ScoringWeights]:
    """The indicators of ``sub`` that have a value, and the weights that score them."""
    fit = scoring_weights_for(tidy, sub, year)
    return [i for i in fit.indicators if i in present], fit


def _benchmark_values(
    table: pd.DataFrame, u: Unit, year: int, benchmark: str, root: str, peers: str, view: str
) -> tuple[pd.Series, str]:
    """Benchmark value per indicator id, and a description of the benchmark."""
    now = table[table["year"] == year]
    if benchmark in ("median", "top_quartile"):
        return now.groupby("indicator_id")[benchmark].first(), benchmark
    if benchmark == "best":
        code = now.loc[now["indicator_id"] == root, "best_province"].iloc[0]
        return now[now["province_code"] == code].set_index("indicator_id")["value"], f"best:{code}"
    if benchmark == "peers":
        codes = _peer_codes(u, peers, view)
        return now[now["province_code"].isin(codes)].groupby("indicator_id")[
            "value"
        ].median(), f"peers:{','.join(codes)}"
    if benchmark == "previous":
        past = table[(table["province_code"] == u.code) & (table["year"] < year) & (table["indicator_id"] == root)]
        if past.empty:
            raise LookupError(f"{u.name_vi}: no edition of {root} before {year}")
        prev = int(past["year"].max())
        old = table[(table["province_code"] == u.code) & (table["year"] == prev)]
        return old.set_index("indicator_id")["value"], f"previous:{prev}"
    raise OptionError(f"benchmark must be one of {BENCHMARKS}, not {benchmark!r}")


def decompose(
    tidy: pd.DataFrame,
    province: str,
    year: int,
    root: str = "papi.d7",
    benchmark: str = "median",
    view: str = "63",
    peers: str = "region",
) -> pd.DataFrame:
    """Split the gap ``value(root) - benchmark(root)`` into parts that add up to it exactly.

    For a dimension, level 1 has one row per sub-dimension (its own gap to the benchmark's
    sub-dimension value) and a ``composition`` row: (dimension - sum of sub-dimensions) of the
    province minus the same for the benchmark. It is zero when the benchmark is one province
    and the published dimension is the sum of its sub-dimensions; for the median or the
    top quartile it is the difference between the median of the totals and the sum of the
    sub-dimension medians, which are not the same thing.

    Level 2 splits each sub-dimension's gap into indicator contributions by the sub-dimension's
    scoring weights (``scoring_weights_for``: PAPI's equal-weight rule where it reproduces the
    published scores, 7.2 and 7.3; else weights fitted to them, 7.1 from 2019, 2.4, 5.3) and an
    ``unexplained`` row: what the weights do not reproduce of the two published scores (the fit's
    residuals, a few hundredths of a point) plus the non-additivity of the benchmark (a median of
    scores is not the score of the indicators' medians). Rows with ``leaf=True`` (indicators,
    unexplained, composition) add up to ``total_gap``; so do the level-1 rows.

    All gaps are in points (higher is better for every PAPI score). ``benchmark``: median,
    top_quartile, best (the best province on ``root``), peers (median of the peer group) or
    previous (the province's previous edition; across a break the indicator lists differ and
    the difference goes to ``unexplained``).
    """
    u = unit(province, view)
    table = standings(tidy, view)
    year = int(year)
    own = table[(table["province_code"] == u.code) & (table["year"] == year)].set_index("indicator_id")["value"]
    if root not in own.index:
        raise LookupError(f"{u.name_vi}: no value for {root} in {year}")
    bench, described = _benchmark_values(table, u, year, benchmark, root, peers, view)
    if root not in bench.index or pd.isna(bench.get(root)):
        raise LookupError(f"no {benchmark} value for {root} in {year}")
    cat = indicators()
    level = cat.loc[root, "level"]
    subs = [s for s in children(root) if cat.loc[s, "level"] == "sub-dimension"] if level == "dimension" else [root]
    rows = []
    total = own[root] - bench[root]
    for sub in subs:
        if sub not in own.index or sub not in bench.index:
            continue
        sub_gap = own[sub] - bench[sub]
        if level == "dimension":
            rows.append(
                dict(
                    part="sub-dimension",
                    indicator_id=sub,
                    parent=root,
                    value=own[sub],
                    benchmark_value=bench[sub],
                    contribution=sub_gap,
                    leaf=False,
                )
            )
        members, fit = _weights(tidy, sub, year, own.index)
        explained = 0.0
        for ind in members:
            c = fit.weight(ind) * (normalise(own[ind], ind) - normalise(bench.get(ind, np.nan), ind))
            if np.isfinite(c):
                explained += c
            rows.append(
                dict(
                    part="indicator",
                    indicator_id=ind,
                    parent=sub,
                    value=own[ind],
                    benchmark_value=bench.get(ind, np.nan),
                    contribution=c,
                    leaf=True,
                )
            )
        rows.append(
            dict(
                part="unexplained",
                indicator_id=f"{sub}:unexplained",
                parent=sub,
                value=np.nan,
                benchmark_value=np.nan,
                contribution=sub_gap - explained,
                leaf=True,
            )
        )
    out = pd.DataFrame(rows)
    if level == "dimension":
        summed = out.loc[out["part"] == "sub-dimension", "contribution"].sum()
        out = pd.concat(
            [
                out,
                pd.DataFrame(
                    [
                        dict(
                            part="composition",
                            indicator_id=f"{root}:composition",
                            parent=root,
                            value=np.nan,
                            benchmark_value=np.nan,
                            contribution=total - summed,
                            leaf=True,
                        )
                    ]
                ),
            ],
            ignore_index=True,
        )
    out["contribution"] = out["contribution"].where(np.isfinite(out["contribution"]))
    out.insert(0, "root", root)
    out["total_gap"] = total
    out["benchmark"] = described
    out["share_of_gap"] = out["contribution"] / total if total else np.nan
    return out


# --------------------------------------------------------------------------- points to gain


def office_mapping(path: str | Path | None = None) -> pd.DataFrame:
    """Which office is responsible for which indicators: the package's
    ``responsible_offices.csv``, or the user's own file with the same columns
    (indicator_prefix, office_vi, office_en, dossier_field, dossier_office_pattern, note).
    A prefix covers an indicator and everything below it; the longest prefix wins."""
    if path is None:
        with resources.files("govgap.data").joinpath("responsible_offices.csv").open("rb") as fh:
            table = pd.read_csv(fh, dtype=str, keep_default_na=False)
    else:
        table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    required = ["indicator_prefix", "office_vi", "office_en", "dossier_field", "dossier_office_pattern"]
    missing = [c for c in required if c not in table.columns]
    if missing:
        raise InputError(
            f"{path or 'responsible_offices.csv'}: missing column(s) {missing}; the columns are {required + ['note']}"
        )
    blank = table.index[table["indicator_prefix"].str.strip() == ""]
    if len(blank):
        raise InputError(f"{path or 'responsible_offices.csv'}: row {int(blank[0]) + 2}: empty indicator_prefix")
    return table


def office_for(indicator_id: str, mapping: pd.DataFrame) -> pd.Series | None:
    """The mapping row with the longest prefix covering ``indicator_id`` (None if none)."""
    covering = [
        len(p) if indicator_id == p or indicator_id.startswith(p + ".") else -1 for p in mapping["indicator_prefix"]
    ]
    longest = max(range(len(covering)), key=covering.__getitem__, default=None)  # the first of the longest
    return None if longest is None or covering[longest] < 0 else mapping.iloc[longest]


def points_to_gain(
    tidy: pd.DataFrame,
    province: str,
    year: int,
    scope=ENVIRONMENT + LAND,
    view: str = "63",
    mapping: pd.DataFrame | None = None,
    intervals: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Indicators of the sub-dimensions in ``scope`` ranked by the points the province would
    gain by bringing each to the national median (``points_to_median``) or to the top-quartile
    threshold (``points_to_top_quartile``), in points of the dimension scale (1-10), by the
    sub-dimension's scoring weights (``scoring_weights_for``; ``weight_basis`` says whether they
    are PAPI's rule or fitted to the published scores). Already at or past
    the target: 0 points. ``nature`` says what an item measures (``catalogue.item_nature``): an
    item of participation, opinion or circumstance is not an office's task.

    Each row carries the responsible office from ``mapping`` (``office_mapping()``) and, with
    survey intervals, whether the shortfall to the median is significant. For 7.1, 2.4 and 5.3
    the fitted weights approximate PAPI's respondent-level aggregation (docs/methods.md): the
    points are a guide to priorities, not a forecast of the published score.
    """
    u = unit(province, view)
    mapping = office_mapping() if mapping is None else mapping
    table = standings(tidy, view)
    now = table[(table["year"] == int(year))]
    own = now[now["province_code"] == u.code].set_index("indicator_id")
    stats_ = now.groupby("indicator_id")[["median", "top_quartile"]].first()
    cat = indicators()
    rows = []
    for sub in scope:
        members, fit = _weights(tidy, sub, int(year), own.index)
        for ind in members:
            weight = fit.weight(ind)
            x = normalise(own.loc[ind, "value"], ind)
            row = dict(
                indicator_id=ind,
                sub_dimension=sub,
                dimension=cat.loc[sub, "parent"],
                value=own.loc[ind, "value"],
                rank=own.loc[ind, "rank"],
                n_provinces=own.loc[ind, "n_provinces"],
                band=own.loc[ind, "band"],
                median=stats_.loc[ind, "median"],
                top_quartile=stats_.loc[ind, "top_quartile"],
                weight=weight,
                weight_basis=fit.basis,
                nature=item_nature(ind),
            )
            for target in ("median", "top_quartile"):
                row[f"points_to_{target}"] = max(0.0, weight * (normalise(stats_.loc[ind, target], ind) - x))
            office = office_for(ind, mapping)
            for key in ("office_vi", "office_en", "dossier_field", "dossier_office_pattern"):
                row[key] = office[key] if office is not None else ""
            rows.append(row)
    out = pd.DataFrame(rows)
    if out.empty:
        raise LookupError(f"{u.name_vi}: no indicator values for {list(scope)} in {year}")
    out["gap_median_significant"] = pd.array([pd.NA] * len(out), dtype="boolean")
    if intervals is not None and len(intervals) and view == "63":
        pos = position(tidy, province, year, root=list(out["indicator_id"]), view=view, intervals=intervals)
        out["gap_median_significant"] = (
            out["indicator_id"].map(pos.set_index("indicator_id")["gap_median_significant"]).astype("boolean")
        )
    out = out.sort_values(["points_to_median", "points_to_top_quartile"], ascending=False, kind="stable")
    out.insert(0, "priority", np.arange(1, len(out) + 1))
    return out.reset_index(drop=True)


def office_actions(points: pd.DataFrame, dossiers: pd.DataFrame, target: str = "median") -> pd.DataFrame:
    """The dossier offices behind the indicators in ``points`` (``points_to_gain``), most
    points first and, within a responsible unit, the offices with most late dossiers first.

    For each responsible unit with a ``dossier_field`` and ``dossier_office_pattern``, the
    province's dossiers of that field whose office matches the pattern are summarised by office
    (``dossiers.metrics``): received, late (resolved late or overdue in progress), on-time rate,
    mean working days late, and the office's share of the unit's late dossiers. ``slower``
    marks offices more than 5 points below the unit's own on-time rate. Units without dossier
    data keep one row with their points and no office."""

    col = f"points_to_{target}"
    units = (
        points.groupby(["office_vi", "office_en", "dossier_field", "dossier_office_pattern"], sort=False)
        .agg(points=(col, "sum"), indicators=("indicator_id", lambda s: ", ".join(s)))
        .reset_index()
    )
    units = units[units["office_vi"] != ""].sort_values("points", ascending=False, kind="stable")
    rows = []
    for unit_row in units.itertuples(index=False):
        base = dict(
            unit_vi=unit_row.office_vi,
            unit_en=unit_row.office_en,
            points=unit_row.points,
            indicators=unit_row.indicators,
        )
        sel = pd.DataFrame()
        if unit_row.dossier_field and len(dossiers):
            sel = dossiers[
                (dossiers["field"] == unit_row.dossier_field)
                & dossiers["office"].str.contains(unit_row.dossier_office_pattern, case=False, regex=True, na=False)
            ]
        if sel.empty:
            rows.append(
                {
                    **base,
                    "office": "",
                    "received": 0,
                    "late": 0,
                    "on_time_rate": np.nan,
                    "mean_working_days_late": np.nan,
                    "share_of_late": np.nan,
                    "unit_on_time_rate": np.nan,
                    "slower": False,
                }
            )
            continue
        tables = metric_tables(sel, {"office": ["office"], "total": None})  # the dossiers' flags once for both
        by_office, overall = tables["office"], tables["total"].iloc[0]
        by_office["late_total"] = by_office["late"] + by_office["overdue_in_progress"]
        all_late = overall["late"] + overall["overdue_in_progress"]
        by_office = by_office.sort_values(["late_total", "on_time_rate"], ascending=[False, True], kind="stable")
        for r in by_office.itertuples(index=False):
            rows.append(
                {
                    **base,
                    "office": r.office,
                    "received": int(r.received),
                    "late": int(r.late_total),
                    "on_time_rate": r.on_time_rate,
                    "mean_working_days_late": r.mean_working_days_late,
                    "share_of_late": r.late_total / all_late if all_late else np.nan,
                    "unit_on_time_rate": overall["on_time_rate"],
                    "slower": bool(r.on_time_rate < overall["on_time_rate"] - 0.05),
                }
            )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- causes


def land_panel(tidy: pd.DataFrame, province: str, year: int, view: str = "63") -> pd.DataFrame:
    """PAPI 2.4 and 5.3 with their indicators, the land-certificate bribe items (4.1, 4.4)
    and PCI sub-index 2 with its components, side by side. PCI comes from ``year`` or, when
    that edition is missing, the latest edition before it (``edition`` says which)."""
    parts = []
    for root in LAND_PANEL:
        source = indicators().loc[root, "source"]
        years = tidy.loc[(tidy["source"] == source) & (tidy["indicator_id"] == root), "year"]
        usable = sorted(y for y in years.unique() if y <= int(year))
        if not usable:
            continue
        edition = usable[-1] if source == "PCI" else int(year)
        try:
            pos = position(tidy, province, edition, root=tree(root), view=view, source=source)
        except LookupError:
            continue
        parts.append(pos.assign(source=source, edition=edition, block=root))
    if not parts:
        raise LookupError(f"no land indicators for {province} up to {year}")
    return pd.concat(parts, ignore_index=True)


def subgroups(estimates: pd.DataFrame, province_code: str, year: int, ids=None, min_n: int = 15) -> pd.DataFrame:
    """The subgroups (district, sex, age group, ethnicity, urban/rural) that report worst on each
    indicator: per indicator and grouping, the subgroup estimates with their intervals, the
    province's own estimate, the oriented difference (negative = worse than the province), and
    ``below`` when the subgroup's whole interval lies below the province estimate (oriented).
    Suppressed subgroups (fewer than ``min_n`` respondents) are left out. Sorted worst first."""
    e = estimates[(estimates["province_code"] == province_code) & (estimates["year"] == int(year))]
    if ids is not None:
        e = e[e["indicator_id"].isin(list(ids))]
    whole = e[e["group_var"] == "all"].set_index("indicator_id")["estimate"]
    groups = e[(e["group_var"] != "all") & ~e["suppressed"].astype(bool) & (e["n"] >= min_n)].copy()
    if groups.empty:
        return groups.assign(province_estimate=[], difference=[], below=[])
    sign = _orientation(groups["indicator_id"], year)
    groups["province_estimate"] = groups["indicator_id"].map(whole)
    groups["difference"] = sign * (groups["estimate"] - groups["province_estimate"])
    upper = np.where(sign > 0, groups["ci_high"], -groups["ci_low"])
    groups["below"] = upper < sign * groups["province_estimate"]
    return groups.sort_values("difference").reset_index(drop=True)


def worst_subgroups(
    estimates: pd.DataFrame, province_code: str, year: int, ids=None, top: int = 3, min_n: int = 15
) -> pd.DataFrame:
    """Per indicator, the ``top`` subgroups that report worst, ranked by a rule that respects
    uncertainty: by ``margin``, how far the better end of the subgroup's 95% interval lies below
    the province's estimate (oriented; positive = the whole interval is worse, ``below``). Ranking
    point estimates would put a group of 20 at "10,5% (0,0%-98,7%)" first: noise, not a finding."""
    groups = subgroups(estimates, province_code, year, ids, min_n)
    if groups.empty:
        return groups.assign(margin=[])
    sign = _orientation(groups["indicator_id"], year)
    better_end = np.where(sign > 0, groups["ci_high"], -groups["ci_low"])
    groups["margin"] = sign * groups["province_estimate"] - better_end
    ranked = groups.sort_values(["indicator_id", "margin"], ascending=[True, False], kind="stable")
    return ranked.groupby("indicator_id", sort=False).head(top).reset_index(drop=True)


def association(x: pd.Series, y: pd.Series, highlight: str | None = None) -> dict:
    """Association across provinces between two province-indexed series (for example land
    dossiers' on-time rate and the 5.3 score): the provinces with both values, Spearman's rank
    correlation and Pearson's r with two-sided p-values, and the least-squares slope. Its
    caveats (report texts ``assoc_caveat_1`` to ``_3``) go with every use."""
    both = pd.concat([x.rename("x"), y.rename("y")], axis=1).dropna()
    n = len(both)
    out = {
        "n": n,
        "spearman": np.nan,
        "spearman_p": np.nan,
        "pearson": np.nan,
        "pearson_p": np.nan,
        "slope": np.nan,
        "intercept": np.nan,
        "data": both,
        "highlight": highlight,
    }
    if n >= 5:
        from scipy import stats

        out["spearman"], out["spearman_p"] = map(float, stats.spearmanr(both["x"], both["y"]))
        out["pearson"], out["pearson_p"] = map(float, stats.pearsonr(both["x"], both["y"]))
        fit = stats.linregress(both["x"], both["y"])
        out["slope"], out["intercept"] = float(fit.slope), float(fit.intercept)
    return out


@lru_cache(maxsize=8)
def _band_labels(lang: str) -> dict:
    return bands()[f"label_{lang}"].to_dict()


def band_label(band, lang: str = "vi") -> str:
    """PAPI's name of a colour band (1 best ... 4 poor) in ``lang``; "–" when unknown."""
    return _band_labels(lang).get(int(band), "–") if pd.notna(band) else "–"
