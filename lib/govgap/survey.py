"""Survey microdata: codebook, readers, cleaning with a quarantine table, weights, and
design-based estimates with confidence intervals.

* ``load_codebook(path)``: the questionnaire's columns, codes, labels, missing codes and
  reverse coding (a YAML data file; ``codebook_papi_sample.yaml`` is the sample's).
* ``read_survey(path, codebook)``: CSV, XLSX/XLS/ODS, Stata ``.dta`` and SPSS ``.sav``;
  personal-data columns are never read into the frame.
* ``clean_survey(raw, codebook)``: NFC and trimming, labels to codes, duplicated ids, codes
  outside the codebook, impossible demographics, bad design variables -> quarantine with
  reason, file, row and column. ``read = kept + quarantined`` always.
* ``rake`` / ``poststratify``: weights adjusted to margins the user supplies, with a table
  showing that the weighted margins hit the targets.
* ``estimate``: weighted shares and means with 95% confidence intervals under a stratified
  cluster design (PSUs within strata, Taylor linearisation, with-replacement approximation),
  for provinces and subgroups; fewer than 15 respondents -> suppressed and flagged.
* ``score_estimates``: sub-dimension and dimension scores with their own standard errors.

Methods: docs/methods.md, section "Survey microdata".
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from scipy import stats

from .catalogue import indicators, score_scale, SCORED_SUBDIMENSIONS, children, normalise_bounds
from .quality import Accounting
from .registry import ProvinceNotFoundError, find_province, province
from .text import fold, nfc

MIN_RESPONDENTS = 15
SAMPLE_CODEBOOK = "codebook_papi_sample.yaml"
MEASURES = ("share", "mean")
DEMOGRAPHICS = ("district", "commune", "sex", "age", "ethnicity", "urban")
GROUP_VARS = ("district", "sex", "age_group", "ethnic_group", "urban")
MINORITIES = "Dân tộc thiểu số"
# Column names that hold personal data whatever the codebook says (compared after folding).
_PII_PATTERN = re.compile(
    r"(^|[ _.])(ho ?ten|ho va ten|ten nguoi|nguoi tra loi ten|full ?name|respondent ?name|"
    r"dien ?thoai|so ?dt|sdt|phone|mobile|cccd|cmnd|can ?cuoc|chung ?minh|id ?card|passport|"
    r"dia ?chi|address|email|e-mail)($|[ _.0-9])")


class CodebookError(ValueError):
    """A codebook that cannot be used; the message names the file and the key."""


class SurveyFormatError(ValueError):
    """A survey file that cannot be read as the codebook describes; names file, sheet, column."""


# --------------------------------------------------------------------------- codebook


def _label_key(text) -> str:
    """Labels are compared after NFC, trimming, case folding and inner white space collapsed."""
    return re.sub(r"\s+", " ", nfc(text)).casefold()


def _code_labels(spec, where: str) -> dict[int, list[str]]:
    if not isinstance(spec, dict) or not spec:
        raise CodebookError(f"{where}: expected a mapping code -> label, got {spec!r}")
    out = {}
    for code, labels in spec.items():
        try:
            code = int(code)
        except (TypeError, ValueError):
            raise CodebookError(f"{where}: code {code!r} is not a whole number") from None
        labels = labels if isinstance(labels, list) else [labels]
        out[code] = [nfc(str(lbl)) for lbl in labels]
    return out


@dataclass
class Item:
    """One questionnaire item mapped to a catalogue indicator."""

    indicator_id: str
    column: str
    question: str
    codes: dict[int, list[str]]
    measure: str
    positive: tuple[int, ...] = ()
    reverse: bool = False
    ask_if: dict[str, list[int]] = field(default_factory=dict)

    @property
    def lo(self) -> int:
        return min(self.codes)

    @property
    def hi(self) -> int:
        return max(self.codes)


@dataclass
class Codebook:
    """A questionnaire's codebook (see ``codebook_papi_sample.yaml`` for every key)."""

    name: str
    path: str
    design: dict[str, list[str] | str]
    demographics: dict[str, dict]
    personal_data: list[str]
    missing: dict[int, str]
    missing_labels: dict[int, list[str]]
    items: list[Item]
    filters: list[Item]

    def item(self, indicator_id: str) -> Item:
        for it in self.items:
            if it.indicator_id == indicator_id:
                return it
        raise KeyError(f"{indicator_id} is not in codebook {self.path}")

    @property
    def item_ids(self) -> list[str]:
        return [it.indicator_id for it in self.items]

    def table(self) -> pd.DataFrame:
        """One row per item: indicator, column, measure, valid codes, positive codes, ask_if."""
        return pd.DataFrame([{
            "indicator_id": it.indicator_id, "column": it.column, "measure": it.measure,
            "codes": ", ".join(f"{c}={lbls[0]}" for c, lbls in it.codes.items()),
            "positive": ", ".join(map(str, it.positive)), "reverse": it.reverse,
            "ask_if": "; ".join(f"{k} in {v}" for k, v in it.ask_if.items()),
            "question": it.question} for it in self.items])

    def label_codes(self, item: Item) -> dict[str, int]:
        """Folded label -> code for an item's answers and the missing codes."""
        out = {}
        for code, labels in {**self.missing_labels, **item.codes}.items():
            for lbl in labels:
                out[_label_key(lbl)] = code
        return out


def sample_codebook_path() -> Path:
    return Path(str(resources.files("govgap.data").joinpath(SAMPLE_CODEBOOK)))


def _parse_item(spec: dict, sets: dict, where: str, needs_indicator: bool) -> Item:
    if not isinstance(spec, dict):
        raise CodebookError(f"{where}: expected a mapping, got {spec!r}")
    ind = spec.get("indicator")
    if needs_indicator:
        if not ind:
            raise CodebookError(f"{where}: 'indicator' is missing")
        if ind not in indicators().index:
            raise CodebookError(f"{where}: indicator {ind!r} is not in the catalogue "
                                "(lib/govgap/data/indicators.csv)")
    column = spec.get("column")
    if not column:
        raise CodebookError(f"{where}: 'column' is missing")
    answers = spec.get("answers")
    if isinstance(answers, str):
        if answers not in sets:
            raise CodebookError(f"{where}: answer set {answers!r} is not defined under answer_sets")
        codes = sets[answers]
    else:
        codes = _code_labels(answers, f"{where}.answers")
    measure = spec.get("measure", "share" if needs_indicator else "none")
    if needs_indicator and measure not in MEASURES:
        raise CodebookError(f"{where}: measure must be one of {MEASURES}, got {measure!r}")
    positive = tuple(int(c) for c in spec.get("positive", []) or [])
    if measure == "share" and not positive:
        raise CodebookError(f"{where}: a 'share' item needs 'positive' (the codes it counts)")
    if set(positive) - set(codes):
        raise CodebookError(f"{where}: positive codes {sorted(set(positive) - set(codes))} are not answers")
    ask_if = {str(k): [int(c) for c in (v if isinstance(v, list) else [v])]
              for k, v in (spec.get("ask_if") or {}).items()}
    return Item(indicator_id=ind or column, column=str(column), question=nfc(spec.get("question", "")),
                codes=codes, measure=measure, positive=positive, reverse=bool(spec.get("reverse", False)),
                ask_if=ask_if)


@lru_cache(maxsize=16)
def _load_codebook(path: str, mtime: float) -> Codebook:
    try:
        spec = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise CodebookError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(spec, dict):
        raise CodebookError(f"{path}: expected a mapping at the top level")
    for key in ("design", "items"):
        if key not in spec:
            raise CodebookError(f"{path}: key '{key}' is missing")
    design = dict(spec["design"])
    for key in ("id", "province", "strata", "psu", "weight"):
        if not design.get(key):
            raise CodebookError(f"{path}: design.{key} is missing (the column holding it)")
    design["province"] = design["province"] if isinstance(design["province"], list) else [design["province"]]
    demographics = {}
    for name, dspec in (spec.get("demographics") or {}).items():
        if name not in DEMOGRAPHICS:
            raise CodebookError(f"{path}: demographics.{name}: unknown (use {', '.join(DEMOGRAPHICS)})")
        if not isinstance(dspec, dict) or "column" not in dspec:
            raise CodebookError(f"{path}: demographics.{name}.column is missing")
        dspec = dict(dspec)
        if "codes" in dspec:
            dspec["codes"] = _code_labels(dspec["codes"], f"{path}: demographics.{name}.codes")
        demographics[name] = dspec
    missing_spec = spec.get("missing_codes") or {}
    missing = {int(c): str(v.get("meaning", "missing")) for c, v in missing_spec.items()}
    missing_labels = {int(c): [nfc(str(x)) for x in (v.get("labels") or [])] for c, v in missing_spec.items()}
    sets = {name: _code_labels(s, f"{path}: answer_sets.{name}") for name, s in (spec.get("answer_sets") or {}).items()}
    items = [_parse_item(s, sets, f"{path}: items[{i}]", True) for i, s in enumerate(spec["items"])]
    filters = [_parse_item(s, sets, f"{path}: filters[{i}]", False) for i, s in enumerate(spec.get("filters") or [])]
    seen = {}
    for it in items:
        if it.indicator_id in seen:
            raise CodebookError(f"{path}: indicator {it.indicator_id} is mapped twice "
                                f"(columns {seen[it.indicator_id]} and {it.column})")
        seen[it.indicator_id] = it.column
        if set(it.codes) & set(missing):
            raise CodebookError(f"{path}: item {it.indicator_id}: codes {sorted(set(it.codes) & set(missing))} "
                                "are also missing codes")
    known = {it.column for it in items + filters}
    for it in items:
        for col in it.ask_if:
            if col not in known:
                raise CodebookError(f"{path}: item {it.indicator_id}: ask_if column {col!r} is not an item or filter")
    return Codebook(name=str(spec.get("name", Path(path).stem)), path=str(path), design=design,
                    demographics=demographics, personal_data=[str(c) for c in spec.get("personal_data") or []],
                    missing=missing, missing_labels=missing_labels, items=items, filters=filters)


def load_codebook(path: str | Path | Codebook | None = None) -> Codebook:
    """Read and check a codebook (YAML). ``None``: the sample questionnaire's codebook."""
    if isinstance(path, Codebook):
        return path
    path = Path(path) if path else sample_codebook_path()
    if not path.exists():
        raise CodebookError(f"Codebook {path} does not exist")
    return _load_codebook(str(path), path.stat().st_mtime)


def codebook_for(folder: str | Path, year: int | None = None) -> Codebook:
    """The codebook of a survey folder: ``codebook_<year>.yaml``, else ``codebook.yaml``, else
    the sample questionnaire's."""
    folder = Path(folder)
    for name in ([f"codebook_{year}.yaml"] if year else []) + ["codebook.yaml"]:
        if (folder / name).exists():
            return load_codebook(folder / name)
    return load_codebook(None)


# --------------------------------------------------------------------------- readers


@dataclass
class SurveyFile:
    """Raw respondent rows as read (text or numbers), without personal-data columns."""

    frame: pd.DataFrame
    file: str
    sheet: str | None
    header_row: int            # 1-based row of the header in the file
    personal_dropped: list[str]
    notes: list[str] = field(default_factory=list)

    def describe(self) -> str:
        where = f"{self.file}" + (f", sheet {self.sheet!r}" if self.sheet else "")
        text = f"{where}: {len(self.frame):,} respondent rows, {self.frame.shape[1]} columns"
        if self.personal_dropped:
            text += f"; personal-data columns not read: {', '.join(self.personal_dropped)}"
        return text


def is_personal(column: str, codebook: Codebook) -> bool:
    name = nfc(column)
    if name in codebook.personal_data or fold(name) in {fold(c) for c in codebook.personal_data}:
        return True
    return bool(_PII_PATTERN.search(fold(name).replace("_", " ")))


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if np.isnan(value):
            return ""
        return str(int(value)) if value.is_integer() else repr(value)
    if hasattr(value, "strftime"):
        return value.strftime("%d/%m/%Y")
    return str(value)


def _read_grid(path: Path, sheet: str | None, codebook: Codebook):
    """Excel-like files through calamine: the header is the first row (of 30) naming the id column."""
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(path))
    names = [sheet] if sheet else wb.sheet_names
    id_key = fold(codebook.design["id"])
    for name in names:
        if name not in wb.sheet_names:
            raise SurveyFormatError(f"{path.name}: no sheet {name!r} (sheets: {', '.join(wb.sheet_names)})")
        rows = wb.get_sheet_by_name(name).to_python()
        for r, row in enumerate(rows[:30]):
            cells = [fold(nfc(_cell(c))) for c in row]
            if id_key in cells:
                header = [nfc(_cell(c)) for c in row]
                return name, r + 1, header, rows[r + 1:]
    raise SurveyFormatError(
        f"{path.name}: no header row naming the respondent id column {codebook.design['id']!r} in the "
        f"first 30 rows of sheet(s) {', '.join(names)}; set design.id in the codebook to the file's column name")


def read_survey(path: str | Path, codebook: str | Path | Codebook | None = None,
                sheet: str | None = None) -> SurveyFile:
    """Read respondent microdata: ``.csv`` (UTF-8, UTF-16 or Windows-1258; delimiter sniffed),
    ``.xlsx/.xls/.xlsm/.ods`` (header found under any title rows), Stata ``.dta`` and SPSS
    ``.sav`` (codes, not value labels). Personal-data columns are left out at read."""
    codebook = load_codebook(codebook)
    path = Path(path)
    suffix = path.suffix.lower()
    if not path.exists():
        raise FileNotFoundError(f"Survey file {path} does not exist")
    notes: list[str] = []
    header_row, sheet_name = 1, None
    if suffix == ".csv":
        from .sheets import csv_codec, sniff_delimiter, utf8_error

        codec, head = csv_codec(path)
        delimiter = sniff_delimiter(head)
        columns = next(csv.reader(io.StringIO(head), delimiter=delimiter))
        columns = [nfc(c.lstrip("\ufeff")) for c in columns]
        dropped = [c for c in columns if is_personal(c, codebook)]
        keep = [i for i, c in enumerate(columns) if c not in dropped]
        try:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig" if codec == "utf-8" else codec,
                                sep=delimiter, usecols=keep)
        except UnicodeDecodeError:
            raw = path.read_bytes()
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise SurveyFormatError(utf8_error(path.name, raw, exc.start, delimiter)) from None
            raise
        frame.columns = [columns[i] for i in keep]
        if codec != "utf-8":
            notes.append(f"decoded as {codec}")
    elif suffix in (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"):
        sheet_name, header_row, header, rows = _read_grid(path, sheet, codebook)
        dropped = [c for c in header if c and is_personal(c, codebook)]
        keep = [i for i, c in enumerate(header) if c and c not in dropped]
        frame = pd.DataFrame({header[i]: [_cell(row[i]) if i < len(row) else "" for row in rows] for i in keep})
        blank = (frame == "").all(axis=1).to_numpy()
        if blank.any():  # trailing blank rows of a formatted sheet are not respondents
            last = len(blank) - np.argmax(~blank[::-1]) if (~blank).any() else 0
            if blank[last:].all() and last < len(frame):
                notes.append(f"{len(frame) - last} blank row(s) after the data ignored")
                frame = frame.iloc[:last]
    elif suffix in (".dta", ".sav", ".zsav"):
        import pyreadstat

        reader = pyreadstat.read_dta if suffix == ".dta" else pyreadstat.read_sav
        _, meta = reader(str(path), metadataonly=True)
        columns = list(meta.column_names)
        dropped = [c for c in columns if is_personal(c, codebook)]
        frame, _ = reader(str(path), usecols=[c for c in columns if c not in dropped],
                          apply_value_formats=False, user_missing=True)
        frame.columns = [nfc(c) for c in frame.columns]
        for col in frame.columns:
            if frame[col].dtype == object or pd.api.types.is_string_dtype(frame[col]):
                frame[col] = frame[col].fillna("").astype(str)
    else:
        raise SurveyFormatError(f"{path.name}: unsupported survey file type {path.suffix!r} "
                                "(use .csv, .xlsx, .xls, .ods, .dta or .sav)")
    return SurveyFile(frame=frame.reset_index(drop=True), file=path.name, sheet=sheet_name,
                      header_row=header_row, personal_dropped=dropped, notes=notes)


# --------------------------------------------------------------------------- cleaning


@dataclass
class CleanSurvey:
    """Cleaned respondents (``table``), rejected rows (``quarantine``) and the row accounting."""

    table: pd.DataFrame
    quarantine: pd.DataFrame
    accounting: Accounting
    codebook: Codebook
    notes: list[str] = field(default_factory=list)

    def __iter__(self):  # clean, quarantine, accounting = clean_survey(...)
        return iter((self.table, self.quarantine, self.accounting))

    def reasons(self) -> pd.DataFrame:
        """Quarantined rows by reason, most frequent first."""
        if self.quarantine.empty:
            return pd.DataFrame({"reason": [], "rows": []})
        return (self.quarantine.groupby("reason").size().rename("rows").reset_index()
                .sort_values(["rows", "reason"], ascending=[False, True], ignore_index=True))


QUARANTINE_COLUMNS = ["source", "sheet", "row", "respondent_id", "column", "value", "reason"]


def _codes(values: pd.Series, labels: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
    """(codes as float, NaN where blank; unreadable mask) from numbers, '1', '1.0', labels or '1. Có'."""
    if pd.api.types.is_numeric_dtype(values):
        num = values.to_numpy(dtype=float)
        return num, np.zeros(len(num), dtype=bool)
    uniques, inverse = np.unique(values.astype(str).to_numpy(), return_inverse=True)
    out = np.full(len(uniques), np.nan)
    bad = np.zeros(len(uniques), dtype=bool)
    for k, raw in enumerate(uniques):
        text = nfc(raw)
        if text == "" or text.casefold() in ("nan", "na", "."):
            continue
        key = _label_key(text)
        if key in labels:
            out[k] = labels[key]
            continue
        m = re.fullmatch(r"(-?\d+)(?:[.,]0+)?(?:\s*[.:)\-–]\s*(.*))?", text)
        if m and (m.group(2) is None or _label_key(m.group(2)) in labels or m.group(2) == ""):
            out[k] = float(m.group(1))
            continue
        bad[k] = True
    return out[inverse], bad[inverse]


def _province_codes(values: pd.Series) -> pd.Series:
    resolved = {}
    for value in pd.unique(values):
        text = nfc(_cell(value))
        try:
            resolved[value] = (province(int(float(text))).code if re.fullmatch(r"\d+(\.0+)?", text)
                               else find_province(text).code)
        except (ProvinceNotFoundError, ValueError, KeyError):
            resolved[value] = None
    return values.map(resolved)


def _age_groups(age: np.ndarray, groups: dict) -> pd.Categorical:
    labels = list(groups)
    out = np.full(len(age), -1)
    for k, (lo, hi) in enumerate(groups.values()):
        out[(age >= lo) & (age <= hi)] = k
    return pd.Categorical.from_codes(out, categories=labels)


def clean_survey(raw: SurveyFile | pd.DataFrame, codebook: str | Path | Codebook | None = None,
                 source: str | None = None) -> CleanSurvey:
    """Clean respondent microdata with a codebook.

    Quarantined (one reason per row, the first that applies, with the column and value):
    missing respondent id; the later copies of a row repeated exactly; every row of an id
    that appears with different answers; unknown province; missing stratum or PSU; missing,
    non-numeric or non-positive weight; age not a number or outside the codebook's range;
    sex, ethnicity or urban/rural code outside the codebook; an answer that is not a valid
    code, a missing code or a label of the codebook. ``read = kept + quarantined``.
    """
    codebook = load_codebook(codebook)
    if isinstance(raw, SurveyFile):
        frame, file, sheet, first = raw.frame, raw.file, raw.sheet, raw.header_row + 1
        notes = list(raw.notes) + ([f"personal-data columns not read: {', '.join(raw.personal_dropped)}"]
                                   if raw.personal_dropped else [])
    else:
        pii = [c for c in raw.columns if is_personal(str(c), codebook)]
        frame, file, sheet, first = raw.drop(columns=pii), "table", None, 2
        notes = [f"personal-data columns dropped: {', '.join(pii)}"] if pii else []
    source = source or file
    n = len(frame)
    columns = {nfc(str(c)): c for c in frame.columns}
    design = codebook.design

    def column(name: str, what: str):
        if name not in columns:
            raise SurveyFormatError(
                f"{file}{f', sheet {sheet!r}' if sheet else ''}: column {name!r} ({what}) is missing; "
                f"columns are: {', '.join(list(columns)[:40])}. Fix the file or the codebook {codebook.path}.")
        values = frame[columns[name]]
        if not pd.api.types.is_numeric_dtype(values):
            values = values.astype(str).map(nfc)
        return values

    reason = np.full(n, "", dtype=object)
    bad_col = np.full(n, "", dtype=object)
    bad_val = np.full(n, "", dtype=object)

    def flag(mask, why, col="", values=None):
        mask = np.asarray(mask, dtype=bool) & (reason == "")
        reason[mask] = why
        bad_col[mask] = col
        if values is not None:
            bad_val[mask] = np.asarray(values, dtype=object)[mask]

    ids = column(design["id"], "design.id").astype(str)
    flag(ids.eq("").to_numpy(), "missing respondent id", design["id"])
    # duplicated ids: exact copies keep the first; conflicting records are all quarantined
    dup = ids.duplicated(keep=False).to_numpy() & (ids != "").to_numpy()
    if dup.any():
        sub = frame.loc[dup].astype(str)
        exact = sub.duplicated(keep="first").to_numpy()
        conflict_ids = set(ids[dup][~sub.duplicated(keep=False).to_numpy()])
        first_row = {i: r for r, i in zip(np.flatnonzero(dup)[::-1], ids[dup][::-1])}
        rows = np.flatnonzero(dup)
        conflict = ids.iloc[rows].isin(conflict_ids).to_numpy()
        m = np.zeros(n, dtype=bool)
        m[rows[conflict]] = True
        flag(m, "respondent id appears with different answers (all copies quarantined)", design["id"], ids)
        m = np.zeros(n, dtype=bool)
        m[rows[exact & ~conflict]] = True
        vals = np.array([f"copy of row {first_row[i] + first}" if i in first_row else "" for i in ids], dtype=object)
        flag(m, "exact copy of an earlier row", design["id"], vals)
    prov_name = next((c for c in design["province"] if c in columns), None)
    if prov_name is None:
        column(design["province"][0], "design.province")
    prov_raw = frame[columns[prov_name]]
    codes = _province_codes(prov_raw)
    flag(codes.isna().to_numpy(), "unknown province", prov_name, prov_raw.astype(str))
    strata = column(design["strata"], "design.strata").astype(str)
    psu = column(design["psu"], "design.psu").astype(str)
    flag(strata.isin(["", "nan"]).to_numpy(), "missing stratum", design["strata"])
    flag(psu.isin(["", "nan"]).to_numpy(), "missing PSU", design["psu"])
    w_raw = column(design["weight"], "design.weight")
    weight = pd.to_numeric(w_raw.astype(str).str.replace(",", ".", regex=False) if not
                           pd.api.types.is_numeric_dtype(w_raw) else w_raw, errors="coerce").to_numpy(dtype=float)
    flag(~(weight > 0), "missing, non-numeric or non-positive weight", design["weight"], w_raw.astype(str))
    out = {"respondent_id": ids.to_numpy(), "province_code": codes.to_numpy(),
           "strata": strata.to_numpy(), "psu": psu.to_numpy(), "weight": weight}
    demo = codebook.demographics
    for name, spec in demo.items():
        if spec["column"] not in columns:
            notes.append(f"demographics.{name}: column {spec['column']!r} is not in the file (no {name} subgroups)")
    demo = {k: v for k, v in demo.items() if v["column"] in columns}
    for name in ("district", "commune"):
        if name in demo:
            out[name] = column(demo[name]["column"], f"demographics.{name}").astype(str).to_numpy()
    if "age" in demo:
        spec = demo["age"]
        a_raw = column(spec["column"], "demographics.age")
        age = pd.to_numeric(a_raw, errors="coerce").to_numpy(dtype=float)
        lo, hi = spec.get("min", 18), spec.get("max", 110)
        flag(~((age >= lo) & (age <= hi)), f"impossible age (not a number or outside {lo}-{hi})",
             spec["column"], a_raw.astype(str))
        out["age"] = age
        if spec.get("groups"):
            out["age_group"] = _age_groups(age, spec["groups"])
    for name in ("sex", "ethnicity", "urban"):
        if name not in demo:
            continue
        spec = demo[name]
        d_raw = column(spec["column"], f"demographics.{name}")
        if "codes" in spec:
            labels = {_label_key(lbl): c for c, lbls in spec["codes"].items() for lbl in lbls}
            code, unreadable = _codes(d_raw, labels)
            flag(unreadable | ~np.isin(code, list(spec["codes"])),
                 f"{name} code outside the codebook", spec["column"], d_raw.astype(str))
            order = sorted(spec["codes"])
            position = np.searchsorted(order, np.nan_to_num(code, nan=-1))
            known = np.isin(code, order)
            out[name] = pd.Categorical.from_codes(np.where(known, position, -1),
                                                  categories=[spec["codes"][c][0] for c in order])
            if name == "ethnicity" and spec.get("majority") is not None:
                major = spec["codes"][int(spec["majority"])][0]
                out["ethnic_group"] = pd.Categorical(
                    np.where(known, np.where(code == int(spec["majority"]), major, MINORITIES), None),
                    categories=[major, MINORITIES])
        else:
            out[name] = d_raw.astype(str).to_numpy()
    absent = [it.column for it in codebook.filters + codebook.items if it.column not in columns]
    if absent:
        notes.append(f"codebook items not in the file (no estimates for them): {', '.join(absent)}")
    for it in codebook.filters + codebook.items:
        if it.column in absent:
            continue
        a_raw = column(it.column, f"item {it.indicator_id}")
        code, unreadable = _codes(a_raw, codebook.label_codes(it))
        valid = np.isin(code, list(it.codes) + list(codebook.missing))
        blank = np.isnan(code) & ~unreadable
        flag(unreadable | (~valid & ~blank), "answer code outside the codebook", it.column, a_raw.astype(str))
        out[it.indicator_id] = pd.array(np.where(np.isnan(code), np.nan, code), dtype="Int16")
    table = pd.DataFrame(out)
    for name in ("district", "commune"):
        if name in table:
            table[name] = table[name].astype("category")
    table.insert(0, "source_row", np.arange(n) + first)
    bad = reason != ""
    quarantine = pd.DataFrame({
        "source": source, "sheet": sheet or "", "row": (np.arange(n) + first)[bad],
        "respondent_id": ids.to_numpy()[bad], "column": bad_col[bad],
        "value": [str(v)[:60] for v in bad_val[bad]], "reason": reason[bad]}, columns=QUARANTINE_COLUMNS)
    kept = table.loc[~bad].reset_index(drop=True)
    kept["province_code"] = kept["province_code"].astype(str)
    accounting = Accounting(source=source, read=n, kept=len(kept), quarantined=int(bad.sum()))
    return CleanSurvey(table=kept, quarantine=quarantine.reset_index(drop=True), accounting=accounting,
                       codebook=codebook, notes=notes)


def load(path: str | Path, codebook=None, sheet: str | None = None, source: str | None = None) -> CleanSurvey:
    """``read_survey`` then ``clean_survey`` with the same codebook."""
    codebook = load_codebook(codebook)
    raw = read_survey(path, codebook, sheet=sheet)
    return clean_survey(raw, codebook, source=source or Path(path).name)


# --------------------------------------------------------------------------- values


def item_values(table: pd.DataFrame, codebook=None, items: list[str] | None = None) -> pd.DataFrame:
    """Respondent x indicator values: 1/0 for shares (answer in ``positive``), the code (or
    ``min + max - code`` when reversed) for means; NaN for missing codes and blanks."""
    codebook = load_codebook(codebook)
    out = {}
    for it in codebook.items:
        if items is not None and it.indicator_id not in items:
            continue
        if it.indicator_id not in table.columns:
            continue
        code = table[it.indicator_id].to_numpy(dtype=float, na_value=np.nan)
        valid = np.isin(code, list(it.codes))
        if it.measure == "share":
            value = np.isin(code, it.positive).astype(float)
        else:
            value = (it.lo + it.hi - code) if it.reverse else code
        out[it.indicator_id] = np.where(valid, value, np.nan)
    return pd.DataFrame(out, index=table.index)


# --------------------------------------------------------------------------- weights


@dataclass
class Weighting:
    """Adjusted weights and the check that the weighted margins hit the targets."""

    weights: pd.Series
    check: pd.DataFrame
    method: str
    iterations: int
    converged: bool

    @property
    def max_difference(self) -> float:
        return float(self.check["difference"].abs().max()) if len(self.check) else 0.0


def _targets(margins: pd.DataFrame | str | Path) -> pd.DataFrame:
    t = pd.read_csv(margins, dtype={"province_code": str}) if isinstance(margins, (str, Path)) else margins.copy()
    need = {"variable", "category", "target"}
    if need - set(t.columns):
        raise ValueError(f"margins need columns {sorted(need)} (and optionally province_code); "
                         f"got {list(t.columns)}")
    t["category"] = t["category"].astype(str).map(nfc)
    if "province_code" in t.columns:
        t["province_code"] = t["province_code"].map(lambda v: f"{int(v):02d}" if str(v).isdigit() else v)
    return t


def rake(table: pd.DataFrame, margins: pd.DataFrame | str | Path, weight: str = "weight",
         by: str | None = "province_code", max_iter: int = 500, tol: float = 1e-11) -> Weighting:
    """Rake (iterative proportional fitting) ``weight`` to marginal targets, within each
    ``by`` group. ``margins`` has columns variable, category, target and optionally
    province_code; targets are shares (summing to 1 per variable: the group's weight total
    is kept) or counts. Variables are table columns such as ``sex`` and ``age_group``."""
    t = _targets(margins)
    w = table[weight].to_numpy(dtype=float).copy()
    groups = table[by].astype(str).to_numpy() if by else np.zeros(len(table), dtype=object)
    variables = list(dict.fromkeys(t["variable"]))
    for v in variables:
        if v not in table.columns:
            raise ValueError(f"margins name variable {v!r}, which is not a column of the table "
                             f"(columns: {', '.join(map(str, table.columns))})")
    cats = {v: table[v].astype(str).to_numpy() for v in variables}
    initial = table[weight].to_numpy(dtype=float)
    checks, total_iter, converged = [], 0, True
    for g in pd.unique(groups):
        rows = groups == g
        tg = t[t["province_code"] == g] if "province_code" in t.columns and by else t
        if tg.empty:
            raise ValueError(f"margins have no targets for {by} {g}")
        total = w[rows].sum()
        goal = {}
        for v in variables:
            tv = tg[tg["variable"] == v]
            share = tv["target"].to_numpy(float)
            is_share = abs(share.sum() - 1) < 1e-6
            goal[v] = dict(zip(tv["category"], share * total if is_share else share))
            missing = set(cats[v][rows]) - set(goal[v])
            if missing:
                raise ValueError(f"{by} {g}: respondents with {v} = {sorted(missing)} have no target in the margins")
        for it in range(1, max_iter + 1):
            worst = 0.0
            for v in variables:
                for cat, target in goal[v].items():
                    m = rows & (cats[v] == cat)
                    current = w[m].sum()
                    if current <= 0:
                        if target > 0:
                            raise ValueError(f"{by} {g}: no respondents in {v} = {cat} to carry target {target}")
                        continue
                    w[m] *= target / current
            for v in variables:
                for cat, target in goal[v].items():
                    m = rows & (cats[v] == cat)
                    worst = max(worst, abs(w[m].sum() - target) / max(target, 1e-12))
            if worst < tol:
                break
        total_iter = max(total_iter, it)
        converged &= worst < tol
        for v in variables:
            for cat, target in goal[v].items():
                m = rows & (cats[v] == cat)
                before = initial[m].sum()
                checks.append({"group": g, "variable": v, "category": cat, "target": target,
                               "weighted_before": before, "weighted_after": w[m].sum(),
                               "difference": w[m].sum() - target})
    return Weighting(weights=pd.Series(w, index=table.index, name="weight"), check=pd.DataFrame(checks),
                     method="raking", iterations=total_iter, converged=bool(converged))


def poststratify(table: pd.DataFrame, targets: pd.DataFrame | str | Path, cells: list[str],
                 weight: str = "weight", by: str | None = "province_code") -> Weighting:
    """Post-stratify to joint cell targets (for example sex x age group): ``targets`` has one
    column per cell variable, ``target`` (share or count) and optionally province_code. This is
    raking to the single variable "sex×age_group", which is exact after one pass."""
    t = pd.read_csv(targets, dtype=str) if isinstance(targets, (str, Path)) else targets.copy()
    name = "×".join(cells)

    def cell(frame):
        return frame[cells].astype(str).apply(lambda col: col.map(nfc)).agg("|".join, axis=1)

    margins = t.drop(columns=cells).assign(variable=name, category=cell(t), target=t["target"].astype(float))
    result = rake(table.assign(**{name: cell(table)}), margins, weight=weight, by=by)
    result.method = "post-stratification"
    return result


def reweight(table: pd.DataFrame, margins: str | Path | pd.DataFrame | None) -> tuple[pd.DataFrame, Weighting | None]:
    """The table with its weights raked to ``margins`` within each province (the design weight
    kept as ``design_weight``) and the weighting check; unchanged, with None, when there are no
    margins (None, or a path that does not exist)."""
    if margins is None or (isinstance(margins, (str, Path)) and not Path(margins).exists()):
        return table, None
    weighting = rake(table, margins)
    return table.assign(design_weight=table["weight"], weight=weighting.weights), weighting


# --------------------------------------------------------------------------- estimation


@dataclass
class _Design:
    """Integer codes of the design: PSUs nested in strata nested in provinces."""

    stratum: np.ndarray
    psu: np.ndarray
    psu_stratum: np.ndarray     # stratum of each PSU
    n_psu_in_stratum: np.ndarray

    @classmethod
    def of(cls, table: pd.DataFrame) -> "_Design":
        prov = table["province_code"].astype(str).to_numpy()
        st_key = pd.Series(prov) + "|" + table["strata"].astype(str).to_numpy()
        stratum = pd.factorize(st_key)[0]
        psu = pd.factorize(st_key + "|" + table["psu"].astype(str).to_numpy())[0]
        psu_stratum = np.zeros(psu.max() + 1 if len(psu) else 0, dtype=np.int64)
        psu_stratum[psu] = stratum
        n_psu = np.bincount(psu_stratum, minlength=stratum.max() + 1 if len(stratum) else 0)
        return cls(stratum, psu, psu_stratum, n_psu)


def _domain_index(table: pd.DataFrame, domains: list[str]) -> tuple[np.ndarray, pd.DataFrame]:
    if not domains:
        return np.zeros(len(table), dtype=np.int64), pd.DataFrame(index=[0])
    keys = table[domains].astype(object)
    missing = keys.isna().any(axis=1).to_numpy()
    codes, uniques = pd.MultiIndex.from_frame(keys.astype(str)).factorize()
    codes = np.where(missing, -1, codes)
    labels = uniques.to_frame(index=False)
    labels.columns = domains
    return codes, labels


def _variance(z: np.ndarray, dom: np.ndarray, design: _Design, n_dom: int, lonely_psu: str) -> np.ndarray:
    """Variance of domain totals of linearised values ``z`` (zero outside the domain), with
    replacement: sum over strata of n_h/(n_h-1) * sum_c (z_hc - mean_h)^2, PSUs with no
    domain member counting as zeros."""
    inside = dom >= 0
    n_psu_total = len(design.psu_stratum)
    pair = dom[inside] * n_psu_total + design.psu[inside]
    keys, inv = np.unique(pair, return_inverse=True)
    zc = np.bincount(inv, weights=z[inside])
    d_of = keys // n_psu_total
    c_of = keys % n_psu_total
    h_of = design.psu_stratum[c_of]
    n_strata = len(design.n_psu_in_stratum)
    dh = d_of * n_strata + h_of
    dh_keys, dh_inv = np.unique(dh, return_inverse=True)
    s1 = np.bincount(dh_inv, weights=zc)
    s2 = np.bincount(dh_inv, weights=zc * zc)
    h = dh_keys % n_strata
    d = dh_keys // n_strata
    nh = design.n_psu_in_stratum[h].astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        contrib = np.where(nh > 1, nh / (nh - 1) * (s2 - s1 * s1 / nh), 0.0)
    lonely = nh == 1
    if lonely.any():
        if lonely_psu == "fail":
            raise ValueError(f"{int(lonely.sum())} stratum/strata with a single PSU; pass lonely_psu='adjust' "
                             "or 'skip', or merge strata in the file")
        if lonely_psu == "adjust":
            # R survey's "adjust": the lone PSU deviates from the grand mean of PSU totals, which
            # is 0 for linearised values (they sum to zero over the sample); conservative
            contrib = np.where(lonely, s2, contrib)
        elif lonely_psu != "skip":  # skip: the stratum adds nothing (samplics "skip", R "certainty")
            raise ValueError(f"lonely_psu must be 'adjust', 'skip' or 'fail', not {lonely_psu!r}")
    return np.bincount(d, weights=contrib, minlength=n_dom)


def _design_df(dom: np.ndarray, design: _Design, n_dom: int) -> np.ndarray:
    """Design degrees of freedom of each domain: PSUs minus strata, over the strata where the
    domain has respondents, with all their PSUs (a province: its own PSUs and strata)."""
    inside = dom >= 0
    size = len(design.n_psu_in_stratum) + 1
    touched = np.unique(dom[inside] * size + design.stratum[inside])
    d, h = touched // size, touched % size
    return np.bincount(d, weights=design.n_psu_in_stratum[h] - 1.0, minlength=n_dom)


@dataclass
class _Linearised:
    """A ratio estimate per domain and its linearised values (zero outside the valid answers)."""

    valid_domain: np.ndarray   # domain of each row with a valid answer, -1 otherwise
    n: np.ndarray
    weight_sum: np.ndarray
    estimate: np.ndarray
    z: np.ndarray


def _linearise(y: np.ndarray, w: np.ndarray, dom: np.ndarray, n_dom: int) -> _Linearised:
    """Weighted mean of ``y`` per domain over valid answers and z_i = w_i (y_i - mean_d) / W_d."""
    ok = ~np.isnan(y) & (dom >= 0)
    d_ok = np.where(ok, dom, -1)
    wsum = np.bincount(d_ok[ok], weights=w[ok], minlength=n_dom)
    n = np.bincount(d_ok[ok], minlength=n_dom)
    at = np.maximum(d_ok, 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        est = np.bincount(d_ok[ok], weights=w[ok] * y[ok], minlength=n_dom) / wsum
        z = np.where(ok, w * (np.nan_to_num(y) - est[at]) / wsum[at], 0.0)
    return _Linearised(d_ok, n, wsum, est, z)


ESTIMATE_COLUMNS = ["indicator_id", "measure", "estimate", "se", "ci_low", "ci_high", "n",
                    "weight_sum", "df", "deff", "suppressed"]


def estimate(table: pd.DataFrame, codebook=None, by: str | list[str] | None = None,
             items: list[str] | None = None, level: float = 0.95, min_n: int = MIN_RESPONDENTS,
             weight: str = "weight", domains: list[str] | None = None, lonely_psu: str = "adjust") -> pd.DataFrame:
    """Weighted shares and means with standard errors and confidence intervals.

    Domains are provinces (and ``by``: ``sex``, ``age_group``, ``district``, ``ethnicity``,
    ``urban``, any column), or ``domains`` given in full (``[]`` for the whole table). The
    variance is Taylor-linearised under a stratified cluster design (PSUs within strata
    within provinces), with replacement; the subgroups and the respondents with a valid
    answer are domains, so every PSU of the design counts. Intervals use Student's t with
    the domain's design degrees of freedom (PSUs - strata); shares get the logit interval.
    Estimates from fewer than ``min_n`` valid answers are suppressed (NaN) and flagged.
    """
    codebook = load_codebook(codebook)
    if domains is None:
        by = [by] if isinstance(by, str) else list(by or [])
        domains = ["province_code", *by]
    values = item_values(table, codebook, items)
    measure = {it.indicator_id: it.measure for it in codebook.items}
    design = _Design.of(table)
    dom, labels = _domain_index(table, domains)
    n_dom = len(labels)
    df = _design_df(dom, design, n_dom).astype(float)
    w = table[weight].to_numpy(dtype=float)
    q = 1 - (1 - level) / 2
    frames = []
    for ind in values.columns:
        y = values[ind].to_numpy()
        lin = _linearise(y, w, dom, n_dom)
        d_ok, n, wsum, est = lin.valid_domain, lin.n, lin.weight_sum, lin.estimate
        ok = d_ok >= 0
        var = _variance(lin.z, d_ok, design, n_dom, lonely_psu)
        se = np.sqrt(var)
        df_safe = np.where(df > 0, df, np.nan)
        t = stats.t.ppf(q, df_safe)
        if measure[ind] == "share":
            with np.errstate(divide="ignore", invalid="ignore"):
                logit = np.log(est / (1 - est))
                half = t * se / (est * (1 - est))
                lo = 1 / (1 + np.exp(-(logit - half)))
                hi = 1 / (1 + np.exp(-(logit + half)))
            edge = (est == 0) | (est == 1)
            lo, hi = np.where(edge, est, lo), np.where(edge, est, hi)
        else:
            lo, hi = est - t * se, est + t * se
        with np.errstate(divide="ignore", invalid="ignore"):
            # design effect: the variance over that of a simple random sample of the same size
            # (weighted element variance with the n/(n-1) correction, divided by n)
            s2 = np.bincount(d_ok[ok], weights=w[ok] * (y[ok] - est[d_ok[ok]]) ** 2, minlength=n_dom) / wsum
            deff = var / (s2 / np.maximum(n - 1, 1))
        suppressed = n < min_n
        part = labels.copy()
        part["indicator_id"] = ind
        part["measure"] = measure[ind]
        part["estimate"] = np.where(suppressed, np.nan, est)
        part["se"] = np.where(suppressed, np.nan, se)
        part["ci_low"] = np.where(suppressed, np.nan, lo)
        part["ci_high"] = np.where(suppressed, np.nan, hi)
        part["n"] = n
        part["weight_sum"] = wsum
        part["df"] = df
        part["deff"] = np.where(suppressed, np.nan, deff)
        part["suppressed"] = suppressed
        frames.append(part[part["n"] > 0] if domains else part)
    out = pd.concat(frames, ignore_index=True)
    return out[[*domains, *ESTIMATE_COLUMNS]]


def estimate_groups(table: pd.DataFrame, codebook=None, groups=GROUP_VARS, **kwargs) -> pd.DataFrame:
    """Province estimates and each subgroup's in one long table with ``group_var`` and
    ``group_value`` (``all`` for the province as a whole)."""
    parts = [estimate(table, codebook, **kwargs).assign(group_var="all", group_value="all")]
    for g in groups:
        if g not in table.columns:
            continue
        part = estimate(table, codebook, by=g, **kwargs)
        parts.append(part.rename(columns={g: "group_value"}).assign(group_var=g))
    out = pd.concat(parts, ignore_index=True)
    out["group_value"] = out["group_value"].astype(str)
    return out


# --------------------------------------------------------------------------- scores


def score_estimates(table: pd.DataFrame, year: int, codebook=None, level: float = 0.95,
                    weight: str = "weight", domains: list[str] | None = None,
                    min_n: int = MIN_RESPONDENTS, lonely_psu: str = "adjust") -> pd.DataFrame:
    """Sub-dimension and Dimension 7 scores per province with standard errors.

    A score is ``lo + (hi - lo) * mean of normalised indicators`` (``catalogue.score``), a
    linear function of the indicator estimates; its linearised value is the same function of
    the indicators' linearised values, so its standard error accounts for the covariance of
    answers given by the same respondents. Suppressed indicators are left out, as in
    ``catalogue.score_subdimensions``. Intervals: Wald with Student's t (design df)."""
    codebook = load_codebook(codebook)
    domains = ["province_code"] if domains is None else domains
    values = item_values(table, codebook)
    design = _Design.of(table)
    dom, labels = _domain_index(table, domains)
    n_dom = len(labels)
    w = table[weight].to_numpy(dtype=float)
    est, zs, ns = {}, {}, {}
    for ind in values.columns:
        lin = _linearise(values[ind].to_numpy(), w, dom, n_dom)
        est[ind], zs[ind], ns[ind] = lin.estimate, lin.z, lin.n
    q = 1 - (1 - level) / 2
    rows = []
    sub_scores, sub_z = {}, {}
    for sub in SCORED_SUBDIMENSIONS:
        members = [c for c in children(sub) if c in est]
        if not members:
            continue
        lo, hi = score_scale(sub, year)
        usable = np.column_stack([ns[c] >= min_n for c in members])   # domain x member
        count = usable.sum(axis=1)
        share = np.where(count > 0, (hi - lo) / np.maximum(count, 1), np.nan)
        score = np.where(count > 0, lo, np.nan)
        z = np.zeros(len(table))
        for j, c in enumerate(members):
            a, b, direction = normalise_bounds(c)
            norm = (est[c] - a) / (b - a)
            norm = norm if direction > 0 else 1 - norm
            score = score + np.where(usable[:, j], share * np.nan_to_num(norm), 0.0)
            coef = np.where(usable[:, j], np.nan_to_num(share) * direction / (b - a), 0.0)
            z += np.where(dom >= 0, coef[np.maximum(dom, 0)], 0.0) * zs[c]
        sub_scores[sub], sub_z[sub] = score, z
        rows.append((sub, score, _variance(z, dom, design, n_dom, lonely_psu), count))
    if all(s in sub_scores for s in ("papi.d7.1", "papi.d7.2", "papi.d7.3")):
        score = sub_scores["papi.d7.1"] + sub_scores["papi.d7.2"] + sub_scores["papi.d7.3"]
        z = sub_z["papi.d7.1"] + sub_z["papi.d7.2"] + sub_z["papi.d7.3"]
        rows.append(("papi.d7", score, _variance(z, dom, design, n_dom, lonely_psu), np.full(n_dom, 3)))
    df = _design_df(dom, design, n_dom).astype(float)
    frames = []
    for ind, score, var, count in rows:
        se = np.sqrt(var)
        t = stats.t.ppf(q, np.where(df > 0, df, np.nan))
        part = labels.copy()
        part["indicator_id"] = ind
        part["score"] = score
        part["se"] = np.where(np.isnan(score), np.nan, se)
        part["ci_low"] = score - t * se
        part["ci_high"] = score + t * se
        part["df"] = df
        part["indicators_used"] = count
        frames.append(part)
    return pd.concat(frames, ignore_index=True)


# --------------------------------------------------------------------------- notebook helpers


def file_for(year: int, input_path: str | Path | None = None,
             data_dir: str | Path = "data/raw/sample") -> tuple[Path, bool]:
    """The survey file to clean and whether it is govgap's sample data. Without ``input_path``,
    ``<data_dir>/survey/papi_survey_<year>.*`` (the sample is generated on first use)."""
    from . import sample
    from .paths import resolve

    if input_path is None:
        from .pipeline import survey_files, survey_year
        from .report import ensure_data

        folder = ensure_data(data_dir)
        found = [p for p in survey_files(folder / "survey") if survey_year(p) == int(year)]
        if not found:
            raise FileNotFoundError(f"No survey file for {year} in {folder / 'survey'} (papi_survey_{year}.csv ...)")
        return found[0], sample.is_sample(folder)
    path = resolve(input_path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: file not found")
    return path, any(sample.is_sample(p) for p in path.parents)


def display_estimates(est: pd.DataFrame, lang: str = "vi", group: bool = False) -> pd.DataFrame:
    """Estimates as a reader sees them: official label, value with its 95% interval in the
    language's number format (shares in %), n and design effect; suppressed cells as "–"."""
    from . import fmt
    from .catalogue import label

    def value(measure, v, decimals=1):
        if pd.isna(v):
            return "–"
        return fmt.percent(v, lang, decimals) if measure == "share" else fmt.number(v, lang, 2)

    vi = lang == "vi"
    out = pd.DataFrame({
        "Chỉ tiêu" if vi else "Indicator": [f"{i.removeprefix('papi.d')} {label(i, lang)}" for i in est["indicator_id"]],
    })
    if group:
        out["Nhóm" if vi else "Group"] = est["group_value"].to_numpy()
    out["Ước tính" if vi else "Estimate"] = [value(m, v) for m, v in zip(est["measure"], est["estimate"])]
    out["KTC 95%" if vi else "95% CI"] = ["–" if s else f"{value(m, lo)} – {value(m, hi)}"
                                          for m, lo, hi, s in zip(est["measure"], est["ci_low"], est["ci_high"], est["suppressed"])]
    out["n"] = [fmt.number(v, lang, 0) for v in est["n"]]
    out["Hiệu ứng thiết kế" if vi else "Design effect"] = [("–" if pd.isna(v) else fmt.number(v, lang, 2)) for v in est["deff"]]
    return out


def group_chart(groups: pd.DataFrame, indicator_id: str, lang: str = "vi"):
    """Dot plot of one indicator's subgroup estimates with 95% intervals; the province value
    as a vertical line. Suppressed groups (n < 15) are left out."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    from .catalogue import label

    part = groups[(groups["indicator_id"] == indicator_id) & ~groups["suppressed"]]
    total = part[part["group_var"] == "all"]["estimate"]
    part = part[part["group_var"] != "all"].sort_values(["group_var", "estimate"])
    share = (part["measure"] == "share").all()
    scale = 100 if share else 1
    sns.set_theme(style="whitegrid")
    fig, ax = plt.subplots(figsize=(7, 0.32 * len(part) + 1.2))
    y = np.arange(len(part))
    ax.errorbar(part["estimate"] * scale, y, xerr=[(part["estimate"] - part["ci_low"]) * scale,
                                                   (part["ci_high"] - part["estimate"]) * scale],
                fmt="o", color="#1f5f8b", ecolor="#9bbbd4", capsize=2)
    if len(total):
        ax.axvline(float(total.iloc[0]) * scale, color="#c0392b", lw=1, ls="--")
    ax.set_yticks(y, [f"{g}: {v}" for g, v in zip(part["group_var"], part["group_value"])], fontsize=8)
    ax.set_title(label(indicator_id, lang), fontsize=9)
    ax.set_xlabel(("%" if share else "") + (" (khoảng tin cậy 95%)" if lang == "vi" else " (95% confidence interval)"))
    fig.tight_layout()
    return fig
