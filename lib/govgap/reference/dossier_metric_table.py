"""The Decision 766 dossier metrics, declared in one table (``govgap/data/dossier_metrics.csv``).

One row per metric: ``kind`` (count, share or mean), its ``rule`` (a count or value rule of
``govgap.estimate.dossier_rules``, or ``status=a|b`` for the dossiers in those statuses), the
``numerator`` and ``denominator`` of a share (two count metrics), its ``unit`` (count, share 0-1,
days), the Decision 766 item, whether it is an ``output`` column of the metric tables, its place
in the leader's ``summary``, the ``notebook`` display and the ``report`` table (blank: not shown),
the report's column text key, and its labels. The engine, the leader's summary, the notebook
display and the report all read this table; adding a metric is a row (and, where no rule fits,
one rule function).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import pandas as pd

from govgap.errors import InputError

KINDS = ("count", "share", "mean")
UNITS = ("count", "share", "days")
SOURCE = "dossier_metrics.csv"  # in govgap/data; a test may point it at a file of its own (absolute path)


@lru_cache(maxsize=4)
def _read(source: str) -> pd.DataFrame:
    location = Path(source) if Path(source).is_absolute() else resources.files("govgap.data").joinpath(source)
    with location.open("rb") as fh:
        table = pd.read_csv(fh, dtype=str, keep_default_na=False)
    _check(table, source)
    for col in ("summary", "notebook", "report"):  # places: a number, or blank for "not shown"
        table[col] = pd.to_numeric(table[col], errors="coerce")
    table["output"] = table["output"].eq("yes")
    return table.set_index("metric", drop=False)


def _check(table: pd.DataFrame, source: str) -> None:
    """Every row names a known kind and unit; a share's parts are count metrics of the table."""
    counts = set(table.loc[table["kind"] == "count", "metric"])
    for i, row in enumerate(table.itertuples(index=False), start=2):
        where = f"{source}, row {i} ({row.metric})"
        if row.kind not in KINDS:
            raise InputError(
                f"{where}, column kind: {row.kind!r} is not one of {', '.join(KINDS)}",
                file=source,
                row=i,
                column="kind",
            )
        if row.unit not in UNITS:
            raise InputError(
                f"{where}, column unit: {row.unit!r} is not one of {', '.join(UNITS)}",
                file=source,
                row=i,
                column="unit",
            )
        if row.kind == "share" and not {row.numerator, row.denominator} <= counts:
            raise InputError(f"{where}: a share's numerator and denominator must be count metrics", file=source, row=i)
        if row.kind != "share" and not row.rule:
            raise InputError(f"{where}, column rule: a {row.kind} needs a rule", file=source, row=i, column="rule")
    if table["metric"].duplicated().any():
        raise InputError(
            f"{source}: metric {table.loc[table['metric'].duplicated(), 'metric'].iloc[0]!r} twice", file=source
        )


def metric_table() -> pd.DataFrame:
    """The metric table, indexed by metric (read once)."""
    return _read(SOURCE)


def output_metrics() -> list[str]:
    """The columns of a metric table, in the table's order."""
    return list(rules().outputs)


@dataclass(frozen=True)
class Rules:
    """The metric table as the engine reads it for every breakdown: (metric, rule) of the counts
    and the means, (metric, numerator, denominator) of the shares, the output columns in order."""

    counts: tuple[tuple[str, str], ...]
    means: tuple[tuple[str, str], ...]
    shares: tuple[tuple[str, str, str], ...]
    outputs: tuple[str, ...]


def rules() -> Rules:
    """The rules of the metric table in use (read from it once)."""
    return _rules(SOURCE)


@lru_cache(maxsize=4)
def _rules(source: str) -> Rules:
    t = _read(source)
    kind = t["kind"]
    return Rules(
        counts=tuple(zip(t.loc[kind == "count", "metric"], t.loc[kind == "count", "rule"])),
        means=tuple(zip(t.loc[kind == "mean", "metric"], t.loc[kind == "mean", "rule"])),
        shares=tuple(
            zip(
                t.loc[kind == "share", "metric"],
                t.loc[kind == "share", "numerator"],
                t.loc[kind == "share", "denominator"],
            )
        ),
        outputs=tuple(t.loc[t["output"], "metric"]),
    )


def shown_in(place: str) -> pd.DataFrame:
    """The rows shown in ``place`` ("summary", "notebook" or "report"), in their order there."""
    t = metric_table()
    return t[t[place].notna()].sort_values(place, kind="stable")


def label(metric: str, lang: str) -> str:
    row = metric_table().loc[metric]
    return row[f"label_{lang}"]
