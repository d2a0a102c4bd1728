"""The targets a department holds its dossier figures to (the on-time rate of Decision 766, item
2.1, above all): the built-in ``govgap/data/dossier_targets.csv`` and the department's own
``dossier_targets.csv`` beside its exports (``<data>/dossiers/``), same columns.

A row is a metric of ``dossier_metrics.csv`` (in its unit: "90%", "0,9" and "90" are one share),
optionally one field of procedures ("Đất đai") and one province, for a span of years. The most
specific row wins: the department's over the built-in, a province's over every province's, a
field's over every field's. Its basis is printed beside the target, so a reader knows whose it is.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pandas as pd

from govgap.errors import InputError
from govgap.reference.dossier_metric_table import metric_table
from govgap.reference.provinces import find_province
from govgap.sources.context import _read_year, read_number

COLUMNS = ["metric", "field", "province", "year_from", "year_to", "target", "basis_vi", "basis_en"]
TARGET_COLUMNS = [
    "metric",
    "field",
    "province_code",
    "province_code_2025",
    "year",
    "target",
    "basis_vi",
    "basis_en",
    "own",
]
FILE = "dossier_targets.csv"


class DossierTargetError(InputError):
    """A dossier target row that cannot be used; names the file, row and column."""


def _target_value(cell: str, unit: str) -> float:
    """A target in its metric's unit: a share as departments write it (``read_number``), days as
    a plain number with a decimal comma or point ("7,5")."""
    if unit != "days":
        return read_number(cell, unit)
    try:
        value = float(cell.strip().replace(",", "."))
    except ValueError:
        raise ValueError(f"{cell!r} is not a number of days") from None
    if not 0 <= value < 1000:
        raise ValueError(f"{cell!r} is not a number of days")
    return value


def _rows(name: str, table: pd.DataFrame, own: bool) -> list[dict]:
    missing = [c for c in COLUMNS if c not in table.columns]
    if missing:
        raise DossierTargetError(
            f"{name}: cột {', '.join(missing)} bị thiếu; chép dòng tiêu đề của govgap/data/{FILE} "
            f"(columns {', '.join(missing)} missing; copy the header of govgap/data/{FILE})",
            file=name,
            column=missing[0],
        )
    metrics = metric_table()
    out = []
    for i, row in enumerate(table.itertuples(index=False), start=2):
        where = dict(file=name, row=i)
        if row.metric not in metrics.index:
            raise DossierTargetError(
                f"{name}, dòng {i}, cột metric: {row.metric!r} không phải chỉ tiêu trong dossier_metrics.csv "
                f"(row {i}, column metric: {row.metric!r} is not a metric of dossier_metrics.csv)",
                column="metric",
                **where,
            )
        column = "target"
        try:
            value = _target_value(row.target, str(metrics.loc[row.metric, "unit"]))
            column = "year_from"
            y0 = _read_year(row.year_from)
            column = "year_to"
            y1 = _read_year(row.year_to)
            column = "province"
            place = find_province(row.province) if row.province.strip() else None
        except (ValueError, LookupError) as exc:
            raise DossierTargetError(
                f"{name}, dòng {i}, cột {column}: {exc} (row {i}, column {column})", column=column, **where
            ) from None
        if value != value:
            raise DossierTargetError(
                f"{name}, dòng {i}, cột target: {row.target!r} không phải một mục tiêu "
                f"(row {i}, column target: {row.target!r} is not a target)",
                column="target",
                **where,
            )
        if y1 < y0:
            raise DossierTargetError(
                f"{name}, dòng {i}, cột year_to: năm kết thúc trước năm bắt đầu "
                f"(row {i}, column year_to: year_to before year_from)",
                column="year_to",
                **where,
            )
        for year in range(y0, y1 + 1):
            out.append(
                {
                    "metric": row.metric,
                    "field": row.field.strip(),
                    "province_code": place.code if place else "",  # of the 63
                    "province_code_2025": place.new_code if place else "",  # of the 34
                    "year": year,
                    "target": value,
                    "basis_vi": row.basis_vi,
                    "basis_en": row.basis_en,
                    "own": own,
                }
            )
    return out


def targets(extra: str | Path | None = None) -> pd.DataFrame:
    """Every target by metric, field, province code ("" = every province) and year
    (TARGET_COLUMNS; ``own`` marks the department's rows): the built-in table, then ``extra``."""
    with resources.files("govgap.data").joinpath(FILE).open("rb") as fh:
        rows = _rows(f"govgap/data/{FILE}", pd.read_csv(fh, dtype=str, keep_default_na=False), own=False)
    if extra is not None and Path(extra).exists():
        table = pd.read_csv(extra, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        rows += _rows(str(Path(extra).name), table, own=True)
    return pd.DataFrame(rows, columns=TARGET_COLUMNS)


def target_for(
    table: pd.DataFrame, metric: str, province_code: str, year: int, field: str = "", units: str = "34"
) -> pd.Series | None:
    """The target that applies to a province's metric in a year (of one field, or of all its
    dossiers with ``field=""``; ``province_code`` one of the 34, or of the 63 with ``units="63"``):
    the department's before the built-in, a province's before every province's, a field's before
    every field's; None when there is none."""
    codes = table["province_code_2025" if units == "34" else "province_code"]
    hit = table[
        (table["metric"] == metric)
        & (table["year"] == int(year))
        & codes.isin([province_code, ""])
        & table["field"].isin([field, ""])
    ]
    if hit.empty:
        return None
    rank = hit.assign(
        _own=hit["own"].astype(bool), _prov=codes[hit.index] != "", _field=hit["field"] != ""
    ).sort_values(["_own", "_prov", "_field"], kind="stable")
    return hit.loc[rank.index[-1]]
