"""Decision 766/QĐ-TTg processing indicators from the canonical dossier table (docs/methods.md, "Dossiers"):
received, resolved, on time, late, returned, backlog and the rates, by any breakdown, and the
leader's summary. docs/methods.md explains every rule.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from govgap.estimate.dossier_rules import VALUE_RULES, Cells, count
from govgap.io import _fast as fast
from govgap.reference.dossier_metric_table import Rules, output_metrics, rules, shown_in
from govgap.sources.dossiers import CHANNELS, STATUSES


def metric_columns() -> list[str]:
    """The columns of a metric table (the ``output`` rows of dossier_metrics.csv, in its order)."""
    return output_metrics()


def _metric_flags(t: pd.DataFrame, columns=()) -> dict:
    """Per-dossier flags behind every metric (computed once, aggregated per breakdown).

    Every count flag is a function of a few small codes (status, received in the period,
    channel, the D2 verdict, fee and online payment), so each dossier gets one ``cell`` number
    for its combination and ``cell_flags[cell, k]`` says whether count ``k`` includes it: a
    breakdown then needs one bincount of (group, cell) instead of one per flag.

    With ``columns`` (the grouping columns of several breakdowns to come), the dossiers are
    first summed per combination of those columns and cell ("rows": count, sums and numbers
    of values for the means); every breakdown by a subset of ``columns`` then adds up these
    rows instead of the dossiers."""
    status = (
        t["status"].cat.codes.to_numpy()
        if isinstance(t["status"].dtype, pd.CategoricalDtype)
        else pd.Categorical(t["status"], categories=STATUSES).codes
    )
    in_period = ~t["carried_over"].to_numpy(bool)
    paid = t["paid_online"].to_numpy(bool)
    if "fee" in t and t["fee"].notna().any():
        fee_base = (t["fee"].fillna(0) > 0).to_numpy()
        payment_base = "dossiers with a fee"
    else:
        paying = t.loc[paid, "procedure"].unique()
        fee_base = t["procedure"].isin(paying).to_numpy()
        payment_base = "dossiers of procedures with any online payment (no fee column)"
    channel = pd.Categorical(t["channel"], categories=CHANNELS).codes
    on_time = t["on_time"]
    verdict = np.where(
        on_time.isna().to_numpy(), np.int8(0), np.where(on_time.fillna(False).to_numpy(bool), np.int8(2), np.int8(1))
    )
    # cell = status x in period x channel (3 = unknown) x verdict (none/late/on time) x fee x paid
    sizes = (len(STATUSES), 2, len(CHANNELS) + 1, 3, 2, 2)
    parts = (status, in_period, np.where(channel < 0, len(CHANNELS), channel).astype(np.int8), verdict, fee_base, paid)
    cell = np.zeros(len(t), dtype=np.int16)  # fewer than 32,768 cells; worked on in place
    for part, size in zip(parts, sizes):
        cell *= size
        cell += part
    plan = rules()
    means = {metric: VALUE_RULES[rule](t) for metric, rule in plan.means}
    flags = {
        "n_cells": int(np.prod(sizes)),
        "count_names": [metric for metric, _ in plan.counts],
        "cell_flags": _cell_flags(plan, sizes),
        "payment_base": payment_base,
        "columns": {},
        "weight": None,
        "cell": cell,
        "sums": {k: np.nan_to_num(v) for k, v in means.items()},
        "numbers": {k: ~np.isnan(v) for k, v in means.items()},
    }
    columns = list(dict.fromkeys(columns))
    if not columns or not len(t):
        return flags
    levels = {col: _levels(t[col]) for col in columns}
    key = np.zeros(len(t), dtype=np.int64)  # worked on in place
    for col in columns:  # a blank value gets its own code (len(uniques)), left out when grouping
        codes, uniques = levels[col]
        key *= len(uniques) + 1
        key += codes
        if codes.min(initial=0) < 0:
            key[codes < 0] += len(uniques) + 1
    key *= flags["n_cells"]
    key += cell
    row, distinct = pd.factorize(key)
    n_rows = len(distinct)
    flags["weight"] = np.bincount(row, minlength=n_rows).astype(float)
    flags["sums"] = {k: np.bincount(row, weights=v, minlength=n_rows) for k, v in flags["sums"].items()}
    flags["numbers"] = {k: np.bincount(row, weights=v, minlength=n_rows) for k, v in flags["numbers"].items()}
    rest = np.asarray(distinct, dtype=np.int64)
    flags["cell"] = rest % flags["n_cells"]
    rest = rest // flags["n_cells"]
    for col in reversed(columns):
        codes, uniques = levels[col]
        size = len(uniques) + 1
        flags["columns"][col] = (np.where(rest % size == len(uniques), -1, rest % size), uniques)
        rest = rest // size
    return flags


@lru_cache(maxsize=4)
def _cell_flags(plan: Rules, sizes: tuple[int, ...]) -> np.ndarray:
    """``cell_flags[cell, k]``: whether count ``k`` of ``plan`` includes the dossiers of ``cell``.
    The same for every table of one metric table: worked out once, not once per breakdown."""
    cells = Cells(*np.indices(sizes).reshape(len(sizes), -1))  # every combination, in cell order
    flags = np.column_stack([count(rule, cells) for _, rule in plan.counts]).astype(np.int64)
    flags.flags.writeable = False  # shared by every call
    return flags


def _levels(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """``pd.factorize(values, sort=True)``; a categorical whose categories all occur (as the
    cleaned table's, see ``fast.drop_unused``) gives its own codes, without hashing every row."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes = values.cat.codes.to_numpy()
        if fast.used(codes, len(values.cat.categories)).all():
            return codes, values.cat.categories
    return pd.factorize(values, sort=True)


def _by_columns(by) -> list[str]:
    """A breakdown's grouping columns: None (the total), one column or several."""
    return [by] if isinstance(by, str) else list(by or [])


def metrics(table: pd.DataFrame, by: list[str] | str | None = None, _flags: dict | None = None) -> pd.DataFrame:
    """Decision 766 processing indicators (docs/methods.md, "Dossiers") per group of ``by`` (e.g.
    ["office"], ["field"], ["procedure"], ["month"]); one row for the whole table when None.

    * on_time_rate (2.1): dossiers resolved or returned on time, plus those still in progress
      within their time limit, over all dossiers except withdrawn ones;
    * resolved_on_time_rate: early or on-time share among resolved dossiers (the figure of
      provincial monthly reports);
    * mean_processing_working_days (2.2): completed dossiers, working days less supplement time;
    * online_share / postal_share (3.3): of dossiers received in the period;
    * online_payment_share (3.6): dossiers paid online over dossiers with a fee (the fee
      column when the export has one; otherwise over dossiers of procedures with any online
      payment, reported in ``payment_base``);
    * backlog: in progress at the end of the period, of which overdue_in_progress.
    Shares are 0-1; a share with a zero denominator is NaN (shown as "-").
    """
    by = _by_columns(by)
    flags = _flags if _flags is not None and set(by) <= set(_flags["columns"]) else _metric_flags(table, by)
    weight, cell = flags["weight"], flags["cell"]
    n = len(cell)
    if by:
        combined, valid, levels = np.zeros(n, dtype=np.int64), np.ones(n, dtype=bool), []
        for col in by:
            codes, uniques = flags["columns"][col]
            levels.append((uniques, len(uniques)))
            valid &= codes >= 0
            combined = combined * max(len(uniques), 1) + np.maximum(codes, 0)
        seen = np.bincount(combined[valid], minlength=1) > 0  # groups that occur, in sorted order
        present = np.flatnonzero(seen)
        position = np.cumsum(seen) - 1
        group = np.where(valid, position[combined], -1)
        n_groups = len(present)
        labels = {}
        rest = present
        for col, (uniques, size) in zip(reversed(by), reversed(levels)):
            labels[col] = np.asarray(uniques, dtype=object)[rest % max(size, 1)] if size else np.array([], dtype=object)
            rest = rest // max(size, 1)
    else:
        group, n_groups = np.zeros(n, dtype=np.int64), 1
    valid = group >= 0  # rows whose group value is blank are left out of grouped tables
    some_blank = not valid.all()
    if some_blank:
        group, cell = group[valid], cell[valid]
        weight = weight[valid] if weight is not None else None
    n_cells, cell_flags = flags["n_cells"], flags["cell_flags"]
    if n_groups * n_cells <= 20_000_000:
        per_cell = np.bincount(group * n_cells + cell, weights=weight, minlength=n_groups * n_cells)
        # einsum, not ``@``: a matrix product starts OpenBLAS's threads, which then spin for a
        # while and take a core from the parquet writer that runs meanwhile
        counts = np.einsum("gc,ck->gk", per_cell.reshape(n_groups, n_cells), cell_flags)
    else:  # very many groups: one bincount per count instead of a (group x cell) table
        counts = np.column_stack(
            [
                np.bincount(group, weights=cell_flags[cell, k] * (1 if weight is None else weight), minlength=n_groups)
                for k in range(cell_flags.shape[1])
            ]
        )

    out = pd.DataFrame(np.rint(counts), columns=flags["count_names"]).astype("int64")
    for metric, numerator, denominator in rules().shares:  # shares 0-1; NaN over 0
        below = out[denominator].to_numpy(dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            out[metric] = np.where(below > 0, out[numerator].to_numpy(dtype=float) / below, np.nan)
    for name, sums in flags["sums"].items():
        numbers = flags["numbers"][name]
        if some_blank:
            sums, numbers = sums[valid], numbers[valid]
        total = np.bincount(group, weights=sums, minlength=n_groups)
        count = np.bincount(group, weights=numbers, minlength=n_groups)
        out[name] = np.where(count > 0, total / np.maximum(count, 1), np.nan)
    out = out[metric_columns()].assign(payment_base=flags["payment_base"])
    if not by:
        return out
    return pd.concat([pd.DataFrame({col: labels[col] for col in by}), out], axis=1)


BREAKDOWNS = {
    "total": None,
    "office": ["office"],
    "field": ["field"],
    "procedure": ["procedure"],
    "month": ["month"],
    "office_procedure": ["office", "procedure"],
}


def metric_tables(table: pd.DataFrame, breakdowns: dict | None = None) -> dict[str, pd.DataFrame]:
    """Every standard breakdown of ``metrics`` at once (the per-dossier flags are computed once):
    total, office, field, procedure, month and office x procedure."""
    breakdowns = breakdowns or BREAKDOWNS
    flags = _metric_flags(table, [col for by in breakdowns.values() for col in _by_columns(by)])
    return {name: metrics(table, by, _flags=flags) for name, by in breakdowns.items()}


def leader_summary(table: pd.DataFrame, tables: dict | None = None) -> pd.Series:
    """The one-line answer for leaders: the ``summary`` rows of dossier_metrics.csv (received, of
    which online, by post, carried over; resolved early / on time / late; returned, withdrawn, in
    progress, of which overdue; the 2.1 on-time rate ...). ``tables``: ``metric_tables(table)``
    if already computed (its total is used)."""
    row = (tables["total"] if tables and "total" in tables else metrics(table)).iloc[0]
    return row[list(shown_in("summary")["metric"])]
