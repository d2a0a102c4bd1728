"""Which files a notebook reads: the user's own when a path is given, else the data folder's (the
sample data are generated on first use when the folder is the default sample folder).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from govgap.errors import OptionError
from govgap.paths import SAMPLE_DATA, resolve
from govgap.pipeline import sample, store
from govgap.pipeline.store import survey_files, survey_year
from govgap.reference.provinces import find_province
from govgap.sources.dossiers import export_files


def file_for(
    year: int, input_path: str | Path | None = None, data_dir: str | Path = "data/raw/sample"
) -> tuple[Path, bool]:
    """The survey file to clean and whether it is govgap's sample data. Without ``input_path``,
    ``<data_dir>/survey/papi_survey_<year>.*`` (the sample is generated on first use)."""

    if input_path is None:
        folder = ensure_data(data_dir)
        found = [p for p in survey_files(folder / "survey") if survey_year(p) == int(year)]
        if not found:
            raise FileNotFoundError(f"No survey file for {year} in {folder / 'survey'} (papi_survey_{year}.csv ...)")
        return found[0], sample.is_sample(folder)
    path = resolve(input_path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: file not found")
    return path, any(sample.is_sample(p) for p in path.parents)


def export_for(
    province: str, year: int, input_path: str | Path | None = None, data_dir: str | Path = "data/raw/sample"
) -> tuple[list[Path], bool]:
    """The export file(s) to clean and whether they are govgap's sample data.

    ``input_path``: a file, or a folder whose spreadsheets and CSVs are read together (monthly
    exports). Without it, ``<data_dir>/dossiers/<year>/<province>.xlsx``; the sample data are
    generated on first use when ``data_dir`` is the default sample folder."""

    if input_path is None:
        folder = ensure_data(data_dir)
        path = folder / "dossiers" / str(year) / f"{find_province(province).slug}.xlsx"
        if not path.exists():
            raise FileNotFoundError(f"No dossier export for {province} {year} at {path}")
        return [path], sample.is_sample(folder)
    path = resolve(input_path)
    return export_files(path), any(sample.is_sample(p) for p in (path, *path.parents))


def ensure_data(data_dir: str | Path) -> Path:
    """The data folder; the sample is generated on first use when the default folder is empty,
    and again when an older govgap made it."""
    path = resolve(data_dir)
    if path == resolve(SAMPLE_DATA):
        if not sample.is_sample(path):
            sample.generate(path, progress=False)
        else:
            sample.refresh(path)  # made by an older govgap: written again with its own settings
    if not path.exists():
        raise FileNotFoundError(f"Data folder {path} does not exist (see data/raw/README.md).")
    return path


def prepared_indices(data_dir: str | Path, year: int, language: str) -> tuple[Path, store.Processed, pd.DataFrame]:
    """Check the language, prepare the data folder (cached) and load the published indices
    with ranks; an error names the years available when ``year`` has no tables."""
    if language not in ("vi", "en"):
        raise OptionError(f"language must be 'vi' or 'en', not {language!r}")
    path = ensure_data(data_dir)
    processed = store.prepare(path, progress=False)
    table = processed.indices()
    if not (table["year"] == int(year)).any():
        raise OptionError(no_edition_message(table, int(year), language))
    return path, processed, table


def no_edition_message(table: pd.DataFrame, year: int, language: str = "vi") -> str:
    """The short answer for a year with no published PAPI or PCI edition (no path, no data types)."""
    sources = [s for s in ("PAPI", "PCI") if (table["source"] == s).any()]
    shown = ", ".join(f"{s} {int(table.loc[table['source'] == s, 'year'].max())}" for s in sources)
    if language == "en":
        return f"No PAPI or PCI edition of {year} is published or in the data folder; the latest are {shown}."
    return f"Chưa có ấn bản PAPI hay PCI năm {year} (đã công bố hoặc trong thư mục dữ liệu); mới nhất: {shown}."
