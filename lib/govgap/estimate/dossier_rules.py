"""The rules behind the Decision 766 metrics of ``dossier_metrics.csv`` (docs/methods.md, "Dossiers").

A **count rule** says which dossiers a count includes. It is written on the few codes every count
depends on (``Cells``: status, received in the period, channel, the D2 verdict, fee, paid online)
and gets one value per combination of them, so the engine evaluates it once for all dossiers.
``status=a|b`` in the table needs no rule function.

A **value rule** gives one number per dossier (NaN where the dossier does not count) for a mean.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from govgap.sources.dossiers import CHANNELS, STATUSES


@dataclass
class Cells:
    """Every combination of the codes a count depends on, one array entry per combination."""

    status: np.ndarray  # index into STATUSES
    in_period: np.ndarray  # 1: received in the period, 0: carried over from before it
    channel: np.ndarray  # index into CHANNELS; len(CHANNELS) when unknown
    verdict: np.ndarray  # D2 item 2.1: 0 not judged (withdrawn), 1 late, 2 on time or still within
    fee: np.ndarray  # 1: the dossier has a fee (the fee column, or a procedure with any online payment)
    paid_online: np.ndarray  # 1: paid online

    def status_in(self, *names: str) -> np.ndarray:
        return np.isin(self.status, [STATUSES.index(n) for n in names])


COUNT_RULES = {}
VALUE_RULES = {}


def count_rule(func):
    COUNT_RULES[func.__name__] = func
    return func


def value_rule(func):
    VALUE_RULES[func.__name__] = func
    return func


def count(rule: str, cells: Cells) -> np.ndarray:
    """The boolean mask of a count rule over the cells."""
    if rule.startswith("status="):
        return cells.status_in(*rule.removeprefix("status=").split("|"))
    return np.asarray(COUNT_RULES[rule](cells), dtype=bool)


# ----------------------------------------------------------------------------- count rules


@count_rule
def every_dossier(c: Cells):
    """Every dossier handled in the period: received in it or carried over into it."""
    return np.ones_like(c.in_period, dtype=bool)


@count_rule
def received_in_period(c: Cells):
    return c.in_period == 1


@count_rule
def carried_over(c: Cells):
    return c.in_period == 0


@count_rule
def judged(c: Cells):
    """The denominator of 2.1: every dossier except withdrawn ones."""
    return c.verdict > 0


@count_rule
def on_time_or_within(c: Cells):
    """The numerator of 2.1: resolved or returned on time, or still within the time limit."""
    return c.verdict == 2


@count_rule
def online_in_period(c: Cells):
    """3.3: received online in the period (carried-over dossiers were counted in their own period)."""
    return (c.channel == CHANNELS.index("online")) & (c.in_period == 1)


@count_rule
def postal_in_period(c: Cells):
    return (c.channel == CHANNELS.index("postal")) & (c.in_period == 1)


@count_rule
def fee_dossiers(c: Cells):
    return c.fee == 1


@count_rule
def paid_online(c: Cells):
    """3.6: paid online, among dossiers with a fee."""
    return (c.paid_online == 1) & (c.fee == 1)


# ----------------------------------------------------------------------------- value rules


@value_rule
def processing_working_days(t: pd.DataFrame) -> np.ndarray:
    """2.2: working days from receipt to result, less the time the applicant took to supplement."""
    return t["processing_working_days"].to_numpy(float)


@value_rule
def working_days_late_of_late(t: pd.DataFrame) -> np.ndarray:
    """Working days past the appointed date, for dossiers resolved late or overdue in progress."""
    late = t["status"].isin(["late", "overdue_in_progress"]).to_numpy(bool)
    return np.where(late, t["working_days_late"].to_numpy(float), np.nan)
