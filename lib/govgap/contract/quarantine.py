"""One quarantine schema for the processed store.

Each reader quarantines rows in the shape that suits its input (a dossier's id and source row, a
respondent's id, a context table's cell). The processed store keeps them in one table with one
schema: which input (``input``: dossiers, survey or context), ``source`` (the path under the data
folder), ``file``, ``sheet``, ``row`` (as the user sees it), ``record_id`` (dossier or respondent
id), ``column``, ``value``, ``reason`` and, where the input belongs to one province (a dossier
export), ``province_code``.
"""

from __future__ import annotations

import pandas as pd

from govgap.redact import redact

COLUMNS = ["input", "source", "file", "sheet", "row", "record_id", "column", "value", "reason", "province_code"]

# each reader's own column names -> the store's
_NATIVE = {
    "dossiers": {"source_file": "file", "source_sheet": "sheet", "source_row": "row", "dossier_id": "record_id"},
    "survey": {"respondent_id": "record_id"},
    "context": {},
}


# an id is an id, kept for tracing the row, unless it holds text (a raw line, a note) or looks personal
_ID_COLUMNS = ("record_id", "dossier_id", "respondent_id")
_TEXT_COLUMNS = ("value", "reason")


def redacted(quarantine: pd.DataFrame) -> pd.DataFrame:
    """A quarantine with the personal data masked wherever data is echoed (``govgap.redact``): the
    offending value and the reason always; an id when it is long or has spaces (a line read with
    the wrong delimiter puts the whole line there) or holds a phone number, an ID number or an
    e-mail address. Every reader's quarantine passes through here before it is returned."""
    if quarantine.empty:
        return quarantine
    out = quarantine.copy()
    for col in _TEXT_COLUMNS:
        if col in out:
            out[col] = [redact(v) if isinstance(v, str) else v for v in out[col]]
    for col in _ID_COLUMNS:
        if col in out:
            out[col] = [redact(v) for v in out[col]]
    return out


def common(quarantine: pd.DataFrame, kind: str, province_code: str | None = None) -> pd.DataFrame:
    """A reader's quarantine in the store's schema (text columns as text, ``row`` a nullable
    integer). ``kind``: dossiers, survey or context."""
    out = quarantine.rename(columns=_NATIVE[kind]).reindex(columns=COLUMNS)
    out["input"] = kind
    if province_code is not None:
        out["province_code"] = province_code
    if kind != "dossiers":  # one file per source: its name
        out["file"] = [str(s).rsplit("/", 1)[-1] for s in out["source"]]
    out["row"] = pd.to_numeric(out["row"], errors="coerce").astype("Int64")
    for col in COLUMNS:
        if col != "row":
            out[col] = [None if pd.isna(v) else str(v) for v in out[col]]
    return out[COLUMNS]  # the readers' quarantines are already ``redacted``


def combine(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """The store's quarantine table from the ``common`` parts (an empty table with the schema
    when nothing was quarantined)."""
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype="Int64" if c == "row" else object) for c in COLUMNS})
    return pd.concat(parts, ignore_index=True)[COLUMNS]


def reasons(quarantine: pd.DataFrame) -> pd.DataFrame:
    """Quarantined rows per reason, most frequent first (ties by reason)."""
    if quarantine.empty:
        return pd.DataFrame({"reason": [], "rows": []})
    return (
        quarantine.groupby("reason")
        .size()
        .rename("rows")
        .reset_index()
        .sort_values(["rows", "reason"], ascending=[False, True], ignore_index=True)
    )


def values_of(quarantine: pd.DataFrame, reason_start: str) -> pd.DataFrame:
    """The distinct values quarantined for a reason (e.g. statuses outside the vocabulary), with
    their number of rows, most frequent first: what a user adds to a vocabulary table."""
    if quarantine.empty:
        return pd.DataFrame({"value": [], "rows": []})
    hit = quarantine[quarantine["reason"].astype(str).str.startswith(reason_start)]
    counts = hit["value"].fillna("(trống)").astype(str).value_counts()
    return (
        counts.rename_axis("value")
        .rename("rows")
        .reset_index()
        .sort_values(["rows", "value"], ascending=[False, True], ignore_index=True)
    )
