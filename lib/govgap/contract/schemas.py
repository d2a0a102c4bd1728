"""The schemas of the processed tables (pandera), and one way to check a table against its schema.

The processed store writes no table that breaks its schema and checks the small tables again when
they are read, so a report never works on a table of the wrong shape; a failure is a
``ContractError`` listing each failing column and check with examples. The schemas
(``schemas.QUARANTINE`` and the others of ``SCHEMAS``) are built the first time one is asked for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from govgap.contract.quarantine import COLUMNS as QUARANTINE_COLUMNS
from govgap.errors import ContractError

if TYPE_CHECKING:
    import pandera.pandas as pa


def check(table: pd.DataFrame, schema: pa.DataFrameSchema, name: str) -> pd.DataFrame:
    """``table`` validated against ``schema``; raises ``ContractError`` naming ``name`` and every
    failing column and check (three examples each). An empty table needs only the columns."""
    import pandera.errors

    if table.empty:  # an input that is absent gives a table with the columns and no types to check
        missing = [c for c in schema.columns if c not in table.columns]
        if missing:
            raise ContractError(f"the {name} table does not match its schema: columns missing: {', '.join(missing)}")
        return table
    try:
        return schema.validate(table, lazy=True)
    except pandera.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        lines = []
        for (column, rule), sub in cases.groupby(["column", "check"], dropna=False, sort=False):
            examples = ", ".join(f"{v!r} (row {i})" for v, i in zip(sub["failure_case"].head(3), sub["index"].head(3)))
            lines.append(f"  {column if column == column else 'table'}: {rule}: {len(sub)} failure(s), e.g. {examples}")
        raise ContractError(f"the {name} table does not match its schema:\n" + "\n".join(lines)) from exc


SCHEMAS = (
    "QUARANTINE",
    "DOSSIER_RATES",
    "SURVEY_ESTIMATES",
    "SURVEY_SCORES",
    "SURVEY_WEIGHTING",
    "CLEANED_DOSSIERS",
    "CONTEXT",
    "CONTEXT_AGENCIES",
    "DOSSIER_TARGETS",
    "CONTEXT_TARGETS",
)
_BUILT: dict = {}


def __getattr__(name: str):
    """``schemas.QUARANTINE`` and the others, built on first use: pandera costs 0.7 s to import,
    which a command that checks no table (a no-op rerun of ``govgap reports``) need not pay."""
    if name not in SCHEMAS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    if not _BUILT:
        _BUILT.update(_build())
    return _BUILT[name]


def _build() -> dict:
    import pandera.pandas as pa

    _SHARE = pa.Check.in_range(0, 1)
    _TEXT = pa.Column(str, nullable=True, coerce=True)
    _CI_ORDERED = pa.Check(
        lambda df: df["ci_low"].isna() | df["ci_high"].isna() | (df["ci_low"] <= df["ci_high"]),
        error="ci_low <= ci_high",
    )

    QUARANTINE = pa.DataFrameSchema(
        {
            **{c: _TEXT for c in QUARANTINE_COLUMNS},
            "input": pa.Column(str, pa.Check.isin(["dossiers", "survey", "context"]), coerce=True),
            "source": pa.Column(str, coerce=True),
            "row": pa.Column("Int64", pa.Check.ge(1), nullable=True),
            "reason": pa.Column(str, pa.Check(lambda s: s.str.len() > 0, error="every row has a reason"), coerce=True),
        },
        strict=True,
    )

    DOSSIER_RATES = pa.DataFrameSchema(
        {
            "province_code": pa.Column(str, coerce=True),
            "year": pa.Column(int, pa.Check.in_range(2000, 2100)),
            "received": pa.Column(int, pa.Check.ge(0)),
            "on_time_rate": pa.Column(float, _SHARE, nullable=True),
            "online_share": pa.Column(float, _SHARE, nullable=True),
        },
        checks=[
            pa.Check(lambda df: df["resolved"] <= df["received"], error="resolved <= received"),
            pa.Check(lambda df: df["on_time_or_within"] <= df["judged"], error="on time <= judged"),
        ],
        strict=False,
    )

    SURVEY_ESTIMATES = pa.DataFrameSchema(
        {
            "province_code": pa.Column(str, coerce=True),
            "indicator_id": pa.Column(str, coerce=True),
            "estimate": pa.Column(float, nullable=True),
            "se": pa.Column(float, pa.Check.ge(0), nullable=True),
            "n": pa.Column(int, pa.Check.ge(0)),
            "suppressed": pa.Column(bool),
            "year": pa.Column(int),
        },
        checks=[
            _CI_ORDERED,
            pa.Check(lambda df: df["estimate"].notna() | df["suppressed"], error="a missing estimate is suppressed"),
        ],
        strict=False,
    )

    SURVEY_SCORES = pa.DataFrameSchema(
        {
            "province_code": pa.Column(str, coerce=True),
            "indicator_id": pa.Column(str, coerce=True),
            "score": pa.Column(float, nullable=True),
            "se": pa.Column(float, pa.Check.ge(0), nullable=True),
            "indicators_used": pa.Column(int, pa.Check.ge(0)),
            "year": pa.Column(int, pa.Check.in_range(2000, 2100)),
        },
        checks=[_CI_ORDERED],
        strict=False,
    )

    SURVEY_WEIGHTING = pa.DataFrameSchema(
        {
            "group": pa.Column(str, coerce=True),
            "variable": pa.Column(str, coerce=True),
            "category": pa.Column(str, coerce=True),
            "target": pa.Column(float, pa.Check.ge(0)),
            "weighted_before": pa.Column(float, pa.Check.ge(0)),
            "weighted_after": pa.Column(float, pa.Check.ge(0)),
            "difference": pa.Column(float),
            "year": pa.Column(int, pa.Check.in_range(2000, 2100)),
        },
        strict=True,
    )

    _DOSSIER_STATUSES = ["early", "on_time", "late", "in_progress", "overdue_in_progress", "returned", "withdrawn"]
    CLEANED_DOSSIERS = pa.DataFrameSchema(
        {
            "province_code": pa.Column(str, coerce=True),
            "dossier_id": pa.Column(str, nullable=True, coerce=True),
            "office": pa.Column(nullable=False),
            "channel": pa.Column(checks=pa.Check.isin(["in_person", "online", "postal"]), nullable=True),
            "received": pa.Column("datetime64[ns]", nullable=False),
            "finished": pa.Column("datetime64[ns]", nullable=True),
            "status": pa.Column(checks=pa.Check.isin(_DOSSIER_STATUSES)),
            "supplements": pa.Column(int, pa.Check.ge(0)),
            "source_row": pa.Column(int, pa.Check.ge(1)),
        },
        checks=[
            pa.Check(
                lambda df: df["finished"].isna() | (df["finished"] >= df["received"].dt.normalize()),
                error="finished on or after received",
            )
        ],
        strict=False,
    )

    _CONTEXT_COLUMNS = {
        "source": pa.Column(str, pa.Check.isin(["SIPAS", "PAR_INDEX", "TASKS"]), coerce=True),
        "year": pa.Column(int, pa.Check.in_range(2000, 2100)),
        "province_code": pa.Column(str, coerce=True),
        "indicator_id": pa.Column(str, coerce=True),
        "value": pa.Column(float, nullable=True),
        "suppressed": pa.Column(bool),
    }
    CONTEXT = pa.DataFrameSchema(
        _CONTEXT_COLUMNS,
        checks=[
            pa.Check(
                lambda df: df["value"].isna() | df["scale_min"].isna() | (df["value"] >= df["scale_min"] - 1e-9),
                error="value within its scale (minimum)",
            ),
            pa.Check(
                lambda df: df["value"].isna() | df["scale_max"].isna() | (df["value"] <= df["scale_max"] + 1e-9),
                error="value within its scale (maximum)",
            ),
        ],
        strict=False,
    )
    CONTEXT_AGENCIES = CONTEXT.add_columns({"agency": pa.Column(str, coerce=True)})
    DOSSIER_TARGETS = pa.DataFrameSchema(
        {
            "metric": pa.Column(str, coerce=True),
            "field": pa.Column(str, coerce=True),
            "province_code": pa.Column(str, coerce=True),
            "year": pa.Column(int, pa.Check.in_range(2000, 2100)),
            "target": pa.Column(float, pa.Check.ge(0)),
            "own": pa.Column(bool),
        },
        strict=False,
    )

    CONTEXT_TARGETS = pa.DataFrameSchema(
        {
            "source": pa.Column(str, coerce=True),
            "year": pa.Column(int, pa.Check.in_range(2000, 2100)),
            "indicator_id": pa.Column(str, coerce=True),
            "target": pa.Column(float),
        },
        strict=False,
    )

    return {name: value for name, value in locals().items() if name in SCHEMAS}
