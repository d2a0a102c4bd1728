"""Transcriptions of published PAPI scores (CSV), read where no official workbook of an edition
is at hand, and checked against the official workbook where one is.

The one known so far is the ml-mcdm transcription (github.com/hnks-gh/ml-mcdm, MIT licence):
one CSV per edition (``2024.csv``), provinces ``P01``..``P63`` named in
``codebook_provinces.csv``, the 29 sub-dimension columns ``SC11``..``SC83`` named in
``codebook_subcriteria.csv``, on PAPI's raw scales. A folder is recognised by those two
codebooks. Each column is matched to the catalogue by its English name and must agree with its
code (``SC71`` is 7.1); each province is found by its name, never by its position. A
dimension is the sum of its sub-dimensions (PAPI's rule): it is added, with the sum named as
its cell, where every sub-dimension the edition has is there for the province.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from govgap.errors import LayoutError
from govgap.reference.provinces import lookup_province

CODEBOOKS = ("codebook_subcriteria.csv", "codebook_provinces.csv")
RECORD_COLUMNS = ["province_code", "indicator_id", "value", "cell", "scale_min", "scale_max", "blank"]


def is_transcription(folder: Path) -> bool:
    return all((folder / name).is_file() for name in CODEBOOKS)


def _columns(folder: Path, label_ids) -> dict[str, str]:
    """``SCxy`` -> catalogue id, each checked by name and by code."""
    book = pd.read_csv(folder / CODEBOOKS[0], dtype=str)
    found = {}
    for row, (code, name) in enumerate(zip(book["Variable_Code"], book["Variable_Name"]), start=2):
        digits = re.fullmatch(r"SC(\d)(\d)", str(code))
        if not digits:
            raise LayoutError(
                f"{folder.name}/{CODEBOOKS[0]}, row {row}, column Variable_Code: {code!r} is not SCxy",
                file=f"{folder.name}/{CODEBOOKS[0]}",
                row=row,
                column="Variable_Code",
            )
        expected = f"papi.d{digits.group(1)}.{digits.group(2)}"
        ids = label_ids(name)
        if expected not in ids:
            raise LayoutError(
                f"{folder.name}/{CODEBOOKS[0]}, row {row}, column Variable_Name: {name!r} is not the name of "
                f"{expected} in the indicator catalogue (it matches {', '.join(ids) or 'nothing'}); "
                "the transcription's columns may have moved",
                file=f"{folder.name}/{CODEBOOKS[0]}",
                row=row,
                column="Variable_Name",
            )
        found[code] = expected
    return found


def _provinces(folder: Path) -> dict[str, str]:
    """``Pnn`` -> GSO code, found by name."""
    book = pd.read_csv(folder / CODEBOOKS[1], dtype=str)
    found = {}
    for row, (code, name) in enumerate(zip(book["Variable_Code"], book["Variable_Name"]), start=2):
        province = lookup_province(name)
        if province is None:
            raise LayoutError(
                f"{folder.name}/{CODEBOOKS[1]}, row {row}, column Variable_Name: unknown province {name!r}",
                file=f"{folder.name}/{CODEBOOKS[1]}",
                row=row,
                column="Variable_Name",
            )
        found[code] = province.code
    return found


def read_edition(path: Path, columns: dict[str, str], codes: dict[str, str]) -> pd.DataFrame:
    """The records of one edition's CSV (``RECORD_COLUMNS``), dimensions added as sums."""
    frame = pd.read_csv(path, dtype={"Province": str})
    unknown = [c for c in frame.columns[1:] if c not in columns]
    if frame.columns[0] != "Province" or unknown:
        raise LayoutError(
            f"{path.parent.name}/{path.name}, row 1: expected Province and the codebook's columns, "
            f"found {', '.join(map(str, frame.columns[:3]))}{' and ' + ', '.join(unknown) if unknown else ''}",
            file=f"{path.parent.name}/{path.name}",
            row=1,
        )
    records = []
    present = [c for c in frame.columns[1:] if frame[c].notna().any()]  # SC52 is empty from 2021
    for line, (key, row) in enumerate(zip(frame["Province"], frame[present].to_numpy(float)), start=2):
        if key not in codes:
            raise LayoutError(
                f"{path.parent.name}/{path.name}, row {line}, column A: {key!r} is not in the codebook",
                file=f"{path.parent.name}/{path.name}",
                row=line,
                column="A",
            )
        for column, value in zip(present, row):
            if np.isfinite(value):
                cell = f"{column}:{key}"
                records.append((codes[key], columns[column], float(value), cell, np.nan, np.nan, False))
        for dimension in sorted({c[2] for c in present}):
            parts = [(c, v) for c, v in zip(present, row) if c[2] == dimension]
            if all(np.isfinite(v) for _, v in parts):
                total = float(sum(v for _, v in parts))  # left to right, as a reader would add them
                cell = "+".join(c for c, _ in parts) + f":{key}"
                records.append((codes[key], f"papi.d{dimension}", total, cell, np.nan, np.nan, False))
    return pd.DataFrame(records, columns=RECORD_COLUMNS)


def editions_in(folder: Path) -> list[tuple[int, Path]]:
    return sorted((int(p.stem), p) for p in folder.glob("*.csv") if re.fullmatch(r"(19|20)\d\d", p.stem))


def read_folder(folder: Path, label_ids) -> list[tuple[int, Path, pd.DataFrame]]:
    """(year, file, records) of every edition of a transcription folder. ``label_ids(name)``
    gives the catalogue ids a label names (the workbook readers' matcher)."""
    columns, codes = _columns(folder, label_ids), _provinces(folder)
    return [(year, path, read_edition(path, columns, codes)) for year, path in editions_in(folder)]
