"""Numbers in the report language: Vietnamese uses a decimal comma and thousands dots
(77,4%; 1.494), English the reverse (77.4%; 1,494)."""

from __future__ import annotations

import math

import pandas as pd


def _missing(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def number(value, lang: str = "vi", decimals: int = 1) -> str:
    """``number(1494, "vi", 0) == "1.494"``; ``number(2.345, "vi", 2) == "2,35"``; missing -> "–"."""
    if _missing(value):
        return "–"
    text = f"{float(value):,.{decimals}f}"
    if lang == "vi":
        text = text.replace(",", "\u0000").replace(".", ",").replace("\u0000", ".")
    return text


def percent(share, lang: str = "vi", decimals: int = 1) -> str:
    """A share 0-1 as a percentage: ``percent(0.774, "vi") == "77,4%"``."""
    if _missing(share):
        return "–"
    return number(100 * float(share), lang, decimals) + "%"


def signed(value, lang: str = "vi", decimals: int = 2) -> str:
    """With an explicit sign: "+0,25" / "−0,25"."""
    if _missing(value):
        return "–"
    text = number(abs(value), lang, decimals)
    return ("+" if value >= 0 else "−") + text


def points(share_difference, lang: str = "vi", decimals: int = 1) -> str:
    """A difference of two shares in percentage points: ``points(0.126, "vi") == "12,6 điểm
    phần trăm"`` ("12.6 percentage points"), never "12,6%"."""
    if _missing(share_difference):
        return "–"
    unit = "điểm phần trăm" if lang == "vi" else "percentage points"
    return f"{number(100 * float(share_difference), lang, decimals)} {unit}"
