"""The gap analysis as notebooks and reports show it: tables, seaborn charts and sentences.

``GapAnalysis.build(province, year, data_dir, ...)`` prepares the data once and answers, in
Vietnamese or English: where the province stands (``position_table``), where the points are
lost (``decomposition`` and ``gap_chart``), what would win them back and who is responsible
(``points_table``, ``offices_table``), the land panel, the worst subgroups, the association
across provinces and the narrative (``narrative``). Every number comes from ``govgap.gaps``.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib.patches
import matplotlib.pyplot as plt
import matplotlib.ticker
import numpy as np
import pandas as pd

from govgap.compare import gaps, rank_intervals
from govgap.compare.standings import bands
from govgap.errors import OptionError
from govgap.estimate.dossier_metrics import metrics
from govgap.paths import SAMPLE_DATA
from govgap.pipeline import sample, store
from govgap.pipeline.inputs import prepared_indices
from govgap.reference.catalogue import indicator_id, indicators, item_nature, item_nature_note, label, score_scale
from govgap.reference.provinces import (
    FIRST_34_EDITION,
    check_province_for_edition,
    derived_from_members,
    members_2025,
    provinces,
    provinces_2025,
)
from govgap.reference.provinces import regions as region_table
from govgap.reference.report_text import text
from govgap.render import claims, fmt
from govgap.render.charts import PALETTE, WIDTH, _short, chart_style, describe, legend_below, mark_sample, wrap
from govgap.render.html import html_table, label_with_scale, value_text


def label_of(indicator_id: str, lang: str = "vi") -> str:
    """Label of an indicator id, or of a decomposition row id (``papi.d7.1:unexplained``)."""
    base, _, part = indicator_id.partition(":")
    if not part:
        return label(base, lang)
    return text(f"part_{part}", lang, name=label(base, lang))


def _names(view: str) -> pd.Series:
    table = provinces() if view == "63" else provinces_2025()
    return table.set_index("code")["name_vi"]


def errors_phrase(derived: bool, lang: str) -> str:
    """Whose standard errors a rank interval rests on, as its sentence says it: PAPI's published
    ones, or (``derived``: a merged province on an edition of the 63) its members', combined."""
    return text("errors_combined" if derived else "errors_published", lang)


@dataclass
class GapAnalysis:
    province: str
    year: int
    lang: str
    view: str
    peers: str
    tidy: pd.DataFrame = field(repr=False)
    processed: store.Processed | None = field(default=None, repr=False)
    mapping: pd.DataFrame | None = field(default=None, repr=False)
    is_sample: bool = False
    asked_year: int | None = None  # the year asked for, when the edition shown is an earlier one
    dossier_year: int | None = None  # the dossier exports beside it: the latest up to the year asked
    _cache: dict = field(default_factory=dict, repr=False)

    @classmethod
    def build(
        cls,
        province: str,
        year: int,
        data_dir: str | Path = SAMPLE_DATA,
        language: str = "vi",
        view: str = "63",
        peers: str = "region",
        offices_file: str | Path | None = None,
    ) -> GapAnalysis:
        """Prepare the data folder (cached) and set up the analysis of one province on the latest
        PAPI edition up to ``year`` with an indicator table (the decomposition works on
        indicators; ``edition_note`` says when that is not ``year``).
        ``offices_file``: the user's own responsible-offices mapping (CSV); otherwise
        ``responsible_offices.csv`` in the data folder when present, else govgap's default.
        ``view`` may come as a number (``papermill -p view 2025`` passes 2025)."""
        view = str(view)
        check_province_for_edition(province, year)
        path, processed, tidy = prepared_indices(data_dir, year, language)
        code = gaps.unit(province, view).code
        gaps.remember_standings(tidy, view, processed.standings_of(view))  # computed once by the store
        table = tidy if view == "63" else gaps.standings(tidy, "2025")
        edition = gaps.latest_edition(table, year, "PAPI", "indicator", code) or int(year)
        g = cls.from_processed(province, edition, path, processed, tidy, language, view, peers, offices_file)
        g.asked_year = int(year)
        return g

    @classmethod
    def from_processed(
        cls,
        province: str,
        year: int,
        path: Path,
        processed: store.Processed,
        tidy: pd.DataFrame,
        language: str = "vi",
        view: str = "63",
        peers: str = "region",
        offices_file: str | Path | None = None,
    ) -> GapAnalysis:
        """The analysis on data already prepared (the province report uses this)."""
        own = Path(offices_file) if offices_file else Path(path) / "responsible_offices.csv"
        mapping = gaps.office_mapping(own if (offices_file or own.exists()) else None)
        gaps.unit(province, view)  # a clear error for an unknown province, before any work
        return cls(
            province,
            int(year),
            language,
            view,
            peers,
            tidy,
            processed,
            mapping,
            (sample.is_sample(path) or processed.has_sample_inputs()),
        )

    # ------------------------------------------------------------------ helpers
    @property
    def unit(self) -> gaps.Unit:
        return gaps.unit(self.province, self.view)

    @property
    def name(self) -> str:
        return self.unit.name_vi

    def t(self, key: str, **values) -> str:
        return text(key, self.lang, **values)

    def chart_name(self) -> str:
        """The province as a chart legend names it: a merged province's figures before 2025 are
        its members' aggregates, and the legend says so."""
        return f"{self.name} ({self.t('derived_word')})" if self.derived else self.name

    @property
    def derived(self) -> bool:
        """A merged province on an edition of the 63: its figures are its members' aggregates and
        its standard errors their published ones, combined."""
        return self.view == "2025" and derived_from_members(self.unit.code, self.year)

    def n(self, value, decimals: int = 2) -> str:
        return fmt.number(value, self.lang, decimals)

    def fmt_value(self, indicator_id: str, value, signed: bool = False) -> str:
        return value_text(indicator_id, value, self.lang, signed)

    def _cached(self, key, compute):
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    def _of_these_units(self, table: pd.DataFrame) -> pd.DataFrame:
        """The survey rows whose province codes are this view's units: a survey before 2025
        sampled the 63 provinces, one of 2025 or later the 34."""
        if table is None or table.empty:
            return table
        of_34 = table["year"].astype(int) >= FIRST_34_EDITION
        return table[of_34] if self.view == "2025" else table[~of_34]

    def intervals(self) -> pd.DataFrame:
        """The province's survey intervals: empty without microdata of its units (the 63 before
        2025, the 34 from 2025), and when the microdata are govgap's sample but the PAPI edition
        is published (sample intervals say nothing about published figures; with the sample's
        simulated tables they belong together)."""

        def read():
            if self.processed is None or self._sample_against_published():
                return pd.DataFrame()
            code = self.unit.code
            estimates = self._of_these_units(self.processed.survey_estimates(code))
            return gaps.survey_intervals(estimates, self._of_these_units(self.processed.survey_scores()), code)

        return self._cached("intervals", read)

    def edition_note(self) -> str:
        """Which edition is shown when the year asked for has no indicator table."""
        if self.asked_year in (None, self.year):
            return ""
        note = self.t("edition_note", editions=f"PAPI {self.year}", year=self.asked_year)
        return f'<p class="gg-note gg-edition">{html.escape(note)}</p>'

    def banner(self) -> str:
        if not self.is_sample:
            return ""
        return f'<div class="gg-sample-banner" role="alert">{html.escape(self.t("sample_banner"))}</div>'

    # ------------------------------------------------------------------ frames
    def position(self, root: str | tuple = "papi.d7") -> pd.DataFrame:
        """``gaps.position`` of ``root`` and everything below it, or of the ids in a tuple."""
        return self._cached(
            ("position", root),
            lambda: gaps.position(
                self.tidy, self.province, self.year, root, self.view, self.peers, self.intervals(), lang=self.lang
            ),
        )

    def rank_interval(self, indicator: str = "papi.d7") -> pd.Series | None:
        """The province's rank interval on ``indicator`` in this edition from the standard errors
        PAPI publishes (``rank_intervals``; in 2019 every dimension has one), with the bands it
        reaches (``band_best``, ``band_worst``); None where PAPI publishes none."""

        def compute():
            standing = gaps.standings(self.tidy, self.view)
            bands = standing[
                (standing["source"] == "PAPI")
                & (standing["year"] == self.year)
                & (standing["indicator_id"] == indicator)
            ].set_index("province_code")["band"]
            code = gaps.unit(self.province, self.view).code
            return rank_intervals.province_rank_interval(self.tidy, self.year, indicator, code, bands, self.view)

        return self._cached(("rank_interval", indicator), compute)

    def band_text(self, row: pd.Series, indicator: str) -> str:
        """The band a rank may carry (``claims.band_phrase``): the band alone without published
        errors; with them, the rank interval and one band only when the interval stays in it."""
        band = gaps.band_label(row["band"], self.lang).lower()
        interval = self.rank_interval(indicator)
        if not claims.rank_interval_consistent(row["rank"], row["n_provinces"], interval):
            return band
        kind = claims.band_phrase(row["band"], interval["band_best"], interval["band_worst"])
        if kind == "band":
            return band
        return self.t(
            f"band_{kind}",
            low=int(interval["rank_low"]),
            high=int(interval["rank_high"]),
            errors=errors_phrase(self.derived, self.lang),
            band=band,
            best=gaps.band_label(interval["band_best"], self.lang).lower(),
            worst=gaps.band_label(interval["band_worst"], self.lang).lower(),
        )

    def decomposition(self, root: str = "papi.d7", benchmark: str = "median") -> pd.DataFrame:
        return self._cached(
            ("decomposition", root, benchmark),
            lambda: gaps.decompose(self.tidy, self.province, self.year, root, benchmark, self.view, self.peers),
        )

    def points(self, scope=gaps.ENVIRONMENT + gaps.LAND) -> pd.DataFrame:
        return self._cached(
            ("points", tuple(scope)),
            lambda: gaps.points_to_gain(
                self.tidy, self.province, self.year, scope, self.view, self.mapping, self.intervals()
            ),
        )

    def exports_year(self) -> int:
        """The year of the dossier exports used: the latest up to the year asked for (the PAPI
        edition of the decomposition may be older: 2023 for 2024)."""
        if self.dossier_year is not None:
            return self.dossier_year
        asked = self.asked_year or self.year
        years = [y for y in (self.processed.dossier_years() if self.processed is not None else []) if y <= asked]
        return max(years) if years else self.year

    def member_codes(self) -> list[str]:
        """The pre-2025 provinces whose records make this unit (itself in the 63 view)."""
        if self.view == "63":
            return [self.unit.code]
        return members_2025(self.unit.code)

    def dossiers(self) -> pd.DataFrame:
        """The unit's cleaned dossiers of the year (read once): in the 2025 view the exports of the
        members' old departments and of the new one together, each row with its ``member``."""

        def read():
            year = self.exports_year()
            if self.processed is None or year not in self.processed.dossier_years():
                return pd.DataFrame()
            if self.view == "63":
                return self.processed.dossiers(year, self.unit.code)
            return self.processed.unit_dossiers(year, self.unit.code)

        return self._cached("dossiers", read)

    def office_actions(self, scope=gaps.ENVIRONMENT + gaps.LAND) -> pd.DataFrame:
        return self._cached(
            ("office_actions", tuple(scope)), lambda: gaps.office_actions(self.points(scope), self.dossiers())
        )

    def land_panel(self) -> pd.DataFrame:
        return gaps.land_panel(self.tidy, self.province, self.year, self.view)

    def subgroups(self, ids) -> pd.DataFrame:
        if self.processed is None:
            return pd.DataFrame()
        estimates = self._of_these_units(self.processed.survey_estimates(self.unit.code))
        return gaps.subgroups(estimates, self.unit.code, self.year, ids)

    def land_association(self) -> dict:
        """Land dossiers' on-time rate (the report year) against the 5.3 score, across provinces."""
        rates = self.processed.dossier_rates() if self.processed is not None else pd.DataFrame()
        rates = rates[(rates["year"] == self.year) & (rates["field"] == gaps.LAND_FIELD)] if len(rates) else rates
        t = self.tidy  # the published values as they are: no ranks are needed here
        score = t[(t["source"] == "PAPI") & (t["year"] == self.year) & (t["indicator_id"] == "papi.d5.3")]
        score = score.dropna(subset=["value"])
        x = rates.set_index("province_code")["on_time_rate"] if len(rates) else pd.Series(dtype=float)
        return gaps.association(
            x, score.set_index("province_code")["value"], self.unit.code if self.view == "63" else None
        )

    # ------------------------------------------------------------------ tables
    def position_table(self, root: str = "papi.d7") -> str:
        pos = self.position(root)
        names = _names(self.view)
        cols = {
            self.t("col_indicator"): [label_with_scale(i, self.lang) for i in pos["indicator_id"]],
            self.t("col_value"): [
                self._with_interval(i, v, lo, hi)
                for i, v, lo, hi in zip(pos["indicator_id"], pos["value"], pos["ci_low"], pos["ci_high"])
            ],
            self.t("col_rank"): [claims.rank_text(r, n) for r, n in zip(pos["rank"], pos["n_provinces"])],
            self.t("col_band"): [gaps.band_label(b, self.lang) for b in pos["band"]],
            self.t("col_gap_median"): [
                self._gap_cell(i, g, s)
                for i, g, s in zip(pos["indicator_id"], pos["gap_median"], pos["gap_median_significant"])
            ],
            self.t("col_gap_top_quartile"): [
                self.fmt_value(i, g, True) for i, g in zip(pos["indicator_id"], pos["gap_top_quartile"])
            ],
            self.t("col_gap_best"): [
                f"{self.fmt_value(i, g, True)} ({names.get(b, b)})"
                for i, g, b in zip(pos["indicator_id"], pos["gap_best"], pos["best_province"])
            ],
            self.t("col_gap_peers"): [
                self.fmt_value(i, g, True) for i, g in zip(pos["indicator_id"], pos["gap_peers"])
            ],
            self.t("col_change_edition"): [self._change_cell(r) for r in pos.itertuples(index=False)],
        }
        return html_table(pd.DataFrame(cols))

    def _with_interval(self, ind, value, lo, hi) -> str:
        if pd.isna(lo):
            return self.fmt_value(ind, value)
        return f"{self.fmt_value(ind, value)} ({self.fmt_value(ind, lo)}–{self.fmt_value(ind, hi)})"

    def _gap_cell(self, ind, gap, significant) -> str:
        mark = "" if pd.isna(significant) else (" *" if significant else "")
        return self.fmt_value(ind, gap, True) + mark

    def _change_cell(self, r) -> str:
        if pd.isna(r.previous_value):
            return "–"
        if r.change_basis == "not comparable":
            return f"{self.t('change_not_comparable', prev=r.previous_year)} ⚠ {r.across_break}"
        cell = f"{self.fmt_value(r.indicator_id, r.change, True)} ({self.t('col_since')} {r.previous_year})"
        if r.change_basis == "rescaled":  # the break is the rescale itself, said in these words
            cell += f" ({self.t('change_rescaled_short')})"
        if pd.notna(r.change_significant) and r.change_significant:
            cell += " *"
        if r.across_break and r.change_basis != "rescaled":
            cell += f" ⚠ {r.across_break}"
        return cell

    def decomposition_table(self, root: str = "papi.d7", benchmark: str = "median") -> str:
        d = self.decomposition(root, benchmark)
        leaf = d[d["leaf"]]
        out = pd.DataFrame(
            {
                self.t("col_part"): [label_of(i, self.lang) for i in leaf["indicator_id"]],
                self.t("col_value"): [self.fmt_value(i, v) for i, v in zip(leaf["indicator_id"], leaf["value"])],
                self.t("col_benchmark"): [
                    self.fmt_value(i, v) for i, v in zip(leaf["indicator_id"], leaf["benchmark_value"])
                ],
                self.t("col_contribution"): [fmt.signed(c, self.lang, 3) for c in leaf["contribution"]],
            }
        )
        total = pd.DataFrame({c: [""] for c in out.columns})
        total.iloc[0, 0] = self.t("col_total_gap")
        total.iloc[0, 3] = fmt.signed(d["total_gap"].iloc[0], self.lang, 3)
        return html_table(pd.concat([out, total], ignore_index=True))

    def points_table(self, scope=gaps.ENVIRONMENT + gaps.LAND, top: int = 10) -> str:
        pts = self.points(scope).head(top)
        office = f"office_{self.lang}"
        out = pd.DataFrame(
            {
                "#": pts["priority"].astype(str),
                self.t("col_indicator"): [label(i, self.lang) for i in pts["indicator_id"]],
                self.t("col_value"): [self.fmt_value(i, v) for i, v in zip(pts["indicator_id"], pts["value"])],
                self.t("col_median"): [self.fmt_value(i, v) for i, v in zip(pts["indicator_id"], pts["median"])],
                self.t("col_points_median"): [fmt.signed(v, self.lang, 2) for v in pts["points_to_median"]],
                self.t("col_points_top"): [fmt.signed(v, self.lang, 2) for v in pts["points_to_top_quartile"]],
                self.t("col_significant"): [
                    self.t("word_yes") if s is True else (self.t("word_no") if s is False else "–")
                    for s in pts["gap_median_significant"]
                    .astype(object)
                    .where(pts["gap_median_significant"].notna(), None)
                ],
                self.t("col_office"): pts[office],
            }
        )
        return html_table(out)

    def offices_table(self, scope=gaps.ENVIRONMENT + gaps.LAND, top: int = 8) -> str:
        acts = self.office_actions(scope)
        acts = acts[acts["office"] != ""].head(top)
        if acts.empty:
            return f'<p class="gg-note">{self.t("h_no_dossier", year=self.exports_year())}</p>'
        unit = f"unit_{self.lang}"
        out = pd.DataFrame(
            {
                self.t("col_responsible"): acts[unit],
                self.t("col_points_median"): [fmt.signed(v, self.lang, 2) for v in acts["points"]],
                self.t("col_office"): [_short(o, 70) for o in acts["office"]],
                self.t("col_received"): [fmt.number(v, self.lang, 0) for v in acts["received"]],
                self.t("col_late"): [fmt.number(v, self.lang, 0) for v in acts["late"]],
                self.t("col_share_late"): [fmt.percent(v, self.lang) for v in acts["share_of_late"]],
                self.t("col_on_time_rate"): [
                    fmt.percent(v, self.lang) + (" ▼" if s else "")
                    for v, s in zip(acts["on_time_rate"], acts["slower"])
                ],
            }
        )
        return html_table(out)

    def land_focus(self, indicator: str = "papi.d5.3") -> tuple[str, str, str]:
        """(``indicator``'s id, the land sub-dimension it is or belongs to, the other one): notebook
        11 leads with it. ``indicator``: "papi.d2.4", "papi.d5.3" (or "2.4", "5.3") or one of their
        indicators ("papi.d5.3.1")."""
        wanted = indicator_id(indicator)
        for sub in gaps.LAND:
            if wanted == sub or wanted.startswith(sub + "."):
                return wanted, sub, next(other for other in gaps.LAND if other != sub)
        raise OptionError(
            f"indicator phải là papi.d2.4, papi.d5.3 hoặc một chỉ tiêu của chúng, không phải {indicator!r} "
            f"(indicator must be papi.d2.4, papi.d5.3 or one of their indicators)"
        )

    def land_table(self) -> str:
        panel = self.land_panel()
        panel = panel[panel["level"] != "statistic"]
        out = pd.DataFrame(
            {
                self.t("col_source"): [f"{s} {e}" for s, e in zip(panel["source"], panel["edition"])],
                self.t("col_indicator"): [label(i, self.lang) for i in panel["indicator_id"]],
                self.t("col_value"): [self.fmt_value(i, v) for i, v in zip(panel["indicator_id"], panel["value"])],
                self.t("col_median"): [self.fmt_value(i, v) for i, v in zip(panel["indicator_id"], panel["median"])],
                self.t("col_rank"): [claims.rank_text(r, n) for r, n in zip(panel["rank"], panel["n_provinces"])],
                self.t("col_band"): [gaps.band_label(b, self.lang) for b in panel["band"]],
                self.t("col_gap_median"): [
                    self.fmt_value(i, g, True) for i, g in zip(panel["indicator_id"], panel["gap_median"])
                ],
            }
        )
        return html_table(out)

    def subgroups_table(self, ids, top: int = 8) -> str:
        groups = self.subgroups(ids)
        if groups.empty:
            return f'<p class="gg-note">{self.t("gap_no_microdata")}</p>'
        groups = groups.head(top)
        out = pd.DataFrame(
            {
                self.t("col_indicator"): [label(i, self.lang) for i in groups["indicator_id"]],
                self.t("col_group"): [
                    f"{self.t('groupvar_' + v)}: {g}" for v, g in zip(groups["group_var"], groups["group_value"])
                ],
                self.t("col_value"): [
                    self._with_interval(i, e, lo, hi)
                    for i, e, lo, hi in zip(
                        groups["indicator_id"], groups["estimate"], groups["ci_low"], groups["ci_high"]
                    )
                ],
                self.t("col_province_value"): [
                    self.fmt_value(i, v) for i, v in zip(groups["indicator_id"], groups["province_estimate"])
                ],
                "n": [fmt.number(v, self.lang, 0) for v in groups["n"]],
                self.t("col_below"): [self.t("word_yes") if b else self.t("word_no") for b in groups["below"]],
            }
        )
        return html_table(out)

    def dossier_beside_53(self) -> str:
        """Land dossiers by office, procedure and month next to the 5.3 indicators."""

        land = self.dossiers()
        if land.empty:
            return f'<p class="gg-note">{self.t("h_no_dossier", year=self.exports_year())}</p>'
        land = land[land["field"] == gaps.LAND_FIELD]
        pos = self.position("papi.d5.3")
        left = pd.DataFrame(
            {
                self.t("col_indicator"): [label(i, self.lang) for i in pos["indicator_id"]],
                self.t("col_value"): [self.fmt_value(i, v) for i, v in zip(pos["indicator_id"], pos["value"])],
                self.t("col_gap_median"): [
                    self.fmt_value(i, g, True) for i, g in zip(pos["indicator_id"], pos["gap_median"])
                ],
            }
        )
        parts = [html_table(left)]
        for by in ("procedure", "month"):
            m = metrics(land, [by]).sort_values("on_time_rate" if by != "month" else by)
            parts.append(
                html_table(
                    pd.DataFrame(
                        {
                            self.t(f"col_{by}"): [_short(str(v), 70) for v in m[by]],
                            self.t("col_received"): [fmt.number(v, self.lang, 0) for v in m["received"]],
                            self.t("col_on_time_rate"): [fmt.percent(v, self.lang) for v in m["on_time_rate"]],
                            self.t("col_days_late"): [self.n(v, 1) for v in m["mean_working_days_late"]],
                        }
                    )
                )
            )
        return "".join(parts)

    # ------------------------------------------------------------------ narrative
    def narrative(self, root: str = "papi.d7", scope=gaps.ENVIRONMENT + gaps.LAND) -> list[str]:
        """Sentences that state the facts with their numbers; nothing the numbers do not support:
        "significant" only when an interval excludes zero, a change across a break is flagged."""
        pos = self.position(root)
        top = pos.iloc[0]
        lines = [
            self.t(
                "gap_standing",
                name=self.name,
                year=self.year,
                indicator=label(root, self.lang),
                value=self.n(top["value"]),
                rank=int(top["rank"]),
                n=int(top["n_provinces"]),
                band=self.band_text(top, root),
                comparison=self.t(
                    f"cmp_{claims.side(top['value'], top['median'], 2)}",
                    n=int(top["n_provinces"]),
                    median=self.n(top["median"]),
                    gap=self.n(abs(claims.printed_difference(top["value"], top["median"], 2))),
                ),
            )
            + self._significance(top["gap_median_low"], top["gap_median_high"], top["gap_median_significant"])
        ]
        names = _names(self.view)
        if top["gap_best"] < 0 and claims.side(top["value"], top["top_quartile"], 2) == "equal":
            lines.append(
                self.t(
                    "gap_best_at_threshold",
                    best=names.get(top["best_province"], top["best_province"]),
                    gap=self.n(abs(claims.printed_difference(top["value"], top["best"], 2))),
                    top=self.n(top["top_quartile"]),
                )
            )
        elif top["gap_best"] < 0:
            lines.append(
                self.t(
                    "gap_best",
                    best=names.get(top["best_province"], top["best_province"]),
                    gap=self.n(abs(claims.printed_difference(top["value"], top["best"], 2))),
                    top=self.n(top["top_quartile"]),
                    gap_top=self.n(abs(claims.printed_difference(top["value"], top["top_quartile"], 2))),
                    side=self.t("above" if top["gap_top_quartile"] >= 0 else "below"),
                )
            )
        if pd.notna(top["previous_value"]) and top["change_basis"] == "not comparable":
            lines.append(
                self.t("gap_change_not_comparable", prev=int(top["previous_year"]), breaks=top["across_break"])
            )
        elif pd.notna(top["previous_value"]):
            moved = claims.side(top["change"], 0.0, 2)  # the change on one scale (rescaled if need be)
            line = self.t(
                "gap_change" if moved != "equal" else "gap_no_change",
                prev=int(top["previous_year"]),
                direction=self.t("up" if moved == "above" else "down"),
                change=self.n(abs(top["change"])),
            )
            line += self._significance(top["change_low"], top["change_high"], top["change_significant"])
            if top["change_basis"] == "rescaled":
                line += " " + self.t("gap_change_rescaled", prev=int(top["previous_year"]), breaks=top["across_break"])
            elif top["across_break"]:
                line += " " + self.t("gap_across_break", breaks=top["across_break"])
            lines.append(line)
        if indicators().loc[root, "level"] == "dimension":
            dec = self.decomposition(root)
            subs = dec[dec["part"] == "sub-dimension"].sort_values("contribution")
            worst = subs.iloc[0]
            if worst["contribution"] < 0:
                lines.append(
                    self.t(
                        "gap_worst_sub",
                        sub=label(worst["indicator_id"], self.lang),
                        points=self.n(-worst["contribution"]),
                        total=self.n(abs(dec["total_gap"].iloc[0])),
                    )
                )
        # points to gain on ``root`` only: a Dimension 7 sentence never adds indicators of 2.4 or 5.3
        cat = indicators()
        own = (
            [root] if cat.loc[root, "level"] == "sub-dimension" else [s for s in scope if cat.loc[s, "parent"] == root]
        )
        pts = self.points(scope)
        gain = pts[(pts["points_to_median"].round(2) > 0) & pts["sub_dimension"].isin(own)]
        if len(gain):
            first = gain.iloc[0]
            office = first[f"office_{self.lang}"]
            lines.append(
                self.t(
                    "gap_points",
                    k=len(gain),
                    root=label(root, self.lang),
                    total=self.n(gain["points_to_median"].sum()),
                    indicator=label(first["indicator_id"], self.lang),
                    points=self.n(first["points_to_median"]),
                    office=office or "–",
                    basis=self.weights_bases(gain["sub_dimension"]),
                )
            )
        acts = self.office_actions(scope)
        acts = acts[acts["office"] != ""]
        if len(acts):
            a = acts.iloc[0]
            lines.append(
                self.t(
                    "gap_office",
                    office=a["office"],
                    late=fmt.number(a["late"], self.lang, 0),
                    share=fmt.percent(a["share_of_late"], self.lang),
                    rate=fmt.percent(a["on_time_rate"], self.lang),
                    unit_rate=fmt.percent(a["unit_on_time_rate"], self.lang),
                    year=self.exports_year(),
                )
                + (self.t("sample_word") if self.is_sample else "")
            )
        return lines

    def _significance(self, low, high, significant) -> str:
        if pd.isna(significant):
            return ""
        key = "gap_significant" if significant else "gap_not_significant"
        return " " + self.t(key, low=fmt.signed(low, self.lang, 2), high=fmt.signed(high, self.lang, 2))

    def _sample_against_published(self) -> bool:
        """Sample dossiers beside a published PAPI edition: a correlation of the two means nothing."""
        simulated = self.processed is not None and ("PAPI", self.year) in self.processed.simulated_editions()
        return self.is_sample and not simulated

    def association_text(self) -> list[str]:
        if self._sample_against_published():
            return [self.t("gap_no_association_sample")]
        a = self.land_association()
        if a["n"] < 5:
            return [self.t("gap_no_association", year=self.year)]
        p = "< " + self.n(0.001, 3) if a["spearman_p"] < 0.001 else "= " + self.n(a["spearman_p"], 3)
        line = self.t(
            "gap_association", n=a["n"], year=self.year, rho=self.n(a["spearman"]), p=p, r=self.n(a["pearson"])
        )
        return [line, *(self.t(f"assoc_caveat_{k}") for k in (1, 2, 3))]

    def weights_basis(self, sub: str, named: bool = False) -> str:
        """How the points of ``sub`` are estimated, in words: PAPI's rule where it reproduces the
        published scores, else the fitted weights and how far off they are (``named``: after the
        sub-dimension's number, "5.3: ...")."""
        fit = gaps.scoring_weights_for(self.tidy, sub, self.year)
        if fit.basis == "rule":
            words = self.t("weights_rule")
        elif fit.basis == "fitted":
            words = self.t("weights_fitted", n=fit.provinces, res=self.n(fit.max_abs_residual))
        else:
            words = self.t("weights_unchecked")
        return f"{sub.removeprefix('papi.d')}: {words}" if named else words

    def weights_bases(self, subs) -> str:
        """The bases of several sub-dimensions' points, each said once: "7.2, 7.3: by PAPI's
        rule...; 7.1: by weights fitted..."."""
        by_words: dict[str, list[str]] = {}
        for sub in dict.fromkeys(subs):
            by_words.setdefault(self.weights_basis(sub), []).append(sub.removeprefix("papi.d"))
        if len(by_words) == 1:
            return next(iter(by_words))
        return "; ".join(f"{', '.join(sorted(names))}: {words}" for words, names in by_words.items())

    def scoring_table(self, scope=gaps.ENVIRONMENT + gaps.LAND) -> str:
        """The weight of every indicator of ``scope`` in the report's edition, beside the
        equal-weight rule's, and how well the weights reproduce the published scores."""
        rows = []
        for sub in scope:
            fit = gaps.scoring_weights_for(self.tidy, sub, self.year)
            lo, hi = score_scale(sub, self.year)
            for ind, w in zip(fit.indicators, fit.weights):
                rows.append(
                    {
                        self.t("col_indicator"): label(ind, self.lang),
                        self.t("col_weight"): self.n(w),
                        self.t("col_rule_weight"): self.n((hi - lo) / len(fit.indicators)),
                        self.t("col_weights_basis"): self.weights_basis(sub),
                        self.t("col_fit_r2"): self.n(fit.r2, 3) if fit.r2 == fit.r2 else "–",
                        self.t("col_nature"): self.t(f"nature_{item_nature(ind)}"),
                    }
                )
        return html_table(pd.DataFrame(rows))

    # ------------------------------------------------------------------ the action card
    def priorities(self, scope=gaps.ENVIRONMENT + gaps.LAND, top: int = 3) -> pd.DataFrame:
        """At most ``top`` indicators to fix first: those whose rise to the national median gains
        the most points on their dimension, counting only gains that print as at least 0,01."""
        pts = self.points(scope)
        # an item that no office raises by serving better (taking part, an opinion, the household's
        # circumstances) is never one of an office's priorities
        office_work = pts["nature"].isin(["service", "knowledge"])
        return pts[(pts["points_to_median"].round(2) > 0) & office_work].head(top).reset_index(drop=True)

    def evidence(self, indicator_id: str) -> pd.Series | None:
        """The dossier record behind a priority: the office of its responsible unit with the most
        late dossiers' share (``office_actions``), or None when no export names such an office."""
        acts = self.office_actions()
        if acts.empty:
            return None
        mine = acts[(acts["office"] != "") & acts["indicators"].str.contains(indicator_id, regex=False)]
        return mine.iloc[0] if len(mine) else None

    def strength(self, scope=gaps.ENVIRONMENT + gaps.LAND) -> pd.Series | None:
        """The sub-dimension furthest above the median at the printed precision (good news to
        end the card on), or None when none is above."""
        rows = self.position(tuple(scope))  # the sub-dimensions' own rows, in one comparison
        rows = rows[rows["value"].notna() & rows["median"].notna()]
        above = rows[[claims.side(v, m, 2) == "above" for v, m in zip(rows["value"], rows["median"])]]
        return above.loc[(above["value"] - above["median"]).idxmax()] if len(above) else None

    def action_items(self) -> tuple[list[str], str]:
        """(the priorities as sentences, the good-news sentence or ""): who must fix what, how many
        points it is worth, the dossier evidence and the target for the next edition."""
        items = []
        sample = self.t("sample_word") if self.is_sample else ""
        for row in self.priorities().itertuples():
            ind = row.indicator_id
            text_ = self.t(
                "action_item",
                indicator=label(ind, self.lang),
                value=self.fmt_value(ind, row.value),
                median=self.fmt_value(ind, row.median),
                rank=claims.rank_text(row.rank, row.n_provinces),
                points=fmt.number(row.points_to_median, self.lang, 2),
                dimension=label(row.dimension, self.lang),
                office=getattr(row, f"office_{self.lang}") or self.t("action_no_office"),
                basis=self.weights_basis(row.sub_dimension),
            )
            if row.nature != "service":  # what the office can do about an item of knowledge
                text_ += " " + self.t("action_nature", note=item_nature_note(ind, self.lang))
            if pd.notna(row.gap_median_significant) and not row.gap_median_significant:  # tested: not a gap
                text_ += " " + self.t("action_not_significant")
            found = self.evidence(ind)
            if found is not None:
                text_ += " " + self.t(
                    "action_evidence",
                    year=self.exports_year(),
                    sample=sample,
                    office=found["office"],
                    rate=fmt.percent(found["on_time_rate"], self.lang),
                    late=fmt.number(found["late"], self.lang, 0),
                    received=fmt.number(found["received"], self.lang, 0),
                )
            items.append(text_ + " " + self.t("action_target", target=self.fmt_value(ind, row.median)))
        best = self.strength()
        good = ""
        if best is not None:
            good = self.t(
                "action_strength",
                indicator=label(best["indicator_id"], self.lang),
                value=self.fmt_value(best["indicator_id"], best["value"]),
                median=self.fmt_value(best["indicator_id"], best["median"]),
                rank=int(best["rank"]),
                n=int(best["n_provinces"]),
            )
        return items, good

    def action_card_html(self) -> str:
        """The action card at the top of the report: at most three priorities, then good news."""
        items, good = self.action_items()
        body = "".join(f"<li>{html.escape(i)}</li>" for i in items)
        if not items:
            body = f"<li>{html.escape(self.t('action_none', year=self.year))}</li>"
        tail = f'<p class="gg-good">{html.escape(good)}</p>' if good else ""
        head = html.escape(self.t("action_title", year=self.year))
        return f'<div class="gg-action"><h2>{head}</h2><ol>{body}</ol>{tail}</div>'

    def action_card_text(self) -> str:
        """The action card as plain text (an e-mail body)."""
        items, good = self.action_items()
        lines = [self.t("action_title", year=self.year)]
        lines += [f"{k}. {i}" for k, i in enumerate(items, start=1)] or [self.t("action_none", year=self.year)]
        return "\n".join(lines + ([good] if good else []))

    def narrative_html(self, lines: list[str]) -> str:
        items = "".join(f"<li>{html.escape(line)}</li>" for line in lines)
        return f'<div class="gg-headline"><ul>{items}</ul></div>'

    # ------------------------------------------------------------------ charts
    def gap_chart(self, root: str = "papi.d7", benchmark: str = "median"):
        """Bars: each part's contribution to the gap (negative = points lost), total in the title.
        Lost and ahead differ in colour and in hatching, so that they are told apart without colour."""
        chart_style()
        d = self.decomposition(root, benchmark)
        leaf = d[d["leaf"] & d["contribution"].notna()].reset_index(drop=True)
        names = [wrap(label_of(i, self.lang), 30) for i in leaf["indicator_id"]]
        lines = sum(n.count("\n") + 1 for n in names)
        fig, ax = plt.subplots(figsize=(WIDTH, 0.19 * lines + 0.2 * len(leaf) + 1.9), layout="constrained")
        lost = leaf["contribution"] < 0
        bars = ax.barh(names, leaf["contribution"], color=np.where(lost, PALETTE["late"], PALETTE["best"]))
        for bar, is_lost in zip(bars, lost):
            if is_lost:
                bar.set_hatch("//")
                bar.set_edgecolor("white")
        ax.axvline(0, color="black", lw=0.8)
        ax.invert_yaxis()
        total = d["total_gap"].iloc[0]
        benchmark_name = self.t(f"benchmark_{benchmark}")
        # over the whole figure, not the plot: long indicator names leave the plot too narrow for it
        fig.suptitle(
            wrap(label(root, self.lang), 50)
            + "\n"
            + wrap(self.t("chart_gap_title", total=fmt.signed(total, self.lang, 2), benchmark=benchmark_name), 50),
            fontsize=10,
            fontweight="bold",
        )
        ax.set_xlabel(self.t("col_contribution"))
        ax.set_ylabel("")
        ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: fmt.signed(v, self.lang, 2)))
        handles = [
            matplotlib.patches.Patch(facecolor=PALETTE["late"], hatch="//", edgecolor="white"),
            matplotlib.patches.Patch(facecolor=PALETTE["best"]),
        ]
        legend_below(fig, ax, 2, handles, [self.t("points_lost"), self.t("points_ahead")])
        worst = leaf.loc[leaf["contribution"].idxmin()] if len(leaf) else None
        describe(
            fig,
            self.t(
                "alt_gap",
                indicator=label(root, self.lang),
                benchmark=benchmark_name,
                total=fmt.signed(total, self.lang, 2),
                n=len(leaf),
                lost=int(lost.sum()),
                worst=label_of(worst["indicator_id"], self.lang) if worst is not None else "–",
                worst_points=fmt.signed(worst["contribution"], self.lang, 2) if worst is not None else "–",
            ),
        )
        return fig

    def dot_chart(self, root: str = "papi.d7"):
        """Indicators (shares) of the province against the national median, the top quartile and
        the best province: one row per indicator with its whole name above the dots."""
        chart_style()
        pos = self.position(root)
        pos = pos[
            (pos["level"] == "indicator") & (pos["indicator_id"].map(indicators()["unit"]) == "share")
        ].reset_index(drop=True)
        series = (
            ("median", self.t("col_median"), PALETTE["median"], "s"),
            ("top_quartile", self.t("col_top_quartile"), PALETTE["top_quartile"], "^"),
            ("best", self.t("col_best"), PALETTE["best"], "D"),
            ("value", self.chart_name(), PALETTE["province"], "o"),
        )
        names = [wrap(label(i, self.lang), 50) for i in pos["indicator_id"]]
        heights = [0.62 + 0.2 * n.count("\n") for n in names]
        fig, ax = plt.subplots(figsize=(WIDTH, sum(heights) + 1.5), layout="constrained")
        y, ticks = 0.0, []
        for name, h in zip(names, heights):
            ticks.append(y + h - 0.2)
            ax.text(0, y + 0.02, name, fontsize=10, va="top", ha="left", color="#1d2730")
            y += h
        for col, name, colour, marker in series:
            ax.scatter(
                100 * pos[col],
                ticks,
                s=48 if col == "value" else 34,
                color=colour,
                marker=marker,
                label=name,
                zorder=3 if col == "value" else 2,
                edgecolor="white",
                linewidth=0.5,
            )
        ax.set_ylim(y, -0.1)
        ax.set_yticks([])
        ax.set_xlim(0, 100)
        ax.set_xticks(range(0, 101, 20))
        ax.set_xlabel(self.t("chart_share_axis"))
        ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: self.n(v, 0) + "%"))
        legend_below(fig, ax, 2)
        below = int((pos["gap_median"].round(3) < 0).sum())  # oriented, at the printed precision of a share
        describe(
            fig,
            self.t("alt_dots", n=len(pos), province=self.chart_name(), year=self.year, below=below),
        )
        return fig

    def trend_chart(self, indicator_id: str = "papi.d7"):
        """The province's value, the national median and top quartile over the editions; the
        survey interval when microdata exist; breaks marked with a dotted line and a note. An
        edition missing from the series leaves a gap in the lines, not a straight join."""
        chart_style()
        hist = gaps.history(self.tidy, self.province, indicator_id, self.view, self.intervals())
        hist = hist.sort_values("year").reset_index(drop=True)
        fig, ax = plt.subplots(figsize=(WIDTH, 3.6), layout="constrained")
        years = hist["year"].astype(int)
        full = pd.DataFrame({"year": range(int(years.min()), int(years.max()) + 1)}) if len(hist) else hist
        series = hist.merge(full, on="year", how="right") if len(hist) else hist
        for col, name, colour, style, marker in (
            ("value", self.chart_name(), PALETTE["province"], "-", "o"),
            ("median", self.t("col_median"), PALETTE["median"], "--", "s"),
            ("top_quartile", self.t("col_top_quartile"), PALETTE["top_quartile"], ":", "^"),
        ):
            ax.plot(series["year"], series[col], ls=style, marker=marker, color=colour, label=name, lw=1.8, ms=5)
        if hist["ci_low"].notna().any():
            ax.fill_between(
                series["year"],
                series["ci_low"],
                series["ci_high"],
                color=PALETTE["province"],
                alpha=0.15,
                label=self.t("interval_95"),
            )
        notes = []  # what the dotted lines mean, under the chart (their texts do not fit on it)
        if self.view == "2025" and hist["year"].min() < FIRST_34_EDITION <= hist["year"].max():
            # before it, the 34 provinces' values are their members' aggregates; from it, published
            after = hist.loc[hist["year"] >= FIRST_34_EDITION, "year"].min()
            before = hist.loc[hist["year"] < FIRST_34_EDITION, "year"].max()
            ax.axvline((after + before) / 2, color=PALETTE["median"], lw=1.2, ls="--")
            notes.append(self.t("merger_break"))
        simulated = sorted(
            y
            for source, y in (self.processed.simulated_editions() if self.processed is not None else ())
            if source == "PAPI" and y in set(hist["year"])
        )
        for year in simulated:  # govgap's simulated editions beside published ones: shaded and said
            ax.axvspan(year - 0.4, year + 0.4, color=PALETTE["simulated"], alpha=0.35, lw=0)
        if simulated:
            notes.append(self.t("simulated_editions_note", years=", ".join(map(str, simulated))))
        for row in hist[hist[f"break_{self.lang}"] != ""].itertuples():
            if row.year == hist["year"].min():
                continue
            ax.axvline(row.year - 0.5, color=PALETTE["late"], lw=1.2, ls=":")
            said = getattr(row, f"break_{self.lang}")
            notes.append(said if said.startswith(str(row.year)) else f"{row.year}: {said}")
        missing = sorted(set(full["year"]) - set(years)) if len(hist) else []
        if missing:
            notes.append(self.t("chart_missing_editions", years=", ".join(map(str, missing))))
        ax.set_title(wrap(label(indicator_id, self.lang), 60))
        ax.set_xlabel(self.t("col_year"))
        ax.set_ylabel(self.t("col_score"))
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
        ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: self.n(v, 2)))
        legend_below(fig, ax, 2)
        last = hist.iloc[-1] if len(hist) else None
        describe(
            fig,
            self.t(
                "alt_trend",
                indicator=label(indicator_id, self.lang),
                province=self.chart_name(),
                first=int(years.min()) if len(hist) else "–",
                last=int(years.max()) if len(hist) else "–",
                value=self.fmt_value(indicator_id, last["value"]) if last is not None else "–",
                median=self.fmt_value(indicator_id, last["median"]) if last is not None else "–",
            )
            + (" " + "; ".join(notes) + "." if notes else ""),
            caption="; ".join(notes),
        )
        return mark_sample(fig, self.t("sample_chart_mark")) if simulated else fig

    def tile_chart(self, indicator_id: str = "papi.d7"):
        """Tile grid: every province as a tile in its region's row, ordered by value, coloured by
        PAPI's four bands; the province analysed is outlined."""
        chart_style()
        table = gaps.standings(self.tidy, self.view)
        sel = table[(table["year"] == self.year) & (table["indicator_id"] == indicator_id)].copy()
        sel["region"] = sel["province_code"].map(gaps.regions_of(self.view))
        names = _names(self.view)
        colours = bands()["colour"].to_dict()
        regions = [r for r in ("NMM", "RRD", "NCC", "CH", "SE", "MRD") if r in set(sel["region"])]
        width = int(sel.groupby("region").size().max())
        fig, ax = plt.subplots(figsize=(max(WIDTH, 0.7 * width + 1.2), 0.8 * len(regions) + 1.4), layout="constrained")
        for r_i, region in enumerate(regions):
            rows = sel[sel["region"] == region].sort_values("rank")
            for c_i, row in enumerate(rows.itertuples()):
                mine = row.province_code == self.unit.code
                ax.add_patch(
                    plt.Rectangle(
                        (c_i, -r_i),
                        0.95,
                        0.9,
                        color=colours[int(row.band)],
                        ec="black" if mine else "white",
                        lw=3.5 if mine else 0.5,
                    )
                )
                ink = "white" if int(row.band) in (1, 4) else "#1d2730"  # legible on the dark bands
                ax.text(
                    c_i + 0.47,
                    -r_i + 0.58,
                    _short(names.get(row.province_code, row.province_code), 10),
                    ha="center",
                    va="center",
                    fontsize=8,
                    color=ink,
                    weight="bold" if mine else "normal",
                )
                ax.text(c_i + 0.47, -r_i + 0.25, self.n(row.value, 2), ha="center", va="center", fontsize=8, color=ink)
        rn = region_table().set_index("code")[f"name_{self.lang}"]
        ax.set_yticks([-i + 0.45 for i in range(len(regions))], [wrap(rn[r], 16) for r in regions], fontsize=9.5)
        ax.set_xticks([])
        ax.set_xlim(0, width)
        ax.set_ylim(-len(regions) + 0.9, 1)
        ax.grid(False)
        handles = [plt.Rectangle((0, 0), 1, 1, color=colours[b]) for b in sorted(colours)]
        legend_below(fig, ax, 2, handles, [gaps.band_label(b, self.lang) for b in sorted(colours)])
        ax.set_title(wrap(f"{label(indicator_id, self.lang)} — {self.year}", 60))
        mine = sel[sel["province_code"] == self.unit.code]
        describe(
            fig,
            self.t(
                "alt_tiles",
                indicator=label(indicator_id, self.lang),
                year=self.year,
                n=len(sel),
                province=self.name,
                rank=int(mine["rank"].iloc[0]) if len(mine) else "–",
                band=gaps.band_label(int(mine["band"].iloc[0]), self.lang) if len(mine) else "–",
            ),
        )
        return fig

    def association_chart(self):
        """Scatter across provinces: land dossiers' on-time rate against the 5.3 score."""
        if self._sample_against_published():
            return None
        a = self.land_association()
        if a["n"] < 5:
            return None
        import seaborn as sns  # here only: the import costs every report kernel about a second

        chart_style()
        data = a["data"]
        fig, ax = plt.subplots(figsize=(WIDTH, 4.0), layout="constrained")
        sns.regplot(
            x=100 * data["x"],
            y=data["y"],
            ax=ax,
            color=PALETTE["median"],
            ci=None,
            scatter_kws={"s": 18},
            line_kws={"lw": 1},
        )
        if a.get("highlight") in data.index:
            h = data.loc[a["highlight"]]
            ax.scatter([100 * h["x"]], [h["y"]], color=PALETTE["province"], s=70, zorder=3, label=self.name)
            legend_below(fig, ax, 1)
        ax.set_xlabel(wrap(self.t("chart_assoc_x", year=self.year), 60))
        ax.set_ylabel(wrap(label("papi.d5.3", self.lang), 36), fontsize=9)
        ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: self.n(v, 0) + "%"))
        ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: self.n(v, 2)))
        ax.set_title(wrap(self.t("chart_assoc_title", rho=self.n(a["spearman"]), n=a["n"]), 60))
        describe(fig, self.t("chart_assoc_title", rho=self.n(a["spearman"]), n=a["n"]))
        return mark_sample(fig, self.t("sample_chart_mark")) if self.is_sample else fig
