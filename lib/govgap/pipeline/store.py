"""From a raw-data folder to processed tables (parquet), rebuilt only when inputs change.

Raw folder layout (the sample generator writes it; real data goes the same way)::

    <data_dir>/survey/papi_survey_<year>.csv|.dta   respondent microdata
    <data_dir>/dossiers/<year>/<province>.xlsx      one-stop-shop exports
    <data_dir>/indices/PAPI_*.xlsx, PCI_*.xlsx      published tables (optional: govgap ships the
                                                    published figures; these replace an edition)
    <data_dir>/context/*.xlsx|.csv                  SIPAS, PAR INDEX, assigned tasks (optional)

Processed tables go to ``data/processed/<data_dir name>/``: indices, survey estimates and
scores, cleaned dossiers per year, the context yardsticks, the quarantine table and the row
accounting.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from govgap import __version__, processes
from govgap.compare import gaps, standings
from govgap.contract import quarantine as quarantine_contract
from govgap.contract import schemas
from govgap.errors import GovgapError, InputError, is_write_fault, output_error
from govgap.estimate import dossier_metrics, merged_provinces, survey_estimates
from govgap.io import _fast, sheets
from govgap.io.xlsx import Sheet, write_workbook
from govgap.paths import PROCESSED, resolve
from govgap.reference import codebook
from govgap.reference.provinces import FIRST_34_EDITION, find_province, find_province_2025, province
from govgap.reference.report_text import quarantine_reason
from govgap.reference.text import slugify
from govgap.sources import context, dossier_targets, dossiers, indices, published, survey

STAMP = "stamp.json"
BATCH_ENV = "GOVGAP_IN_BATCH"  # set by the batch runner for its notebook kernels
ESTIMATE_COLUMNS = ["province_code", *survey_estimates.ESTIMATE_COLUMNS, "group_var", "group_value", "year"]
SCORE_COLUMNS = ["province_code", "indicator_id", "score", "se", "ci_low", "ci_high", "df", "indicators_used", "year"]
SURVEY_TYPES = (".csv", ".xlsx", ".xls", ".ods", ".dta", ".sav")


def package_fingerprint() -> str:
    """Hash of govgap's own source and data files: processed data and reports depend on them."""
    root = Path(__file__).resolve().parents[1]  # the govgap package
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.suffix in (".py", ".csv", ".yaml", ".j2", ".css", ".json")):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _input_files(data_dir: Path) -> list[Path]:
    pattern = re.compile(r"\.(csv|dta|sav|xlsx|xls|ods|yaml)$", re.I)
    return sorted(
        p
        for sub in ("survey", "dossiers", "indices", "context")
        for p in (data_dir / sub).rglob("*")
        if p.is_file() and pattern.search(p.name)
    )


def _stat_fingerprint(files: list[Path], data_dir: Path) -> str:
    digest = hashlib.sha256(package_fingerprint().encode())
    for p in files:
        st = p.stat()
        digest.update(f"{p.relative_to(data_dir)}|{st.st_size}|{st.st_mtime_ns}".encode())
    return digest.hexdigest()


def processed_dir_for(data_dir: str | Path) -> Path:
    return resolve(PROCESSED) / slugify(Path(data_dir).name or "data")


@dataclass
class Processed:
    """Paths of the processed tables of one raw-data folder."""

    folder: Path

    def path(self, name: str) -> Path:
        return self.folder / name

    @property
    def stamp(self) -> dict:
        return json.loads(self.path(STAMP).read_text(encoding="utf-8"))

    def indices(self) -> pd.DataFrame:
        return self._table("indices.parquet")

    def standings_of(self, view: str) -> pd.DataFrame:
        """``gaps.standings(indices, view)`` as the store computed it once: "63", or "2025" for the
        34 provinces from 1/7/2025 (on editions of the 63, their members' aggregates) ranked among them."""
        return self._table("standings_63.parquet" if view == "63" else "standings_34.parquet")

    def _read(
        self, name: str, columns: list[str], province_code: str | None = None, schema: str | None = None
    ) -> pd.DataFrame:
        """A processed table (one province's rows with ``province_code``; schema-checked with
        ``schema`` when it has rows), or an empty one with the right columns when that input is absent."""
        path = self.path(name)
        if not path.exists():
            return pd.DataFrame(columns=columns)
        if province_code:
            return pd.read_parquet(path, filters=[("province_code", "==", province_code)])
        return self._table(name, schema)

    def _table(self, name: str, schema: str | None = None, check_empty: bool = False) -> pd.DataFrame:
        """A whole processed table, schema-checked against ``schemas.<schema>`` when given (an
        empty one only with ``check_empty``: then its columns are checked). A
        kernel that renders report after report reads (and checks) each one once while the file
        is the same one (its inode, size and time): every report gets a copy of its own."""
        path = self.path(name)
        info = path.stat()
        key = (str(path), info.st_ino, info.st_size, info.st_mtime_ns, schema)
        if key not in _TABLES:
            table = pd.read_parquet(path)
            if schema is not None and (len(table) or check_empty):
                table = schemas.check(table, getattr(schemas, schema), name.removesuffix(".parquet"))
            _fast.remember(_TABLES, key, table, 32)
        return _TABLES[key].copy(deep=False)  # copy-on-write: the caller's changes stay the caller's

    def survey_estimates(self, province_code: str | None = None) -> pd.DataFrame:
        return self._read("survey_estimates.parquet", ESTIMATE_COLUMNS, province_code)

    def survey_scores(self) -> pd.DataFrame:
        """Sub-dimension and dimension scores from the microdata (schema-checked)."""
        return self._read("survey_scores.parquet", SCORE_COLUMNS, schema="SURVEY_SCORES")

    def survey_weighting(self) -> pd.DataFrame:
        """Raking check (target and weighted margins per province), when margins were given."""
        return self._read(
            "survey_weighting.parquet",
            ["group", "variable", "category", "target", "weighted_before", "weighted_after", "difference", "year"],
        )

    def simulated_editions(self) -> frozenset[tuple[str, int]]:
        """(source, year) of the index editions read from govgap's simulated sample tables."""
        path = self.path("index_sheets.parquet")
        if not path.exists():
            return frozenset()
        sheets = self._table(path.name)  # (asked several times a report: read once while the file is the same)
        if "sample" not in sheets.columns:
            return frozenset()
        hit = sheets[(sheets["status"] == "loaded") & sheets["sample"].astype(bool)]
        return frozenset((s, int(y)) for s, y in zip(hit["source"], hit["year"]))

    def latest_edition(self, source: str = "PAPI") -> int:
        """The latest published edition of ``source``: the default report year (PAPI edition N
        is published in spring of N+1, so in late 2026 it is 2025 at best)."""
        table = pd.read_parquet(self.path("indices.parquet"), columns=["source", "year"])
        return int(table.loc[table["source"] == source, "year"].max())

    def dossier_years(self) -> list[int]:
        return sorted(int(p.stem.split("_")[1]) for p in self.folder.glob("dossiers_*.parquet"))

    def dossiers(self, year: int, province_code: str | None = None) -> pd.DataFrame:
        return self._read(f"dossiers_{year}.parquet", [], province_code)

    def unit_dossiers(self, year: int, code_2025: str) -> pd.DataFrame:
        """The cleaned dossiers of a province from 1/7/2025: its members' exports (each row's
        ``member`` the pre-2025 code) and, from 1/7/2025, its own (``member`` empty)."""
        path = self.path(f"dossiers_{year}.parquet")
        if not path.exists():
            return pd.DataFrame()
        table = pd.read_parquet(path, filters=[("province_code_2025", "==", code_2025)])
        if table["member"].nunique() > 1:  # offices of different departments keep their department
            names = {c: province(c).name_vi for c in table["member"].unique() if c}
            member = table["member"].map(names)
            table["office"] = (
                table["office"].astype(str).where(member.isna(), table["office"].astype(str) + " — " + member)
            )
        return table

    def dossier_rates(self, units: str = "63") -> pd.DataFrame:
        """Every Decision 766 metric by province and by province x field (schema-checked); with
        ``units="34"`` by the provinces in force from 1/7/2025 (their members' exports together)."""
        path = self.path("dossier_rates.parquet" if units == "63" else "dossier_rates_34.parquet")
        if not path.exists():
            return pd.DataFrame(columns=["province_code", "field", "year", "on_time_rate"])
        return self._table(path.name, "DOSSIER_RATES", check_empty=True)

    def context(self) -> pd.DataFrame:
        """SIPAS / PAR INDEX / TASKS values of provinces, in the published-indices layout."""
        return self._read("context.parquet", indices.TIDY_COLUMNS, schema="CONTEXT")

    def context_agencies(self) -> pd.DataFrame:
        """Context values of units inside a province (a department, an office)."""
        return self._read("context_agencies.parquet", [*indices.TIDY_COLUMNS, "agency"])

    def dossier_targets(self) -> pd.DataFrame:
        """Targets of the dossier metrics (``sources.dossier_targets``): built-in and the department's."""
        return self._read("dossier_targets.parquet", dossier_targets.TARGET_COLUMNS)

    def context_targets(self) -> pd.DataFrame:
        return self._read("context_targets.parquet", context.TARGET_COLUMNS)

    def quarantine(self) -> pd.DataFrame:
        """Every quarantined row of every input, in one schema (schema-checked)."""
        return self._table("quarantine.parquet", "QUARANTINE", check_empty=True)

    def inputs_for(self, year: int, slugs: str | list[str]) -> dict[str, str]:
        """Input files behind one province-year report -> SHA-256 (16 hex digits): that year's
        survey and published tables, the dossier exports of the province (or of the members of a
        2025 province: ``slugs``) and the context tables."""
        slugs = [slugs] if isinstance(slugs, str) else slugs
        return {
            k: v
            for k, v in self.stamp["inputs"].items()
            if k.startswith("context/")
            or (str(year) in k and (not k.startswith("dossiers/") or any(f"/{s}." in k for s in slugs)))
        }

    def has_sample_inputs(self) -> bool:
        """True when an input carries govgap's sample marker inside it (a sample file among real
        ones is still sample data)."""
        return bool(self.stamp.get("sample_inputs"))

    def file_errors(self) -> pd.DataFrame:
        """Input files that could not be read at all, with the reason."""
        return pd.DataFrame(self.stamp.get("file_errors", []), columns=["source", "error"])

    def accounting(self) -> pd.DataFrame:
        return pd.DataFrame(self.stamp["accounting"], columns=["source", "read", "kept", "quarantined"])


_TABLES: dict[tuple, pd.DataFrame] = {}  # processed tables read (and checked) by this process


def _write(frame: pd.DataFrame, path: Path) -> None:
    """Atomic parquet write. Tables with a province column are sorted by it and cut in row
    groups, so that reading one province skips the others' row groups."""
    tmp = path.with_name(path.name + ".tmp")
    if "province_code" in frame.columns:
        frame = frame.sort_values("province_code", kind="stable")
        frame.to_parquet(tmp, index=False, row_group_size=25_000)
    else:
        frame.to_parquet(tmp, index=False)
    os.replace(tmp, path)  # (a failed write's temporary file is removed by prepare)


BEFORE_MERGER = "truoc-1-7-2025"  # dossiers/2025/<this>/: exports of the departments before 1/7/2025


def export_unit(path: Path, year: int) -> tuple[str, str, str, str | None, str | None]:
    """Whose export a file is, from where it lies: (province_code, province_code_2025, member,
    period_start, period_end). Up to 2024, ``dossiers/<year>/<province>.xlsx`` is a department of
    the 63. In 2025, ``dossiers/2025/<province>.xlsx`` is a department of the 34 (from 1/7/2025) and
    ``dossiers/2025/truoc-1-7-2025/<province>.xlsx`` one of the 63 (to 30/6/2025)."""
    name = path.stem.replace("-", " ")
    if path.parent.name == BEFORE_MERGER:
        old = find_province(name)
        return old.code, old.new_code, old.code, f"{year}-01-01", f"{year}-06-30"
    if year < FIRST_34_EDITION:
        old = find_province(name)
        return old.code, old.new_code, old.code, None, None
    try:
        new = find_province_2025(name)["code"]
    except GovgapError:
        old = find_province(name)  # an old province's export for the merger year, in the wrong folder
        raise InputError(
            f"{path.name}: {old.name_vi} has had no department of its own since 1/7/2025; put its export of "
            f"1/1-30/6/{year} in dossiers/{year}/{BEFORE_MERGER}/",
            file=str(path),
        ) from None
    start = f"{year}-07-01" if year == FIRST_34_EDITION else None
    return new, new, "", start, f"{year}-12-31" if start else None


def _dossier_job(args) -> tuple:
    """Clean one export; a file that cannot be read is reported, not fatal for the others.

    A ``dossier_columns.csv``, ``dossier_values.csv`` or ``days_off.csv`` in ``<data>/dossiers/``
    extends the column dictionary, the status/channel vocabulary and the holiday calendar."""
    path, year = args
    path = Path(path)
    before = path.parent.name == BEFORE_MERGER
    source = f"dossiers/{year}/{BEFORE_MERGER + '/' if before else ''}{path.name}"
    folder = path.parent.parent.parent if before else path.parent.parent
    extras = {name: folder / f"{name}.csv" for name in ("dossier_columns", "dossier_values", "days_off")}
    extras = {k: (v if v.exists() else None) for k, v in extras.items()}
    try:
        code, code_2025, member, start, end = export_unit(path, year)
        export = dossiers.read_export(path, columns=extras["dossier_columns"])
        period = {"period_start": start, "period_end": end} if start else {"period": year}
        cleaned = dossiers.clean_dossiers(
            export, values=extras["dossier_values"], days_off=extras["days_off"], source=source, **period
        )
    except (GovgapError, OSError) as exc:
        return None, year, None, None, {"source": source, "error": str(exc)}, False
    quarantine = quarantine_contract.common(cleaned.quarantine, "dossiers", code)
    table = cleaned.table.assign(province_code=code, province_code_2025=code_2025, member=member)
    return code, year, table, quarantine, cleaned.accounting, export.sample


def survey_files(folder: Path) -> list[Path]:
    """One file per survey year: ``papi_survey_<year>`` in the first format found
    (CSV, XLSX, XLS, ODS, DTA, SAV; the same data in two formats is read once)."""
    chosen: dict[str, Path] = {}
    for suffix in SURVEY_TYPES:
        for path in sorted(folder.glob(f"papi_survey_*{suffix}")):
            chosen.setdefault(path.stem, path)
    return [chosen[k] for k in sorted(chosen)]


def survey_year(path: Path) -> int:
    found = re.search(r"(20\d\d)", path.name)
    if not found:
        raise InputError(f"{path}: survey file names carry their year (papi_survey_<year>.csv)", file=path.name)
    return int(found.group(1))


def clean_survey_file(path: Path, margins: Path | None = None):
    """(cleaned survey, weighting or None) for one file with its folder's codebook; raked to
    ``margins`` (sex and age-group shares) within each province when given."""
    year = survey_year(path)
    book = codebook.codebook_for(path.parent, year)
    cleaned = survey.load(path, book, source=f"survey/{path.name}", year=year)
    cleaned.table, weighting = survey_estimates.reweight(cleaned.table, margins)
    return cleaned, weighting


def _survey_job(args) -> tuple:
    """Clean, weight and estimate one survey year: (estimates, scores, quarantine, accounting,
    weighting check or None, whether the file carries govgap's sample marker), or ("unreadable",
    the file and its message) for a file that cannot be used."""
    path, margins = Path(args[0]), Path(args[1])
    try:
        year = survey_year(path)
        cleaned, weighting = clean_survey_file(path, margins)
    except (GovgapError, OSError) as exc:  # listed with its message; the other years go on
        return ("unreadable", {"source": f"survey/{path.name}", "error": str(exc)})
    if not len(cleaned.table):  # nothing to estimate from: said as for a file that cannot be read
        reasons = cleaned.quarantine["reason"].value_counts().head(3)
        return (
            "unreadable",
            {
                "source": f"survey/{path.name}",
                "error": f"{path.name}: every one of its {len(cleaned.quarantine)} rows was quarantined ("
                + "; ".join(f"{n}: {r}" for r, n in reasons.items())
                + "); see quarantine.xlsx after fixing, or check the codebook's column names",
            },
        )
    raked = weighting.raked if weighting is not None else None  # the variance accounts for the raking
    return (
        survey_estimates.estimate_groups(cleaned.table, cleaned.codebook, raked=raked).assign(year=year),
        survey_estimates.score_estimates(cleaned.table, year, cleaned.codebook, raked=raked).assign(year=year),
        quarantine_contract.common(cleaned.quarantine, "survey"),
        cleaned.accounting.as_dict(),
        None if weighting is None else weighting.check.assign(year=year),
        cleaned.sample,
    )


def _write_survey_tables(results: list[tuple], out: Processed, quarantines: list, accounts: list) -> None:
    """survey_estimates, survey_scores and survey_weighting from the years' results."""
    if results:
        est = pd.concat([r[0] for r in results], ignore_index=True)
        schemas.check(est, schemas.SURVEY_ESTIMATES, "survey_estimates")
        _write(est, out.path("survey_estimates.parquet"))
        scores = pd.concat([r[1] for r in results], ignore_index=True)
        _write(schemas.check(scores, schemas.SURVEY_SCORES, "survey_scores"), out.path("survey_scores.parquet"))
        quarantines.append(quarantine_contract.combine([r[2] for r in results]))
        accounts += [r[3] for r in results]
    checks = [r[4] for r in results if r[4] is not None]
    if checks:
        weighting = schemas.check(pd.concat(checks, ignore_index=True), schemas.SURVEY_WEIGHTING, "survey_weighting")
        _write(weighting, out.path("survey_weighting.parquet"))
    else:
        out.path("survey_weighting.parquet").unlink(missing_ok=True)


QUARANTINE_HEADERS = {  # the workbook an analyst opens: Vietnamese headers, the reason in both languages
    "input": "Loại đầu vào",
    "source": "Tệp (trong thư mục dữ liệu)",
    "sheet": "Trang tính",
    "row": "Dòng",
    "record_id": "Mã hồ sơ / người trả lời",
    "column": "Cột",
    "value": "Giá trị",
    "reason_vi": "Lý do",
    "reason": "Lý do (tiếng Anh, như bộ đọc ghi)",
    "province_code": "Mã tỉnh",
}


def _write_quarantine_workbook(quarantine: pd.DataFrame, path: Path) -> None:
    """The quarantine as an .xlsx beside its parquet, for analysts who check rows in Excel: text
    cells are written as text (never as formulas), personal data is already masked."""
    vi = {r: quarantine_reason(r, "vi") for r in quarantine["reason"].dropna().unique()}
    table = quarantine.assign(reason_vi=quarantine["reason"].map(vi))
    table = table[list(QUARANTINE_HEADERS)]
    rows = [list(QUARANTINE_HEADERS.values())]
    rows += [
        [None if pd.isna(v) else (int(v) if c == "row" else v) for c, v in zip(table.columns, rec)]
        for rec in table.itertuples(index=False)
    ]
    write_workbook(path, [Sheet("Cách ly", rows, bold_rows={0}, widths=[10, 38, 12, 7, 24, 16, 30, 50, 50, 8])])


def prepare(data_dir: str | Path, workers: int | None = None, force: bool = False, progress: bool = True) -> Processed:
    """Clean and load everything in ``data_dir``; skipped when nothing changed."""
    data_dir = resolve(data_dir)
    if not data_dir.exists():
        raise FileNotFoundError(
            f"Data folder {data_dir} does not exist. Run `govgap sample-data` "
            "for the sample, or see data/raw/README.md for real data."
        )
    out = Processed(processed_dir_for(data_dir))
    if os.environ.get(BATCH_ENV) and out.path(STAMP).exists():
        return out  # inside a batch: the parent process prepared the data once for all runs
    try:
        out.folder.mkdir(parents=True, exist_ok=True)
        with open(out.path(".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # one process builds; the others wait, then reuse it
            files = _input_files(data_dir)
            fingerprint = _stat_fingerprint(files, data_dir)
            if not force and out.path(STAMP).exists() and out.stamp.get("fingerprint") == fingerprint:
                return out
            _build(data_dir, out, files, fingerprint, workers, progress)
    except OSError as exc:  # a full disk or a read-only folder: said with the path, no temporary file left
        for tmp in out.folder.rglob("*.tmp") if out.folder.is_dir() else []:
            tmp.unlink(missing_ok=True)
        if is_write_fault(exc, out.folder):
            raise output_error(exc, path=out.folder) from None
        raise
    return out


def published_indices(folder: Path) -> indices.LoadResult:
    """The published figures shipped with govgap, with the official workbooks of ``folder``
    (if any) over them: an edition found there replaces the shipped one, and says so."""
    shipped = published.load()
    if not folder.is_dir():
        return shipped
    try:
        own = indices.load_folder(folder)
    except FileNotFoundError:  # no workbook there: the shipped figures alone
        return shipped
    return published.overlay(shipped, own)


def write_indices(folder: Path, out_folder: Path, shipped: bool = True) -> indices.LoadResult:
    """The published figures (``published_indices``; only the workbooks of ``folder`` when not
    ``shipped``) written in ``out_folder``: indices.parquet (tidy table with ranks),
    indices_2025.parquet (derived 34-province view), index_issues.parquet (data-quality table)
    and index_sheets.parquet (every sheet read)."""
    loaded = published_indices(folder) if shipped else indices.load_folder(folder)
    out_folder.mkdir(parents=True, exist_ok=True)
    _write(standings.ranks(loaded.table), out_folder / "indices.parquet")
    _write(merged_provinces.view_2025(loaded.table), out_folder / "indices_2025.parquet")
    # the standings of the 34 and of the 63, computed once here for every report and the index page
    _write(gaps.standings(loaded.table, "2025"), out_folder / "standings_34.parquet")
    _write(gaps.standings(loaded.table, "63"), out_folder / "standings_63.parquet")
    _write(loaded.issues, out_folder / "index_issues.parquet")
    _write(loaded.sheets, out_folder / "index_sheets.parquet")
    return loaded


def write_context(
    folder: Path, out_folder: Path, quarantines: list, accounts: list, marked: list | None = None
) -> list[dict]:
    """Read the context tables of ``folder`` (``context.load_folder``) and write context.parquet,
    context_agencies.parquet, context_targets.parquet (built-in targets, the folder's
    targets.csv, the tables' own) and context_issues.parquet. Returns the files that could not
    be read, with the message; their rows are in no table. The tables that carry govgap's
    sample marker are appended to ``marked``."""
    tables, errors = context.load_folder(folder)
    if marked is not None:
        marked += sorted({f"context/{s['file']}" for s in tables.sheets if s.get("sample")})
    try:
        goals = context.targets(tables, folder / "targets.csv")
    except context.ContextFormatError as exc:
        errors.append({"source": "context/targets.csv", "error": str(exc)})
        goals = context.targets(tables)
    _write(schemas.check(tables.table, schemas.CONTEXT, "context"), out_folder / "context.parquet")
    agencies = schemas.check(tables.agencies, schemas.CONTEXT_AGENCIES, "context_agencies")
    _write(agencies, out_folder / "context_agencies.parquet")
    _write(schemas.check(goals, schemas.CONTEXT_TARGETS, "context_targets"), out_folder / "context_targets.parquet")
    _write(tables.issues, out_folder / "context_issues.parquet")
    quarantines.append(quarantine_contract.common(tables.quarantine, "context"))
    accounts += [a.as_dict() for a in tables.accounting]
    return errors


def write_dossier_targets(folder: Path, out_folder: Path) -> list[dict]:
    """dossier_targets.parquet: the built-in targets and the department's ``dossier_targets.csv``
    in ``folder``; a department file that cannot be used is reported and the built-in ones kept."""
    errors = []
    try:
        goals = dossier_targets.targets(folder / dossier_targets.FILE)
    except dossier_targets.DossierTargetError as exc:
        errors.append({"source": f"dossiers/{dossier_targets.FILE}", "error": str(exc)})
        goals = dossier_targets.targets()
    _write(schemas.check(goals, schemas.DOSSIER_TARGETS, "dossier_targets"), out_folder / "dossier_targets.parquet")
    return errors


def _build(data_dir: Path, out: Processed, files: list[Path], fingerprint: str, workers, progress) -> None:
    accounts, quarantines, file_errors, sample_inputs = [], [], [], []
    surveys = [(str(p), str(data_dir / "survey" / "margins.csv")) for p in survey_files(data_dir / "survey")]
    jobs = [
        (str(p), int(p.parent.name if p.parent.name != BEFORE_MERGER else p.parent.parent.name))
        for p in files
        if p.suffix.lower() in sheets.EXCEL_TYPES + (".csv",)
        and (
            (p.parent.parent.name == "dossiers" and p.parent.name.isdigit())
            or (p.parent.name == BEFORE_MERGER and p.parent.parent.parent.name == "dossiers")
        )
    ]
    by_year: dict[int, list] = {}
    from tqdm.auto import tqdm

    with processes.worker_pool(workers or os.cpu_count() or 1) as pool:
        # the survey years are the longest jobs: they start first, beside the exports
        survey_results = [pool.submit(_survey_job, job) for job in surveys]
        cleaned = pool.map(_dossier_job, jobs)
        loaded = write_indices(data_dir / "indices", out.folder)
        survey_done = [f.result() for f in survey_results]
        file_errors += [r[1] for r in survey_done if isinstance(r[0], str)]
        survey_done = [r for r in survey_done if not isinstance(r[0], str)]
        sample_inputs += [acc["source"] for *_, acc, _, marked in survey_done if marked]
        _write_survey_tables([r[:-1] for r in survey_done], out, quarantines, accounts)
        file_errors += write_context(data_dir / "context", out.folder, quarantines, accounts, sample_inputs)
        file_errors += write_dossier_targets(data_dir / "dossiers", out.folder)
        for code, year, clean, quarantine, acc, marked in tqdm(
            cleaned, total=len(jobs), desc="cleaning dossier exports", disable=not progress or not jobs
        ):
            if code is None:  # unreadable file: listed with its reason, the others go on
                file_errors.append(acc)
                continue
            by_year.setdefault(year, []).append(clean)
            if marked:
                sample_inputs.append(acc.source)
            quarantines.append(quarantine)
            accounts.append(acc.as_dict())
    rates, rates_34 = [], []
    for old in out.folder.glob("dossiers_*.parquet"):
        old.unlink()
    for year, frames in by_year.items():
        table = pd.concat(frames, ignore_index=True)
        for col in table.columns:  # provinces' categories differ: concat gives objects back
            if col in dossiers.CATEGORICAL_COLUMNS:
                table[col] = table[col].astype("category")
        schemas.check(table, schemas.CLEANED_DOSSIERS, f"dossiers_{year}")
        _write(table, out.path(f"dossiers_{year}.parquet"))
        old = table[table["member"] != ""]  # the departments of the 63 (all of them up to 2024)
        for by in (["province_code"], ["province_code", "field"]):
            if len(old):
                rates.append(dossier_metrics.metrics(old, by).assign(year=year))
        # the 34 provinces from 1/7/2025: their members' exports and their own together
        joined = table.assign(unit=table["province_code_2025"])
        for by in (["unit"], ["unit", "field"]):
            rates_34.append(
                dossier_metrics.metrics(joined, by).assign(year=year).rename(columns={"unit": "province_code"})
            )
    for name, frames in (("dossier_rates", rates), ("dossier_rates_34", rates_34)):
        path = out.path(f"{name}.parquet")
        if not frames:
            path.unlink(missing_ok=True)
            continue
        table = pd.concat(frames, ignore_index=True)
        schemas.check(table, schemas.DOSSIER_RATES, name)  # nothing is written that breaks it
        _write(table, path)
    quarantine = quarantine_contract.combine(quarantines)
    schemas.check(quarantine, schemas.QUARANTINE, "quarantine")
    _write(quarantine, out.path("quarantine.parquet"))
    _write_quarantine_workbook(quarantine, out.path("quarantine.xlsx"))
    stamp = {
        "fingerprint": fingerprint,
        "govgap_version": __version__,
        "data_dir": str(data_dir),
        "inputs": {str(p.relative_to(data_dir)): hashlib.sha256(p.read_bytes()).hexdigest()[:16] for p in files},
        "accounting": accounts,
        "file_errors": file_errors,
        "sample_inputs": sample_inputs,  # inputs that carry govgap's sample marker inside them
        "index_summary": loaded.summary(),
        "index_issues": loaded.issues["severity"].value_counts().to_dict(),
    }
    tmp = out.path(STAMP + ".tmp")
    tmp.write_text(json.dumps(stamp, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, out.path(STAMP))
