"""Design-based estimates from cleaned survey microdata: raking and post-stratification of weights,
linearised variances with strata and PSUs, domain estimates with confidence intervals, and the
sub-dimension scores built from them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from govgap.errors import InputError, OptionError
from govgap.reference.catalogue import SCORED_SUBDIMENSIONS, children, normalise_bounds, score_scale
from govgap.reference.codebook import load_codebook
from govgap.reference.text import nfc
from govgap.sources.survey import GROUP_VARS, MIN_RESPONDENTS

if TYPE_CHECKING:
    from scipy import sparse

# an interval on 1 or 2 degrees of freedom (a district with two or three PSUs) is too unstable to
# report: its t quantile is 12.7 or 4.3, and the variance itself rests on as many PSU totals
MIN_DF = 3


def item_values(table: pd.DataFrame, codebook=None, items: list[str] | None = None) -> pd.DataFrame:
    """Respondent x indicator values: 1/0 for shares (answer in ``positive``), the code (or
    ``min + max - code`` when reversed) for means; NaN for missing codes and blanks."""
    codebook = load_codebook(codebook)
    out = {}
    for it in codebook.items:
        if items is not None and it.indicator_id not in items:
            continue
        if it.indicator_id not in table.columns:
            continue
        code = table[it.indicator_id].to_numpy(dtype=float, na_value=np.nan)
        valid = np.isin(code, list(it.codes))
        if it.measure == "share":
            value = np.isin(code, it.positive).astype(float)
        else:
            value = (it.lo + it.hi - code) if it.reverse else code
        out[it.indicator_id] = np.where(valid, value, np.nan)
    return pd.DataFrame(out, index=table.index)


@dataclass(frozen=True)
class Raked:
    """The margins a table's weights were calibrated to, within each ``by`` group: what a variance
    that accounts for the calibration needs (``estimate(..., raked=...)``). Each margin is a
    column (raking: ``("sex", "age_group")``) or a tuple of columns whose joint cells it fixes
    (post-stratification: ``(("sex", "age_group"),)``, one margin, exact after one sweep).

    ``old_weight``: post-stratification only, the column of the weights before it. R's
    ``postStratify`` design takes each cell's mean of z / w weighted by them (its ``rake`` design,
    an unweighted mean); the two agree when the weights are equal within a cell."""

    variables: tuple[str | tuple[str, ...], ...]
    by: str | None = "province_code"
    old_weight: str | None = None

    def columns(self, margin) -> tuple[str, ...]:
        return (margin,) if isinstance(margin, str) else tuple(margin)


@dataclass
class Weighting:
    """Adjusted weights and the check that the weighted margins hit the targets."""

    weights: pd.Series
    check: pd.DataFrame
    method: str
    iterations: int
    converged: bool
    raked: Raked | None = None  # the margins, for calibration-aware variances (raking only)

    @property
    def max_difference(self) -> float:
        return float(self.check["difference"].abs().max()) if len(self.check) else 0.0


def _targets(margins: pd.DataFrame | str | Path) -> pd.DataFrame:
    """The margins table, every target checked: a number above zero, named by file, row and column
    when it is not (a negative or text target would make raking fail far from its cause)."""
    name = Path(margins).name if isinstance(margins, (str, Path)) else "margins"
    if isinstance(margins, (str, Path)):
        t = pd.read_csv(margins, dtype={"province_code": str, "target": str}, encoding="utf-8-sig")
    else:
        t = margins.copy()
    need = {"variable", "category", "target"}
    if need - set(t.columns):
        raise InputError(
            f"{name}: margins need columns {sorted(need)} (and optionally province_code); got {list(t.columns)}",
            file=name,
        )
    target = pd.to_numeric(t["target"].astype(str).str.replace(",", ".").str.strip(), errors="coerce")
    bad = ~np.isfinite(target.to_numpy(dtype=float)) | (target.to_numpy(dtype=float) <= 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"{name}, row {i + 2}, column target: {str(t['target'].iloc[i])!r} is not a target above zero "
            f"(a share such as 0.24 or a count); {int(bad.sum())} such row(s)",
            file=name,
            row=i + 2,
            column="target",
        )
    t["target"] = target.astype(float)
    t["category"] = t["category"].astype(str).map(nfc)
    if "province_code" in t.columns:
        t["province_code"] = t["province_code"].map(lambda v: f"{int(v):02d}" if str(v).isdigit() else v)
    return t


def rake(
    table: pd.DataFrame,
    margins: pd.DataFrame | str | Path,
    weight: str = "weight",
    by: str | None = "province_code",
    max_iter: int = 500,
    tol: float = 1e-11,
) -> Weighting:
    """Rake (iterative proportional fitting) ``weight`` to marginal targets, within each
    ``by`` group. ``margins`` has columns variable, category, target and optionally
    province_code; targets are shares (summing to 1 per variable: the group's weight total
    is kept) or counts. Variables are table columns such as ``sex`` and ``age_group``."""
    t = _targets(margins)
    w = table[weight].to_numpy(dtype=float).copy()
    unusable = ~np.isfinite(w) | (w <= 0)
    if unusable.any():  # the readers quarantine such rows; a table built by hand may still have them
        i = int(np.flatnonzero(unusable)[0])
        raise InputError(
            f"column {weight}: {int(unusable.sum())} weight(s) that are not above zero (the first: {w[i]!r} "
            f"at row {table.index[i]} of the table); weights must be positive numbers",
            column=weight,
        )
    groups = table[by].astype(str).to_numpy() if by else np.zeros(len(table), dtype=object)
    variables = list(dict.fromkeys(t["variable"]))
    for v in variables:
        if v not in table.columns:
            raise InputError(
                f"margins name variable {v!r}, which is not a column of the table "
                f"(columns: {', '.join(map(str, table.columns))})"
            )
    cats = {v: table[v].astype(str).to_numpy() for v in variables}
    initial = table[weight].to_numpy(dtype=float)
    checks, total_iter, converged = [], 0, True
    codes, group_values = pd.factorize(groups)
    members = np.argsort(codes, kind="stable")  # each group's rows, taken once, not masked per pass
    bounds = np.searchsorted(codes[members], np.arange(len(group_values) + 1))
    for k, g in enumerate(group_values):
        rows = members[bounds[k] : bounds[k + 1]]
        tg = t[t["province_code"] == g] if "province_code" in t.columns and by else t
        if tg.empty:
            raise InputError(f"margins have no targets for {by} {g}")
        wg = w[rows]
        total = wg.sum()
        goal, cells = {}, {}
        for v in variables:
            tv = tg[tg["variable"] == v]
            share = tv["target"].to_numpy(float)
            is_share = abs(share.sum() - 1) < 1e-6
            goal[v] = dict(zip(tv["category"], share * total if is_share else share))
            missing = set(cats[v][rows]) - set(goal[v])
            if missing:
                raise InputError(f"{by} {g}: respondents with {v} = {sorted(missing)} have no target in the margins")
            cells[v] = {cat: np.flatnonzero(cats[v][rows] == cat) for cat in goal[v]}
        for iteration in range(1, max_iter + 1):  # noqa: B007 - the count is read after the loop
            worst = 0.0
            for v in variables:
                for cat, target in goal[v].items():
                    m = cells[v][cat]
                    current = wg[m].sum()
                    if current <= 0:
                        if target > 0:
                            raise InputError(f"{by} {g}: no respondents in {v} = {cat} to carry target {target}")
                        continue
                    wg[m] *= target / current
            for v in variables:
                for cat, target in goal[v].items():
                    worst = max(worst, abs(wg[cells[v][cat]].sum() - target) / max(target, 1e-12))
            if worst < tol:
                break
        w[rows] = wg
        total_iter = max(total_iter, iteration)
        converged &= worst < tol
        for v in variables:
            for cat, target in goal[v].items():
                m = rows[cells[v][cat]]
                before = initial[m].sum()
                checks.append(
                    {
                        "group": g,
                        "variable": v,
                        "category": cat,
                        "target": target,
                        "weighted_before": before,
                        "weighted_after": w[m].sum(),
                        "difference": w[m].sum() - target,
                    }
                )
    return Weighting(
        weights=pd.Series(w, index=table.index, name="weight"),
        check=pd.DataFrame(checks),
        method="raking",
        iterations=total_iter,
        converged=bool(converged),
        raked=Raked(tuple(variables), by),
    )


def poststratify(
    table: pd.DataFrame,
    targets: pd.DataFrame | str | Path,
    cells: list[str],
    weight: str = "weight",
    by: str | None = "province_code",
) -> Weighting:
    """Post-stratify to joint cell targets (for example sex x age group): ``targets`` has one
    column per cell variable, ``target`` (share or count) and optionally province_code. This is
    raking to the single variable "sex×age_group", which is exact after one pass. Its ``raked``
    names the joint cells and the weights before (kept as ``design_weight``), so standard errors
    account for the post-stratification as R's ``postStratify`` design does: estimate on
    ``table.assign(design_weight=table[weight], weight=result.weights)`` with
    ``raked=result.raked``."""
    t = pd.read_csv(targets, dtype=str) if isinstance(targets, (str, Path)) else targets.copy()
    name = "×".join(cells)

    def cell(frame):
        return frame[cells].astype(str).apply(lambda col: col.map(nfc)).agg("|".join, axis=1)

    margins = t.drop(columns=cells).assign(variable=name, category=cell(t), target=t["target"].astype(float))
    result = rake(table.assign(**{name: cell(table)}), margins, weight=weight, by=by)
    result.method = "post-stratification"
    result.raked = Raked((tuple(cells),), by, old_weight="design_weight")
    return result


def reweight(table: pd.DataFrame, margins: str | Path | pd.DataFrame | None) -> tuple[pd.DataFrame, Weighting | None]:
    """The table with its weights raked to ``margins`` within each province (the design weight
    kept as ``design_weight``) and the weighting check; unchanged, with None, when there are no
    margins (None, or a path that does not exist)."""
    if margins is None or (isinstance(margins, (str, Path)) and not Path(margins).exists()):
        return table, None
    weighting = rake(table, margins)
    return table.assign(design_weight=table["weight"], weight=weighting.weights), weighting


@dataclass
class _Design:
    """Integer codes of the design: PSUs nested in strata nested in provinces."""

    stratum: np.ndarray
    psu: np.ndarray
    psu_stratum: np.ndarray  # stratum of each PSU
    n_psu_in_stratum: np.ndarray

    @classmethod
    def of(cls, table: pd.DataFrame) -> _Design:
        prov = table["province_code"].astype(str).to_numpy()
        st_key = pd.Series(prov) + "|" + table["strata"].astype(str).to_numpy()
        stratum = pd.factorize(st_key)[0]
        psu = pd.factorize(st_key + "|" + table["psu"].astype(str).to_numpy())[0]
        psu_stratum = np.zeros(psu.max() + 1 if len(psu) else 0, dtype=np.int64)
        psu_stratum[psu] = stratum
        n_psu = np.bincount(psu_stratum, minlength=stratum.max() + 1 if len(stratum) else 0)
        return cls(stratum, psu, psu_stratum, n_psu)


def _domain_index(table: pd.DataFrame, domains: list[str]) -> tuple[np.ndarray, pd.DataFrame]:
    if not domains:
        return np.zeros(len(table), dtype=np.int64), pd.DataFrame(index=[0])
    keys = table[domains].astype(object)
    missing = keys.isna().any(axis=1).to_numpy()
    codes, uniques = pd.MultiIndex.from_frame(keys.astype(str)).factorize()
    codes = np.where(missing, -1, codes)
    labels = uniques.to_frame(index=False)
    labels.columns = domains
    return codes, labels


def _variance(z: np.ndarray, dom: np.ndarray, design: _Design, n_dom: int, lonely_psu: str) -> np.ndarray:
    """Variance of domain totals of linearised values ``z`` (zero outside the domain), with
    replacement: sum over strata of n_h/(n_h-1) * sum_c (z_hc - mean_h)^2, PSUs with no
    domain member counting as zeros."""
    inside = dom >= 0
    n_psu_total = len(design.psu_stratum)
    pair = dom[inside] * n_psu_total + design.psu[inside]
    keys, inv = np.unique(pair, return_inverse=True)
    zc = np.bincount(inv, weights=z[inside])
    d_of = keys // n_psu_total
    c_of = keys % n_psu_total
    h_of = design.psu_stratum[c_of]
    n_strata = len(design.n_psu_in_stratum)
    dh = d_of * n_strata + h_of
    dh_keys, dh_inv = np.unique(dh, return_inverse=True)
    s1 = np.bincount(dh_inv, weights=zc)
    s2 = np.bincount(dh_inv, weights=zc * zc)
    h = dh_keys % n_strata
    d = dh_keys // n_strata
    contrib = _stratum_terms(s1, s2, design.n_psu_in_stratum[h].astype(float), lonely_psu)
    return np.bincount(d, weights=contrib, minlength=n_dom)


def _stratum_terms(s1: np.ndarray, s2: np.ndarray, nh: np.ndarray, lonely_psu: str) -> np.ndarray:
    """Each stratum's n_h/(n_h-1) * sum_c (z_hc - mean_h)^2 from the sum ``s1`` and the sum of
    squares ``s2`` of its ``nh`` PSU totals (``nh`` broadcasts over columns of estimates)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        contrib = np.where(nh > 1, nh / (nh - 1) * (s2 - s1 * s1 / nh), 0.0)
    lonely = nh == 1
    if lonely.any():
        if lonely_psu == "fail":
            raise InputError(
                f"{int(np.count_nonzero(lonely))} stratum/strata with a single PSU; pass lonely_psu='adjust' "
                "or 'skip', or merge strata in the file"
            )
        if lonely_psu == "adjust":
            # R survey's "adjust": the lone PSU deviates from the grand mean of PSU totals, which
            # is 0 for linearised values (they sum to zero over the sample); conservative
            contrib = np.where(lonely, s2, contrib)
        elif lonely_psu != "skip":  # skip: the stratum adds nothing (samplics "skip", R "certainty")
            raise OptionError(f"lonely_psu must be 'adjust', 'skip' or 'fail', not {lonely_psu!r}")
    return contrib


RAKING_SWEEPS = 10  # as R's svyrecvar for a raked design


@dataclass
class _RakingCells:
    """Each respondent's raking group (``Raked.by``) and its cell in every margin, with what the
    raked variance needs of them: cell sizes, rows shared by two margins' cells, weight per PSU
    and cell."""

    group: np.ndarray
    cells: list[np.ndarray]  # per margin, each row's cell
    sizes: list[np.ndarray]  # per margin, each cell's rows (or old weights: ``mean_weight``)
    mean_weight: np.ndarray  # each row's weight in its cell's mean of z / w: 1, or its old weight
    shared: dict[tuple[int, int], sparse.csr_array]  # (u, v): rows in u's cell a and v's cell b
    psu_weight: list[sparse.csr_array]  # per margin: weight of the rows of PSU c in cell b

    @classmethod
    def of(cls, table: pd.DataFrame, raked: Raked | None, design: _Design, w: np.ndarray) -> _RakingCells | None:
        if raked is None:
            return None
        group = table[raked.by].astype(str) if raked.by else pd.Series("", index=table.index)
        cells = [
            pd.factorize(group.str.cat([table[c].astype(str) for c in raked.columns(v)], sep="|"))[0]
            for v in raked.variables
        ]
        if raked.old_weight is None:
            mean_weight = np.ones(len(w))
        elif len(raked.variables) != 1:
            raise OptionError("old_weight (post-stratification) needs exactly one margin of joint cells")
        elif raked.old_weight not in table.columns:
            raise OptionError(
                f"the weights before post-stratification ({raked.old_weight!r}) are not a column of the table: "
                f"keep them, e.g. table.assign({raked.old_weight}=table['weight'], weight=result.weights)"
            )
        else:
            mean_weight = table[raked.old_weight].to_numpy(dtype=float)
        from scipy import sparse  # scipy is imported where it is used: a command that does not need it starts faster

        sizes = [np.bincount(c, weights=mean_weight).astype(float) for c in cells]
        shared = {
            (u, v): sparse.csr_array((mean_weight, (cells[u], cells[v])), shape=(len(sizes[u]), len(sizes[v])))
            for u in range(len(cells))
            for v in range(len(cells))
        }
        n_psu = len(design.psu_stratum)
        psu_weight = [sparse.csr_array((w, (design.psu, c)), shape=(n_psu, len(sz))) for c, sz in zip(cells, sizes)]
        return cls(pd.factorize(group)[0], cells, sizes, mean_weight, shared, psu_weight)

    def psu_totals(self, z: list[np.ndarray], column: np.ndarray, width: int, w: np.ndarray, design: _Design):
        """PSU totals (PSU x column, ``width`` columns per estimate) of the linearised values ``z``
        (row i in column ``column[i]``, none where -1) after raking: each margin's cells take off
        their mean of z / w, times w, ten sweeps over the margins (R's ``svyrecvar`` for a
        ``rake()`` design). Done on the cells' sums: the rows' values are never spread out."""
        inside = column >= 0
        n_psu = len(design.psu_stratum)
        cols = width * len(z)

        def spread(keys, m, values):  # m x cols sums of ``values`` by row key and column
            out = np.zeros((m, cols))
            for j, v in enumerate(z):
                out[:, j * width : (j + 1) * width] = np.bincount(
                    keys[inside] * width + column[inside], weights=values(v)[inside], minlength=m * width
                ).reshape(m, width)
            return out

        totals = spread(design.psu, n_psu, lambda v: v)
        sums = [spread(c, len(sz), lambda v: v * self.mean_weight / w) for c, sz in zip(self.cells, self.sizes)]
        taken = [np.zeros_like(s) for s in sums]
        for _ in range(RAKING_SWEEPS):
            for v, size in enumerate(self.sizes):
                mean = sums[v] / size[:, None]
                taken[v] += mean
                for u in range(len(sums)):
                    sums[u] -= self.shared[(u, v)] @ mean
        for v in range(len(taken)):
            totals -= self.psu_weight[v] @ taken[v]
        return totals


def _raked_variances(
    zs: list[np.ndarray],
    dom: np.ndarray,
    w: np.ndarray,
    cells: _RakingCells,
    design: _Design,
    n_dom: int,
    lonely_psu: str,
) -> list[np.ndarray]:
    """``_variance`` of domain totals after raking, for several estimates' linearised values ``zs``
    at once. A raked weight is random through the sample's margins; treating it as a design weight
    gives a variance larger for some estimates and smaller for others. Each domain's linearised
    values are residualised on the raking cells, which reach the respondents of its province
    outside the domain (a sex domain and an age-group margin cross): one column per domain within
    each province, so that no domain's residuals mix with another's."""
    inside = dom >= 0
    n_groups = int(cells.group.max()) + 1 if len(cells.group) else 0
    pairs = np.unique(dom[inside] * n_groups + cells.group[inside])
    d_of, g_of = pairs // n_groups, pairs % n_groups
    if len(np.unique(d_of)) != len(d_of):  # a domain of several provinces (the whole table)
        if len(np.unique(g_of)) != len(g_of):
            raise OptionError("domains must lie within the raking groups (provinces) or be made of whole ones")
        local, width = np.zeros(n_dom, dtype=np.int64), 1
        domain_at = np.full((n_groups, 1), -1)
        domain_at[g_of, 0] = d_of
    else:
        local = np.zeros(n_dom, dtype=np.int64)  # each domain's place among its province's domains
        order = np.lexsort((d_of, g_of))
        starts = np.r_[0, np.flatnonzero(np.diff(g_of[order])) + 1]
        local[d_of[order]] = np.arange(len(order)) - np.repeat(starts, np.diff(np.r_[starts, len(order)]))
        width = int(local.max()) + 1 if len(local) else 1
        domain_at = np.full((n_groups, width), -1)
        domain_at[g_of, local[d_of]] = d_of
    column = np.where(inside, local[np.maximum(dom, 0)], -1)
    totals = cells.psu_totals(zs, column, width, w, design)
    # each stratum's n_h/(n_h-1) sum of squared deviations of its PSU totals, per column, added to
    # the domain that the column is in the stratum's province
    s1 = _add_rows(np.zeros((len(design.n_psu_in_stratum), totals.shape[1])), design.psu_stratum, totals)
    s2 = _add_rows(np.zeros_like(s1), design.psu_stratum, totals * totals)
    contrib = _stratum_terms(s1, s2, design.n_psu_in_stratum.astype(float)[:, None], lonely_psu)
    stratum_group = np.zeros(len(design.n_psu_in_stratum), dtype=np.int64)
    stratum_group[design.stratum] = cells.group
    out = []
    for j in range(len(zs)):
        var = np.zeros(n_dom)
        for k in range(width):
            target = domain_at[stratum_group, k]
            keep = target >= 0
            var += np.bincount(target[keep], weights=contrib[keep, j * width + k], minlength=n_dom)
        out.append(var)
    return out


def _add_rows(out: np.ndarray, index: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``out`` with each row of ``values`` added to row ``index`` of it (a column-wise bincount)."""
    order = np.argsort(index, kind="stable")
    sorted_index = index[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_index)) + 1] if len(order) else np.array([], dtype=np.int64)
    if len(starts):
        out[sorted_index[starts]] += np.add.reduceat(values[order], starts, axis=0)
    return out


def _design_df(dom: np.ndarray, design: _Design, n_dom: int) -> np.ndarray:
    """Design degrees of freedom of each domain as R's ``degf(subset(design, domain))`` counts
    them: the PSUs with a domain member minus the strata with one (a PSU without a member of the
    domain adds no information about it)."""
    inside = dom >= 0
    n_psu = len(design.psu_stratum) + 1
    psus = np.unique(dom[inside] * n_psu + design.psu[inside])
    n_strata = len(design.n_psu_in_stratum) + 1
    strata = np.unique(dom[inside] * n_strata + design.stratum[inside])
    return np.bincount(psus // n_psu, minlength=n_dom).astype(float) - np.bincount(
        strata // n_strata, minlength=n_dom
    ).astype(float)


def _edge_interval(est: np.ndarray, n: np.ndarray, df: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Korn and Graubard's interval for a share of exactly 0% or 100%, where the logit interval
    collapses to a point and the design-based variance is zero: the Clopper-Pearson interval on
    the number of answers (the design effect cannot be estimated, so it is taken as 1), with the
    degrees-of-freedom correction of R's ``svyciprop(method = "beta")``. Elsewhere NaN."""
    from scipy import special  # the t quantile (scipy.stats costs a second to import)

    alpha = 1 - level
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = special.stdtrit(np.maximum(n - 1, 1), alpha / 2) / special.stdtrit(
            np.where(df > 0, df, np.nan), alpha / 2
        )
        n_eff = n * ratio**2
        # x = 0: (0, upper); x = n: (lower, 1), Clopper-Pearson on n_eff trials
        upper_at_0 = special.betaincinv(1.0, n_eff, 1 - alpha / 2)
        lower_at_1 = special.betaincinv(n_eff, 1.0, alpha / 2)
    lo = np.where(est == 0, 0.0, np.where(est == 1, lower_at_1, np.nan))
    hi = np.where(est == 0, upper_at_0, np.where(est == 1, 1.0, np.nan))
    return lo, hi


@dataclass
class _Linearised:
    """A ratio estimate per domain and its linearised values (zero outside the valid answers)."""

    valid_domain: np.ndarray  # domain of each row with a valid answer, -1 otherwise
    n: np.ndarray
    weight_sum: np.ndarray
    estimate: np.ndarray
    z: np.ndarray


def _linearise(y: np.ndarray, w: np.ndarray, dom: np.ndarray, n_dom: int) -> _Linearised:
    """Weighted mean of ``y`` per domain over valid answers and z_i = w_i (y_i - mean_d) / W_d."""
    ok = ~np.isnan(y) & (dom >= 0)
    d_ok = np.where(ok, dom, -1)
    wsum = np.bincount(d_ok[ok], weights=w[ok], minlength=n_dom)
    n = np.bincount(d_ok[ok], minlength=n_dom)
    at = np.maximum(d_ok, 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        est = np.bincount(d_ok[ok], weights=w[ok] * y[ok], minlength=n_dom) / wsum
        z = np.where(ok, w * (np.nan_to_num(y) - est[at]) / wsum[at], 0.0)
    return _Linearised(d_ok, n, wsum, est, z)


ESTIMATE_COLUMNS = [
    "indicator_id",
    "measure",
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "n",
    "weight_sum",
    "df",
    "deff",
    "suppressed",
]


def estimate(
    table: pd.DataFrame,
    codebook=None,
    by: str | list[str] | None = None,
    items: list[str] | None = None,
    level: float = 0.95,
    min_n: int = MIN_RESPONDENTS,
    weight: str = "weight",
    domains: list[str] | None = None,
    lonely_psu: str = "adjust",
    min_df: int = MIN_DF,
    raked: Raked | None = None,
) -> pd.DataFrame:
    """Weighted shares and means with standard errors and confidence intervals.

    Domains are provinces (and ``by``: ``sex``, ``age_group``, ``district``, ``ethnicity``,
    ``urban``, any column), or ``domains`` given in full (``[]`` for the whole table). The
    variance is Taylor-linearised under a stratified cluster design (PSUs within strata
    within provinces), with replacement; the subgroups and the respondents with a valid
    answer are domains, so every PSU of the design counts. Intervals use Student's t with
    the domain's design degrees of freedom (PSUs with a domain member - strata with one, as R's
    ``degf``); shares get the logit interval, and Korn and Graubard's at exactly 0% or 100%
    (``_edge_interval``). Estimates from fewer than ``min_n`` valid answers or on fewer than
    ``min_df`` degrees of freedom (``MIN_DF``) are suppressed (NaN) and flagged. ``raked``: the
    margins ``weight`` was raked to (``Weighting.raked``); the variance then accounts for the
    raking (``_calibrated``), as R's ``survey`` does for a ``rake()`` design.
    """
    codebook = load_codebook(codebook)
    if domains is None:
        by = [by] if isinstance(by, str) else list(by or [])
        domains = ["province_code", *by]
    values = item_values(table, codebook, items)
    measure = {it.indicator_id: it.measure for it in codebook.items}
    design = _Design.of(table)
    dom, labels = _domain_index(table, domains)
    n_dom = len(labels)
    df = _design_df(dom, design, n_dom).astype(float)
    w = table[weight].to_numpy(dtype=float)
    cells = _RakingCells.of(table, raked, design, w)
    from scipy import special

    q = 1 - (1 - level) / 2
    frames = []
    lins = {ind: _linearise(values[ind].to_numpy(), w, dom, n_dom) for ind in values.columns}
    if cells is None:
        variances = {ind: _variance(lin.z, lin.valid_domain, design, n_dom, lonely_psu) for ind, lin in lins.items()}
    else:  # the residuals reach the domain's rows without an answer, and beyond the domain
        zs = [lin.z for lin in lins.values()]
        variances = dict(zip(lins, _raked_variances(zs, dom, w, cells, design, n_dom, lonely_psu)))
    for ind in values.columns:
        y = values[ind].to_numpy()
        lin, var = lins[ind], variances[ind]
        d_ok, n, wsum, est = lin.valid_domain, lin.n, lin.weight_sum, lin.estimate
        ok = d_ok >= 0
        se = np.sqrt(var)
        df_safe = np.where(df > 0, df, np.nan)
        t = special.stdtrit(df_safe, q)
        if measure[ind] == "share":
            with np.errstate(divide="ignore", invalid="ignore"):
                logit = np.log(est / (1 - est))
                half = t * se / (est * (1 - est))
                lo = 1 / (1 + np.exp(-(logit - half)))
                hi = 1 / (1 + np.exp(-(logit + half)))
            edge = (est == 0) | (est == 1)
            edge_lo, edge_hi = _edge_interval(est, n, df, level)
            lo, hi = np.where(edge, edge_lo, lo), np.where(edge, edge_hi, hi)
        else:
            lo, hi = est - t * se, est + t * se
        with np.errstate(divide="ignore", invalid="ignore"):
            # design effect: the variance over that of a simple random sample of the same size
            # (weighted element variance with the n/(n-1) correction, divided by n)
            s2 = np.bincount(d_ok[ok], weights=w[ok] * (y[ok] - est[d_ok[ok]]) ** 2, minlength=n_dom) / wsum
            deff = var / (s2 / np.maximum(n - 1, 1))
        # too few answers, or too few PSUs to estimate a variance from (1-2 degrees of freedom)
        suppressed = (n < min_n) | (df < min_df)
        part = labels.copy()
        part["indicator_id"] = ind
        part["measure"] = measure[ind]
        part["estimate"] = np.where(suppressed, np.nan, est)
        part["se"] = np.where(suppressed, np.nan, se)
        part["ci_low"] = np.where(suppressed, np.nan, lo)
        part["ci_high"] = np.where(suppressed, np.nan, hi)
        part["n"] = n
        part["weight_sum"] = wsum
        part["df"] = df
        part["deff"] = np.where(suppressed, np.nan, deff)
        part["suppressed"] = suppressed
        frames.append(part[part["n"] > 0] if domains else part)
    out = pd.concat(frames, ignore_index=True)
    return out[[*domains, *ESTIMATE_COLUMNS]]


def estimate_groups(table: pd.DataFrame, codebook=None, groups=GROUP_VARS, **kwargs) -> pd.DataFrame:
    """Province estimates and each subgroup's in one long table with ``group_var`` and
    ``group_value`` (``all`` for the province as a whole)."""
    parts = [estimate(table, codebook, **kwargs).assign(group_var="all", group_value="all")]
    for g in groups:
        if g not in table.columns:
            continue
        part = estimate(table, codebook, by=g, **kwargs)
        parts.append(part.rename(columns={g: "group_value"}).assign(group_var=g))
    out = pd.concat(parts, ignore_index=True)
    out["group_value"] = out["group_value"].astype(str)
    return out


def score_estimates(
    table: pd.DataFrame,
    year: int,
    codebook=None,
    level: float = 0.95,
    weight: str = "weight",
    domains: list[str] | None = None,
    min_n: int = MIN_RESPONDENTS,
    lonely_psu: str = "adjust",
    raked: Raked | None = None,
) -> pd.DataFrame:
    """Sub-dimension and Dimension 7 scores per province with standard errors.

    A score is ``lo + (hi - lo) * mean of normalised indicators`` (``catalogue.score``), a
    linear function of the indicator estimates; its linearised value is the same function of
    the indicators' linearised values, so its standard error accounts for the covariance of
    answers given by the same respondents. Suppressed indicators are left out, as in
    ``catalogue.score_subdimensions``. Intervals: Wald with Student's t (design df). ``raked``:
    as in ``estimate``."""
    codebook = load_codebook(codebook)
    domains = ["province_code"] if domains is None else domains
    values = item_values(table, codebook)
    design = _Design.of(table)
    dom, labels = _domain_index(table, domains)
    n_dom = len(labels)
    w = table[weight].to_numpy(dtype=float)
    cells = _RakingCells.of(table, raked, design, w)

    def variance(z):
        if cells is None:
            return _variance(z, dom, design, n_dom, lonely_psu)
        return _raked_variances([z], dom, w, cells, design, n_dom, lonely_psu)[0]

    from scipy import special

    est, zs, ns = {}, {}, {}
    for ind in values.columns:
        lin = _linearise(values[ind].to_numpy(), w, dom, n_dom)
        est[ind], zs[ind], ns[ind] = lin.estimate, lin.z, lin.n
    q = 1 - (1 - level) / 2
    rows = []
    sub_scores, sub_z = {}, {}
    for sub in SCORED_SUBDIMENSIONS:
        members = [c for c in children(sub) if c in est]
        if not members:
            continue
        lo, hi = score_scale(sub, year)
        usable = np.column_stack([ns[c] >= min_n for c in members])  # domain x member
        count = usable.sum(axis=1)
        share = np.where(count > 0, (hi - lo) / np.maximum(count, 1), np.nan)
        score = np.where(count > 0, lo, np.nan)
        z = np.zeros(len(table))
        for j, c in enumerate(members):
            a, b, direction = normalise_bounds(c)
            norm = (est[c] - a) / (b - a)
            norm = norm if direction > 0 else 1 - norm
            score = score + np.where(usable[:, j], share * np.nan_to_num(norm), 0.0)
            coef = np.where(usable[:, j], np.nan_to_num(share) * direction / (b - a), 0.0)
            z += np.where(dom >= 0, coef[np.maximum(dom, 0)], 0.0) * zs[c]
        sub_scores[sub], sub_z[sub] = score, z
        rows.append((sub, score, variance(z), count))
    if all(s in sub_scores for s in ("papi.d7.1", "papi.d7.2", "papi.d7.3")):
        score = sub_scores["papi.d7.1"] + sub_scores["papi.d7.2"] + sub_scores["papi.d7.3"]
        z = sub_z["papi.d7.1"] + sub_z["papi.d7.2"] + sub_z["papi.d7.3"]
        rows.append(("papi.d7", score, variance(z), np.full(n_dom, 3)))
    df = _design_df(dom, design, n_dom).astype(float)
    frames = []
    for ind, score, var, count in rows:
        se = np.sqrt(var)
        t = special.stdtrit(np.where(df > 0, df, np.nan), q)
        part = labels.copy()
        part["indicator_id"] = ind
        part["score"] = score
        part["se"] = np.where(np.isnan(score), np.nan, se)
        part["ci_low"] = score - t * se
        part["ci_high"] = score + t * se
        part["df"] = df
        part["indicators_used"] = count
        frames.append(part)
    return pd.concat(frames, ignore_index=True)
