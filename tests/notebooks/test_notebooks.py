"""Every notebook runs on sample data in a temporary project; the batch renders offline HTML."""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import nbformat
import papermill
import psutil
import pytest

from govgap import cli, processes
from govgap.publish import batch, kernel

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("notebook", sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb")))
def test_notebook_runs_on_its_defaults(notebook, isolated_home, tmp_path):
    """As an analyst opening it in JupyterLab: no parameters changed, run all."""
    out = tmp_path / notebook
    papermill.execute_notebook(
        str(isolated_home / "notebooks" / notebook),
        str(out),
        kernel_name="python3",
        progress_bar=False,
        cwd=str(isolated_home / "notebooks"),
        execution_timeout=300,  # a cell that never returns fails the test instead of stopping the suite
    )
    executed = json.loads(out.read_text(encoding="utf-8"))
    errors = [o for c in executed["cells"] for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors


@pytest.fixture(scope="module")
def first_batch(isolated_home):
    reports = isolated_home / "reports-notebooks"  # its own folder: other modules render too
    manifest = batch.run_batch(
        years=[2024],
        languages=["vi", "en"],
        province_names=["Hà Nội", "TP HCM"],
        data_dir="data/raw/sample",
        workers=2,
        progress=False,
        reports_dir=reports,
    )
    return reports, manifest


def test_batch_renders_reports_index_and_manifest(first_batch):
    reports, manifest = first_batch
    assert [r["status"] for r in manifest["runs"]] == ["ok"] * 4
    assert manifest["sample_data"] is True and manifest["packages"]["papermill"]
    for name in ("ha-noi.vi", "ha-noi.en", "ho-chi-minh.vi", "ho-chi-minh.en"):
        page = (reports / "2024" / f"{name}.html").read_text(encoding="utf-8")
        assert len(page.encode()) < 1_500_000
        assert "gg-sample-banner" in page
        assert "<script" not in page.lower()
        assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)  # no external resource
        assert "report.build(" not in page  # code hidden
        assert page.count("data:image/png;base64") >= 3
    vi = (reports / "2024" / "ha-noi.vi.html").read_text(encoding="utf-8")
    en = (reports / "2024" / "ha-noi.en.html").read_text(encoding="utf-8")
    assert "DỮ LIỆU MẪU" in vi and "Quản trị môi trường" in vi and '<html lang="vi">' in vi
    assert re.search(r"\d+,\d%", vi) and re.search(r"\d+\.\d%", en)
    assert "6. Bối cảnh: SIPAS" in vi and "7. Kiểm soát dữ liệu đầu vào" in vi and "6. Context: SIPAS" in en
    assert "Nhiệm vụ UBND tỉnh giao năm 2024" in vi
    index = (reports / "index.html").read_text(encoding="utf-8")
    assert 'href="2024/ha-noi.vi.html"' in index and 'href="2024/ho-chi-minh.en.html"' in index
    run = json.loads((reports / "manifest.json").read_text(encoding="utf-8"))["runs"][0]
    assert run["fingerprint"] and run["parameters"]["province"] == "Hà Nội"
    assert "dossiers/2024/ha-noi.xlsx" in run["inputs"] and "dossiers/2024/ho-chi-minh.xlsx" not in run["inputs"]
    assert "survey/papi_survey_2024.csv" in run["inputs"]
    assert "context/SIPAS_2021-2024.xlsx" in run["inputs"]


def test_unchanged_batch_is_skipped(first_batch):
    reports, _ = first_batch
    before = (reports / "2024" / "ha-noi.vi.html").stat().st_mtime_ns
    manifest = batch.run_batch(
        years=[2024],
        languages=["vi", "en"],
        province_names=["Hà Nội", "TP HCM"],
        data_dir="data/raw/sample",
        workers=2,
        progress=False,
        reports_dir=reports,
    )
    assert {r["status"] for r in manifest["runs"]} == {"unchanged"}
    assert (reports / "2024" / "ha-noi.vi.html").stat().st_mtime_ns == before


def test_a_failing_run_does_not_stop_the_batch(first_batch, capsys):
    """A run that fails in its kernel (here: a language the report does not have) is reported with
    the failing cell; the others stay as they were; a year with no published edition is not run
    at all and gets one plain line."""
    reports, _ = first_batch
    args = ["reports", "--years", "2024", "--provinces", "Hà Nội", "--languages", "vi,xx", "--workers", "2"]
    code = cli.main([*args, "--reports-dir", str(reports)])
    out = capsys.readouterr().out
    assert code == 1
    assert "1 failed" in out and "language must be 'vi' or 'en', not 'xx'" in out
    assert "in code cell 2 of the template: from govgap.render import html" in out
    manifest = json.loads((reports / "manifest.json").read_text(encoding="utf-8"))
    status = {(r["year"], r["slug"], r["language"]): r["status"] for r in manifest["runs"]}
    assert status[(2024, "ha-noi", "vi")] == "unchanged" and status[(2024, "ha-noi", "xx")] == "failed"
    assert (reports / ".runs" / "34" / "2024" / "ha-noi.xx.ipynb").exists()
    assert not (reports / "2024" / "ha-noi.xx.html").exists()
    # retry only the failed one: it fails again, the others are left as they were
    assert cli.main([*args, "--retry-failed", "--reports-dir", str(reports)]) == 1
    out = capsys.readouterr().out  # what it really rendered: nothing, the report left as it was is not counted
    assert "0 report(s) rendered, 1 unchanged, 1 failed, in" in out
    manifest = json.loads((reports / "manifest.json").read_text(encoding="utf-8"))
    status = {(r["year"], r["slug"], r["language"]): r["status"] for r in manifest["runs"]}
    assert status[(2024, "ha-noi", "vi")] == "unchanged" and status[(2024, "ha-noi", "xx")] == "failed"
    # a report never rendered is not rendered by --retry-failed, and says so
    args_hue = ["reports", "--provinces", "Huế", "--retry-failed", "--reports-dir", str(reports)]
    assert cli.main(args_hue) == 0
    assert "0 report(s) rendered, 0 unchanged, 0 failed, 1 not rendered (--retry-failed" in capsys.readouterr().out
    # a year with no published edition: one plain line, no run, no path, no traceback
    code = cli.main(["reports", "--years", "2031", "--provinces", "Hà Nội", "--reports-dir", str(reports)])
    out, err = capsys.readouterr()
    assert code == 2 and "Traceback" not in out + err
    assert "Chưa có ấn bản PAPI hay PCI năm 2031" in out + err and "PAPI 2024, PCI 2019" in out + err
    assert str(reports.parent) not in out + err


_EXECUTE_RUN = batch.execute_run


def _dies_on_lao_cai(run: dict, template: str, root: str) -> dict:
    """A worker that dies (as when killed or out of memory) whenever it renders Lào Cai."""
    if run["slug"] == "lao-cai":
        import os

        os._exit(1)
    return _EXECUTE_RUN(run, template, root)


def test_a_worker_that_dies_fails_only_its_own_run(first_batch, monkeypatch):
    """The pool breaks when a worker dies, taking the runs it still held: each is tried again alone
    on a fresh worker, so only the run that kills its worker is failed and the batch goes on."""
    reports, _ = first_batch
    monkeypatch.setattr(batch, "execute_run", _dies_on_lao_cai)  # forked workers see it
    manifest = batch.run_batch(
        years=[2024],
        languages=["vi"],
        province_names=["Lào Cai", "Huế"],
        data_dir="data/raw/sample",
        workers=2,
        progress=False,
        reports_dir=reports,
        formats=["html"],
    )
    status = {r["slug"]: (r["status"], r["error"]) for r in manifest["runs"]}
    assert status["hue"] == ("ok", "") and (reports / "2024" / "hue.vi.html").exists()
    assert status["lao-cai"][0] == "failed" and "worker stopped while rendering this report" in status["lao-cai"][1]
    assert not (reports / "2024" / "lao-cai.vi.html").exists()


def _one_province_notebook(folder: Path, *cells: str) -> Path:
    """A template notebook: a parameters cell with the province, then ``cells``."""
    template = nbformat.v4.new_notebook()
    template.cells = [nbformat.v4.new_code_cell('province = "Hà Nội"', metadata={"tags": ["parameters"]})]
    template.cells += [nbformat.v4.new_code_cell(source) for source in cells]
    path = folder / "template.ipynb"
    nbformat.write(template, path)
    return path


def _run_of(folder: Path, province: str) -> dict:
    """A batch run of ``province`` as a worker gets it, its files in ``folder``."""
    return {
        "province": province,
        "year": 2024,
        "language": "vi",
        "output": str(folder / f"{province}.html"),
        "executed": str(folder / ".runs" / f"{province}.ipynb"),
        "parameters": {"province": province},
        "formats": ["html"],
    }


def test_a_reused_kernel_keeps_nothing_of_the_run_before(tmp_path):
    """A worker renders its runs in one kernel, through one client kept connected to it: each run
    starts with the names, the output cache and the open figures of the one before cleared, and
    gets only its own cells' messages (a run that failed leaves nothing in the next), so no value
    leaks from one province to the next."""
    path = _one_province_notebook(
        tmp_path,
        "seen = [n for n in ('before', 'plt') if n in globals()]\n"
        "assert not seen, f'left by the run before: {seen}'\n"
        "assert not Out, 'outputs of the run before are kept'\n"
        "import matplotlib.pyplot as plt\n"
        "assert not plt.get_fignums(), 'a figure of the run before is open'\n"
        "before = province\nplt.figure()\n"
        "if province == 'Sai': raise ValueError('lỗi của lần chạy Sai')\n"
        "province",
        # `__` is the result before this run's one: none, in a fresh run
        "assert not __, f'a result of the run before: {__!r}'\nimport os\nprint('kernel', os.getpid())",
    )
    runs = [_run_of(tmp_path, name) for name in ("Hà Nội", "Sai", "Huế")]
    # one worker, as a batch has it: the runs in its one kernel, one after the other
    with processes.worker_pool(1, kernel.worker_init, (str(tmp_path / "worker.log"),)) as pool:
        runs = [pool.submit(batch.execute_run, run, str(path), str(ROOT)).result() for run in runs]
    assert [r["status"] for r in runs] == ["ok", "failed", "ok"]
    assert "lỗi của lần chạy Sai" in runs[1]["error"] and runs[0]["error"] == runs[2]["error"] == ""
    executed = {r["province"]: nbformat.read(r["executed"], as_version=4) for r in runs}
    hue = [c for c in executed["Huế"].cells if c.cell_type == "code"]
    # the province cell's one result is Huế's: nothing of Hà Nội's run nor of the failed one
    results = [o["data"]["text/plain"] for o in hue[-2].outputs if o.output_type == "execute_result"]
    assert results == ["'Huế'"]
    pids = {name: executed[name].cells[-1].outputs[0]["text"] for name in ("Hà Nội", "Huế")}
    assert pids["Hà Nội"] == pids["Huế"] and pids["Huế"].startswith("kernel ")  # one kernel for all
    assert "Huế" in (tmp_path / "Huế.html").read_text(encoding="utf-8")
    assert "lỗi của lần chạy Sai" not in (tmp_path / "Huế.html").read_text(encoding="utf-8")


def _hand_out_a_hung_kernel_first(spec_dir: str, log_path: str) -> None:
    """A worker set up as a batch's, except that its first kernel never answers (it writes its
    process id and sleeps, as a kernel that lost its port did) and the start-up wait is short."""
    from jupyter_client.kernelspec import KernelSpecManager

    kernel.worker_init(log_path)
    kernel.START_TIMEOUT_S = 3
    real_manager, handed = kernel.new_manager, []

    def first_one_hung():
        km = real_manager()
        if not handed:
            handed.append(km)
            km.kernel_spec_manager = KernelSpecManager(kernel_dirs=[spec_dir])
            km.kernel_name = "hung"
        return km

    kernel.new_manager = first_one_hung


def test_a_kernel_that_never_answers_is_ended_and_the_run_made_in_a_new_one(tmp_path):
    """A kernel that starts but never answers (two kernels started at once once got the same TCP
    port: the loser hung) costs the worker one start-up wait, not the report: it is ended, its
    sockets removed, and the run made in a new kernel, which talks through Unix sockets where the
    system has them, so two workers' kernels cannot meet."""
    pid_file = tmp_path / "hung.pid"
    spec = tmp_path / "kernels" / "hung"
    spec.mkdir(parents=True)
    hang = f"import os, time; open({str(pid_file)!r}, 'w').write(str(os.getpid())); time.sleep(600)"
    (spec / "kernel.json").write_text(
        json.dumps({"argv": [sys.executable, "-c", hang], "display_name": "hung", "language": "python"}),
        encoding="utf-8",
    )
    path = _one_province_notebook(
        tmp_path,
        "from ipykernel.connect import get_connection_info\n"
        "info = get_connection_info(unpack=True)\n"
        "print(info['transport'], info['ip'], sep='\\n')",
    )
    run = _run_of(tmp_path, "Huế")
    initargs = (str(tmp_path / "kernels"), str(tmp_path / "worker.log"))
    with processes.worker_pool(1, _hand_out_a_hung_kernel_first, initargs) as pool:
        done = pool.submit(batch.execute_run, run, str(path), str(ROOT)).result()
    assert (done["status"], done["error"]) == ("ok", "")
    hung = int(pid_file.read_text(encoding="utf-8"))  # the first kernel did start, and hang
    assert not psutil.pid_exists(hung) or psutil.Process(hung).status() == psutil.STATUS_ZOMBIE
    cell = nbformat.read(done["executed"], as_version=4).cells[-1]
    transport, address = cell.outputs[0]["text"].split()
    assert transport == ("ipc" if os.name == "posix" else "tcp")
    if transport == "ipc":  # the sockets' folder went with the worker
        assert Path(address).name == "k" and Path(address).parent.name.startswith("govgap-kernel-")
        assert not Path(address).parent.exists()
