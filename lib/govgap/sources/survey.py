"""Survey microdata: read and clean, with a quarantine table.

* ``read_survey(path, codebook)``: CSV, XLSX/XLS/ODS, Stata ``.dta`` and SPSS ``.sav``;
  personal-data columns are never read into the frame. The codebook (the questionnaire's
  columns, codes, labels, missing codes and reverse coding) is ``govgap.reference.codebook``.
* ``clean_survey(raw, codebook)``: NFC and trimming, labels to codes, duplicated ids, codes
  outside the codebook, impossible demographics, bad design variables -> quarantine with
  reason, file, row and column. ``read = kept + quarantined`` always.

Weights, design-based estimates and scores are ``govgap.estimate.survey_estimates``; the tables a
reader sees are ``govgap.render.survey_tables``. Methods: docs/methods.md, "Survey microdata".
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from govgap.contract import quarantine as quarantine_contract
from govgap.contract.accounting import Accounting
from govgap.errors import SurveyFormatError, reading
from govgap.io.sheets import csv_codec, sniff_delimiter, utf8_error
from govgap.io.workbooks import open_book
from govgap.redact import redact
from govgap.reference.codebook import Codebook, label_key, load_codebook
from govgap.reference.provinces import FIRST_34_EDITION, ProvinceNotFoundError, find_province, province
from govgap.reference.text import fold, is_sample_text, nfc, nfc_column

MIN_RESPONDENTS = 15
GROUP_VARS = ("district", "sex", "age_group", "ethnic_group", "urban")
MINORITIES = "Dân tộc thiểu số"
# Column names that hold personal data whatever the codebook says (compared after folding).
_PII_PATTERN = re.compile(
    r"(^|[ _.])(ho ?ten|ho va ten|ten nguoi|nguoi tra loi ten|full ?name|respondent ?name|"
    r"dien ?thoai|so ?dt|sdt|phone|mobile|cccd|cmnd|can ?cuoc|chung ?minh|id ?card|passport|"
    r"dia ?chi|address|email|e-mail)($|[ _.0-9])"
)


# --------------------------------------------------------------------------- readers


@dataclass
class SurveyFile:
    """Raw respondent rows as read (text or numbers), without personal-data columns."""

    frame: pd.DataFrame
    file: str
    sheet: str | None
    header_row: int  # 1-based row of the header in the file
    personal_dropped: list[str]
    notes: list[str] = field(default_factory=list)
    sample: bool = False  # govgap's sample marker is in the file (a column, or the .dta label)

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
    wb = open_book(path, SurveyFormatError)  # damaged, HTML saved as .xls, a PDF...: said plainly
    names = [sheet] if sheet else wb.sheet_names
    id_key = fold(codebook.design["id"])
    for name in names:
        if name not in wb.sheet_names:
            raise SurveyFormatError(f"{path.name}: no sheet {name!r} (sheets: {', '.join(wb.sheet_names)})", sheet=name)
        rows = wb.get_sheet_by_name(name).to_python()
        for r, row in enumerate(rows[:30]):
            cells = [fold(nfc(_cell(c))) for c in row]
            if id_key in cells:
                header = [nfc(_cell(c)) for c in row]
                return name, r + 1, header, rows[r + 1 :]
    raise SurveyFormatError(
        f"{path.name}: no header row naming the respondent id column {codebook.design['id']!r} in the "
        f"first 30 rows of sheet(s) {', '.join(names)}; set design.id in the codebook to the file's column name"
    )


def read_survey(
    path: str | Path, codebook: str | Path | Codebook | None = None, sheet: str | None = None
) -> SurveyFile:
    """Read respondent microdata: ``.csv`` (UTF-8, UTF-16 or Windows-1258; delimiter sniffed),
    ``.xlsx/.xls/.xlsm/.ods`` (header found under any title rows), Stata ``.dta`` and SPSS
    ``.sav`` (codes, not value labels). Personal-data columns are left out at read."""
    path = Path(path)
    with reading(path.name):  # every fault found below names this file
        return _read_survey(path, load_codebook(codebook), sheet)


def _read_survey(path: Path, codebook: Codebook, sheet: str | None) -> SurveyFile:
    suffix = path.suffix.lower()
    if not path.exists():
        raise FileNotFoundError(f"Survey file {path} does not exist")
    notes: list[str] = []
    header_row, sheet_name = 1, None
    if suffix == ".csv":
        codec, head = csv_codec(path)
        delimiter = sniff_delimiter(head)
        columns = next(csv.reader(io.StringIO(head), delimiter=delimiter))
        columns = [nfc(c.lstrip("\ufeff")) for c in columns]
        dropped = [c for c in columns if is_personal(c, codebook)]
        keep = [i for i, c in enumerate(columns) if c not in dropped]
        try:
            frame = pd.read_csv(
                path,
                dtype=str,
                keep_default_na=False,
                encoding="utf-8-sig" if codec == "utf-8" else codec,
                sep=delimiter,
                usecols=keep,
                skip_blank_lines=False,  # a blank line stays a row: the rows below keep their numbers
            )
        except UnicodeDecodeError:
            raw = path.read_bytes()
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise utf8_error(path.name, raw, exc.start, delimiter, SurveyFormatError) from None
            raise
        frame.columns = [columns[i] for i in keep]
        sample = any(is_sample_text(c) for c in columns)  # the sample's marker column
        if codec != "utf-8":
            notes.append(f"decoded as {codec}")
    elif suffix in (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"):
        sheet_name, header_row, header, rows = _read_grid(path, sheet, codebook)
        sample = any(is_sample_text(c) for c in header)
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
        try:
            _, meta = reader(str(path), metadataonly=True)
        except Exception as exc:  # noqa: BLE001 - pyreadstat raises its own error types for damaged files
            kind = "Stata (.dta)" if suffix == ".dta" else "SPSS (.sav)"
            raise SurveyFormatError(
                f"{path.name}: cannot be read as a {kind} file ({exc}): damaged, cut short, or another kind of "
                "file; export it again",
                file=path.name,
            ) from None
        sample = is_sample_text(meta.file_label) or any(is_sample_text(c) for c in meta.column_names)
        columns = list(meta.column_names)
        dropped = [c for c in columns if is_personal(c, codebook)]
        frame, _ = reader(
            str(path), usecols=[c for c in columns if c not in dropped], apply_value_formats=False, user_missing=True
        )
        frame.columns = [nfc(c) for c in frame.columns]
        for col in frame.columns:
            if frame[col].dtype == object or pd.api.types.is_string_dtype(frame[col]):
                frame[col] = frame[col].fillna("").astype(str)
    else:
        raise SurveyFormatError(
            f"{path.name}: unsupported survey file type {path.suffix!r} (use .csv, .xlsx, .xls, .ods, .dta or .sav)"
        )
    if not len(frame):
        raise SurveyFormatError(
            f"{path.name}{f', sheet {sheet_name!r}' if sheet_name else ''}: the header row (row {header_row}) is "
            "there but no respondent rows below it; export the data again",
            file=path.name,
            sheet=sheet_name,
            row=header_row,
        )
    return SurveyFile(
        frame=frame.reset_index(drop=True),
        file=path.name,
        sheet=sheet_name,
        header_row=header_row,
        personal_dropped=dropped,
        notes=notes,
        sample=sample,
    )


# --------------------------------------------------------------------------- cleaning


@dataclass
class CleanSurvey:
    """Cleaned respondents (``table``), rejected rows (``quarantine``) and the row accounting."""

    table: pd.DataFrame
    quarantine: pd.DataFrame
    accounting: Accounting
    codebook: Codebook
    notes: list[str] = field(default_factory=list)
    sample: bool = False  # the file carries govgap's sample marker

    def __iter__(self):  # clean, quarantine, accounting = clean_survey(...)
        return iter((self.table, self.quarantine, self.accounting))

    def reasons(self) -> pd.DataFrame:
        """Quarantined rows per reason, most frequent first."""
        return quarantine_contract.reasons(self.quarantine)


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
        key = label_key(text)
        if key in labels:
            out[k] = labels[key]
            continue
        m = re.fullmatch(r"(-?\d+)(?:[.,]0+)?(?:\s*[.:)\-–]\s*(.*))?", text)
        if m and (m.group(2) is None or label_key(m.group(2)) in labels or m.group(2) == ""):
            out[k] = float(m.group(1))
            continue
        bad[k] = True
    return out[inverse], bad[inverse]


def _province_codes(values: pd.Series, year: int | None = None) -> pd.Series:
    """GSO codes of the province cells. A survey of 2025 or later sampled the 34 provinces:
    its codes are theirs (every name of the 34 is an old name whose 2025 code is its own, so an
    old province's name or code in it is read as the province it became part of)."""
    of_34 = year is not None and int(year) >= FIRST_34_EDITION
    resolved = {}
    for value in pd.unique(values):
        text = nfc(_cell(value))
        try:
            prov = province(int(float(text))) if re.fullmatch(r"\d+(\.0+)?", text) else find_province(text)
            resolved[value] = prov.new_code if of_34 else prov.code
        except (ProvinceNotFoundError, ValueError, KeyError):
            resolved[value] = None
    return values.map(resolved)


def _age_groups(age: np.ndarray, groups: dict) -> pd.Categorical:
    labels = list(groups)
    out = np.full(len(age), -1)
    for k, (lo, hi) in enumerate(groups.values()):
        out[(age >= lo) & (age <= hi)] = k
    return pd.Categorical.from_codes(out, categories=labels)


def clean_survey(
    raw: SurveyFile | pd.DataFrame,
    codebook: str | Path | Codebook | None = None,
    source: str | None = None,
    year: int | None = None,
) -> CleanSurvey:
    """Clean respondent microdata with a codebook. ``year``: the survey's year; from 2025 the
    provinces are the 34 in force from 1/7/2025, read under their codes.

    Quarantined (one reason per row, the first that applies, with the column and value):
    missing respondent id; the later copies of a row repeated exactly; every row of an id
    that appears with different answers; unknown province; missing stratum or PSU; missing,
    non-numeric, infinite or non-positive weight; a weight more than
    ``design.max_weight_ratio`` (100) times its province's median; age not a number or outside the codebook's range;
    sex, ethnicity or urban/rural code outside the codebook; an answer that is not a valid
    code, a missing code or a label of the codebook. ``read = kept + quarantined``.
    """
    codebook = load_codebook(codebook)
    if isinstance(raw, SurveyFile):
        frame, file, sheet, first = raw.frame, raw.file, raw.sheet, raw.header_row + 1
        notes = list(raw.notes) + (
            [f"personal-data columns not read: {', '.join(raw.personal_dropped)}"] if raw.personal_dropped else []
        )
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
                f"columns are: {', '.join(list(columns)[:40])}. Fix the file or the codebook {codebook.path}.",
                file=file,
                sheet=sheet,
                column=name,
            )
        values = frame[columns[name]]
        if not pd.api.types.is_numeric_dtype(values):
            values = nfc_column(values.astype(str))
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
    if len(frame.columns) > 1:  # a line saved with another delimiter: all its values in the first cell
        lead = frame.iloc[:, 0].astype(str)
        delimiter = lead.str.extract(r"([;,\t|])", expand=False)
        suspect = delimiter.notna().to_numpy()  # only these rows' other cells are looked at
        rest_blank = np.zeros(n, dtype=bool)
        rest = frame.iloc[suspect, 1:].astype(str).apply(lambda c: c.str.strip())
        rest_blank[suspect] = rest.isin(["", "nan"]).all(axis=1).to_numpy()
        for d in delimiter[rest_blank].unique():
            flag(
                rest_blank & delimiter.eq(d).to_numpy(),
                f"the row's values are all in its first cell, separated by {d!r}: a line saved with another delimiter",
                str(frame.columns[0]),
                lead,
            )
    # a blank line of a CSV (or a blank row of a sheet) is kept as a row so that the rows below keep
    # their numbers in the file; it is quarantined as blank, not as a respondent without an id
    no_id = ids.eq("").to_numpy()
    if no_id.any():
        rest = frame[no_id].astype(str).apply(lambda c: c.str.strip())
        blank = np.zeros(n, dtype=bool)
        blank[no_id] = rest.isin(["", "nan", "None", "<NA>"]).all(axis=1).to_numpy()
        flag(blank, "blank row")
    flag(no_id, "missing respondent id", design["id"])
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
    codes = _province_codes(prov_raw, year)
    flag(codes.isna().to_numpy(), "unknown province", prov_name, prov_raw.astype(str))
    strata = column(design["strata"], "design.strata").astype(str)
    psu = column(design["psu"], "design.psu").astype(str)
    flag(strata.isin(["", "nan"]).to_numpy(), "missing stratum", design["strata"])
    flag(psu.isin(["", "nan"]).to_numpy(), "missing PSU", design["psu"])
    w_raw = column(design["weight"], "design.weight")
    weight = pd.to_numeric(
        w_raw.astype(str).str.replace(",", ".", regex=False) if not pd.api.types.is_numeric_dtype(w_raw) else w_raw,
        errors="coerce",
    ).to_numpy(dtype=float)
    # an infinite weight (a division by zero upstream) would turn every estimate of its province to NaN
    flag(
        ~((weight > 0) & np.isfinite(weight)),
        "missing, non-numeric, infinite or non-positive weight",
        design["weight"],
        w_raw.astype(str),
    )
    # a weight many times its province's median is a typing or export fault (1e308, a weight in
    # the wrong unit), not a design: it alone would make the province's estimates
    ratio = float(design.get("max_weight_ratio", 100))
    usable = pd.Series(np.where(reason == "", weight, np.nan))
    median = usable.groupby(codes.to_numpy(), dropna=False).transform("median").to_numpy()
    flag(
        usable.to_numpy() > ratio * median,
        f"weight more than {ratio:g} times its province's median weight (design.max_weight_ratio)",
        design["weight"],
        w_raw.astype(str),
    )
    out = {
        "respondent_id": ids.to_numpy(),
        "province_code": codes.to_numpy(),
        "strata": strata.to_numpy(),
        "psu": psu.to_numpy(),
        "weight": weight,
    }
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
        flag(
            ~((age >= lo) & (age <= hi)),
            f"impossible age (not a number or outside {lo}-{hi})",
            spec["column"],
            a_raw.astype(str),
        )
        out["age"] = age
        if spec.get("groups"):
            out["age_group"] = _age_groups(age, spec["groups"])
    for name in ("sex", "ethnicity", "urban"):
        if name not in demo:
            continue
        spec = demo[name]
        d_raw = column(spec["column"], f"demographics.{name}")
        if "codes" in spec:
            labels = {label_key(lbl): c for c, lbls in spec["codes"].items() for lbl in lbls}
            code, unreadable = _codes(d_raw, labels)
            flag(
                unreadable | ~np.isin(code, list(spec["codes"])),
                f"{name} code outside the codebook",
                spec["column"],
                d_raw.astype(str),
            )
            order = sorted(spec["codes"])
            position = np.searchsorted(order, np.nan_to_num(code, nan=-1))
            known = np.isin(code, order)
            out[name] = pd.Categorical.from_codes(
                np.where(known, position, -1), categories=[spec["codes"][c][0] for c in order]
            )
            if name == "ethnicity" and spec.get("majority") is not None:
                major = spec["codes"][int(spec["majority"])][0]
                out["ethnic_group"] = pd.Categorical(
                    np.where(known, np.where(code == int(spec["majority"]), major, MINORITIES), None),
                    categories=[major, MINORITIES],
                )
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
        # a code outside the codebook (a phone number typed as an answer) is quarantined above
        out[it.indicator_id] = pd.array(np.where(np.isnan(code) | ~valid, np.nan, code), dtype="Int16")
    table = pd.DataFrame(out)
    for name in ("district", "commune"):
        if name in table:
            table[name] = table[name].astype("category")
    table.insert(0, "source_row", np.arange(n) + first)
    bad = reason != ""
    quarantine = pd.DataFrame(
        {
            "source": source,
            "sheet": sheet or "",
            "row": (np.arange(n) + first)[bad],
            "respondent_id": ids.to_numpy()[bad],
            "column": bad_col[bad],
            "value": [redact(str(v))[:60] for v in bad_val[bad]],  # masked, then shortened
            "reason": reason[bad],
        },
        columns=QUARANTINE_COLUMNS,
    )
    kept = table.loc[~bad].reset_index(drop=True)
    kept["province_code"] = kept["province_code"].astype(str)
    accounting = Accounting(source=source, read=n, kept=len(kept), quarantined=int(bad.sum()))
    return CleanSurvey(
        table=kept,
        quarantine=quarantine_contract.redacted(quarantine.reset_index(drop=True)),
        accounting=accounting,
        codebook=codebook,
        notes=notes,
        sample=isinstance(raw, SurveyFile) and raw.sample,
    )


def load(
    path: str | Path, codebook=None, sheet: str | None = None, source: str | None = None, year: int | None = None
) -> CleanSurvey:
    """``read_survey`` then ``clean_survey`` with the same codebook."""
    codebook = load_codebook(codebook)
    raw = read_survey(path, codebook, sheet=sheet)
    return clean_survey(raw, codebook, source=source or Path(path).name, year=year)
