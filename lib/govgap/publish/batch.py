"""Batch rendering: papermill runs the report notebook for provinces x years x languages in
parallel, nbconvert turns each into one HTML file with code hidden, and an index page and a
JSON manifest describe the batch.

* A failing run does not stop the others; its executed notebook is kept under
  ``reports/.runs/`` and its error is listed in plain words.
* Runs whose notebook, parameters, input data and govgap version are unchanged are skipped
  (``force=True`` redoes them); ``retry_failed=True`` runs only the ones that failed last time.
* Reports are written to a temporary name and renamed, so no partial report file exists.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
import os
import time
from concurrent.futures import as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from importlib import metadata, resources
from pathlib import Path

import jinja2
import pandas as pd

from govgap import __version__, processes
from govgap.compare.gaps import band_label, unit
from govgap.compare.rank_intervals import has_published_errors, possible_bands, published_rank_intervals
from govgap.compare.standings import bands
from govgap.errors import InputError, OptionError, is_write_fault, output_error
from govgap.paths import NOTEBOOKS, REPORTS, SAMPLE_DATA, project_root, resolve
from govgap.pipeline import inputs, sample, store
from govgap.publish import kernel, pdf
from govgap.reference import report_text
from govgap.reference.provinces import (
    check_province_for_edition,
    members_2025,
    provinces,
    provinces_2025,
)
from govgap.reference.text import fold
from govgap.render import claims, fmt

TEMPLATE = NOTEBOOKS / "province_report.ipynb"
MANIFEST = "manifest.json"
FORMATS = ("html", "pdf")  # every report as one offline HTML file and as an A4 PDF made from it


@dataclass
class Run:
    province: str
    slug: str
    code: str
    year: int
    language: str
    output: str
    executed: str
    fingerprint: str = ""
    status: str = "pending"
    error: str = ""
    duration_s: float = 0.0
    parameters: dict = field(default_factory=dict)
    inputs: dict = field(default_factory=dict)  # input files of this run -> SHA-256 (16 hex digits)
    units: str = "34"  # "34": a province from 1/7/2025; "63": one before
    member_slugs: list = field(default_factory=list)  # whose dossier exports the report reads
    formats: list = field(default_factory=lambda: list(FORMATS))  # "html" always; "pdf" an A4 copy of it
    sizes: dict = field(default_factory=dict)  # bytes of each file written, and the PDF's pages

    @property
    def pdf(self) -> str:
        return str(Path(self.output).with_suffix(".pdf"))

    def files_exist(self) -> bool:
        return Path(self.output).exists() and ("pdf" not in self.formats or Path(self.pdf).exists())


def units_table(units: str) -> pd.DataFrame:
    """The reporting units: code, name_vi, slug and the members' slugs (pre-2025 provinces)."""
    if units == "63":
        table = provinces()[["code", "name_vi", "slug"]].copy()
        table["member_slugs"] = [[s] for s in table["slug"]]
        return table
    if units != "34":
        raise OptionError(f"units must be '34' (the provinces from 1/7/2025) or '63' (before), not {units!r}")
    old = provinces().set_index("code")["slug"]
    table = provinces_2025()[["code", "name_vi", "slug"]].copy()
    table["member_slugs"] = [[old[c] for c in members_2025(code)] for code in table["code"]]
    return table


def plan(
    years: list[int],
    languages: list[str],
    province_names: list[str] | None,
    data_dir: str,
    reports_dir: Path,
    units: str = "34",
) -> list[Run]:
    """The runs of a batch: every unit of ``units`` (the 34 provinces from 1/7/2025 by default,
    or the 63 before it; their reports go to ``reports/<year>/63/``), or those named."""
    table = units_table(units).set_index("code")
    view = "2025" if units == "34" else "63"  # in the 34, an old name is taken to its new province
    codes = list(dict.fromkeys(unit(p, view).code for p in province_names)) if province_names else list(table.index)
    folder = (lambda year: reports_dir / str(year)) if units == "34" else (lambda year: reports_dir / str(year) / "63")
    runs = []
    for year in years:
        for code in codes:
            row = table.loc[code]
            for lang in languages:
                name = f"{row['slug']}.{lang}"
                parameters = {"province": row["name_vi"], "year": year, "language": lang, "data_dir": data_dir}
                runs.append(
                    Run(
                        province=row["name_vi"],
                        slug=row["slug"],
                        code=code,
                        year=year,
                        language=lang,
                        output=str(folder(year) / f"{name}.html"),
                        executed=str(reports_dir / ".runs" / units / str(year) / f"{name}.ipynb"),
                        parameters={**parameters, "units": units},
                        units=units,
                        member_slugs=list(row["member_slugs"]),
                    )
                )
    return runs


def plan_from_yaml(path: str | Path, data_dir: str, reports_dir: Path, units: str = "34") -> list[Run]:
    """Runs from a YAML file: either a list under ``runs:`` of {province, year, language}, or
    ``provinces:`` (a list, or "all"), ``years:`` and ``languages:`` to combine."""
    import yaml

    path = Path(path)
    spec = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(spec, dict):
        raise InputError(f"{path}: expected a mapping with 'runs:' or 'provinces/years/languages:'", file=path.name)
    runs: list[Run] = []
    if "runs" in spec:
        for i, item in enumerate(spec["runs"], start=1):
            missing = {"province", "year"} - set(item or {})
            if missing:
                raise InputError(f"{path}: run {i} lacks {', '.join(sorted(missing))}", file=path.name)
            runs += plan(
                [int(item["year"])], [item.get("language", "vi")], [str(item["province"])], data_dir, reports_dir, units
            )
        return runs
    if "years" not in spec:
        raise InputError(f"{path}: 'years:' is required (for example years: [2024])", file=path.name)
    names = spec.get("provinces", "all")
    names = None if names == "all" else [str(n) for n in names]
    languages = list(spec.get("languages", ["vi"]))
    return plan([int(y) for y in spec["years"]], languages, names, data_dir, reports_dir, units)


def _fingerprint(run: Run, notebook: bytes, data_stamp: str) -> str:
    digest = hashlib.sha256(notebook)
    digest.update(json.dumps(run.parameters, sort_keys=True, ensure_ascii=False).encode())
    digest.update(",".join(sorted(run.formats)).encode())
    digest.update(data_stamp.encode())
    digest.update(store.package_fingerprint().encode())
    return digest.hexdigest()


@lru_cache(maxsize=1)
def _report_exporter_class():
    """nbconvert's HTML exporter without its last pass, which parses the finished page with
    BeautifulSoup and writes it out again, to give an image without alt text a placeholder and to
    make every cell's output a stop of the Tab key: every govgap chart has its own alt text (a
    test checks that no placeholder is left), a report's only regions to reach by keyboard are its
    scrolling tables, which have their tabindex, and the pass took 0.05 s of a report's 1.3 s,
    on the worker's path between two of its kernel's runs. What comes before it is the exporter's
    own (nbconvert 7.16-7.17); a test checks the page against the exporter's, text and images."""
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class ReportExporter(HTMLExporter):
        def from_notebook_node(self, nb, resources=None, **kw):
            langinfo = nb.metadata.get("language_info", {})
            lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
            highlight = self.filters.get("highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self))
            resources = self._init_resources(resources)
            data_type = WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata, parent=self, resources=resources)
            self.register_filter("highlight_code", highlight)
            self.register_filter("filter_data_type", data_type)
            return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

    return ReportExporter


@lru_cache(maxsize=2)
def _exporter(language: str = "vi"):
    """The HTML exporter (built once per worker and language: building it costs about a second)."""
    from nbconvert.preprocessors import TagRemovePreprocessor
    from traitlets.config import Config

    config = Config()
    config.TagRemovePreprocessor.remove_cell_tags = {"remove-in-report"}
    config.TagRemovePreprocessor.enabled = True
    config.HTMLExporter.exclude_input = True
    config.HTMLExporter.exclude_input_prompt = True
    config.HTMLExporter.exclude_output_prompt = True
    config.HTMLExporter.language_code = language
    templates = str(resources.files("govgap").joinpath("templates"))
    exporter = _report_exporter_class()(config=config, template_name="govgap", extra_template_basedirs=[templates])
    exporter.register_preprocessor(TagRemovePreprocessor(config=config), enabled=True)
    return exporter


def _plain_error(exc: Exception) -> str:
    ename = getattr(exc, "ename", type(exc).__name__)
    evalue = getattr(exc, "evalue", str(exc))
    cell = getattr(exc, "exec_count", None)
    where = f" (cell {cell})" if cell else ""
    return f"{ename}{where}: {evalue}".strip()


def _failing_cell(notebook) -> str:
    """' in cell N: <first line of its code>' for the first cell whose output is an error."""
    if notebook is None:
        return ""
    code_cells = [
        c
        for c in notebook.cells
        if c.cell_type == "code"
        and "remove-in-report" not in c.metadata.get("tags", [])
        and "injected-parameters" not in c.metadata.get("tags", [])
    ]
    for number, cell in enumerate(code_cells, start=1):
        if any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
            first = next((line for line in cell.source.splitlines() if line.strip()), "")
            return f" — in code cell {number} of the template: {first.strip()[:80]}"
    return ""


def longest_first(runs: list) -> list:
    """``runs`` in the order the workers take them: the reports of provinces made of the most
    pre-2025 members first (each member adds its tables and figures: with 3 members a report takes
    about 1.6 times as long as with 1), in plan order otherwise. The batch then ends on short
    reports, and no worker waits long for the other's last one."""
    return sorted(runs, key=lambda r: len(r.member_slugs), reverse=True)  # (a stable sort)


def _render_in_pool(runs: list, workers: int, template: str, root: str, log: str, bar) -> list:
    """Render ``runs`` in a pool of ``workers`` and record each result on its run; returns the runs
    lost because a worker died (the pool breaks, and every run it still held with it)."""
    broken = []
    with processes.worker_pool(workers, kernel.worker_init, (log,)) as pool:
        futures = {pool.submit(execute_run, asdict(r), template, root): r for r in longest_first(runs)}
        for fut in as_completed(futures):
            run = futures[fut]
            try:
                result = fut.result()
            except BrokenProcessPool:
                broken.append(run)
                continue
            except Exception as exc:  # a result that could not come back from the worker
                result = {"status": "failed", "error": f"worker stopped: {_plain_error(exc)}", "duration_s": 0.0}
            run.status, run.error, run.duration_s = result["status"], result["error"], result["duration_s"]
            run.sizes = result.get("sizes", {})
            bar.update(1)
            if result.get("write_fault"):  # a full disk or a read-only folder: the next runs would fail alike
                raise OutputFault(result["write_fault"])
    return broken


class OutputFault(Exception):
    """A run could not write its files (``WRITE_FAULTS``): the batch stops; carries (errno, path)."""


def execute_run(run: dict, template: str, root: str) -> dict:
    """Execute one run (in a worker process): notebook -> executed notebook -> HTML.

    The worker keeps one kernel alive across its runs (imports are paid once); each run starts
    by clearing the kernel's namespace, so no value leaks from one province to the next.
    """
    import nbformat
    from papermill.parameterize import parameterize_notebook

    start = time.perf_counter()
    out, executed = Path(run["output"]), Path(run["executed"])
    notebook = None
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        executed.parent.mkdir(parents=True, exist_ok=True)
        notebook = nbformat.read(template, as_version=4)
        for cell in notebook.cells:  # what papermill's own loader ensures before parameterising
            cell.metadata.setdefault("tags", [])
        notebook.metadata.setdefault("papermill", {})
        notebook = parameterize_notebook(notebook, run["parameters"], kernel_name="python3", language="python")
        notebook.cells.insert(0, nbformat.v4.new_code_cell(kernel.RESET_CELL, metadata={"tags": ["remove-in-report"]}))
        kernel.execute(notebook, str(Path(root) / "notebooks"))
        body, _ = _exporter(run["language"]).from_notebook_node(notebook)
        body = body.replace("<title>Notebook</title>", f"<title>{html.escape(run['province'])} {run['year']}</title>")
        _write_atomic(out, body)
        sizes = {"html": out.stat().st_size}
        if "pdf" in run.get("formats", FORMATS):
            made = pdf.write_pdf(out)
            sizes.update(pdf=made.stat().st_size, pdf_pages=pdf.page_count(made))
        run.update(status="ok", error="", sizes=sizes)
    except Exception as exc:  # every failure is reported, none stops the batch
        run.update(status="failed", error=_plain_error(exc) + _failing_cell(notebook))
        _note_write_fault(run, exc)
    run["duration_s"] = round(time.perf_counter() - start, 2)
    try:  # what the run did, kept even when it failed: the executed notebook shows where
        if notebook is not None:
            _write_atomic(executed, nbformat.writes(notebook))
        _write_state(run)
    except OSError as exc:
        if not _note_write_fault(run, exc):
            raise
        run.update(status="failed", error=_plain_error(exc))
    return run


def _note_write_fault(run: dict, exc: Exception) -> bool:
    """Record on ``run`` a write of its files that failed for want of space or permission."""
    folder = os.path.commonpath([run["output"], run["executed"]])  # the batch's reports folder
    if is_write_fault(exc, folder):
        run["write_fault"] = [exc.errno, str(exc.filename or Path(run["output"]).parent)]
        return True
    return False


def _write_atomic(path: Path, text: str) -> None:
    """``text`` to ``path`` through a temporary name: the file is complete or absent, never partial,
    and no temporary file is left when the write fails."""
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _state_path(run: dict) -> Path:
    return Path(run["executed"]).with_suffix(".json")


def _write_state(run: dict) -> None:
    """Each finished run leaves a small record, so a batch killed half-way can resume."""
    _write_atomic(_state_path(run), json.dumps(run, ensure_ascii=False))


def _read_state(run: dict) -> dict | None:
    path = _state_path(run)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def _package_versions() -> dict:
    names = ["govgap", "pandas", "pyarrow", "numpy", "matplotlib", "seaborn", "papermill", "nbconvert"]
    out = {}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = __version__ if name == "govgap" else "not installed"
    return out


def run_batch(
    years: list[int] | None = None,
    languages: list[str] | None = None,
    province_names: list[str] | None = None,
    data_dir: str = str(SAMPLE_DATA),
    workers: int | None = None,
    force: bool = False,
    retry_failed: bool = False,
    reports_dir: str | Path = REPORTS,
    progress: bool = True,
    runs_file: str | None = None,
    units: str = "34",
    formats: list[str] | None = None,
) -> dict:
    """Render reports; returns the manifest (also written to ``reports/manifest.json``).

    ``units``: "34" (default), the provinces in force from 1/7/2025; "63", those before it
    (historical reports, in ``reports/<year>/63/``).

    The runs are ``years x province_names x languages`` (default: the latest PAPI edition, all
    63 provinces, Vietnamese), or those of ``runs_file`` (YAML, see ``plan_from_yaml``)."""
    root = project_root()
    reports_dir = resolve(reports_dir)
    _check_writable(reports_dir)
    data_path = inputs.ensure_data(data_dir)
    processed = store.prepare(data_path, workers=workers, progress=progress)
    years = [int(y) for y in (years or [processed.latest_edition("PAPI")])]
    for name in province_names or []:  # an old name for an edition of the 34: merged, and into which
        for year in years:
            check_province_for_edition(name, year)
    published_years = set(processed.indices()["year"].astype(int))
    notes = [inputs.no_edition_message(processed.indices(), y) for y in years if y not in published_years]
    if notes and not runs_file and all(y not in published_years for y in years):
        raise OptionError(" ".join(notes))
    years = [y for y in years if y in published_years]
    languages = languages or ["vi"]
    template = resolve(TEMPLATE)
    notebook = template.read_bytes()
    if runs_file:
        runs = plan_from_yaml(runs_file, str(data_dir), reports_dir, units)
    else:
        runs = plan(years, languages, province_names, str(data_dir), reports_dir, units)
    formats = list(formats or FORMATS)
    if "html" not in formats or set(formats) - set(FORMATS):
        raise OptionError(f"formats: html, or html,pdf (the PDF is made from the HTML), not {','.join(formats)}")
    for run in runs:
        run.formats = formats
    for stale in reports_dir.rglob("*.tmp"):  # left by a batch that was killed mid-write
        stale.unlink()
    previous = {}  # runs listed by the last manifest: kept in the index while their files exist
    manifest_path = reports_dir / MANIFEST
    if manifest_path.exists():
        old_manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        # an index lists sample reports or real ones, never both: earlier runs of the other kind
        # (and of another data folder) are left out of it
        is_sample = sample.is_sample(data_path) or processed.has_sample_inputs()
        same = old_manifest.get("sample_data") == is_sample and old_manifest.get("data_dir") == str(data_path)
        if same:
            previous = {r["output"]: r for r in old_manifest.get("earlier_runs", []) + old_manifest["runs"]}
    todo = []
    for run in runs:
        run.inputs = processed.inputs_for(run.year, run.member_slugs or [run.slug])
        run.fingerprint = _fingerprint(run, notebook, processed.stamp["fingerprint"])
        old = _read_state(asdict(run))  # what the last run of this report left
        unchanged = (
            old and old["fingerprint"] == run.fingerprint and old["status"] in ("ok", "unchanged") and run.files_exist()
        )
        if retry_failed:  # the others are not rendered: listed as they are, never as rendered now
            if old and old["status"] == "failed":
                todo.append(run)
            elif old and old["status"] in ("ok", "unchanged") and run.files_exist():
                run.status, run.sizes = "unchanged", old.get("sizes", {})
                run.fingerprint = old["fingerprint"]
            else:
                run.status = "not_run"
            continue
        if unchanged and not force:
            run.status, run.sizes = "unchanged", old.get("sizes", {})
        else:
            todo.append(run)
    started = dt.datetime.now()
    t0 = time.perf_counter()
    stopped = _render(todo, workers, template, root, reports_dir, processed, progress) if todo else None
    for run in todo:
        if run.status == "pending":  # the batch stopped before this run's result came back
            run.status = "stopped"
    manifest = {
        "govgap_version": __version__,
        "started": started.isoformat(timespec="seconds"),
        "duration_s": round(time.perf_counter() - t0, 2),
        "data_dir": str(data_path),
        "sample_data": sample.is_sample(data_path) or processed.has_sample_inputs(),
        # the index editions of the rendered years that are govgap's simulated tables
        "simulated_editions": sorted(
            f"{source} {year}" for source, year in processed.simulated_editions() if year in {r.year for r in runs}
        ),
        "inputs": processed.stamp["inputs"],
        "packages": _package_versions(),
        "runs": [asdict(r) for r in runs],
        "notes": notes,  # years asked for that have no published edition: not rendered
        # runs of earlier batches that this one did not plan stay listed while their files remain
        "earlier_runs": [
            r for key, r in previous.items() if key not in {x.output for x in runs} and Path(key).exists()
        ],
    }
    listed = _write_manifest_and_index(manifest, processed, reports_dir, stopped is not None)
    if stopped is not None:
        raise _stopped_error(stopped, manifest, listed, reports_dir)
    return manifest


def _check_writable(folder: Path) -> None:
    """A reports folder that cannot be written (read-only, no permission, a full disk) is said
    before any work is done, with its path."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".govgap-write-check-{os.getpid()}.tmp"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:  # named by the folder the user chose, not by govgap's probe file in it
        raise output_error(OSError(exc.errno, exc.strerror, str(folder))) or exc from None


def _render(todo: list, workers, template: Path, root: Path, reports_dir: Path, processed, progress: bool):
    """Render the runs of ``todo`` (each gets its status); returns ``None``, or what stopped the batch:
    a ``KeyboardInterrupt`` (Ctrl-C, SIGTERM, SIGHUP) or an ``OutputFault``, the workers and their
    kernels ended with it."""
    from tqdm.auto import tqdm

    env_root = str(root)
    saved = {k: os.environ.get(k) for k in ("GOVGAP_HOME", store.BATCH_ENV)}
    os.environ["GOVGAP_HOME"] = env_root  # workers and their kernels inherit these
    os.environ[store.BATCH_ENV] = processed.stamp["fingerprint"]
    log = str(reports_dir / ".runs" / "kernels.log")
    bar = tqdm(total=len(todo), desc="reports", disable=not progress)
    try:
        broken = _render_in_pool(todo, workers or os.cpu_count() or 1, str(template), env_root, log, bar)
        # a worker that died (killed, out of memory) took the runs it shared the pool with: each
        # is tried again alone on a fresh worker, so only the run that kills its worker fails
        for run in broken:
            if _render_in_pool([run], 1, str(template), env_root, log, bar):
                run.status, run.duration_s, run.sizes = "failed", 0.0, {}
                run.error = "worker stopped while rendering this report (killed, or out of memory); tried twice"
                bar.update(1)
        return None
    except (KeyboardInterrupt, OutputFault) as exc:
        return exc
    finally:
        bar.close()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _write_manifest_and_index(manifest: dict, processed, reports_dir: Path, tolerant: bool) -> bool:
    """Write ``manifest.json`` and ``index.html``; ``tolerant`` (a batch that stopped): a write that
    fails for want of space or permission leaves no temporary file and returns False."""
    try:
        reports_dir.mkdir(parents=True, exist_ok=True)
        _write_atomic(reports_dir / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))
        write_index(manifest, processed, reports_dir)
        return True
    except OSError as exc:
        fault = output_error(exc)
        if fault is None:
            raise
        if not tolerant:
            raise fault from None
        return False


def _stopped_error(stopped: BaseException, manifest: dict, listed: bool, reports_dir: Path) -> BaseException:
    """What the command says when the batch stopped before the end: why, what was rendered, where
    it is listed, and how to go on (the same command renders the rest; done reports are kept)."""
    runs = manifest["runs"]
    done = sum(r["status"] == "ok" for r in runs)
    left = sum(r["status"] not in ("ok", "unchanged") for r in runs)
    where = f"{reports_dir / MANIFEST}, {reports_dir / 'index.html'}"
    if listed:
        vi = f"Đã kết xuất {done} báo cáo, {left} báo cáo chưa kết xuất; danh sách ở {where}."
        en = f"{done} report(s) rendered, {left} not rendered; listed in {where}."
    else:
        vi = f"Đã kết xuất {done} báo cáo, {left} báo cáo chưa kết xuất; không ghi được {where}."
        en = f"{done} report(s) rendered, {left} not rendered; {where} could not be written either."
    again = (
        "Chạy lại đúng lệnh này để kết xuất phần còn lại. / Run the same command again to render the rest "
        "(the reports already rendered are not redone)."
    )
    if isinstance(stopped, OutputFault):
        code, path = stopped.args[0]
        return output_error(OSError(code, os.strerror(code), path), done=f"{vi} / {en}") or stopped
    stopped.summary = f"{vi} {again.split(' / ')[0]} / {en} {again.split(' / ')[1]}"
    return stopped


def write_index(manifest: dict, processed: store.Processed, reports_dir: Path) -> Path:
    """``reports/index.html`` (template ``templates/govgap/reports_index.html.j2``): every province
    of every year rendered, in Vietnamese and English, with its Dimension 7 score, rank among the
    provinces ranked, PAPI band, change since the previous edition and PCI Land Access, and links to
    its HTML and PDF reports. Three orderings (name, score, change) are pre-sorted tables."""
    official = processed.indices()
    derived = None  # the 34's standings, read once when a table of the 34 is shown
    runs = pd.DataFrame(manifest.get("earlier_runs", []) + manifest["runs"])
    runs["units"] = runs["units"].fillna("63") if "units" in runs.columns else "63"  # older manifests: the 63

    def both(key, **values) -> dict:
        return {lang: report_text.text(key, lang, **values) for lang in ("vi", "en")}

    years = []
    for (year, units), year_runs in sorted(runs.groupby(["year", "units"]), key=lambda g: (-g[0][0], g[0][1])):
        # the 34 on an edition of the 63: their members' population-weighted aggregates (derived)
        if units == "34" and derived is None:
            derived = processed.standings_of("2025")
        table = derived if units == "34" else official
        d7 = table[(table["indicator_id"] == "papi.d7") & (table["source"] == "PAPI")]
        now = d7[d7["year"] == year].set_index("province_code")
        earlier = d7.loc[d7["year"] < year, "year"]
        before = d7[d7["year"] == (earlier.max() if len(earlier) else -1)].set_index("province_code")["value"]
        pci_years = table.loc[(table["source"] == "PCI") & (table["year"] <= year), "year"]
        pci_year = int(pci_years.max()) if len(pci_years) else None
        pci = table[(table["indicator_id"] == "pci.sub2") & (table["year"] == pci_year)]
        pci = pci.set_index("province_code")["value"]
        # where PAPI publishes errors for Dimension 7 (2019), a band is named alone only when sure
        reach = None
        if has_published_errors(official, year, "papi.d7"):
            intervals = published_rank_intervals(official, year, "papi.d7", "2025" if units == "34" else "63")
            reach = intervals.join(possible_bands(intervals, now["band"]))
        rows = []
        for code, group in year_runs.groupby("code", sort=True):
            mine = now.loc[code] if code in now.index else None
            value = mine["value"] if mine is not None else float("nan")
            change = value - before.get(code, float("nan"))
            band = int(mine["band"]) if mine is not None and pd.notna(mine["band"]) else None
            rows.append(
                {
                    "province": group.iloc[0]["province"],
                    "d7": fmt.number(value, "vi", 2),
                    "rank": claims.rank_text(mine["rank"], mine["n_provinces"]) if mine is not None else "–",
                    "band": band,
                    "band_label": _index_band(mine, reach, code),
                    "change": fmt.signed(change, "vi", 2),
                    "pci": fmt.number(pci.get(code), "vi", 2),
                    "links": [_index_link(r, reports_dir) for r in group.itertuples()],
                    "_value": value,
                    "_change": change,
                    "_name": fold(group.iloc[0]["province"]),
                }
            )
        key = f"y{year}-{units}"
        by_name = sorted(rows, key=lambda r: r["_name"])
        by_score = sorted(rows, key=lambda r: (pd.isna(r["_value"]), -(r["_value"] if pd.notna(r["_value"]) else 0)))
        by_change = sorted(
            rows, key=lambda r: (pd.isna(r["_change"]), -(r["_change"] if pd.notna(r["_change"]) else 0))
        )
        previous = int(earlier.max()) if len(earlier) else None
        views = [
            {
                "id": f"{key}-name",
                "label": both("index_by_name"),
                "caption": both("index_caption_name"),
                "rows": by_name,
            },
            {
                "id": f"{key}-score",
                "label": both("index_by_score"),
                "caption": both("index_caption_score"),
                "rows": by_score,
            },
            {
                "id": f"{key}-change",
                "label": both("index_by_change"),
                "caption": both("index_caption_change", previous=previous or "–"),
                "rows": by_change,
            },
        ]
        notes = {lang: [] for lang in ("vi", "en")}
        for part in (
            ([both("index_derived_34")] if units == "34" else [])
            + ([both("index_pci_edition", edition=pci_year)] if pci_year not in (None, year) else [])
            + ([both("index_band_interval", year=year)] if reach is not None else [])
        ):
            for lang in notes:
                notes[lang].append(part[lang])
        title = both("index_title" if units == "34" else "index_title_63", year=year)
        years.append({"title": title, "views": views, "note": {k: " ".join(v) for k, v in notes.items()}})
    failed = sum(r["status"] == "failed" for r in manifest["runs"])
    footer = both(
        "index_footer",
        version=manifest["govgap_version"],
        reports=len(manifest["runs"]),
        failed=failed,
        started=manifest["started"],
    )
    heads = ("col_province", "col_d7", "col_rank", "col_band", "col_change_edition", "col_pci_land", "col_report")
    page = (
        _templates()
        .get_template("reports_index.html.j2")
        .render(
            title=both("index_page_title"),
            sample=manifest["sample_data"],
            text={"sample_banner": both("sample_banner")},
            years=years,
            notes=manifest.get("notes", []),
            headers=[both(k) for k in heads],
            sort_label=both("index_sort"),
            footer=footer,
        )
    )
    path = reports_dir / "index.html"
    tmp = path.with_name("index.html.tmp")
    tmp.write_text(page, encoding="utf-8")
    os.replace(tmp, path)
    return path


def _index_band(mine: pd.Series | None, reach: pd.DataFrame | None, code: str) -> str:
    """The index's band cell for the province's standing ``mine``: PAPI's name of its band, or
    "Nhóm cao nhất – trung bình thấp" (the short names of ``quartile_bands.csv``) where its rank
    interval (``reach``: intervals with the bands they reach) ranks the same provinces and reaches
    several bands (``claims.rank_interval_consistent``, ``claims.band_phrase``), as the reports say it."""
    if mine is None or pd.isna(mine["band"]):
        return ""
    band = int(mine["band"])
    interval = reach.loc[code] if reach is not None and code in reach.index else None
    if not claims.rank_interval_consistent(mine["rank"], mine["n_provinces"], interval):
        return band_label(band, "vi")
    if claims.band_phrase(band, interval["band_best"], interval["band_worst"]) != "unsure":
        return band_label(band, "vi")
    short = bands()["short_vi"]
    return f"Nhóm {short[int(interval['band_best'])]} – {short[int(interval['band_worst'])]}"


def _index_link(run, reports_dir: Path) -> dict:
    """A report's links on the index page: its HTML, its PDF when one was made, or why there is none."""
    done = run.status in ("ok", "unchanged")
    if done:
        status = ""
    else:  # a failed or planned-but-not-run report: the reason in plain words
        status = report_text.text(f"status_{run.status}", "vi")
        status += f" ({run.error[:200]})" if run.error else ""
    pdf_path = Path(run.output).with_suffix(".pdf")
    return {
        "language": {"vi": "Tiếng Việt", "en": "English"}.get(run.language, run.language),
        "href": os.path.relpath(run.output, reports_dir) if done else None,
        "pdf": os.path.relpath(pdf_path, reports_dir) if done and pdf_path.exists() else None,
        "status": status,
    }


def _templates() -> jinja2.Environment:
    """govgap's own Jinja templates (the folder nbconvert's report template lives in too)."""
    folder = str(resources.files("govgap").joinpath("templates/govgap"))
    return jinja2.Environment(loader=jinja2.FileSystemLoader(folder), autoescape=True, keep_trailing_newline=True)
