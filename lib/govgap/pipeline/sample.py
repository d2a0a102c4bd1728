"""Deterministic generator of realistic sample inputs (no real microdata or dossiers are public).

``generate(out_dir, seed)`` writes, for all 63 provinces:

* ``survey/papi_survey_<year>.csv`` and ``.dta``: PAPI-style respondent microdata with design
  variables, weights, don't-know/refused codes, Vietnamese answer labels in some columns and
  personal-data columns (names, phone numbers) that govgap must never read; with
  ``codebook.yaml`` (the questionnaire's codebook) and ``margins.csv`` (raking targets);
* ``dossiers/<year>/<slug>.xlsx``: one-stop-shop exports (about 4,000 dossiers a year per
  million inhabitants) with a merged title block, Vietnamese headers, dd/mm/yyyy dates,
  personal-data columns and a footer total row; one per province of the 63 up to 2024; in 2025
  one per province of the 34 (from 1/7/2025, branch offices by area, as districts were abolished)
  and, for a merged province, one per member department for 1/1-30/6/2025 in
  ``dossiers/2025/truoc-1-7-2025/`` (as the department of 2026 holds them);
* only for the ``index_years`` asked for (none by default: govgap ships the published figures):
  simulated ``indices/PAPI_<year>_Provincial_indicators_VIE.xlsx`` (provinces as columns, code
  row) and ``indices/PCI_<year>.xlsx`` (the 2017-2018 English layout with benchmark rows);
* ``context/``: the department's own yardsticks filled in govgap's templates: SIPAS
  (``SIPAS_2021-2024.xlsx``, every province, a "Cả nước" row), the PAR INDEX
  (``PAR_INDEX_2021-2024.csv``, semicolon-separated with decimal commas, every province plus
  the departments of two provinces) and assigned tasks (``NHIEM_VU_2023-2024.xlsx``, two
  departments and their units only, so most provinces' reports have no tasks panel).

Every province has latent traits (land-office efficiency, environmental governance, ...) that
drive all three sources, so a province with slow land offices also scores low on land-title
items; Nam Định (``SLOW_LAND_PROVINCE``) is built that way on purpose, and carries the
issue's example figures in 2024 (SIPAS 77,4%; 1.494 tasks assigned, 1.205 completed, 289 in
progress of which 201 within their deadline). Every file says it is
sample data. Same seed -> byte-identical files.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from dataclasses import astuple, dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from govgap import __version__, processes
from govgap.estimate.scores import score_subdimensions
from govgap.estimate.survey_estimates import estimate
from govgap.io.xlsx import Sheet, column_letter, write_sheet, write_workbook
from govgap.pipeline.templates import write_template
from govgap.reference.calendar import holiday_dates
from govgap.reference.catalogue import indicators, scale_for
from govgap.reference.codebook import load_codebook, sample_codebook_path, survey_items
from govgap.reference.provinces import (
    FIRST_34_EDITION,
    crosswalk_2025,
    members_2025,
    population_2019,
    provinces,
    provinces_2025,
)
from govgap.reference.text import SAMPLE_NOTE_EN, SAMPLE_NOTE_VI
from govgap.sources.context import template_columns
from govgap.sources.survey import clean_survey

SURVEY_YEARS = tuple(range(2018, 2026))  # from 2025 the survey samples the 34 provinces
DEFAULT_DOSSIER_YEARS = (2024, 2025)
BEFORE_MERGER = "truoc-1-7-2025"  # dossiers/2025/<this>/: the departments' exports to 30/6/2025
MANIFEST = "sample_manifest.json"
FIXED_TIME = dt.datetime(2025, 1, 1)

_SYLLABLES = (
    "An",
    "Bình",
    "Phú",
    "Tân",
    "Long",
    "Thạnh",
    "Hòa",
    "Đông",
    "Tây",
    "Nam",
    "Bắc",
    "Vĩnh",
    "Thuận",
    "Quang",
    "Hưng",
    "Yên",
    "Lộc",
    "Phước",
    "Mỹ",
    "Xuân",
    "Sơn",
    "Hải",
    "Thanh",
    "Đức",
    "Lâm",
    "Trung",
)
_SURNAMES = (
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Huỳnh",
    "Phan",
    "Vũ",
    "Võ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
    "Dương",
)
_MIDDLE = ("Văn", "Thị", "Hữu", "Minh", "Ngọc", "Thanh", "Đức", "Thu")
_GIVEN = (
    "An",
    "Bình",
    "Cường",
    "Dũng",
    "Hà",
    "Hải",
    "Hạnh",
    "Hoa",
    "Hùng",
    "Lan",
    "Linh",
    "Mai",
    "Nam",
    "Phúc",
    "Quân",
    "Sơn",
    "Tâm",
    "Thảo",
    "Trang",
    "Tuấn",
    "Vy",
    "Yến",
)


def _rng(seed: int, *keys: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([seed, *keys]))


@dataclass(frozen=True)
class Traits:
    """Latent province traits (standard normal); higher is better governance."""

    land: float
    transparency: float
    environment: float
    air: float
    water: float
    integrity: float
    egov: float


# The province built to have slow land offices (whatever the seed): its land trait is fixed
# far below the others and its other traits are at least average, so that the gap analysis
# should put its land-title items (5.3) and its slow land-registration branches first.
SLOW_LAND_PROVINCE = "36"  # Nam Định
SLOW_LAND_TRAIT = -2.5


def province_traits(seed: int) -> dict[str, Traits]:
    """Traits per GSO code. Large cities get worse air; the Mekong delta worse river water;
    ``SLOW_LAND_PROVINCE`` has slow land offices and otherwise at least average governance."""
    rng = _rng(seed, 1)
    table = provinces()
    out = {}
    for row in table.itertuples(index=False):
        draw = rng.standard_normal(7)
        city = row.kind == "Thành phố"
        out[row.code] = Traits(
            land=draw[0],
            transparency=0.5 * draw[0] + 0.87 * draw[1],
            environment=draw[2],
            air=draw[3] - (1.2 if city else 0.0),
            water=draw[4] - (0.6 if row.region == "MRD" else 0),
            integrity=0.4 * draw[0] + 0.9 * draw[5],
            egov=draw[6] + (0.6 if city else 0.0),
        )
    slow = out[SLOW_LAND_PROVINCE]
    out[SLOW_LAND_PROVINCE] = Traits(SLOW_LAND_TRAIT, *(max(v, 0.0) for v in list(vars(slow).values())[1:]))
    return out


def person_names(rng: np.random.Generator, n: int) -> list[str]:
    """``n`` synthetic Vietnamese full names (surname, middle, given): the personal data govgap
    must never let through."""
    picks = zip(rng.integers(0, len(_SURNAMES), n), rng.integers(0, len(_MIDDLE), n), rng.integers(0, len(_GIVEN), n))
    return [f"{_SURNAMES[a]} {_MIDDLE[b]} {_GIVEN[c]}" for a, b, c in picks]


def district_names(code: str, seed: int, n: int) -> list[str]:
    """Deterministic, plausible district names for a province (synthetic, not real units)."""
    rng = _rng(seed, 2, int(code))
    names: list[str] = []
    while len(names) < n:
        a, b = rng.choice(len(_SYLLABLES), 2, replace=False)
        kind = "Huyện" if len(names) else "Thành phố"
        name = f"{kind} {_SYLLABLES[a]} {_SYLLABLES[b]}"
        if name not in names:
            names.append(name)
    return names


# --------------------------------------------------------------------------- survey


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


# item -> (base logit, trait name, loading)
_ITEM_MODEL = {
    "papi.d7.1.1": (0.0, "integrity", 0.5),
    "papi.d7.1.2": (1.4, "environment", 0.3),
    "papi.d7.1.3": (-1.2, "environment", 0.4),
    "papi.d7.1.4": (0.1, "environment", 0.6),
    "papi.d7.2.1": (0.3, "air", 0.9),
    "papi.d7.2.2": (1.2, "air", 0.8),
    "papi.d7.2.3": (-0.9, "air", 0.5),
    "papi.d7.3.1": (-2.2, "water", 0.8),
    "papi.d7.3.2": (-0.6, "water", 0.8),
    "papi.d7.3.3": (-0.9, "water", 0.8),
    "papi.d2.4.1": (-1.4, "transparency", 0.5),
    "papi.d2.4.2": (-2.2, "transparency", 0.5),
    "papi.d2.4.3": (1.3, "transparency", 0.5),
    "papi.d2.4.5": (1.8, "transparency", 0.2),
    "papi.d2.4.6": (-0.8, "transparency", 0.6),
    "papi.d2.4.7": (0.4, "transparency", 0.6),
    "papi.d2.4.8": (0.8, "transparency", 0.5),
    "papi.d2.4.9": (0.0, "transparency", 0.5),
    "papi.d5.3.1": (0.9, "land", 0.7),
    "papi.d5.3.2": (1.8, "land", 0.6),
    "papi.d4.1.lurc": (0.4, "integrity", 0.6),
    "papi.d4.4.lurc": (-1.0, "integrity", -0.6),
}


def _survey_year(seed: int, year: int, traits: dict[str, Traits]) -> pd.DataFrame:
    """One year of respondents. Up to 2024 the survey samples the 63 provinces; from 2025 the 34:
    a new province's respondents are drawn in its members' former districts (the strata), with
    weights in proportion to the members' populations, and carry the new province's name and code."""
    items = survey_items()
    if year < FIRST_34_EDITION:
        frames = [_respondents(seed, year, prov, traits[prov.code], items) for prov in provinces().itertuples()]
        return _add_survey_errors(pd.concat(frames, ignore_index=True), _rng(seed, 4, year))
    old, population, frames = provinces().set_index("code", drop=False), population_2019(), []
    for unit in provinces_2025().itertuples():
        members = members_2025(unit.code)
        share = population[members] / population[members].mean()
        parts = [_respondents(seed, year, old.loc[m], traits[m], items, weight=share[m]) for m in members]
        block = pd.concat(parts, ignore_index=True)
        block["tinh"], block["ma_tinh"] = f"{unit.kind} {unit.name_vi}", int(unit.code)
        block["id_nguoi_tra_loi"] = [f"{year}-{unit.code}-{i:05d}" for i in range(1, len(block) + 1)]
        frames.append(block)
    return _add_survey_errors(pd.concat(frames, ignore_index=True), _rng(seed, 4, year))


def _respondents(seed: int, year: int, prov, t: Traits, items: pd.DataFrame, weight: float = 1.0) -> pd.DataFrame:
    """The respondents of one pre-2025 province (or of its part of a 2025 province)."""
    rng = _rng(seed, 3, year, int(prov.code))
    n = int(rng.integers(200, 251))
    n_districts = 6
    districts = district_names(prov.code, seed, 10)
    sampled = rng.choice(len(districts), n_districts, replace=False)
    district_idx = sampled[rng.integers(0, n_districts, n)]
    commune_no = rng.integers(1, 3, n)  # two communes (PSUs) per district
    district_effect = rng.normal(0, 0.25, len(districts))
    urban = np.where(rng.random(n) < (0.55 if prov.kind == "Thành phố" else 0.28), 1, 2)
    sex = rng.choice([1, 2], n, p=[0.47, 0.53])
    age = np.clip(rng.normal(46, 13, n).round(), 18, 85).astype(int)
    kinh = rng.random(n) < (0.65 if prov.region in ("NMM", "CH") else 0.93)
    ethnicity = np.where(kinh, 1, rng.choice([2, 3, 4, 5], n))
    weight = np.round(rng.gamma(20, 1 / 20, n) * 1000 * weight / n, 6)
    pii = _rng(seed, 7, year, int(prov.code))  # personal data, drawn apart from the answers
    rows = {
        "id_nguoi_tra_loi": [f"{year}-{prov.code}-{i:05d}" for i in range(1, n + 1)],
        "tinh": f"{prov.kind} {prov.name_vi}",
        "ma_tinh": int(prov.code),
        "huyen": [districts[i] for i in district_idx],
        "xa": [f"Xã {_SYLLABLES[(i * 7 + c) % len(_SYLLABLES)]} {c}" for i, c in zip(district_idx, commune_no)],
        "strata": [f"{int(prov.code):02d}{i:02d}" for i in district_idx],
        "psu": [f"{int(prov.code):02d}{i:02d}{c}" for i, c in zip(district_idx, commune_no)],
        "ho_ten": person_names(pii, n),
        "dien_thoai": [f"09{v:08d}" for v in pii.integers(0, 10**8, n)],
        "gioi_tinh": sex,
        "tuoi": age,
        "dan_toc": ethnicity,
        "thanh_thi": urban,
        "trong_so": weight,
    }
    year_effect = 0.06 * (year - 2018)
    noise = district_effect[district_idx] + rng.normal(0, 0.3, n)
    answers: dict[str, np.ndarray] = {}
    for item in items.itertuples(index=False):
        applies = np.ones(n, dtype=bool)
        if isinstance(item.condition_column, str):
            applies = answers[item.condition_column] == int(item.condition_code)
        if item.column == "d503":
            continue
        if item.kind == "score":
            if item.indicator_id == "papi.d5.3.4":  # satisfaction 1-5
                value = 1 + rng.binomial(4, _sigmoid(0.6 + 0.6 * t.land + year_effect + noise))
            elif item.indicator_id == "papi.d2.4.4":
                value = rng.choice(
                    [1, 2, 3], n, p=_softmax([1.2, -0.3 - 0.2 * t.transparency, 0.0 + 0.3 * t.transparency])
                )
            else:  # 5.3.3 quality, 0-4 criteria met
                p = _sigmoid(1.0 + 0.7 * t.land + year_effect + noise)
                value = rng.binomial(4, p)
        else:
            base, trait, loading = _ITEM_MODEL[item.indicator_id]
            p = _sigmoid(base + loading * getattr(t, trait) + year_effect + noise)
            yes = rng.random(n) < p
            positive = int(item.positive_code)
            value = np.where(yes, positive, 3 - positive)
        missing = rng.random(n)
        value = np.where(missing < 0.05, 98, np.where(missing < 0.06, 99, value))
        value = np.where(applies, value, 97)
        answers[item.column] = value
        if item.column == "d204b":  # LURC applicants (d503) are drawn after 2.4 items
            answers["d503"] = np.where(rng.random(n) < 0.22, 1, 2)
    rows.update({col: answers[col] for col in items["column"] if col in answers})
    rows["d503"] = answers["d503"]
    return pd.DataFrame(rows)


def _softmax(x):
    e = np.exp(np.asarray(x) - np.max(x))
    return e / e.sum()


def _add_survey_errors(survey: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """The mistakes real files have: duplicated respondents, impossible ages, stray codes."""
    n = len(survey)
    bad_age = rng.choice(n, max(1, n // 400), replace=False)
    survey.loc[bad_age, "tuoi"] = rng.choice([0, 7, 150, 999], len(bad_age))
    bad_code = rng.choice(n, max(1, n // 800), replace=False)
    survey.loc[bad_code, "d702a"] = 5
    dup = survey.iloc[rng.choice(n, max(1, n // 500), replace=False)]
    survey = pd.concat([survey, dup]).sort_values("id_nguoi_tra_loi", kind="stable")
    return survey.reset_index(drop=True)


_LABELLED_COLUMNS = ("d701b", "d702b", "d204a", "d503b", "d503d")  # exported as labels, like real files


def _labelled(survey: pd.DataFrame) -> pd.DataFrame:
    """Write the codebook's Vietnamese answer labels in the columns that real exports label."""

    book = load_codebook(None)
    out = survey.copy()
    for it in book.items:
        if it.column in _LABELLED_COLUMNS:
            labels = {c: lbls[0] for c, lbls in {**it.codes, **book.missing_labels}.items()}
            out[it.column] = out[it.column].map(lambda v, labels=labels: labels.get(v, str(v)))
    return out


# Adult population shares by sex and age group (approximate, from the 2019 census structure)
# that the sample writes as raking margins; real users put their province's figures here.
SAMPLE_MARGINS = {
    "sex": {"Nam": 0.49, "Nữ": 0.51},
    "age_group": {"18-29": 0.24, "30-39": 0.22, "40-49": 0.19, "50-59": 0.16, "60+": 0.19},
}


def _write_survey(survey: pd.DataFrame, out_dir: Path, year: int) -> None:

    folder = out_dir / "survey"
    folder.mkdir(parents=True, exist_ok=True)
    labelled = _labelled(survey)
    # the marker inside the file: a last column named by it (the .dta carries it as its label)
    labelled.assign(**{SAMPLE_NOTE_VI: ""}).to_csv(folder / f"papi_survey_{year}.csv", index=False, encoding="utf-8")
    labelled.to_stata(
        folder / f"papi_survey_{year}.dta",
        write_index=False,
        version=118,
        time_stamp=FIXED_TIME,
        data_label=SAMPLE_NOTE_EN[:80],
    )
    (folder / "codebook.yaml").write_bytes(sample_codebook_path().read_bytes())
    rows = [{"variable": v, "category": c, "target": t} for v, cats in SAMPLE_MARGINS.items() for c, t in cats.items()]
    pd.DataFrame(rows).to_csv(folder / "margins.csv", index=False, encoding="utf-8")


# --------------------------------------------------------------------------- published tables


def published_indicators(survey: pd.DataFrame, year: int) -> pd.DataFrame:
    """Province x indicator table as PAPI publishes it: weighted means of valid answers of the
    cleaned microdata, blank where fewer than 15 respondents answered (from 2025: the 34)."""

    est = estimate(clean_survey(survey, year=year).table)
    return est.pivot(index="province_code", columns="indicator_id", values="estimate")


class _Grid:
    """Cells placed by (row, column), turned into the rows of a worksheet."""

    def __init__(self):
        self.cells: dict[tuple[int, int], object] = {}

    def put(self, r: int, c: int, value) -> None:
        self.cells[(r, c)] = value

    def put_row(self, r: int, c: int, values) -> None:
        for k, value in enumerate(values):
            self.cells[(r, c + k)] = value

    def rows(self) -> list[list]:
        height = 1 + max((r for r, _ in self.cells), default=-1)
        width = 1 + max((c for _, c in self.cells), default=-1)
        out = [[None] * width for _ in range(height)]
        for (r, c), value in self.cells.items():
            out[r][c] = value
        return out


def _write_papi_table(values: pd.DataFrame, out_dir: Path, year: int) -> None:
    """The simulated provincial-indicator table in the official layout; a table of the 34 (codes
    of the 34) is written with their names and codes, as a 34-province edition would be."""
    cat = indicators()
    table = values.copy()
    table = table.join(score_subdimensions(table, year))
    order = [
        "papi.d7",
        "papi.d7.1",
        *cat.index[cat["parent"] == "papi.d7.1"],
        "papi.d7.2",
        *cat.index[cat["parent"] == "papi.d7.2"],
        "papi.d7.3",
        *cat.index[cat["parent"] == "papi.d7.3"],
    ]
    land = [
        "papi.d2.4",
        *cat.index[cat["parent"] == "papi.d2.4"],
        "papi.d4.1.lurc",
        "papi.d4.4.lurc",
        "papi.d5.3",
        *cat.index[cat["parent"] == "papi.d5.3"],
    ]
    rows = [i for i in land + order if i in table.columns]  # PAPI order: 2, 4, 5, ..., 7
    path = out_dir / "indices" / f"PAPI_{year}_Provincial_indicators_VIE.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    ws = _Grid()
    table = table.sort_index()
    units = provinces_2025() if len(table) <= 34 else provinces()
    names = units.set_index("code").loc[table.index, "name_vi"]
    ws.put_row(0, 0, ["Mã tỉnh", "Thang điểm", *[int(c) for c in table.index]])
    ws.put_row(1, 0, ["Tỉnh/Thành phố trực thuộc trung ương", None, *names])
    r = 2
    for ind in rows:
        meta = cat.loc[ind]
        if meta["level"] == "dimension":
            text = f"Chỉ số nội dung 7: {meta['label_vi']}"
        elif meta["level"] == "sub-dimension":
            text = f"{ind.removeprefix('papi.d')}: {meta['label_vi']}"
        else:
            text = meta["label_vi"]
        lo, hi = scale_for(ind, year)
        scale = "0%-100%" if meta["unit"] == "share" else f"{lo:g}-{hi:g} điểm"
        ws.put(r, 0, text)
        ws.put(r, 1, scale)
        for c, value in enumerate(table[ind].round(6), start=2):
            if pd.notna(value):
                ws.put(r, c, float(value))
        r += 1
    ws.put(r + 1, 0, "Ô trống: ít hơn 15 người trả lời câu hỏi.")
    ws.put(r + 2, 0, SAMPLE_NOTE_VI)
    write_workbook(path, [Sheet(f"{year}PAPI_Indicators_VIE", ws.rows())], title=SAMPLE_NOTE_VI)


_PCI_ABBREVIATIONS = {"77": "BRVT", "79": "HCMC", "46": "TT-Hue"}


def _write_pci(out_dir: Path, year: int, seed: int, traits: dict[str, Traits]) -> None:
    rng = _rng(seed, 5, year)
    prov = provinces()
    t_land = np.array([traits[c].land for c in prov["code"]])
    sub2 = np.clip(6.0 + 0.9 * t_land + 0.06 * (year - 2018) + rng.normal(0, 0.35, len(prov)), 3, 9.5)
    others = np.clip(rng.normal(6.0, 0.9, (len(prov), 9)), 2, 9.8)
    total = np.clip(55 + 2.0 * sub2 / 2 + others.mean(axis=1) * 1.3 + rng.normal(0, 1.5, len(prov)), 50, 75)
    names = [(_PCI_ABBREVIATIONS.get(c) or n) for c, n in zip(prov["code"], prov["name_ascii"])]
    frame = pd.DataFrame({"Province": names, "total": total, "sub2": sub2}).sort_values("Province")
    frame["Rank"] = frame["total"].rank(ascending=False, method="min").astype(int)
    cat = indicators()
    land = pd.DataFrame(
        {
            "Province": names,
            "Sub-Index 2: Land Access": sub2,
            cat.loc["pci.sub2.lurc_share", "label_en"]: np.clip(
                0.55 + 0.08 * t_land + rng.normal(0, 0.05, len(prov)), 0.1, 0.98
            ),
            cat.loc["pci.sub2.lurc_days", "label_en"]: np.clip(
                np.round(30 - 7 * t_land + rng.normal(0, 4, len(prov))), 5, 90
            ),
            cat.loc["pci.sub2.no_difficulty", "label_en"]: np.clip(
                0.30 + 0.07 * t_land + rng.normal(0, 0.04, len(prov)), 0.02, 0.95
            ),
            cat.loc["pci.sub2.fair_compensation", "label_en"]: np.clip(
                0.25 + 0.05 * t_land + rng.normal(0, 0.05, len(prov)), 0.02, 0.95
            ),
        }
    ).sort_values("Province")
    path = out_dir / "indices" / f"PCI_{year}.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    ws = summary = _Grid()
    names_2017 = [
        "Entry Costs",
        "Land Access & Tenure",
        "Transparency",
        "Time Costs",
        "Informal Charges",
        "Policy Bias",
        "Proactivity",
        "Business Support Services",
        "Labor Policy",
        "Law & Order",
    ]
    header = [
        "Province",
        "Rank",
        f"The Weighted PCI Score in {year}",
        *[f"Sub-Index {i}: {n}" for i, n in enumerate(names_2017, start=1)],
    ]
    ws.put_row(0, 0, header)
    idx = frame.index
    for r, i in enumerate(idx, start=1):
        subs = list(others[i])
        subs.insert(1, sub2[i])
        ws.put_row(
            r,
            0,
            [
                frame.loc[i, "Province"],
                int(frame.loc[i, "Rank"]),
                round(float(total[i]), 4),
                *[round(float(s), 4) for s in subs],
            ],
        )
    _benchmark_rows(ws, len(idx) + 2, frame[["total"]].assign(**{f"s{k}": others[:, k] for k in range(9)}))
    ws = land_sheet = _Grid()
    ws.put_row(0, 0, list(land.columns))
    for r, (_, row) in enumerate(land.iterrows(), start=1):
        ws.put_row(r, 0, [row.iloc[0], *[round(float(v), 4) for v in row.iloc[1:]]])
    _benchmark_rows(ws, len(land) + 2, land.iloc[:, 1:])
    ws.put(len(land) + 7, 0, SAMPLE_NOTE_EN)
    sheets = [Sheet("Summary", summary.rows()), Sheet("Land Access", land_sheet.rows())]
    write_workbook(path, sheets, title=SAMPLE_NOTE_EN)


# PCI 2025 of the 34 provinces, as one public dashboard models it (unverified; indicators.csv)
PCI_2025_SUBINDICES = (
    "pci.sub1",
    "pci.sub2",
    "pci.sub3",
    "pci.compliance_costs",
    "pci.sub5",
    "pci.bias",
    "pci.business_support",
    "pci.legal",
    "pci.constructive_government",
)


def _write_pci_34(out_dir: Path, year: int, seed: int, traits: dict[str, Traits]) -> None:
    """A simulated PCI of the 34 provinces with its 9 sub-indices, in Vietnamese with the 34
    names: scores only (the components of the new structure are not public)."""
    rng = _rng(seed, 5, year)
    units = provinces_2025().sort_values("name_vi")
    t_land = np.array([np.mean([traits[m].land for m in members_2025(c)]) for c in units["code"]])
    sub2 = np.clip(6.0 + 0.9 * t_land + 0.06 * (year - 2018) + rng.normal(0, 0.35, len(units)), 3, 9.5)
    others = np.clip(rng.normal(6.0, 0.9, (len(units), 8)), 2, 9.8)
    total = np.clip(55 + sub2 + others.mean(axis=1) * 1.3 + rng.normal(0, 1.5, len(units)), 50, 75)
    scores = np.insert(others, 1, sub2, axis=1)
    cat = indicators()
    ws = _Grid()
    ws.put(0, 0, f"CHỈ SỐ NĂNG LỰC CẠNH TRANH CẤP TỈNH {year}")
    ws.put_row(
        2,
        0,
        [
            "Tỉnh/Thành phố",
            "Xếp hạng",
            "Chỉ số PCI có trọng số",
            *[f"PCI_{k}: {cat.loc[i, 'label_vi']}" for k, i in enumerate(PCI_2025_SUBINDICES, start=1)],
        ],
    )
    rank = pd.Series(total).rank(ascending=False, method="min").astype(int).to_numpy()
    for r, name in enumerate(units["name_vi"]):
        ws.put_row(3 + r, 0, [name, int(rank[r]), round(float(total[r]), 4), *np.round(scores[r], 4).tolist()])
    ws.put(len(units) + 4, 0, SAMPLE_NOTE_VI)
    path = out_dir / "indices" / f"PCI_{year}.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    write_workbook(path, [Sheet("Tổng hợp", ws.rows())], title=SAMPLE_NOTE_VI)


def _benchmark_rows(ws: _Grid, start: int, values: pd.DataFrame) -> None:
    """The rows PCI files carry below the provinces: a benchmark and Min/Median/Max."""
    ws.put_row(start, 0, ["Ha Noi", *[round(float(v), 4) for v in values.iloc[0]]])
    for k, (name, fn) in enumerate((("Min", np.min), ("Median", np.median), ("Max", np.max)), 1):
        ws.put_row(start + k, 0, [name, *[round(float(fn(values[c])), 4) for c in values.columns]])


# --------------------------------------------------------------------------- dossiers

DOSSIER_HEADER = [
    "STT",
    "Mã hồ sơ",
    "Tên thủ tục hành chính",
    "Lĩnh vực",
    "Cơ quan tiếp nhận",
    "Người nộp hồ sơ",
    "Số điện thoại",
    "Số CCCD/CMND",
    "Địa chỉ",
    "Hình thức nộp",
    "Ngày tiếp nhận",
    "Ngày hẹn trả",
    "Ngày có kết quả",
    "Ngày trả kết quả",
    "Trạng thái",
    "Số lần bổ sung",
    "Thanh toán trực tuyến",
]


def _procedures() -> pd.DataFrame:
    with resources.files("govgap.data").joinpath("sample_procedures.csv").open("rb") as fh:
        return pd.read_csv(fh)


def _fmt_dates(days: np.ndarray, minutes: np.ndarray | None) -> np.ndarray:
    """numpy datetime64[D] (+ minutes) -> dd/mm/yyyy [HH:MM] strings; NaT -> ''."""
    valid = ~np.isnat(days)
    out = np.full(len(days), "", dtype=object)
    ts = pd.DatetimeIndex(days[valid])
    if minutes is not None:
        ts = ts + pd.to_timedelta(minutes[valid], unit="min")
        out[valid] = ts.strftime("%d/%m/%Y %H:%M")
    else:
        out[valid] = ts.strftime("%d/%m/%Y")
    return out


DOSSIERS_PER_MILLION = 4_000  # dossiers a year per million inhabitants (land and environment procedures)


def export_size(code: str, rng: np.random.Generator) -> int:
    """Rows of one province-year export: in proportion to the province's population (2019
    census), with some spread, at least 2,000 and at most 30,000."""
    expected = population_2019()[code] / 1000 * DOSSIERS_PER_MILLION
    return int(np.clip(round(expected * rng.lognormal(0, 0.1)), 2_000, 30_000))


def dossier_frame(
    code: str, year: int, seed: int, traits: Traits, n: int | None = None, department: Department | None = None
) -> pd.DataFrame:
    """The rows of one export, in the export's own column names: a department of the 63 for a
    year, or the part of 2025 a ``department`` held (before or from 1/7/2025)."""
    department = department or Department(code, provinces().set_index("code").loc[code, "name_vi"])
    rng = _rng(seed, 6, year, int(code), *([department.salt] if department.salt else []))  # the 63 as before
    prov = {"name_vi": department.name}
    n = n or export_size(code, rng)
    procs = _procedures()
    holidays = np.array(holiday_dates(range(year, year + 2)), dtype="datetime64[D]")
    start = np.datetime64(department.start or f"{year}-01-01")
    end = np.datetime64(department.end or f"{year}-12-31")
    workdays = np.arange(start, end + 1)
    workdays = workdays[np.is_busday(workdays, holidays=holidays)]
    received = np.sort(workdays[rng.integers(0, len(workdays), n)])
    minutes = rng.integers(7 * 60 + 30, 16 * 60 + 30, n)
    p = procs["weight"].to_numpy(float)
    proc_idx = rng.choice(len(procs), n, p=p / p.sum())
    districts = district_names(code, seed, 8)
    if department.start and department.start[5:] == "07-01":  # no districts from 1/7/2025: areas
        districts = [f"Khu vực {k}" for k in range(1, 9)]
    district_effect = rng.normal(0, 0.15, len(districts))
    district_effect[int(rng.integers(1, len(districts)))] += 0.35  # one slow branch office
    district_idx = rng.integers(0, len(districts), n)
    branch = procs["office"].to_numpy()[proc_idx] == "branch"
    offices = np.where(
        branch,
        np.array([f"Chi nhánh Văn phòng Đăng ký đất đai {d}" for d in districts], dtype=object)[district_idx],
        procs["office"].to_numpy()[proc_idx],
    )
    legal = procs["legal_days"].to_numpy()[proc_idx]
    supplements = rng.choice([0, 1, 2], n, p=[0.86, 0.11, 0.03])
    mu = -0.55 - 0.25 * traits.land - 0.05 * (year - 2023) + np.where(branch, district_effect[district_idx], 0)
    work_days = np.maximum(1, np.ceil(legal * np.exp(rng.normal(mu, 0.3, n)))).astype(int)
    paused = supplements * rng.integers(2, 6, n)  # days the applicant took to supplement
    finished = np.busday_offset(received, work_days + paused, roll="forward", holidays=holidays)
    due = np.busday_offset(received, legal + paused, roll="forward", holidays=holidays)
    result_returned = np.busday_offset(finished, rng.integers(0, 3, n), roll="forward", holidays=holidays)
    fate = rng.random(n)
    returned = fate < 0.02
    withdrawn = (fate >= 0.02) & (fate < 0.025)
    open_ = finished > end
    status = np.where(
        returned,
        "Trả lại hồ sơ (không đủ điều kiện)",
        np.where(withdrawn, "Công dân rút hồ sơ", np.where(open_, "Đang giải quyết", "Đã trả kết quả")),
    )
    nat = np.datetime64("NaT", "D")
    finished = np.where(open_ | withdrawn, nat, finished)
    result_returned = np.where(open_ | withdrawn | returned, nat, result_returned)
    online_p = np.clip(0.18 + 0.12 * (year - 2023) + 0.08 * traits.egov, 0.03, 0.8)
    channel_draw = rng.random(n)
    channel = np.where(
        channel_draw < online_p,
        "Trực tuyến",
        np.where(channel_draw < online_p + 0.03, "Qua bưu chính công ích", "Trực tiếp"),
    )
    fee = procs["fee"].to_numpy()[proc_idx] == 1
    paid_online = np.where(fee & (channel == "Trực tuyến") & (rng.random(n) < 0.6), "Có", "Không")
    ids = [f"H{int(code):02d}.{year}.{i:06d}" for i in rng.permutation(n) + 1]
    frame = pd.DataFrame(
        {
            "STT": np.arange(1, n + 1),
            "Mã hồ sơ": ids,
            "Tên thủ tục hành chính": procs["procedure"].to_numpy()[proc_idx],
            "Lĩnh vực": procs["field"].to_numpy()[proc_idx],
            "Cơ quan tiếp nhận": offices,
            "Người nộp hồ sơ": person_names(rng, n),
            "Số điện thoại": [f"09{x:08d}" for x in rng.integers(0, 10**8, n)],
            "Số CCCD/CMND": [f"0{int(code):02d}{x:09d}" for x in rng.integers(0, 10**9, n)],
            "Địa chỉ": [
                f"Số {a}, {districts[d]}, {prov['name_vi']}" for a, d in zip(rng.integers(1, 300, n), district_idx)
            ],
            "Hình thức nộp": channel,
            "Ngày tiếp nhận": _fmt_dates(received, minutes),
            "Ngày hẹn trả": _fmt_dates(due, None),
            "Ngày có kết quả": _fmt_dates(finished, None),
            "Ngày trả kết quả": _fmt_dates(result_returned, None),
            "Trạng thái": status,
            "Số lần bổ sung": supplements,
            "Thanh toán trực tuyến": paid_online,
        }
    )
    # Data-entry errors that cleaning must catch.
    bad = rng.choice(n, max(2, n // 500), replace=False)
    half = len(bad) // 2
    done = frame.loc[bad[:half], "Ngày có kết quả"] != ""
    frame.loc[bad[:half][done.to_numpy()], "Ngày có kết quả"] = "01/01/" + str(year - 1)
    frame.loc[bad[half:], "Ngày tiếp nhận"] = "31/02/" + str(year)
    dup = frame.iloc[rng.choice(n, max(1, n // 1000), replace=False)]
    frame = pd.concat([frame, dup], ignore_index=True)
    frame["STT"] = np.arange(1, len(frame) + 1)
    return frame


@dataclass(frozen=True)
class Department:
    """Whose export a sample file is: a province's department for a period (all of the year by
    default; in 2025 the old departments to 30/6 and the new ones from 1/7)."""

    code: str
    name: str
    kind: str = "Tỉnh"
    slug: str = ""
    folder: str = ""  # "" or BEFORE_MERGER
    start: str | None = None
    end: str | None = None
    salt: int = 0  # a different random stream for each part of the year


def departments(year: int) -> list[tuple[str, Department, float]]:
    """(code whose traits and size drive it, department, share of the year's dossiers) of every
    export a year has. To 2024 one per province of the 63; in 2025 one per province of the 34
    from 1/7, and for a merged province also one per member department for 1/1-30/6 (in
    ``dossiers/2025/truoc-1-7-2025/``), as a department of 2026 really holds them."""
    old = provinces().set_index("code")
    if year < FIRST_34_EDITION:
        return [(c, Department(c, r["name_vi"], r["kind"], r["slug"]), 1.0) for c, r in old.iterrows()]
    out = []
    cross = crosswalk_2025()
    for row in provinces_2025().itertuples():
        members = list(cross.loc[cross["new_code"] == row.code, "old_code"])
        if len(members) == 1:
            out.append((members[0], Department(row.code, row.name_vi, row.kind, row.slug), 1.0))
            continue
        for m in members:
            dept = Department(
                m,
                old.loc[m, "name_vi"],
                old.loc[m, "kind"],
                old.loc[m, "slug"],
                BEFORE_MERGER,
                f"{year}-01-01",
                f"{year}-06-30",
                1,
            )
            out.append((m, dept, 0.5))
        host = row.code  # the new province takes the host's code; its size is its members' together
        dept = Department(host, row.name_vi, row.kind, row.slug, "", f"{year}-07-01", f"{year}-12-31", 2)
        out.append((host, dept, 0.5))
    return out


def _write_dossiers(args: tuple) -> Path:
    code, year, seed, traits, out_dir, n, department = args

    frame = dossier_frame(code, year, seed, traits, n, department)
    path = Path(out_dir) / "dossiers" / str(year) / department.folder / f"{department.slug}.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    last = column_letter(len(DOSSIER_HEADER) - 1)
    first = dt.date.fromisoformat(department.start or f"{year}-01-01").strftime("%d/%m/%Y")
    final = dt.date.fromisoformat(department.end or f"{year}-12-31").strftime("%d/%m/%Y")
    title = [
        [f"ỦY BAN NHÂN DÂN {department.kind.upper()} {department.name.upper()}"],
        ["TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG"],
        ["BÁO CÁO CHI TIẾT TÌNH HÌNH GIẢI QUYẾT HỒ SƠ THỦ TỤC HÀNH CHÍNH"],
        [f"Từ ngày {first} đến ngày {final} — {SAMPLE_NOTE_VI}"],
        [],
    ]
    body = [list(r) for r in zip(*[frame[c].tolist() for c in DOSSIER_HEADER])]  # tolist: Python values
    footer = [["", f"Tổng cộng: {len(frame):,} hồ sơ".replace(",", ".")]]
    rows = title + [DOSSIER_HEADER] + body + footer
    write_sheet(
        path,
        "Danh sách hồ sơ",
        rows,
        merges=[f"A{r}:{last}{r}" for r in range(1, 5)],
        bold_rows={0, 1, 2, 3, 5, len(rows) - 1},
        title=SAMPLE_NOTE_VI,
    )
    return path


def _on_time_share(frame: pd.DataFrame) -> float:
    """Share of finished dossiers of an export frame with a result by the appointed date."""
    done = frame[frame["Ngày có kết quả"] != ""]
    fin = pd.to_datetime(done["Ngày có kết quả"], format="%d/%m/%Y", errors="coerce")
    due = pd.to_datetime(done["Ngày hẹn trả"], format="%d/%m/%Y", errors="coerce")
    return float((fin <= due).mean())


# --------------------------------------------------------------------------- context tables

CONTEXT_YEARS = (2021, 2022, 2023, 2024)
TASK_YEARS = (2023, 2024)
TASK_PROVINCES = (SLOW_LAND_PROVINCE, "01")  # the departments that keep a tasks table
EXAMPLE_SIPAS = 0.774  # Nam Định 2024, the example
EXAMPLE_TASKS = (1494, 1205, 289, 201)  # assigned, completed, in progress, of which within deadline
DEPARTMENTS = (
    "Sở Tài nguyên và Môi trường",
    "Sở Nông nghiệp và Phát triển nông thôn",
    "Sở Xây dựng",
    "Sở Kế hoạch và Đầu tư",
    "Sở Tư pháp",
    "Sở Công Thương",
    "Sở Giao thông vận tải",
    "Sở Nội vụ",
    "Sở Tài chính",
    "Sở Y tế",
)
TASK_UNITS = (
    "Văn phòng Sở",
    "Phòng Quản lý đất đai",
    "Văn phòng Đăng ký đất đai",
    "Chi cục Bảo vệ môi trường",
    "Phòng Tài nguyên nước, khoáng sản và khí tượng thủy văn",
)
SLOW_TASK_UNIT = "Văn phòng Đăng ký đất đai"


def _vi(x: float, decimals: int = 2) -> str:
    return f"{x:.{decimals}f}".replace(".", ",")


def write_context(folder: Path, seed: int, traits: dict[str, Traits]) -> None:
    """SIPAS and PAR INDEX for every province (2021-2024) and the tasks tables of two
    departments, in govgap's templates; values follow the provinces' traits."""

    folder.mkdir(parents=True, exist_ok=True)
    rng = _rng(seed, 7)
    table = provinces()
    note = f"{SAMPLE_NOTE_VI}. {SAMPLE_NOTE_EN}."
    sipas, par, national = [], [], {}
    for year in CONTEXT_YEARS:
        levels = []
        for row in table.itertuples(index=False):
            t = traits[row.code]
            base = 0.80 + 0.012 * (year - 2021) + 0.02 * (0.5 * t.land + 0.5 * t.egov) + rng.normal(0, 0.012)
            comps = np.clip(base + rng.normal(0, 0.02, 5) + np.array([0.01, 0.02 * t.land, 0, 0.01, -0.03]), 0.55, 0.99)
            index = float(comps.mean())
            if row.code == SLOW_LAND_PROVINCE and year == 2024:
                comps = comps + (EXAMPLE_SIPAS - index)
                index = EXAMPLE_SIPAS
            levels.append(index)
            shown = "77,4%" if (row.code == SLOW_LAND_PROVINCE and year == 2024) else round(100 * index, 2)
            sipas.append([year, row.name_vi, None, shown, *(round(100 * c, 2) for c in comps)])
            p_index = float(
                np.clip(
                    84 + 3 * (0.4 * t.transparency + 0.6 * t.egov) + 0.6 * (year - 2021) + rng.normal(0, 1.2), 70, 96
                )
            )
            p_comps = np.clip(p_index + rng.normal(0, 4, 8), 50, 100)
            par.append([year, row.name_vi, "", _vi(p_index), *(_vi(c) for c in p_comps)])
        national[year] = float(np.mean(levels))
    sipas += [[y, "Cả nước", None, round(100 * v, 2)] for y, v in national.items()]
    write_template("SIPAS", folder / "SIPAS_2021-2024.xlsx", sipas, title_note=note)
    for code in TASK_PROVINCES:
        name = table.set_index("code").loc[code, "name_vi"]
        for year in TASK_YEARS:
            for i, dept in enumerate(DEPARTMENTS):
                slow = code == SLOW_LAND_PROVINCE and i == 0
                score = float(np.clip(86 + rng.normal(0, 3) - (8 if slow else 0), 60, 99))
                par.append(
                    [
                        year,
                        name,
                        dept,
                        _vi(score),
                        *(_vi(float(np.clip(score + rng.normal(0, 4), 40, 100))) for _ in range(8)),
                    ]
                )
    headers = [h for _, h in template_columns("PAR_INDEX")][1:]
    lines = [f"{note};", "CHỈ SỐ CẢI CÁCH HÀNH CHÍNH (PAR INDEX) 2021-2024;", ";".join(headers)]
    lines += [";".join("" if v is None else str(v) for v in row) for row in par]
    (folder / "PAR_INDEX_2021-2024.csv").write_bytes(("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8"))
    tasks = []
    for code in TASK_PROVINCES:
        name = table.set_index("code").loc[code, "name_vi"]
        for year in TASK_YEARS:
            if code == SLOW_LAND_PROVINCE and year == 2024:
                assigned, completed, progress, within = EXAMPLE_TASKS
            else:
                assigned = int(rng.integers(900, 1600))
                completed = int(round(assigned * rng.uniform(0.84, 0.95)))
                progress = assigned - completed
                within = int(round(progress * rng.uniform(0.6, 0.85)))
            rate = f"{round(100 * completed / assigned)}%"
            shown = f"{assigned:,}".replace(",", ".")  # typed as text with a thousands dot
            tasks.append(
                [
                    year,
                    name,
                    "Toàn Sở",
                    shown,
                    completed,
                    None,
                    None,
                    progress,
                    within,
                    None,
                    rate,
                    "100%" if code == SLOW_LAND_PROVINCE else None,
                ]
            )
            tasks += _task_units(rng, year, name, assigned, completed, within, slow=code == SLOW_LAND_PROVINCE)
    write_template("TASKS", folder / "NHIEM_VU_2023-2024.xlsx", tasks, title_note=note)


def _task_units(rng, year, name, assigned, completed, within, slow: bool) -> list[list]:
    """Unit rows that add up to the department's totals; the land-registration office is the
    slowest in the slow-land province."""
    shares = rng.dirichlet(np.full(len(TASK_UNITS), 6.0))
    a = rng.multinomial(assigned, shares)
    k = TASK_UNITS.index(SLOW_TASK_UNIT)
    c = np.zeros(len(a), dtype=int)
    c[k] = min(a[k], int(round(a[k] * (0.62 if slow else completed / assigned))))
    rest = [i for i in range(len(a)) if i != k]
    left = completed - c[k]
    if left > a[rest].sum():  # cannot happen with these rates; kept exact if it did
        c[k] += left - a[rest].sum()
        left = a[rest].sum()
    c[rest] = rng.multivariate_hypergeometric(a[rest], left)
    p = a - c
    w = rng.multivariate_hypergeometric(p, within)
    return [
        [year, name, unit, int(a[i]), int(c[i]), None, None, int(p[i]), int(w[i])] for i, unit in enumerate(TASK_UNITS)
    ]


# --------------------------------------------------------------------------- driver


def _fingerprint(seed: int, survey_years, dossier_years, dossiers_per_file, index_years=()) -> dict:
    source = Path(__file__).read_bytes() + b"".join(
        resources.files("govgap.data").joinpath(n).read_bytes()
        for n in (
            "codebook_papi_sample.yaml",
            "sample_procedures.csv",
            "indicators.csv",
            "provinces_63.csv",
            "population_2019.csv",
            "context_columns.csv",
        )
    )
    return {
        "seed": seed,
        "survey_years": list(survey_years),
        "dossier_years": list(dossier_years),
        "dossiers_per_file": dossiers_per_file,
        "index_years": list(index_years),
        "generator": hashlib.sha256(source).hexdigest(),
        "govgap_version": __version__,
    }


def generate(
    out_dir: str | Path,
    seed: int = 2024,
    survey_years=SURVEY_YEARS,
    dossier_years=DEFAULT_DOSSIER_YEARS,
    dossiers_per_file: int | None = None,
    index_years=(),
    provinces_subset: list[str] | None = None,
    workers: int | None = None,
    force: bool = False,
    progress: bool = True,
) -> Path:
    """Write the sample inputs to ``out_dir`` (skipped when an identical set is already there).

    ``dossiers_per_file`` fixes the size of each dossier export (default: ``export_size``);
    ``index_years`` adds simulated PAPI and PCI tables for those survey years (tests of the
    readers; never mixed with the published figures in a report without saying so);
    ``provinces_subset`` (GSO codes) limits the dossier exports to some provinces (tests).
    Returns the path of the manifest, which lists every file with its SHA-256.
    """
    out_dir = Path(out_dir)
    manifest_path = out_dir / MANIFEST
    fingerprint = _fingerprint(seed, survey_years, dossier_years, dossiers_per_file, index_years)
    fingerprint["provinces"] = provinces_subset or "all"
    if manifest_path.exists() and not force:
        old = json.loads(manifest_path.read_text(encoding="utf-8"))
        if old.get("fingerprint") == fingerprint and all((out_dir / f).exists() for f in old.get("files", {})):
            return manifest_path
    out_dir.mkdir(parents=True, exist_ok=True)
    if manifest_path.exists():  # a set made before: its files go, so none is left over from it
        for name in json.loads(manifest_path.read_text(encoding="utf-8")).get("files", {}):
            (out_dir / name).unlink(missing_ok=True)
    manifest_path.unlink(missing_ok=True)
    traits = province_traits(seed)
    codes = provinces_subset or list(provinces()["code"])
    jobs = []
    for y in dossier_years:
        for code, department, share in departments(y):
            if code not in codes and department.code not in codes:
                continue
            # a new department from 1/7/2025 has its members' dossiers and their traits together
            members = members_2025(department.code) if department.start == f"{y}-07-01" else [code]
            t = Traits(*np.mean([astuple(traits[m]) for m in members], axis=0))
            size = sum(export_size(m, _rng(seed, 6, y, int(m))) for m in members)
            jobs.append((code, y, seed, t, str(out_dir), dossiers_per_file or max(round(size * share), 50), department))
    workers = workers or os.cpu_count() or 1
    from tqdm.auto import tqdm

    with processes.worker_pool(workers) as pool:
        futures = [pool.submit(_write_dossiers, job) for job in jobs]
        for year in sorted(set(survey_years) | set(index_years)):
            survey = _survey_year(seed, year, traits)
            if year in survey_years:
                _write_survey(survey, out_dir, year)
            if year in index_years:  # simulated tables, only when asked: govgap ships the published ones
                _write_papi_table(published_indicators(survey, year), out_dir, year)  # of the 34 from 2025
                if year >= FIRST_34_EDITION:  # PCI of the 34, with its 9 sub-indices
                    _write_pci_34(out_dir, year, seed, traits)
                else:
                    _write_pci(out_dir, year, seed, traits)
        write_context(out_dir / "context", seed, traits)
        for fut in tqdm(futures, total=len(jobs), desc="sample dossier exports", disable=not progress):
            fut.result()
    (out_dir / "README.md").write_text(
        f"# {SAMPLE_NOTE_VI}\n\n{SAMPLE_NOTE_EN}. Made by `govgap sample-data --seed {seed}`; "
        "every file is synthetic and must never be read as official PAPI, PCI or dossier data.\n",
        encoding="utf-8",
    )
    files = sorted(p for p in out_dir.rglob("*") if p.is_file() and p.name != MANIFEST)
    manifest = {
        "fingerprint": fingerprint,
        "note": SAMPLE_NOTE_EN,
        "files": {str(p.relative_to(out_dir)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files},
    }
    tmp = manifest_path.with_suffix(".tmp")
    tmp.write_text(json.dumps(manifest, indent=1, ensure_ascii=False), encoding="utf-8")
    tmp.replace(manifest_path)
    return manifest_path


def refresh(out_dir: str | Path, progress: bool = False) -> bool:
    """Write a sample again when an older govgap made it (its generator differs), with the
    seed, years, sizes and provinces it was made with. True when it was written again."""
    out_dir = Path(out_dir)
    fp = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8")).get("fingerprint", {})
    try:
        settings = dict(
            seed=fp["seed"],
            survey_years=tuple(fp["survey_years"]),
            dossier_years=tuple(fp["dossier_years"]),
            dossiers_per_file=fp["dossiers_per_file"],
            index_years=tuple(fp.get("index_years", ())),
        )
    except KeyError:
        settings = {}
    if settings and _fingerprint(**settings)["generator"] == fp.get("generator"):
        return False
    subset = fp.get("provinces")
    generate(out_dir, provinces_subset=None if subset in (None, "all") else list(subset), progress=progress, **settings)
    return True


def is_sample(data_dir: str | Path) -> bool:
    """True when ``data_dir`` holds govgap's generated sample data."""
    return (Path(data_dir) / MANIFEST).exists()
