"""Date formats and damaged CSV text, shared by the readers. Survey cleaning is tested in test_survey.py, dossier
cleaning in tests/unit/test_dossiers.py."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest


def test_date_formats():
    from govgap.sources.dossiers import parse_dates

    parsed = parse_dates(
        pd.Series(["05/03/2024", "05/03/2024 14:30", "2024-03-05", "45356", "31/02/2024", "", "5/3/2024", "05-03-2024"])
    )
    assert list(parsed[[0, 1, 2, 3, 6, 7]].dt.strftime("%Y-%m-%d")) == ["2024-03-05"] * 6
    assert parsed[1].hour == 14 and parsed[[4, 5]].isna().all()


def test_day_1_to_3_and_unpadded_times_are_checked_not_rolled_over():
    """pyarrow reads 31/02 as 02/03; such dates must stay unreadable, real 1-3 March dates and
    hours written without a leading zero must not."""
    from govgap.sources.dossiers import parse_dates

    parsed = parse_dates(
        pd.Series(
            [
                "31/02/2024",
                "30/02/2023 10:00",
                "01/03/2024",
                "02/03/2024 7:05",
                "03/01/2024\u00a010:00",
                " 03/01/2024  10:00 ",
                "32/01/2024",
            ],
            dtype=object,
        )
    )
    assert parsed[[0, 1, 6]].isna().all()
    assert list(parsed[[2, 3, 4, 5]].dt.strftime("%Y-%m-%d %H:%M")) == [
        "2024-03-01 00:00",
        "2024-03-02 07:05",
        "2024-01-03 10:00",
        "2024-01-03 10:00",
    ]


def test_month_first_dates_are_recognised_among_distinct_values():
    from govgap.sources.dossiers import _looks_month_first

    assert _looks_month_first(["01/13/2024", "02/14/2024 10:00", None])
    assert not _looks_month_first(["13/01/2024", "01/02/2024"])
    assert not _looks_month_first(["01/02/2024", "45000", 45000])
    assert _looks_month_first(pd.Index(["05/25/2024"], dtype="str"))
    assert not _looks_month_first(pd.Index(pd.to_datetime(["2024-01-01"])))


def test_working_days_with_missing_dates_single_dates_and_months():
    import datetime as dt

    from govgap.reference.calendar import WorkCalendar
    from govgap.sources.dossiers import _months

    cal = WorkCalendar(dt.date(2023, 1, 1), dt.date(2024, 12, 31))
    start = np.array(["2024-02-07", "NaT", "2024-01-01", "2024-03-01"], dtype="datetime64[ns]")
    end = np.array(["2024-02-15", "2024-01-01", "NaT", "2024-02-01"], dtype="datetime64[D]")
    # Tết 2024: 8-14 February off, so 15 February is the first working day after the 7th; from
    # 1 February back to 1 March: 2, 5-7, 15-16, 19-23, 26-29 February and 1 March = 16 days
    np.testing.assert_array_equal(cal.between(start, end), [1, np.nan, np.nan, -16])
    assert cal.between(np.datetime64("2024-02-07"), np.datetime64("2024-02-15")) == 1
    assert np.isnan(cal.between(np.datetime64("NaT"), np.datetime64("2024-02-15")))
    days = np.array(["2024-03-05", "2023-12-31", "NaT", "2024-03-01", "2024-01-09"], dtype="datetime64[D]")
    months = _months(days)
    assert list(months.categories) == ["2023-12", "2024-01", "2024-03"]
    assert months.codes.tolist() == [2, 0, -1, 2, 1]


def test_context_csv_with_a_damaged_utf8_byte_names_row_and_column(tmp_path):
    from govgap.io.sheets import read_grids

    path = tmp_path / "bang.csv"
    good = "Tỉnh,Năm,Chỉ số\nHà Nội,2024,77\nĐà Nẵng,2024,81\n" * 3
    path.write_bytes(good.encode("utf-8") + b"Hu\xe1\xbb,2024,70\n")
    with pytest.raises(ValueError, match=r"bang.csv, row 10, column 1: bytes that are not UTF-8 text"):
        read_grids(path)
    path.write_bytes(good.encode("utf-8"))
    assert read_grids(path)[0].rows[1] == ["Hà Nội", "2024", "77"]
