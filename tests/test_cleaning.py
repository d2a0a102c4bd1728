"""Date formats shared by the readers. Survey cleaning is tested in test_survey.py, dossier
cleaning in test_dossiers.py."""
from __future__ import annotations

import pandas as pd


def test_date_formats():
    from govgap.dossiers import parse_dates

    parsed = parse_dates(pd.Series(["05/03/2024", "05/03/2024 14:30", "2024-03-05", "45356", "31/02/2024", "",
                                    "5/3/2024", "05-03-2024"]))
    assert list(parsed[[0, 1, 2, 3, 6, 7]].dt.strftime("%Y-%m-%d")) == ["2024-03-05"] * 6
    assert parsed[1].hour == 14 and parsed[[4, 5]].isna().all()
