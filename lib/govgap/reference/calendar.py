"""Vietnamese public holidays and working-day arithmetic.

Holidays come from the ``holidays`` package: Tết and the other public holidays, the days off
the government moved next to them ("Day off (substituted from ...)") and the Saturdays worked
in exchange (``weekend_workdays``). A province can add its own days off, and working
Saturdays, in a CSV with columns ``date`` (dd/mm/yyyy or ISO) and ``kind`` (``off`` or
``work``).

Counting rule (Decree 61/2018 and Decision 766 count time limits in working days): the number
of working days from ``a`` to ``b`` is the count of working days in (a, b], that is after the
day of receipt up to and including the day of the result. A result on the day of receipt
takes 0 working days.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from govgap.errors import InputError


def _vietnam(years: list[int]):
    # imported on first use: the holidays package costs 0.3 s to import, which a command that
    # counts no working days (a no-op rerun of `govgap reports`) need not pay
    try:
        from holidays.countries.vietnam import Vietnam
    except ImportError:  # a holidays release that moved it
        import holidays

        return holidays.country_holidays("VN", years=years)
    return Vietnam(years=years)


def holiday_dates(years: Iterable[int], extra_days_off: Iterable[dt.date] = ()) -> list[dt.date]:
    """Sorted public holidays in Vietnam for ``years`` (from the ``holidays`` package, which
    includes Tết and the observed/compensatory days), plus any ``extra_days_off`` the province
    declared."""
    days = set(_vietnam(list(years)).keys())
    days.update(extra_days_off)
    return sorted(days)


def read_days_off(path: str | Path) -> tuple[list[dt.date], list[dt.date]]:
    """A province's own calendar changes: CSV with ``date`` and ``kind`` (off/work)."""
    path = Path(path)
    table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    missing = {"date", "kind"} - set(table.columns)
    if missing:
        raise InputError(f"{path.name}: columns {sorted(missing)} missing (need date, kind)", file=path.name, row=1)
    off, work = [], []
    for i, row in table.iterrows():
        day = pd.to_datetime(row["date"], dayfirst=True, errors="coerce")
        kind = row["kind"].strip().lower()
        if pd.isna(day) or kind not in ("off", "work"):
            raise InputError(
                f"{path.name}, row {i + 2}: need a date and kind 'off' or 'work', got {row['date']!r}, {row['kind']!r}",
                file=path.name,
                row=i + 2,
            )
        (off if kind == "off" else work).append(day.date())
    return off, work


class WorkCalendar:
    """Working days between dates, vectorised: Monday-Friday, less public holidays and extra
    days off, plus the Saturdays worked in exchange for a bridging day off."""

    def __init__(
        self,
        first: dt.date,
        last: dt.date,
        extra_days_off: Iterable[dt.date] = (),
        extra_work_days: Iterable[dt.date] = (),
    ):
        self.first = np.datetime64(pd.Timestamp(first).date(), "D") - 7
        self.last = np.datetime64(pd.Timestamp(last).date(), "D") + 400
        years = range(int(str(self.first)[:4]), int(str(self.last)[:4]) + 1)
        vn = _vietnam(list(years))
        days = np.arange(self.first, self.last + 1)
        work = np.is_busday(days)
        off = np.array(sorted(set(vn.keys()) | set(extra_days_off)), dtype="datetime64[D]")
        extra = np.array(sorted(set(vn.weekend_workdays) | set(extra_work_days)), dtype="datetime64[D]")
        work &= ~np.isin(days, off)
        work |= np.isin(days, extra)
        self.days = days
        self.is_work = work
        self.cumulative = np.concatenate([[0], np.cumsum(work)])  # cumulative[i+1] = work days up to day i
        self._through = self.cumulative[1:].astype(float)  # work days up to and including day i

    def _positions(self, days) -> tuple[np.ndarray, np.ndarray]:
        """(position in the calendar, NaT mask) of every date; NaT gets position 0."""
        days = np.asarray(days, dtype="datetime64[D]")
        nat = np.isnat(days)
        idx = np.asarray(days.view(np.int64) - self.first.astype(np.int64))
        if nat.any():
            idx[nat] = 0
        if idx.size and (idx.min() < 0 or idx.max() >= len(self.days)):
            raise InputError(f"dates outside the calendar {self.first} - {self.last}")
        return idx, nat

    def between(self, start, end) -> np.ndarray:
        """Working days in (start, end] for arrays of dates (NaT -> NaN); negative when end < start."""
        a, a_nat = self._positions(start)
        b, b_nat = self._positions(end)
        out = np.asarray(self._through[b])  # a new array (a 0-d one for single dates)
        out -= self._through[a]
        out[a_nat | b_nat] = np.nan
        return out

    def add(self, start, n) -> np.ndarray:
        """The date ``n`` working days after each ``start`` (the appointed date for a time limit)."""
        position, nat = self._positions(start)
        n = np.asarray(n, dtype=float)
        out = np.full(position.shape, np.datetime64("NaT"), dtype="datetime64[D]")
        valid = ~nat & ~np.isnan(n)
        target = self.cumulative[position[valid] + 1] + n[valid].astype(np.int64)
        out[valid] = self.days[np.searchsorted(self.cumulative, target, side="left") - 1]
        return out
