"""The published PAPI and PCI figures that ship with govgap, and the user's own workbooks over them.

``tools/build_published.py`` reads the official files in ``../shared/data`` with govgap's own
loader (``indices.load_folder``) and writes what it read to ``govgap/data/published/``:

* ``values.csv``: source, year, province_code, indicator_id, value, suppressed, sheet_id, cell;
* ``sheets.csv``: sheet_id, source, year, file, sheet, status, reason, values (every sheet
  looked at, loaded or not, with why);
* ``scales.csv``: the scale of every indicator in every edition;
* ``issues.csv``: the loader's data-quality table for those files;
* ``uncatalogued.csv``: source, indicator_id, label: the label as printed of every row or
  column the catalogue does not know, loaded under a stable id (``indices.uncatalogued_id``).

Labels, levels and units come from the catalogue (or, uncatalogued, from that file), as the
loader gives them. ``load()`` turns
the four tables back into exactly the ``LoadResult`` that the loader gave (a test requires the
equality), so a new user has every published standing without collecting a workbook. Official
workbooks in a data folder's ``indices/`` are read over it: an edition (source and year) found
there replaces the shipped one, and the data-quality table says so.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

import pandas as pd

from govgap.sources.indices import ISSUE_COLUMNS, TIDY_COLUMNS, UNCATALOGUED, LoadResult, describe

FOLDER = "published"
VALUE_COLUMNS = ["source", "year", "province_code", "indicator_id", "value", "suppressed", "sheet_id", "cell"]
SHEET_COLUMNS = ["sheet_id", "file", "sheet", "source", "year", "status", "reason", "values", "sample", "units"]
SCALE_COLUMNS = ["source", "year", "indicator_id", "scale_min", "scale_max"]
LABEL_COLUMNS = ["source", "indicator_id", "label"]


def write(result: LoadResult, folder: str | Path) -> None:
    """Write ``result`` (the loader's reading of the official files) as the shipped tables."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    sheets = result.sheets.reset_index(drop=True).assign(sheet_id=lambda s: s.index + 1)
    ids = {(f, s): i for f, s, i in zip(sheets["file"], sheets["sheet"], sheets["sheet_id"])}
    table = result.table
    values = table.assign(sheet_id=[ids[k] for k in zip(table["file"], table["sheet"])])[VALUE_COLUMNS]
    scales = table[SCALE_COLUMNS].drop_duplicates(["source", "year", "indicator_id"])
    options = {"index": False, "lineterminator": "\n"}
    values.to_csv(folder / "values.csv", **options)
    sheets[SHEET_COLUMNS].to_csv(folder / "sheets.csv", **options)
    scales.to_csv(folder / "scales.csv", **options)
    result.issues[ISSUE_COLUMNS].to_csv(folder / "issues.csv", **options)
    labels = table.loc[table["level"] == UNCATALOGUED, ["source", "indicator_id", "label_vi"]]
    labels = labels.drop_duplicates("indicator_id").rename(columns={"label_vi": "label"}).sort_values("indicator_id")
    labels[LABEL_COLUMNS].to_csv(folder / "uncatalogued.csv", **options)


def _read(folder, name: str, **options) -> pd.DataFrame:
    source = folder.joinpath(name) if folder is not None else resources.files("govgap.data").joinpath(FOLDER, name)
    with source.open("rb") as fh:
        return pd.read_csv(fh, keep_default_na=False, na_values=[""], **options)


@lru_cache(maxsize=2)
def _load(folder: str | None) -> LoadResult:
    where = Path(folder) if folder else None
    text = {"source": str, "province_code": str, "indicator_id": str, "cell": str}
    values = _read(where, "values.csv", dtype=text)
    sheets = _read(where, "sheets.csv", dtype={"file": str, "sheet": str, "source": str, "reason": str})
    scales = _read(where, "scales.csv", dtype={"source": str, "indicator_id": str})
    issues = _read(where, "issues.csv", dtype={c: str for c in ISSUE_COLUMNS if c not in ("year", "row")})
    labels = _read(where, "uncatalogued.csv", dtype=str)
    table = values.merge(sheets[["sheet_id", "file", "sheet"]], on="sheet_id", how="left", validate="many_to_one")
    table = table.merge(scales, on=["source", "year", "indicator_id"], how="left", validate="many_to_one")
    describe(table, dict(zip(labels["indicator_id"], labels["label"])))
    table["suppressed"] = table["suppressed"].astype(bool)
    table = table[TIDY_COLUMNS].astype({c: "str" for c in ("file", "sheet", "cell")})
    issues["year"] = issues["year"].astype("Int64")
    issues["row"] = issues["row"].astype("Int64")
    sheets["year"] = sheets["year"].astype("Int64")
    sheets["reason"] = sheets["reason"].fillna("")
    sheets["sample"] = sheets["sample"].astype(bool)
    sheets["units"] = sheets["units"].astype(str)
    return LoadResult(table, issues[ISSUE_COLUMNS], sheets.drop(columns="sheet_id"))


def load(folder: str | Path | None = None) -> LoadResult:
    """The shipped published figures (or those written to ``folder`` by ``write``). A copy: the
    caller may change it."""
    result = _load(str(folder) if folder else None)
    return LoadResult(result.table.copy(), result.issues.copy(), result.sheets.copy())


def overlay(shipped: LoadResult, own: LoadResult) -> LoadResult:
    """``shipped`` with every edition that ``own`` has (source and year) taken from ``own``; each
    replaced or added edition is a row of the data-quality table."""
    editions = own.table[["source", "year"]].drop_duplicates()
    keys = pd.MultiIndex.from_frame(editions)
    taken = pd.MultiIndex.from_frame(shipped.table[["source", "year"]]).isin(keys)
    notes = []
    for source, year in editions.itertuples(index=False):
        files = sorted(set(own.table.loc[(own.table["source"] == source) & (own.table["year"] == year), "file"]))
        replaced = bool(((shipped.table["source"] == source) & (shipped.table["year"] == year)).any())
        notes.append(
            {
                "severity": "info",
                "check": "own_workbook",
                "source": source,
                "year": int(year),
                "file": files[0],
                "message": f"{source} {year}: read from {', '.join(files)} in the data folder"
                + (", in place of the figures shipped with govgap" if replaced else " (not shipped with govgap)"),
            }
        )
    table = pd.concat([shipped.table[~taken], own.table], ignore_index=True)
    table = table.sort_values(["source", "year", "indicator_id", "province_code"]).reset_index(drop=True)
    shipped_issues = shipped.issues[~pd.MultiIndex.from_frame(shipped.issues[["source", "year"]]).isin(keys)]
    issues = pd.concat([pd.DataFrame(notes, columns=ISSUE_COLUMNS), own.issues, shipped_issues], ignore_index=True)
    issues["year"] = issues["year"].astype("Int64")
    issues["row"] = issues["row"].astype("Int64")
    return LoadResult(table, issues, pd.concat([own.sheets, shipped.sheets], ignore_index=True))
