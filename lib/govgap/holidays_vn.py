"""Vietnamese public holidays (Tết, compensatory days off) for working-day arithmetic."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import holidays as _holidays


def holiday_dates(years: Iterable[int], extra_days_off: Iterable[dt.date] = ()) -> list[dt.date]:
    """Sorted public holidays in Vietnam for ``years`` (from the ``holidays`` package, which
    includes Tết and the observed/compensatory days), plus any ``extra_days_off`` the province
    declared."""
    days = set(_holidays.country_holidays("VN", years=list(years)).keys())
    days.update(extra_days_off)
    return sorted(days)
