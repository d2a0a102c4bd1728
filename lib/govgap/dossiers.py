"""One-stop-shop dossier exports: read, clean to a canonical table, and compute on-time rates.

Reading finds the header row by matching cells against the column dictionary
(``govgap/data/dossier_columns.csv``), so title blocks above the header and total rows
below the data do not matter. Personal-data columns are dropped at read and never leave
this module. On-time rules (Decision 766 spec, INDICATORS.md D2, simplified here):

* a finished dossier is on time when its result date <= its appointed date;
* a dossier still in progress at the end of the period counts as late when it is overdue;
* more than one supplement request counts as late.
"""
from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from .quality import Accounting
from .text import fold, nfc

HEADER_SCAN_ROWS = 30


class DossierFormatError(ValueError):
    """An export cannot be read; the message names the file, sheet and what is missing."""


@lru_cache(maxsize=1)
def column_dictionary() -> pd.DataFrame:
    with resources.files("govgap.data").joinpath("dossier_columns.csv").open("rb") as fh:
        table = pd.read_csv(fh)
    table["required"] = table["required"].astype(bool)
    table["pii"] = table["pii"].astype(bool)
    return table


def _header_key(text) -> str:
    return " ".join(fold(nfc(str(text))).replace("/", " ").split())


@lru_cache(maxsize=1)
def _variant_index() -> dict[str, str]:
    return {_header_key(v): row.canonical for row in column_dictionary().itertuples()
            for v in row.variants.split("|")}


def _read_grid(path: Path) -> tuple[pd.DataFrame, str]:
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm", ".xls"):
        sheet = pd.ExcelFile(path, engine="calamine").sheet_names[0]
        grid = pd.read_excel(path, sheet_name=sheet, header=None, dtype=str, engine="calamine")
        return grid, sheet
    if suffix == ".csv":
        return pd.read_csv(path, header=None, dtype=str, keep_default_na=False, encoding="utf-8-sig"), "-"
    raise DossierFormatError(f"{path}: unsupported dossier export type {suffix!r} (use .xlsx, .xls or .csv)")


def read_export(path: str | Path) -> pd.DataFrame:
    """Read one export to a frame with canonical column names (PII columns already dropped).

    Adds ``source_file`` and ``source_row`` (the 1-based spreadsheet row) to every record.
    """
    path = Path(path)
    grid, sheet = _read_grid(path)
    variants = _variant_index()
    header_row, mapping = None, {}
    for r in range(min(HEADER_SCAN_ROWS, len(grid))):
        found = {c: variants[_header_key(v)] for c, v in grid.iloc[r].items()
                 if isinstance(v, str) and _header_key(v) in variants}
        if len(found) >= 3:
            header_row, mapping = r, found
            break
    if header_row is None:
        raise DossierFormatError(
            f"{path.name}, sheet {sheet!r}: no header row found in the first {HEADER_SCAN_ROWS} rows "
            f"(looked for column names such as 'Mã hồ sơ', 'Ngày tiếp nhận', 'Ngày hẹn trả').")
    missing = [r.canonical for r in column_dictionary().itertuples()
               if r.required and r.canonical not in mapping.values()]
    if missing:
        names = "; ".join(column_dictionary().set_index("canonical").loc[m, "variants"].split("|")[0]
                          for m in missing)
        raise DossierFormatError(
            f"{path.name}, sheet {sheet!r}, header row {header_row + 1}: required column(s) missing: {names}.")
    pii = set(column_dictionary().query("pii")["canonical"])
    keep = {c: name for c, name in mapping.items() if name not in pii}
    body = grid.iloc[header_row + 1:][list(keep)].rename(columns=keep)
    body.insert(0, "source_row", body.index + 1)
    body.insert(0, "source_file", path.name)
    return body.reset_index(drop=True)


def parse_dates(values: pd.Series) -> pd.Series:
    """Dates as dd/mm/yyyy, dd/mm/yyyy HH:MM, ISO or Excel serial numbers -> datetime64; bad -> NaT."""
    text = values.fillna("").astype(str).str.strip()
    out = pd.to_datetime(text, format="%d/%m/%Y %H:%M", errors="coerce")
    for fmt in ("%d/%m/%Y", "%d/%m/%Y %H:%M:%S", "%Y-%m-%d", "%Y-%m-%d %H:%M:%S"):
        todo = out.isna() & (text != "")
        if not todo.any():
            break
        out[todo] = pd.to_datetime(text[todo], format=fmt, errors="coerce")
    todo = out.isna() & text.str.fullmatch(r"\d{5}(\.\d+)?")
    if todo.any():
        out[todo] = pd.Timestamp("1899-12-30") + pd.to_timedelta(text[todo].astype(float), unit="D")
    return out


_CHANNELS = {"truc tiep": "in_person", "truc tuyen": "online", "qua buu chinh cong ich": "postal",
             "buu chinh": "postal", "qua buu dien": "postal"}


def _status(text: pd.Series) -> pd.Series:
    key = text.fillna("").map(lambda s: fold(nfc(s)))
    return np.select(
        [key.str.contains("tra lai"), key.str.contains("rut"), key.str.contains("dang"),
         key.str.contains("da tra|hoan thanh|da xu ly|co ket qua")],
        ["returned", "withdrawn", "in_progress", "finished"], default="unknown")


def clean_dossiers(raw: pd.DataFrame, period_end: pd.Timestamp, source: str = "dossiers") -> tuple[pd.DataFrame, pd.DataFrame, Accounting]:
    """Canonical dossier table plus quarantine (footer rows, bad dates, duplicates).

    Output columns: dossier_id, procedure, field, office, channel, received, due, finished,
    state (finished/in_progress/returned/withdrawn), supplements, paid_online, on_time
    (True/False/NA), late_days (calendar days past due, finished or overdue dossiers),
    source_file, source_row.
    """
    frame = raw.copy()
    reasons = pd.Series("", index=frame.index, dtype=object)

    def flag(mask, reason):
        mask = mask & (reasons == "")
        reasons[mask] = reason

    ident = frame["dossier_id"].fillna("").astype(str).map(nfc)
    flag(ident.map(lambda s: s == "" or fold(s).startswith("tong")), "total or blank row (no dossier id)")
    frame["dossier_id"] = ident
    frame["received"] = parse_dates(frame["received"])
    frame["due"] = parse_dates(frame["due"])
    frame["finished"] = parse_dates(frame["finished"])
    flag(frame["received"].isna(), "unreadable received date (column Ngày tiếp nhận)")
    flag(frame["due"].isna(), "unreadable appointed date (column Ngày hẹn trả)")
    flag(frame["finished"].notna() & (frame["finished"].dt.normalize() < frame["received"].dt.normalize()),
         "result date before received date")
    flag(frame["received"] > period_end, "received after the end of the period")
    flag(frame.duplicated("dossier_id", keep="first") & (reasons == ""),
         "duplicated dossier id (later copy of the same record)")
    for col in ("procedure", "office", "field", "status_text", "channel"):
        if col in frame.columns:
            frame[col] = frame[col].fillna("").astype(str).map(nfc)
    frame["state"] = _status(frame["status_text"])
    flag(pd.Series(frame["state"] == "unknown", index=frame.index), "unknown status (column Trạng thái)")
    frame["channel"] = frame.get("channel", pd.Series("", index=frame.index)).map(
        lambda s: _CHANNELS.get(fold(s), "in_person" if not s else "other"))
    frame["supplements"] = pd.to_numeric(frame.get("supplements", 0), errors="coerce").fillna(0).astype(int)
    frame["paid_online"] = frame.get("paid_online", pd.Series("", index=frame.index)).fillna("").map(
        lambda s: fold(str(s)) in ("co", "x", "1", "yes"))
    bad = reasons != ""
    quarantine = frame.loc[bad, ["source_file", "source_row", "dossier_id"]].assign(
        reason=reasons[bad].to_numpy(), source=source)
    clean = frame.loc[~bad].copy()
    end_day = period_end.normalize()
    finished_day = clean["finished"].dt.normalize()
    due_day = clean["due"].dt.normalize()
    done = clean["state"] == "finished"
    open_ = clean["state"] == "in_progress"
    on_time = pd.Series(pd.NA, index=clean.index, dtype="boolean")
    on_time[done] = (finished_day[done] <= due_day[done]) & (clean.loc[done, "supplements"] <= 1)
    overdue = open_ & (due_day < end_day)
    on_time[overdue] = False
    clean["on_time"] = on_time
    late_ref = finished_day.where(done, end_day)
    clean["late_days"] = ((late_ref - due_day).dt.days.clip(lower=0)).where(done | overdue)
    columns = ["dossier_id", "procedure", "field", "office", "channel", "received", "due", "finished",
               "state", "supplements", "paid_online", "on_time", "late_days", "source_file", "source_row"]
    clean = clean[[c for c in columns if c in clean.columns]].reset_index(drop=True)
    accounting = Accounting(source=source, read=len(frame), kept=len(clean), quarantined=int(bad.sum()))
    return clean, quarantine.reset_index(drop=True), accounting


def on_time_rates(clean: pd.DataFrame, by: list[str] | None = None) -> pd.DataFrame:
    """On-time rate (share 0-1) among dossiers with a verdict (finished, or overdue in progress),
    with counts received, finished, in progress, returned, postal and online share."""
    by = by or []
    frame = clean.assign(
        judged=clean["on_time"].notna(), on_time_n=clean["on_time"].fillna(False).astype(bool),
        finished_n=clean["state"] == "finished", open_n=clean["state"] == "in_progress",
        returned_n=clean["state"] == "returned", online_n=clean["channel"] == "online",
        postal_n=clean["channel"] == "postal")
    keys = by if by else (lambda _: 0)
    g = frame.groupby(keys, observed=True)
    out = pd.DataFrame({
        "received": g.size(),
        "finished": g["finished_n"].sum(),
        "in_progress": g["open_n"].sum(),
        "returned": g["returned_n"].sum(),
        "judged": g["judged"].sum(),
        "on_time": g["on_time_n"].sum(),
        "online_share": g["online_n"].mean(),
        "postal_share": g["postal_n"].mean(),
        "mean_late_days": g["late_days"].mean(),
    })
    out["on_time_rate"] = out["on_time"] / out["judged"].where(out["judged"] > 0)
    return out.reset_index(drop=not by)
