"""Rules that decide what a sentence of a report may claim about a comparison.

A sentence compares a value with a benchmark (a median, a target). What it says must hold at the
precision it prints: a difference that rounds to zero is "equal", never "higher by 0,00"; "the
sub-dimension furthest below the median" exists only when one is below it; a median needs other
provinces to be a median of. The words themselves live in ``report_text.yaml``.
"""

from __future__ import annotations

import math

import pandas as pd

MIN_PROVINCES_FOR_MEDIAN = 3  # below this a "median" is one or two provinces' own figures


def side(value: float, benchmark: float, decimals: int) -> str:
    """ "above", "below" or "equal": which side of the benchmark a value is as the sentence prints
    both (``decimals`` of the unit shown: 2 for scores, 3 for a share printed as 77,4%): 2,164
    against 2,156 prints 2,16 against 2,16, which is "equal"."""
    shown, against = round(float(value), decimals), round(float(benchmark), decimals)
    if math.isclose(shown, against, abs_tol=0.1 * 10**-decimals):
        return "equal"
    return "above" if shown > against else "below"


def printed_difference(value: float, benchmark: float, decimals: int) -> float:
    """The difference a reader works out from the two numbers as printed: 1,296 against 1,314
    prints 1,30 against 1,31, so the sentence says 0,01, not 0,02 (their exact difference)."""
    return round(float(value), decimals) - round(float(benchmark), decimals)


def furthest_below(rows: pd.DataFrame, decimals: int, value: str = "value", benchmark: str = "median"):
    """The row furthest below its benchmark among those below it at the printed precision (a
    higher-is-better value), or None when none is below."""
    below = rows[[side(v, b, decimals) == "below" for v, b in zip(rows[value], rows[benchmark])]]
    if below.empty:
        return None
    return below.loc[(below[value] - below[benchmark]).idxmin()]


def has_median(n_provinces: int) -> bool:
    """Whether a median across provinces is worth printing: at least three provinces have data
    (the department's own export alone gives a "median" equal to its own figure)."""
    return int(n_provinces) >= MIN_PROVINCES_FOR_MEDIAN


def band_phrase(band, best=None, worst=None) -> str:
    """Which band sentence a rank may carry: "band" (no interval: the band of the value, as PAPI
    prints it), "sure" (its rank interval stays in one band, the band it has) or "unsure" (the
    interval reaches other bands: the sentence names the range of bands, not one)."""
    if best is None or worst is None or pd.isna(best) or pd.isna(worst) or pd.isna(band):
        return "band"
    return "sure" if int(best) == int(worst) == int(band) else "unsure"


def rank_interval_consistent(rank, n, interval) -> bool:
    """Whether a rank interval may stand beside a printed rank "rank/n": it ranks the same
    provinces (PAPI 2022 prints a 0 standard error for three provinces, which are then not
    ranked) and gives the same rank."""
    return interval is not None and int(interval["n"]) == int(n) and int(interval["rank"]) == int(rank)


def rank_text(rank, n) -> str:
    """ "25/34": a rank with what it is out of, printed only among at least three (a rank "2/2"
    says no more than the two values beside it); "–" otherwise."""
    if rank is None or n is None or pd.isna(rank) or pd.isna(n) or int(n) < MIN_PROVINCES_FOR_MEDIAN:
        return "–"
    return f"{int(rank)}/{int(n)}"
