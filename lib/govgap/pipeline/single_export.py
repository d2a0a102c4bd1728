"""One dossier export (or a folder of monthly exports) on its own, as ``govgap dossiers`` does it:
read, clean, write the canonical parquet and quarantine, and the Decision 766 metrics as CSV.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from govgap.contract import quarantine as quarantine_contract
from govgap.errors import DossierFormatError
from govgap.estimate.dossier_metrics import leader_summary, metric_tables
from govgap.io import _fast as fast
from govgap.io.csv_out import write_csv
from govgap.sources.dossiers import Cleaned, Export, export_files, load


def write_parquet(frame: pd.DataFrame, path: str | Path) -> Path:
    """A cleaned dossier table (or its quarantine) as parquet, written to ``<name>.tmp`` and
    renamed, so a reader never sees half a file. Dictionary pages only for the categorical
    columns (for a million distinct ids or times a dictionary is built and thrown away
    otherwise), and no column statistics: up to a million rows are one row group, which no reader
    can skip, and the statistics cost a sixth of the writing time."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = Path(path)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    categorical = [c for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)]
    tmp = path.with_name(path.name + ".tmp")
    pq.write_table(table, tmp, use_dictionary=categorical or False, write_statistics=False)
    os.replace(tmp, path)
    return path


@dataclass
class ProcessedExport:
    """What ``process`` made of one export (or a folder of monthly exports)."""

    cleaned: Cleaned
    exports: list[Export]
    tables: dict[str, pd.DataFrame]  # metric_tables: total, office, field, procedure, month, office x procedure
    summary: pd.Series  # leader_summary
    files: dict[str, Path]  # table, quarantine, metrics


def process(path: str | Path, out_dir: str | Path, period=None, **options) -> ProcessedExport:
    """Read and clean an export (or a folder of exports read together), write
    ``<name>.parquet`` (the canonical table), ``<name>_quarantine.parquet`` (in the store's
    quarantine schema, ``contract.quarantine.COLUMNS``) and
    ``<name>_metrics.csv`` (every breakdown of ``metric_tables`` in one table, column
    ``breakdown``) to ``out_dir``, and return them with the leader's summary. The table's
    parquet is written on a second thread while the metrics are computed. ``options`` as in
    ``dossiers.load`` (period bounds, as_of, columns, values, days_off, supplement_pause);
    ``govgap dossiers`` is the command-line form."""
    path = Path(path)
    cleaned, exports = load(export_files(path), period, **options)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    name = path.stem if path.is_file() else path.name
    files = {
        "table": out / f"{name}.parquet",
        "quarantine": out / f"{name}_quarantine.parquet",
        "metrics": out / f"{name}_metrics.csv",
    }
    # the store's one quarantine schema (input, source, file, sheet, row, record_id, column, value, reason)
    quarantine = quarantine_contract.common(cleaned.quarantine.assign(source=path.name), "dossiers")
    if cleaned.table.empty:  # nothing to measure: the quarantine says why, row by row
        write_parquet(quarantine, files["quarantine"])
        top = quarantine_contract.reasons(cleaned.quarantine).head(3)
        why = "; ".join(f"{r.reason} ({r.rows})" for r in top.itertuples())
        raise DossierFormatError(
            f"{path.name}: every one of its {len(cleaned.quarantine)} rows was quarantined, so there is no dossier to "
            f"measure. Most common reasons: {why}. The rows are in {files['quarantine']}.",
            file=path.name,
        )
    writing = fast.in_background(write_parquet, cleaned.table, files["table"])
    try:
        tables = metric_tables(cleaned.table)
        summary = leader_summary(cleaned.table, tables)
        write_parquet(quarantine, files["quarantine"])
        keys = [c for c in ("office", "field", "procedure", "month") if any(c in t for t in tables.values())]
        long = pd.concat([t.assign(breakdown=k) for k, t in tables.items()], ignore_index=True)
        write_csv(
            long[["breakdown", *keys, *[c for c in long.columns if c not in keys and c != "breakdown"]]],
            files["metrics"],
        )
    finally:
        writing.result()
    return ProcessedExport(cleaned, exports, tables, summary, files)
