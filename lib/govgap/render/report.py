"""Province report: every number and chart the report notebook shows, in Vietnamese or English.

The notebook only calls ``build(...)`` and the methods of ``ProvinceReport``; each method
returns HTML or a matplotlib figure. All text that comes from data is escaped.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib
import matplotlib.patches
import matplotlib.pyplot as plt
import matplotlib.ticker
import pandas as pd

from govgap import __version__
from govgap.compare import context_standing
from govgap.compare.gaps import Unit, band_label, history, latest_edition, remember_standings
from govgap.compare.gaps import unit as unit_of
from govgap.compare.rank_intervals import latest_with_errors, province_rank_interval
from govgap.errors import OptionError
from govgap.estimate.dossier_metrics import metrics
from govgap.paths import SAMPLE_DATA, project_root
from govgap.pipeline import sample, store
from govgap.pipeline.inputs import prepared_indices
from govgap.reference.catalogue import indicators, label
from govgap.reference.dossier_metric_table import label as metric_label
from govgap.reference.dossier_metric_table import shown_in
from govgap.reference.provinces import (
    FIRST_34_EDITION,
    Province,
    check_province_for_edition,
    derived_from_members,
    find_province,
    members_2025,
)
from govgap.reference.provinces import province as province_by_code
from govgap.reference.provinces import provinces as provinces_63
from govgap.reference.report_text import _texts, file_error, quarantine_reason, text
from govgap.reference.text import fold, slugify
from govgap.render import claims, fmt
from govgap.render.charts import PALETTE, WIDTH, chart_style, describe, legend_below, mark_sample, wrap
from govgap.render.dossier_tables import metric_value
from govgap.render.gap_report import GapAnalysis, errors_phrase
from govgap.render.html import _e, gap_text, html_table, is_share, label_with_scale, value_text
from govgap.sources import context
from govgap.sources.dossier_targets import target_for


@dataclass
class ProvinceReport:
    """One report. ``unit`` is the province reported on: one of the 34 in force from 1/7/2025
    (``units="34"``, the default) or one of the 63 before (``units="63"``, historical reports);
    ``members`` are the pre-2025 provinces whose records make it (itself for the 63, and for an
    unchanged province). ``indices`` are the standings in that unit set: for the 34 on an edition
    of the 63, population-weighted aggregates of the members (derived), ranked among the 34;
    ``official`` is the published table of the 63, for the members' own figures."""

    province: Province  # the first member (the province itself in the 63)
    year: int
    lang: str
    data_dir: Path
    processed: store.Processed
    indices: pd.DataFrame = field(repr=False)
    is_sample: bool = False
    units: str = "63"
    unit: Unit | None = None
    members: tuple = ()
    official: pd.DataFrame | None = field(default=None, repr=False)
    _cache: dict = field(default_factory=dict, repr=False)

    def __post_init__(self):
        if self.unit is None:
            self.unit = Unit(self.province.code, self.province.name_vi, "63", self.province.region, ())
        if not self.members:
            self.members = (self.province,)
        if self.official is None:
            self.official = self.indices

    @property
    def view(self) -> str:
        return "2025" if self.units == "34" else "63"

    @property
    def merged(self) -> bool:
        """A 2025 province made of several old ones."""
        return self.units == "34" and len(self.members) > 1

    @property
    def derived(self) -> bool:
        """A merged province on an edition of the 63: its figures are its members' aggregates."""
        return self.derived_in(self.edition("PAPI") or self.year)

    def derived_in(self, edition: int) -> bool:
        """Whether the province's figures of ``edition`` are its members' aggregates (a merged
        province on an edition of the 63), their standard errors combined from the members'."""
        return self.units == "34" and derived_from_members(self.unit.code, edition)

    def errors_phrase(self, edition: int) -> str:
        """Whose standard errors a rank interval of ``edition`` rests on: PAPI's, or the members' combined."""
        return errors_phrase(self.derived_in(edition), self.lang)

    def member_note(self) -> str:
        """For a merged province on an edition of the 63: its members and how its figures are made."""
        if not self.derived:
            return ""
        names = ", ".join(m.name_vi for m in self.members)
        return f'<p class="gg-note gg-derived">{_e(self.t("derived_note", members=names))}</p>'

    # ------------------------------------------------------------------ helpers
    def t(self, key: str, **values) -> str:
        return text(key, self.lang, **values)

    def n(self, value, decimals: int = 2) -> str:
        return fmt.number(value, self.lang, decimals)

    def pct(self, value, decimals: int = 1) -> str:
        return fmt.percent(value, self.lang, decimals)

    def _fmt_value(self, indicator_id: str, value) -> str:
        return value_text(indicator_id, value, self.lang)

    def _fmt_gap(self, indicator_id: str, difference) -> str:
        return gap_text(indicator_id, difference, self.lang)

    def edition(self, source: str = "PAPI", level: str | None = None) -> int | None:
        """The latest published edition of ``source`` (with values at ``level``, e.g. "indicator")
        up to the report year: PAPI 2024 has sub-dimensions but no indicator table, PCI may lag."""
        key = ("edition", source, level)
        if key not in self._cache:
            # the province's own latest: a province left blank in an edition shows its previous one
            self._cache[key] = latest_edition(self.indices, self.year, source, level, self.unit.code)
        return self._cache[key]

    def edition_note(self, *editions: tuple[str, int | None], level: str | None = None) -> str:
        """ "PAPI 2024; PCI 2019": the editions a section shows, said where one is not the report year."""
        shown = [(s, y) for s, y in editions if y is not None]
        if all(y == self.year for _, y in shown):
            return ""
        parts = "; ".join(f"{s} {y}" for s, y in shown)
        note = self.t("edition_note", editions=parts, year=self.year)
        for source, year in shown:  # a later edition exists but leaves this province blank
            later = latest_edition(self.indices, self.year, source, level)
            if later is not None and later > year:
                note += " " + self.t("edition_blank", source=source, edition=later, province=self.name)
        return f'<p class="gg-note gg-edition">{_e(note)}</p>'

    def sample_note(self) -> str:
        """The mark on a section made from sample data (survey microdata, dossier exports)."""
        if not self.is_sample:
            return ""
        return f'<p class="gg-sample-mark">{_e(self.t("sample_section"))}</p>'

    def _edition_rows(self, source: str, year: int | None) -> pd.DataFrame:
        """Every province's rows of one edition of ``indices`` (none for no edition): looked up
        many times a report, cut once."""
        if year is None:
            return self.indices.iloc[:0]
        key = ("edition_rows", source, int(year))
        if key not in self._cache:
            tbl = self.indices
            self._cache[key] = tbl[(tbl["source"] == source) & (tbl["year"] == int(year))]
        return self._cache[key]

    def _row(self, indicator_id: str, source: str = "PAPI", year: int | None = None) -> pd.Series | None:
        tbl = self._edition_rows(source, year or self.edition(source))
        hit = tbl[(tbl["indicator_id"] == indicator_id) & (tbl["province_code"] == self.unit.code)]
        return hit.iloc[0] if len(hit) else None

    @property
    def name(self) -> str:
        return self.unit.name_vi

    # ------------------------------------------------------------------ sections
    def title(self) -> str:
        return (
            self.page_style() + f'<h1 class="gg-title">{_e(self.t("title", province=self.name, year=self.year))}</h1>'
        )

    def simulated_shown(self) -> set[tuple[str, int]]:
        """The (source, edition) shown in this report that are govgap's simulated tables."""
        shown = {("PAPI", self.edition("PAPI")), ("PCI", self.edition("PCI"))}
        return shown & set(self.processed.simulated_editions())

    def banner_text(self) -> str:
        """What is sample data and what is published ("" when every input is real)."""
        if self.simulated_shown():
            return self.t("sample_banner_all")
        return self.t("sample_banner") if self.is_sample else ""

    def banner(self) -> str:
        text_ = self.banner_text()
        return f'<div class="gg-sample-banner" role="alert">{_e(text_)}</div>' if text_ else ""

    def has_gap_analysis(self) -> bool:
        """Whether the province has PAPI indicator figures for the gap analysis (Dimension 7 in the
        edition the analysis uses)."""
        return self.has_environment() and self._row("papi.d7", year=self.gaps().year) is not None

    def action_card(self) -> str:
        """Who must fix what first (``GapAnalysis.action_card_html``), at the top of the report;
        empty for a province without PAPI indicator figures."""
        return self.gaps().action_card_html() if self.has_gap_analysis() else ""

    def action_card_text(self) -> str:
        """The action card as plain text (the e-mail body); "" as ``action_card``."""
        return self.gaps().action_card_text() if self.has_gap_analysis() else ""

    def headline(self) -> str:
        """The key-findings box."""
        items = "".join(f"<li>{_e(line)}</li>" for line in self.headline_lines())
        return f'<div class="gg-headline"><h2>{_e(self.t("headline_title"))}</h2><ul>{items}</ul></div>'

    def headline_lines(self) -> list[str]:
        """The key findings as sentences with their numbers (report language)."""
        lines = []
        d7 = self._row("papi.d7")
        if d7 is not None and pd.notna(d7["value"]):
            lines.append(
                self.t(
                    "h_env",
                    edition=self.edition("PAPI"),
                    score=self.n(d7["value"]),
                    rank=int(d7["rank"]),
                    n=int(d7["n_provinces"]),
                    interval=self._interval_text(d7, "papi.d7"),
                    comparison=self._versus_median(d7["value"], d7["median"], int(d7["n_provinces"])),
                )
            )
            subs = self.env_table(raw=True)
            subs = subs[subs["indicator_id"] != "papi.d7"].dropna(subset=["value", "median"])
            worst = claims.furthest_below(subs, decimals=2)
            if worst is not None:
                lines.append(
                    self.t(
                        "h_env_worst",
                        sub=label(worst["indicator_id"], self.lang),
                        score=self.n(worst["value"]),
                        median=self.n(worst["median"]),
                        gap=self.n(-claims.printed_difference(worst["value"], worst["median"], 2)),
                    )
                )
            elif len(subs):
                lines.append(self.t("h_env_none_below", k=len(subs)))
        s53, s24 = self._row("papi.d5.3"), self._row("papi.d2.4")
        published = self._edition_rows("PAPI", self.edition("PAPI") or self.year)["indicator_id"]
        if published.isin(["papi.d5.3", "papi.d2.4"]).any():  # one the province lacks is said, not left out
            lines.append(
                self.t("h_land", edition=self.edition("PAPI"), s53=self._land_score(s53), s24=self._land_score(s24))
            )
        total = self.total_rank_line()
        if total:
            lines.append(total)
        pci = self._row("pci.sub2", "PCI")
        if pci is not None:
            lines.append(
                self.t(
                    "h_pci",
                    edition=self.edition("PCI"),
                    score=self.n(pci["value"]),
                    rank=int(pci["rank"]),
                    n=int(pci["n_provinces"]),
                )
            )
        offices = self.office_rates()
        if len(offices):
            own, median, k = self.land_on_time()
            worst = offices.iloc[0]
            lines.append(
                self.t(
                    "h_dossier",
                    year=self.dossier_year(),
                    sample=self.t("sample_word") if self.is_sample else "",
                    rate=self.pct(own),
                    median=self.t("h_dossier_median", k=k, median=self.pct(median))
                    if claims.has_median(k)
                    else self.t("h_dossier_alone", k=k),
                    office=worst["office"],
                    office_rate=self.pct(worst["on_time_rate"]),
                    office_n=fmt.number(worst["received"], self.lang, 0),
                )
            )
        else:
            lines.append(self.t("h_no_dossier", year=self.dossier_year()))
        return lines + self.context_headlines()

    def total_rank_interval(self) -> pd.Series | None:
        """The province's PAPI total in the latest edition up to the report's year that PAPI
        published with standard errors and a value for it: value, rank, its 95% rank interval, n,
        the bands the interval reaches (``band``, ``band_best``, ``band_worst``), the edition and
        the indicator (``rank_intervals``); None when there is none."""
        year = self.year
        # a province left blank in the latest such edition (Quảng Ninh in 2023) has an earlier one
        while (found := latest_with_errors(self.official, year)) is not None:
            edition, indicator_id = found
            row = self.rank_interval(indicator_id, edition)
            if row is not None:
                return pd.concat([row, pd.Series({"edition": edition, "indicator_id": indicator_id})])
            year = edition - 1
        return None

    def rank_interval(self, indicator_id: str, edition: int) -> pd.Series | None:
        """The province's rank interval on ``indicator_id`` in ``edition`` from PAPI's published
        errors, with its ``band`` and the bands the interval reaches; None where there is none."""
        tbl = self._edition_rows("PAPI", edition)
        bands = tbl[tbl["indicator_id"] == indicator_id].set_index("province_code")["band"]
        # the whole published table: the intervals are kept by its content, one answer for every province
        row = province_rank_interval(self.official, edition, indicator_id, self.unit.code, bands, self.view)
        if row is None:
            return None
        return pd.concat([row, pd.Series({"band": bands.get(self.unit.code, pd.NA)})])

    def total_rank_line(self) -> str:
        """One sentence: the PAPI total's rank and the ranks its published standard errors leave
        possible (empty when PAPI published none)."""
        row = self.total_rank_interval()
        if row is None or not claims.has_median(int(row["n"])):
            return ""
        return self.t(
            "h_total_rank",
            indicator=label(row["indicator_id"], self.lang),
            edition=int(row["edition"]),
            score=self.n(row["value"]),
            rank=claims.rank_text(row["rank"], row["n"]),
            low=int(row["rank_low"]),
            high=int(row["rank_high"]),
            n=int(row["n"]),
            derived=self.t("h_total_derived") if self.derived_in(row["edition"]) else "",
            errors=self.errors_phrase(row["edition"]),
            bands=self._total_bands(row),
        )

    def _land_score(self, row: pd.Series | None) -> str:
        """ "1,81 điểm, hạng 19/63" of a land sub-dimension, or that the edition has none for the province."""
        if row is None or pd.isna(row["value"]):
            return self.t("h_land_none")
        return self.t("h_land_score", score=self.n(row["value"]), rank=int(row["rank"]), n=int(row["n_provinces"]))

    def _interval_text(self, row: pd.Series, indicator_id: str) -> str:
        """ " (khoảng 15–33)" after a printed rank where PAPI publishes errors for it (2019's
        dimensions) and the interval ranks the same provinces; "" otherwise."""
        interval = self.rank_interval(indicator_id, int(row["year"]))
        if not claims.rank_interval_consistent(row["rank"], row["n_provinces"], interval):
            return ""
        return self.t(
            "h_rank_interval",
            low=int(interval["rank_low"]),
            high=int(interval["rank_high"]),
            errors=self.errors_phrase(row["year"]),
        )

    def _total_bands(self, row: pd.Series) -> str:
        """The PAPI band(s) of the total that its rank interval allows (``claims.band_phrase``)."""
        kind = claims.band_phrase(row["band"], row["band_best"], row["band_worst"])
        if kind == "band":
            return ""
        return self.t(
            f"h_total_band_{kind}",
            band=band_label(row["band"], self.lang).lower(),
            best=band_label(row["band_best"], self.lang).lower(),
            worst=band_label(row["band_worst"], self.lang).lower(),
        )

    def _versus_median(self, value: float, median: float, n: int) -> str:
        """ "above the median of the n provinces (m) by g points", "below ...", or "equal to"
        it when the difference rounds to zero at two decimals."""
        where = claims.side(value, median, 2)
        return self.t(
            f"cmp_{where}", n=n, median=self.n(median), gap=self.n(abs(claims.printed_difference(value, median, 2)))
        )

    def sections(self) -> list[Section]:
        """The sections this report has, in order (the context panel only where the province has
        context figures); their numbers follow from this list."""
        return [s for s in SECTIONS if s.present is None or s.present(self)]

    def heading(self, key: str, note: bool = True) -> str:
        """A section's numbered heading and (``note``) its note."""
        present = self.sections()
        section = next(s for s in present if s.key == key)
        number = present.index(section) + 1
        shown = f'<p class="gg-note">{_e(self.t(section.note_key))}</p>' if section.note_key and note else ""
        return f"<h2>{number}. {_e(self.t(section.title_key))}</h2>{shown}"

    def section_parts(self, key: str) -> list:
        """A section as the notebook shows it: the numbered heading, then what its builder makes;
        nothing for a section this report does not have. A section without data is its heading
        and one line that says which input would fill it (no note about a table that is not there)."""
        section = next(s for s in SECTIONS if s.key == key)
        if section.present is not None and not section.present(self):
            return []
        parts = section.build(self)
        if section.fill_key and not parts:
            line = self.t(section.fill_key, year=self.year, folder=self.folder_shown())
            return [self.heading(key, note=False), f'<p class="gg-empty">{_e(line)}</p>']
        return _with_heading(self.heading(key), parts)

    def folder_shown(self) -> str:
        """The data folder as the user names it: from the project root when it is inside it."""
        try:
            return self.data_dir.resolve().relative_to(project_root()).as_posix()
        except ValueError:
            return self.data_dir.name

    def has_environment(self) -> bool:
        """Dimension 7 exists from PAPI 2018: earlier editions have no environmental governance."""
        return self._row("papi.d7") is not None

    def environment_parts(self) -> list:
        if not self.has_environment():
            return [f'<p class="gg-note">{_e(self.t("no_environment", year=self.year))}</p>']
        indicator_year = self.edition("PAPI", "indicator")
        return [
            self.edition_note(("PAPI", self.edition("PAPI"))),
            self.member_note(),
            self.env_table(),
            self.members_table(["papi.d7", "papi.d7.1", "papi.d7.2", "papi.d7.3"]),
            f"<h3>{_e(self.t('sec_trend'))}</h3>",
            self.trend_chart(),
            f"<h3>{_e(self.t('sec_indicators'))}</h3>",
            self.edition_note(("PAPI", indicator_year), level="indicator"),
            self.indicator_chart(),
        ]

    def land_parts(self) -> list:
        return [
            self.edition_note(("PAPI", self.edition("PAPI")), ("PCI", self.edition("PCI"))),
            self.member_note(),
            self.land_table(),
            self.members_table(["papi.d2.4", "papi.d5.3"]),
            self.members_table(["pci.sub2"], source="PCI"),
        ]

    def members_table(self, ids, source: str = "PAPI") -> str:
        """For a merged province: each member's official figure and rank among the provinces of
        the edition, beside the derived figure of the province and its rank among the 34 (only on an
        edition of the 63: from 2025 the old provinces have no figures of their own)."""
        if not self.derived:
            return ""
        year = self.edition(source)
        official = self.official
        official = official[
            (official["source"] == source)
            & (official["year"] == year)
            & official["province_code"].isin([m.code for m in self.members])
        ]
        out = {self.t("col_indicator"): [label_with_scale(i, self.lang) for i in ids]}

        def cell(table, i):
            if i not in table.index or pd.isna(table.loc[i, "value"]):
                return "–"
            row = table.loc[i]
            rank = claims.rank_text(row["rank"], row["n_provinces"])
            return self._fmt_value(i, row["value"]) + (f" ({rank})" if rank != "–" else "")

        for m in self.members:
            mine = official[official["province_code"] == m.code].set_index("indicator_id")
            out[f"{m.name_vi} ({source} {year})"] = [cell(mine, i) for i in ids]
        derived = self._edition_rows(source, year)
        derived = derived[derived["province_code"] == self.unit.code].set_index("indicator_id")
        out[f"{self.name} ({self.t('derived_word')})"] = [cell(derived, i) for i in ids]
        return html_table(pd.DataFrame(out))

    def dossier_parts(self) -> list:
        """The dossier tables and the office chart; nothing when the province has no exports."""
        if self.dossiers().empty:
            return []
        return [self.sample_note(), self.dossier_table(), self.dossier_member_table(), *self.office_charts()]

    def dossier_member_table(self) -> str:
        """For a merged province: the same figures for each member's old department (its exports
        before the merger are the members' own)."""
        table = self.dossiers()
        if not self.merged or table.empty or table["member"].nunique() < 2:
            return ""
        frame = metrics(table, ["member"])
        names = [
            province_by_code(c).name_vi if c else self.t("new_department", name=self.name) for c in frame["member"]
        ]
        out = pd.DataFrame({self.t("col_member"): names})
        for row in shown_in("report").itertuples():
            header = self.t(row.report_column) if row.report_column else metric_label(row.metric, self.lang)
            out[header] = [metric_value(row.metric, v, self.lang) for v in frame[row.metric]]
        return html_table(out)

    def group_parts(self) -> list:
        """Survey groups: a survey of 2025 or later sampled the 34 provinces, so the province
        itself; an earlier survey sampled the 63, so member by member. Each says its year when
        it is not the report's."""
        parts = []
        if self.units == "34" and self.year >= FIRST_34_EDITION:
            parts = self._group_block(self.unit.code, self.name, FIRST_34_EDITION, heading=False)
        if not parts:
            for member in self.members:
                parts += self._group_block(member.code, member.name_vi, None, heading=self.merged)
        return [self.sample_note(), *parts] if parts else []

    def _group_block(self, code: str, name: str, since: int | None, heading: bool) -> list:
        until = self.year if since else min(self.year, FIRST_34_EDITION - 1)
        table, year = self.groups_table(code=code, name=name, years=(since or 0, until))
        if not table:
            return []
        shown = [f"<h3>{_e(name)}</h3>"] if heading else []
        if year != self.year:
            shown.append(f'<p class="gg-note">{_e(self.t("survey_year_shown", year=year))}</p>')
        return [*shown, table]

    def env_table(self, raw: bool = False):
        ids = ["papi.d7", "papi.d7.1", "papi.d7.2", "papi.d7.3"]
        return self._comparison(ids, raw)

    def land_table(self, raw: bool = False):
        ids = [
            "papi.d2.4",
            "papi.d5.3",
            "papi.d5.3.1",
            "papi.d5.3.2",
            "papi.d5.3.3",
            "papi.d4.1.lurc",
            "papi.d4.4.lurc",
        ]
        papi = self._comparison(ids, True)
        pci_ids = [
            "pci.sub2",
            "pci.sub2.lurc_share",
            "pci.sub2.lurc_days",
            "pci.sub2.no_difficulty",
            "pci.sub2.fair_compensation",
        ]
        pci = self._comparison(pci_ids, True, source="PCI")
        both = pd.concat([papi, pci], ignore_index=True)
        return both if raw else self._format_comparison(both)

    def _comparison(self, ids, raw, source="PAPI"):
        tbl = self._edition_rows(source, self.edition(source))
        sel = tbl[(tbl["province_code"] == self.unit.code) & tbl["indicator_id"].isin(ids)]
        sel = sel.set_index("indicator_id").reindex([i for i in ids if i in set(sel["indicator_id"])])
        sel = sel.reset_index()
        return sel if raw else self._format_comparison(sel)

    def _format_comparison(self, sel: pd.DataFrame) -> str:
        out = pd.DataFrame(
            {
                self.t("col_indicator"): [label_with_scale(i, self.lang) for i in sel["indicator_id"]],
                self.t("col_source"): [
                    f"{s} {int(y)}" + (f" ({self.t('derived_word')})" if self.derived_in(y) else "")
                    for s, y in zip(sel["source"], sel["year"])
                ],
                self.t("col_value"): [self._fmt_value(i, v) for i, v in zip(sel["indicator_id"], sel["value"])],
                self.t("col_median"): [self._fmt_value(i, v) for i, v in zip(sel["indicator_id"], sel["median"])],
                self.t("col_top_quartile"): [
                    self._fmt_value(i, v) for i, v in zip(sel["indicator_id"], sel["top_quartile"])
                ],
                self.t("col_best"): [self._fmt_value(i, v) for i, v in zip(sel["indicator_id"], sel["best"])],
                self.t("col_rank"): [claims.rank_text(r, n) for r, n in zip(sel["rank"], sel["n_provinces"])],
            }
        )
        return html_table(out)

    def trend_chart(self, indicator_id: str = "papi.d7"):
        """Province, national median and top quartile over the editions up to the latest, the
        survey interval when real microdata exist, PAPI's trend breaks marked
        (``GapAnalysis.trend_chart``)."""
        return self.gaps(self.edition("PAPI")).trend_chart(indicator_id)

    def indicator_chart(self, root: str = "papi.d7"):
        """Dot plot: the province's indicators against the national median, the top quartile
        and the best province (``GapAnalysis.dot_chart``)."""
        return self.gaps().dot_chart(root)

    def gaps(self, year: int | None = None):
        """The gap analysis of this province (``gap_report.GapAnalysis``) on ``year``, by default
        the latest PAPI edition with an indicator table (the decomposition works on indicators)."""
        year = year or self.edition("PAPI", "indicator") or self.year
        if ("gaps", year) not in self._cache:
            g = GapAnalysis.from_processed(
                self.unit.code if self.units == "34" else self.name,
                year,
                self.data_dir,
                self.processed,
                self.official,
                self.lang,
                self.view,
            )
            g.dossier_year = self.dossier_year()  # the latest exports up to the report year
            self._cache[("gaps", year)] = g
        return self._cache[("gaps", year)]

    def gap_parts(self) -> list:
        """Where Dimension 7 and the land sub-dimensions lose points and who can win them back:
        the narrative, the decomposition chart, the points-to-gain list and the offices."""
        if not self.has_gap_analysis():
            return [f'<p class="gg-note">{_e(self.t("no_environment", year=self.year))}</p>']
        g = self.gaps()
        lines = g.narrative("papi.d7")
        return [
            self.edition_note(("PAPI", g.year), level="indicator"),
            g.narrative_html(lines),
            g.gap_chart("papi.d7"),
            g.points_table(top=8),
            f"<h3>{_e(self.t('sec_gap_offices'))}</h3>",
            self.sample_note(),
            g.offices_table(top=6),
        ]

    # ------------------------------------------------------------------ dossiers
    def dossier_year(self) -> int:
        """The latest year of dossier exports up to the report year (the report year when none)."""
        years = [y for y in self.processed.dossier_years() if y <= self.year]
        return max(years) if years else self.year

    def dossiers(self) -> pd.DataFrame:
        """The province's cleaned dossiers of ``dossier_year`` (read once per report)."""
        if "dossiers" not in self._cache:  # the gap analysis reads them (once) for its offices too
            self._cache["dossiers"] = self.gaps().dossiers()
        return self._cache["dossiers"]

    def office_rates(self) -> pd.DataFrame:

        table = self.dossiers()
        if table.empty:
            return pd.DataFrame()
        land = table[table["field"] == "Đất đai"]
        return metrics(land, ["office"]).sort_values("on_time_rate").reset_index(drop=True)

    def field_name(self, field_vi: str) -> str:
        """A dossier field (lĩnh vực) in the report language; unknown fields as exported."""
        key = f"field_{slugify(field_vi) if field_vi != 'total' else 'total'}"
        return self.t(key) if key in _texts() else field_vi

    def dossier_table(self) -> str:

        table = self.dossiers()
        if table.empty:
            return f'<p class="gg-note">{_e(self.t("h_no_dossier", year=self.dossier_year()))}</p>'
        by_field = metrics(table, ["field"])
        total = metrics(table).assign(field="total")
        frame = pd.concat([by_field, total], ignore_index=True)
        out = pd.DataFrame({self.t("col_field"): [self.field_name(f) for f in frame["field"]]})
        for row in shown_in("report").itertuples():  # the report columns of dossier_metrics.csv
            header = self.t(row.report_column) if row.report_column else metric_label(row.metric, self.lang)
            out[header] = [metric_value(row.metric, v, self.lang) for v in frame[row.metric]]
        return html_table(out)

    def land_on_time(self) -> tuple[float, float, int]:
        """(the province's land on-time rate, the median of the provinces with exports, how many
        provinces that median is of) for the report's dossier year."""
        rates = self.processed.dossier_rates(self.units)
        land = rates[(rates["year"] == self.dossier_year()) & (rates["field"] == "Đất đai")]
        own = land.loc[land["province_code"] == self.unit.code, "on_time_rate"]
        k = int(land["on_time_rate"].notna().sum())
        return (float(own.iloc[0]) if len(own) else float("nan")), float(land["on_time_rate"].median()), k

    def dossier_target(self, metric: str = "on_time_rate", field: str = "Đất đai") -> pd.Series | None:
        """The target this province holds ``metric`` to in the dossier year (the department's own
        ``dossier_targets.csv`` before the built-in one), or None."""
        table = self.processed.dossier_targets()
        if table.empty:
            return None
        return target_for(table, metric, self.unit.code, self.dossier_year(), field, self.units)

    OFFICES_PER_CHART = 10  # a part fits an A4 page at legible size; 20 offices make two parts

    def office_charts(self) -> list:
        """Land offices' on-time rates as bars, lowest first, with the province's own rate, the
        provinces' median and the target (``dossier_target``) as lines; an office more than 5
        percentage points below the province's rate is drawn in the warning colour and hatched
        (told apart without colour). Many offices are drawn in parts of at most
        ``OFFICES_PER_CHART``, each with its legend, so that none is shrunk to fit a page."""
        rates = self.office_rates()
        if rates.empty:
            return []
        own, median, k = self.land_on_time()
        goal = self.dossier_target()
        below = rates["on_time_rate"] < own - 0.05
        parts = -(-len(rates) // self.OFFICES_PER_CHART)
        size = -(-len(rates) // parts)  # balanced parts: 11 offices as 6 + 5, not 10 + 1
        worst = rates.iloc[0]
        alt = self.t(
            "alt_office",
            n=len(rates),
            year=self.dossier_year(),
            worst=worst["office"],
            worst_rate=self.pct(worst["on_time_rate"]),
            own=self.pct(own),
            below=int(below.sum()),
        )
        if goal is not None:
            # below the target as the rates are printed (89,96% prints 90,0%: not short of 90%)
            n_short = sum(claims.side(r, goal["target"], 3) == "below" for r in rates["on_time_rate"])
            alt += " " + self.t("alt_office_target", rate=self.pct(goal["target"]), n=n_short)
        figures = []
        for part in range(parts):
            rows = slice(part * size, (part + 1) * size)
            title = self.t("sec_offices") + (f" ({part + 1}/{parts})" if parts > 1 else "")
            fig = self._office_bars(rates.iloc[rows], below.iloc[rows], own, median, k, goal, title)
            text = alt if part == 0 else self.t("alt_office_part", part=part + 1, parts=parts)
            last = part == parts - 1
            describe(
                fig,
                text + (" " + self.t("sample_word").strip() if self.is_sample else ""),
                self.t("caption_office_target", rate=self.pct(goal["target"]), basis=goal[f"basis_{self.lang}"])
                if goal is not None and last
                else "",
            )
            figures.append(mark_sample(fig, self.t("sample_chart_mark")) if self.is_sample else fig)
        return figures

    def _office_bars(self, rates, below, own, median, k, goal, title):
        chart_style()
        # each office's whole name on its own line above its bar: names are long, a phone is narrow
        names = [wrap(f"{o} — {self.pct(r)}", 58) for o, r in zip(rates["office"], rates["on_time_rate"])]
        rows = [0.34 + 0.2 * (n.count("\n") + 1) for n in names]
        fig, ax = plt.subplots(figsize=(WIDTH, sum(rows) + 1.6), layout="constrained")
        y = 0.0
        for name, h, rate, b in zip(names, rows, rates["on_time_rate"], below):
            ax.text(0, y + 0.03, name, fontsize=9.5, va="top", ha="left", zorder=4, bbox=_LABEL_BOX)
            ax.barh(
                y + h - 0.2,
                100 * rate,
                height=0.26,
                color=PALETTE["late"] if b else PALETTE["province"],
                hatch="//" if b else None,
                edgecolor="white",
                lw=0,
            )
            y += h
        ax.set_ylim(y, -0.05)
        ax.set_yticks([])
        ax.axvline(100 * own, color="black", lw=1.4, label=self.t("chart_office_own", rate=self.pct(own)))
        if claims.has_median(k):
            ax.axvline(
                100 * median,
                color=PALETTE["median"],
                lw=1.4,
                ls="--",
                label=self.t("chart_office_median", k=k, rate=self.pct(median)),
            )
        if goal is not None:
            ax.axvline(
                100 * goal["target"],
                color=PALETTE["target"],
                lw=1.6,
                ls="-.",
                label=self.t("chart_office_target", rate=self.pct(goal["target"])),
            )
        ax.set_xlim(0, 100)
        ax.set_xticks(range(0, 101, 20))
        ax.set_title(wrap(title, 60))
        ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: self.n(v, 0) + "%"))
        handles, labels = ax.get_legend_handles_labels()
        handles.append(matplotlib.patches.Patch(facecolor=PALETTE["late"], hatch="//", edgecolor="white"))
        labels.append(self.t("chart_office_below"))
        legend_below(fig, ax, 1, handles, labels)
        return fig

    # ------------------------------------------------------------------ survey groups
    def groups_table(
        self,
        ids=("papi.d5.3.1", "papi.d7.2.2", "papi.d7.3.2", "papi.d2.4.1"),
        code=None,
        name=None,
        years=None,
    ) -> tuple[str, int | None]:
        """(table, survey year) of the latest survey in ``years`` (default: up to the report's
        year) for one province code; a code means an old province before 2025 and one of the 34
        from 2025, as the survey sampled them."""
        code = code or self.province.code
        name = name or province_by_code(code).name_vi
        lo, hi = years or (0, self.year)
        est = self.processed.survey_estimates(code)
        years = est.loc[est["year"].between(lo, hi), "year"]
        if not len(years):
            return "", None
        year = int(years.max())
        est = est[
            (est["year"] == year)
            & est["indicator_id"].isin(ids)
            & est["group_var"].isin(["all", "urban", "sex", "ethnic_group"])
        ]
        if est.empty:
            return "", None
        est = est.copy()

        def group_label(var, value):
            if var == "all":
                return name
            key = f"group_{var}_{fold(value).replace(' ', '_')}"
            return self.t(key) if key in _texts() else value

        def cell(i, e, lo, hi, n, s):
            if s:
                return "–"
            interval = f"{self._fmt_value(i, lo)}–{self._fmt_value(i, hi)}"
            return f"{self._fmt_value(i, e)} ({interval}; n={fmt.number(n, self.lang, 0)})"

        est["group"] = [group_label(v, g) for v, g in zip(est["group_var"], est["group_value"])]
        est["cell"] = [
            cell(*row)
            for row in zip(
                est["indicator_id"], est["estimate"], est["ci_low"], est["ci_high"], est["n"], est["suppressed"]
            )
        ]
        order = [g for g in dict.fromkeys(est.sort_values(["group_var"], key=lambda s: s != "all")["group"])]
        wide = est.pivot(index="indicator_id", columns="group", values="cell").reindex(list(ids))[order]
        wide.insert(0, self.t("col_indicator"), [label(i, self.lang) for i in wide.index])
        return html_table(wide.reset_index(drop=True)), year

    # ------------------------------------------------------------------ context yardsticks
    def context_tables(self) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        """SIPAS / PAR INDEX / TASKS: (province values, values of units inside provinces,
        targets), as prepared from ``<data_dir>/context`` (empty when there are none)."""
        if "context" not in self._cache:
            p = self.processed
            self._cache["context"] = (p.context(), p.context_agencies(), p.context_targets())
        return self._cache["context"]

    def use_context(self, tables: context.ContextTable, goals: pd.DataFrame) -> None:
        """Show these tables (read in a notebook from another file or folder) instead of the
        prepared ones."""
        self._cache["context"] = (tables.table, tables.agencies, goals)
        for key in [k for k in self._cache if isinstance(k, tuple) and k[0] in ("context_standing", "context_units")]:
            self._cache.pop(key)

    def context_standing(self, code: str | None = None) -> pd.DataFrame:
        """``context_standing.standing`` of a member (the first by default; empty when it has no
        context figures). The department's tables are kept per pre-2025 province."""
        code = code or self.province.code
        if ("context_standing", code) not in self._cache:
            tidy, _, goals = self.context_tables()
            has = len(tidy) and (tidy["province_code"] == code).any()
            self._cache[("context_standing", code)] = (
                context_standing.standing(tidy, goals, code, self.year)
                if has
                else pd.DataFrame(columns=context_standing.STANDING_COLUMNS)
            )
        return self._cache[("context_standing", code)]

    def context_units(self, code: str | None = None) -> dict[str, pd.DataFrame]:
        """Per yardstick, the units inside a member (``context_standing.agency_table``), when any."""
        code = code or self.province.code
        if ("context_units", code) not in self._cache:
            _, agencies, _ = self.context_tables()
            tables = {s: context_standing.agency_table(agencies, code, self.year, s) for s in context.KINDS}
            self._cache[("context_units", code)] = {s: t for s, t in tables.items() if len(t)}
        return self._cache[("context_units", code)]

    def has_context(self) -> bool:
        return any(len(self.context_standing(m.code)) > 0 or self.context_units(m.code) for m in self.members)

    def context_headlines(self) -> list[str]:
        """One key finding per yardstick compared across at least 5 provinces, per member."""
        lines = []
        for member in self.members:
            prefix = f"{member.name_vi}: " if self.merged else ""
            lines += [prefix + line for line in self._context_headlines(member.code)]
        return lines

    def _context_headlines(self, code: str) -> list[str]:
        st = self.context_standing(code)
        lines = []
        for row in st[st["indicator_id"].isin(context.HEADLINE.values()) & (st["n_provinces"] >= 5)].itertuples():
            target_part = ""
            if pd.notna(row.gap_target):
                where = claims.side(row.value, row.target, 3 if is_share(row.indicator_id) else 2)
                target_part = self.t(
                    "h_context_target" if where != "equal" else "h_context_target_met",
                    direction=self.t("above" if where == "above" else "below"),
                    target=self._fmt_value(row.indicator_id, row.target),
                    gap=self._fmt_gap(row.indicator_id, abs(row.gap_target)),
                )
            lines.append(
                self.t(
                    "h_context",
                    label=label(row.indicator_id, self.lang),
                    year=row.year,
                    value=self._fmt_value(row.indicator_id, row.value),
                    target_part=target_part,
                    rank=int(row.rank),
                    n=int(row.n_provinces),
                )
                + (self.t("sample_word") if self.is_sample else "")
            )
        return lines

    def context_parts(self) -> list:
        """The three yardsticks with trend and target, only those the members have (the section
        is present only when one has some), member by member."""
        parts: list = [self.sample_note()]
        for member in self.members:
            mine = self._context_parts(member)
            if mine and self.merged:
                parts.append(f"<h3>{_e(member.name_vi)}</h3>")
            parts += mine
        return parts

    def _context_parts(self, member: Province) -> list:
        st = self.context_standing(member.code)
        parts: list = []
        if len(st):
            parts.append(self.context_table(st))
            parts.append(self.context_tasks_text(member.code))
            bases = [b for b in dict.fromkeys(st[f"target_basis_{self.lang}"]) if b]
            if bases:
                parts.append(f'<p class="gg-note">{_e(self.t("ctx_targets", basis="; ".join(bases)))}</p>')
            parts.append(self.context_chart(st, member))
        for source, table in self.context_units(member.code).items():
            title = self.t("ctx_units", year=int(table["year"].iloc[0]), source=self.t(f"source_{source}"))
            parts += [f"<h3>{_e(title)}</h3>", self.context_unit_table(source, table)]
        return parts

    def context_table(self, st: pd.DataFrame) -> str:
        def best(code, ind, value):
            return f"{self._fmt_value(ind, value)} ({province_by_code(code).name_vi})" if pd.notna(code) else "–"

        def change(ind, value, year):
            if pd.isna(value):
                return "–"
            return f"{value_text(ind, value, self.lang, signed=True)} ({self.t('col_since')} {int(year)})"

        ids = st["indicator_id"]
        out = pd.DataFrame(
            {
                self.t("col_indicator"): [
                    ("· " if lev not in ("index",) else "") + label(i, self.lang)
                    for i, lev in zip(st["indicator_id"], st["level"])
                ],
                self.t("col_year"): [str(int(y)) for y in st["year"]],
                self.t("col_value"): [self._fmt_value(i, v) for i, v in zip(st["indicator_id"], st["value"])],
                self.t("col_change"): [change(i, v, y) for i, v, y in zip(ids, st["change"], st["previous_year"])],
                self.t("col_target"): [self._fmt_value(i, v) for i, v in zip(st["indicator_id"], st["target"])],
                self.t("col_gap_target"): [
                    value_text(i, v, self.lang, signed=True) for i, v in zip(ids, st["gap_target"])
                ],
                self.t("col_rank_present"): [claims.rank_text(r, n) for r, n in zip(st["rank"], st["n_provinces"])],
                self.t("col_median"): [self._fmt_value(i, v) for i, v in zip(st["indicator_id"], st["median"])],
                self.t("col_best"): [
                    best(c, i, v) for c, i, v in zip(st["best_province"], st["indicator_id"], st["best"])
                ],
            }
        )
        return html_table(out)

    def context_tasks_text(self, code: str | None = None) -> str:
        """The task counts of a member's latest year, as leaders quote them."""
        code = code or self.province.code
        tidy, _, _ = self.context_tables()
        mine = tidy[(tidy["source"] == "TASKS") & (tidy["province_code"] == code) & (tidy["year"] <= self.year)]
        if mine.empty:
            return ""
        year = int(mine["year"].max())
        v = mine[mine["year"] == year].set_index("indicator_id")["value"]
        count = lambda k: fmt.number(v[k], self.lang, 0)  # noqa: E731
        values = dict(
            year=year,
            assigned=count("tasks.assigned"),
            completed=count("tasks.completed"),
            rate=self.pct(v.get("tasks.completion_rate")),
        )
        if {"tasks.in_progress", "tasks.in_progress_on_time", "tasks.in_progress_overdue"} <= set(v.index):
            text_ = self.t(
                "ctx_tasks",
                progress=count("tasks.in_progress"),
                within=count("tasks.in_progress_on_time"),
                overdue=count("tasks.in_progress_overdue"),
                **values,
            )
        else:
            text_ = self.t("ctx_tasks_short", **values)
        return f"<p>{_e(text_)}</p>"

    def context_ranking_table(self, ranked: pd.DataFrame, year: int) -> str:
        """Every province present in the headline yardsticks of ``year`` (SIPAS, PAR INDEX):
        province names, values in their unit, rank among the provinces present, the median and
        PAPI-style band, best first."""
        heads = ranked[ranked["indicator_id"].isin(context.HEADLINE.values()) & (ranked["year"] == int(year))]
        heads = heads.sort_values(["source", "rank"])
        names = provinces_63().set_index("code")["name_vi"]
        out = pd.DataFrame(
            {
                self.t("col_source"): [self.t(f"source_{s}") for s in heads["source"]],
                self.t("col_province"): [names.get(c, c) for c in heads["province_code"]],
                self.t("col_value"): [self._fmt_value(i, v) for i, v in zip(heads["indicator_id"], heads["value"])],
                self.t("col_rank_present"): [
                    claims.rank_text(r, n) for r, n in zip(heads["rank"], heads["n_provinces"])
                ],
                self.t("col_median"): [self._fmt_value(i, v) for i, v in zip(heads["indicator_id"], heads["median"])],
                self.t("col_band"): [band_label(b, self.lang) for b in heads["band"]],
            }
        )
        return html_table(out)

    def context_unit_table(self, source: str, table: pd.DataFrame) -> str:
        cols = {
            "sipas.index": "col_value",
            "par.index": "col_value",
            "tasks.assigned": "col_assigned",
            "tasks.completion_rate": "col_completion",
            "tasks.overdue_share": "col_overdue",
        }
        out = pd.DataFrame({self.t("col_unit"): table["agency"]})
        for ind in context_standing.UNIT_COLUMNS[source]:
            if ind in table.columns:
                out[self.t(cols[ind]) if source == "TASKS" else label(ind, self.lang)] = [
                    fmt.number(v, self.lang, 0) if ind == "tasks.assigned" else self._fmt_value(ind, v)
                    for v in table[ind]
                ]
        out[self.t("col_rank_unit")] = [claims.rank_text(r, len(table)) for r in table["rank"]]
        return html_table(out)

    def context_chart(self, st: pd.DataFrame, member: Province | None = None):
        """One small chart per yardstick: the member over the years, the median of the
        provinces present (when at least 5) and the target."""
        member = member or self.province

        chart_style()
        tidy, _, goals = self.context_tables()
        heads = [(src, i) for src, i in context.HEADLINE.items() if i in set(st["indicator_id"])]
        if not heads:
            return None
        targets = context.targets_for(goals, member.code)
        fig, axes = plt.subplots(
            len(heads), 1, figsize=(WIDTH, 2.5 * len(heads) + 0.8), squeeze=False, layout="constrained"
        )
        legend = {}
        described = []
        for ax, (src, ind) in zip(axes[:, 0], heads):
            hist = history(tidy, member.code, ind)
            hist = hist[hist["year"] <= self.year]
            share = indicators().loc[ind, "unit"] == "share"
            k = 100 if share else 1
            (line,) = ax.plot(hist["year"], k * hist["value"], marker="o", color=PALETTE["province"])
            legend.setdefault(member.name_vi, line)
            for x, y in zip(hist["year"], hist["value"]):
                ax.annotate(
                    self._fmt_value(ind, y),
                    (x, k * y),
                    textcoords="offset points",
                    xytext=(0, 6),
                    ha="center",
                    fontsize=9.5,
                )
            if len(hist):
                last = hist.iloc[-1]
                value = self._fmt_value(ind, last["value"])
                described.append(f"{self.t(f'ctx_title_{src}')} {int(last['year'])}: {value}")
            if (hist["n_provinces"] >= 5).all():
                (line,) = ax.plot(hist["year"], k * hist["median"], ls="--", color=PALETTE["median"])
                legend.setdefault(self.t("ctx_median"), line)
            tg = [targets.get((ind, int(y))) for y in hist["year"]]
            tv = [k * t["target"] if t is not None else float("nan") for t in tg]
            if any(pd.notna(x) for x in tv):
                (line,) = ax.step(hist["year"], tv, where="mid", ls=":", color=PALETTE["target"])
                legend.setdefault(self.t("ctx_target"), line)
            ax.set_title(self.t(f"ctx_title_{src}"), fontsize=10)
            ax.set_xticks(list(hist["year"]))
            ax.set_xlim(hist["year"].min() - 0.4, hist["year"].max() + 0.4)
            ax.margins(y=0.15)
            ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{int(v)}"))
            # whole-number ticks only, so that no value is drawn on a tick that rounds it (77,4% on "78%")
            ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(5, integer=True))
            ax.yaxis.set_major_formatter(
                matplotlib.ticker.FuncFormatter(lambda v, _, s=share: self.n(v, 0) + ("%" if s else ""))
            )
        legend_below(fig, axes[-1, 0], len(legend), list(legend.values()), list(legend))
        describe(fig, self.t("alt_context", province=member.name_vi, values="; ".join(described)))
        return mark_sample(fig, self.t("sample_chart_mark")) if self.is_sample else fig

    # ------------------------------------------------------------------ quality and footer
    def quality_table(self) -> str:
        acc = self.processed.accounting()
        mine = acc[self._members_files(acc["source"]) | acc["source"].str.startswith(("survey/", "context/"))]
        out = pd.DataFrame(
            {
                self.t("col_source"): mine["source"],
                self.t("col_read"): [fmt.number(v, self.lang, 0) for v in mine["read"]],
                self.t("col_kept"): [fmt.number(v, self.lang, 0) for v in mine["kept"]],
                self.t("col_quarantined"): [fmt.number(v, self.lang, 0) for v in mine["quarantined"]],
            }
        )
        q = self.processed.quarantine()
        q = q[q["province_code"].isin([m.code for m in self.members])]  # the members' own dossier exports
        reasons = (
            q["reason"]
            .map(lambda r: quarantine_reason(r, self.lang))
            .value_counts()
            .rename_axis(self.t("col_reason"))
            .reset_index(name=self.t("col_quarantined"))
        )
        reasons[self.t("col_quarantined")] = [fmt.number(v, self.lang, 0) for v in reasons[self.t("col_quarantined")]]
        errors = self.processed.file_errors()
        errors = errors[self._members_files(errors["source"]) | errors["source"].str.startswith("context/")]
        unreadable = ""
        if len(errors):
            unreadable = html_table(
                pd.DataFrame(
                    {
                        self.t("col_source"): errors["source"],
                        self.t("col_reason"): [file_error(e, self.lang) for e in errors["error"]],
                    }
                )
            )
        return html_table(out) + html_table(reasons) + unreadable

    def _members_files(self, sources: pd.Series) -> pd.Series:
        """Which input files are the members' dossier exports (``dossiers/<year>/<slug>.xlsx``)."""
        hit = pd.Series(False, index=sources.index)
        for m in self.members:
            hit |= sources.str.contains(f"/{m.slug}.", regex=False)
        return hit

    def footer(self) -> str:
        """Sources, date and version in words; the run's parameters and the input files' hashes are
        in ``reports/manifest.json`` (a reader of the report needs neither)."""
        simulated, sources = self.simulated_shown(), []
        # PAPI: the latest edition and the one whose indicator table the gap analysis reads
        shown = [
            ("PAPI", self.edition("PAPI")),
            ("PAPI", self.edition("PAPI", "indicator")),
            ("PCI", self.edition("PCI")),
        ]
        for source, edition in dict.fromkeys(shown):
            if edition and (source, edition) in simulated:
                sources.append(self.t("footer_simulated", source=source, edition=edition))
            elif edition:
                sources.append(self.t(f"footer_{source.lower()}", edition=edition))
        if not self.dossiers().empty:
            sources.append(self.t("footer_dossiers" + ("_sample" if self.is_sample else ""), year=self.dossier_year()))
        now = dt.datetime.now().strftime(self.t("date_format"))
        body = _e(self.t("footer", sources="; ".join(sources), version=__version__, date=now))
        banner = f'<p class="gg-sample-footer">{_e(self.t("sample_banner"))}</p>' if self.is_sample else ""
        return f'<footer class="gg-footer">{banner}<p>{body}</p></footer>'

    def page_style(self) -> str:
        """The printed page's running text: the report's name and the page number, and the sample
        mark on every page of a report made from sample data."""
        running = json.dumps(self.t("page_running", province=self.name, year=self.year), ensure_ascii=False)
        page = json.dumps(self.t("page_number"), ensure_ascii=False)
        mark = json.dumps(self.t("sample_chart_mark"), ensure_ascii=False)
        top = f"@top-right {{ content: {mark}; color: #6b4100; font: bold 8pt sans-serif; }}" if self.is_sample else ""
        return (
            "<style>@page { @bottom-left { content: "
            + running
            + "; font: 8pt sans-serif; color: #52606d; } @bottom-right { content: "
            + page
            + ' " " counter(page) " / " counter(pages); font: 8pt sans-serif; color: #52606d; } '
            + top
            + " }</style>"
        )


def _with_heading(heading: str, parts: list) -> list:
    """The heading joined to the text parts that follow it, up to the first figure: one block, so
    that no printed page ends on a heading or a note whose table starts the next page."""
    parts = [p for p in parts if p is not None and p != ""]
    lead = 0
    while lead < len(parts) and isinstance(parts[lead], str):
        lead += 1
    return [heading + "".join(parts[:lead]), *parts[lead:]]


_LABEL_BOX = {"facecolor": "white", "edgecolor": "none", "pad": 0.4, "alpha": 0.85}  # a label above lines


@dataclass(frozen=True)
class Section:
    """One section of the province report: ``key`` (what the notebook asks for), the report-text
    keys of its title and note, what it shows (``build``: the parts after the heading) and, for a
    section only some provinces have, ``present``."""

    key: str
    title_key: str
    note_key: str | None
    build: Callable[[ProvinceReport], list]
    present: Callable[[ProvinceReport], bool] | None = None
    fill_key: str | None = None  # a builder that returns nothing: one line (this text) says what fills it


# The report's sections in order; a new section is a row here, its text keys in report_text.yaml
# and one cell in notebooks/province_report.ipynb.
SECTIONS = (
    Section("environment", "sec_env", "sec_env_note", ProvinceReport.environment_parts),
    Section("land", "sec_land", None, ProvinceReport.land_parts),
    Section(
        "dossiers",
        "sec_dossier",
        "sec_dossier_note",
        ProvinceReport.dossier_parts,
        fill_key="fill_dossiers",
    ),
    Section(
        "groups",
        "sec_groups",
        "sec_groups_note",
        ProvinceReport.group_parts,
        fill_key="fill_groups",
    ),
    Section("gaps", "sec_gaps", "sec_gaps_note", ProvinceReport.gap_parts),
    Section("context", "sec_context", "sec_context_note", ProvinceReport.context_parts, ProvinceReport.has_context),
    Section("quality", "sec_quality", None, lambda r: [r.quality_table(), r.footer()]),
)


def build(
    province: str, year: int, language: str = "vi", data_dir: str | Path = SAMPLE_DATA, units: str = "34"
) -> ProvinceReport:
    """Everything a province report needs: resolves the province name, prepares the data
    (cached) and loads the published indices with ranks and national statistics.

    ``units="34"`` (default): the report is about one of the 34 provinces in force from 1/7/2025
    (an old name is taken to its new province); on an edition of the 63 its standings are derived
    from its members and its members' official figures are shown beside them. ``units="63"``: one
    of the 63 provinces before the merger, as published (historical reports)."""
    if units not in ("34", "63"):
        raise OptionError(f"units must be '34' (the provinces from 1/7/2025) or '63' (before), not {units!r}")
    check_province_for_edition(province, year)  # "Nam Định" for an edition of the 34: merged into Ninh Bình
    path, processed, table = prepared_indices(data_dir, year, language)
    if units == "63":
        if int(year) >= FIRST_34_EDITION:
            raise OptionError(
                f"Từ ấn bản {FIRST_34_EDITION}, PAPI/PCI công bố cho 34 tỉnh: dùng units='34'. "
                f"From the {FIRST_34_EDITION} edition on, PAPI/PCI cover the 34 provinces: use units='34'."
            )
    # sample data: the sample folder, or a file with govgap's sample marker among real ones
    is_sample = sample.is_sample(path) or processed.has_sample_inputs()
    if units == "63":
        remember_standings(table, "63", processed.standings_of("63"))  # computed once by the store
        return ProvinceReport(find_province(province), int(year), language, path, processed, table, is_sample)
    unit = unit_of(province, "2025")
    members = tuple(province_by_code(c) for c in members_2025(unit.code))
    derived = processed.standings_of(
        "2025"
    )  # members' population-weighted aggregates, ranked among the 34 (once per store)
    remember_standings(table, "2025", derived)  # the same table: the gap analysis reads it too
    return ProvinceReport(
        members[0],
        int(year),
        language,
        path,
        processed,
        derived,
        is_sample,
        "34",
        unit,
        members,
        table,
    )
