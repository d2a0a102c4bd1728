"""Batch speed: govgap's parallel batch against plain papermill + nbconvert, one after another.

    .venv/bin/python benchmarks/batch_vs_sequential.py               # the 34 and the 63 (~25 min)
    .venv/bin/python benchmarks/batch_vs_sequential.py --units 34    # today's provinces (~10 min)
    .venv/bin/python benchmarks/batch_vs_sequential.py --units 34 --provinces 10  # a quicker estimate

Both sides render the same runs, as the batch plans them, from the same report notebook on the
sample data into a temporary folder, as HTML (like for like: the sequential side makes no PDF).
The runs are a batch of every province of ``--units``: the 34 provinces in force from 1 July 2025
(34 reports, `govgap reports`) and the 63 before it (63 reports, `govgap reports --units 63`,
the size of batch the speed target was set for). Printed for each: the sequential time, the batch
time and their ratio (target <= 0.10 on 2 cores for a 63-report batch); for the 34, what the A4
PDFs add to the batch (its default) and the time of a no-op rerun of `govgap reports` as a user
types it (target <= 2 s). A virtual machine's neighbours make runs a few minutes apart differ
by a tenth or more, so the two sides take turns: the batch runs before each third of the
sequential runs and after the last, and the median of its times is set against the sequential
total.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from govgap.paths import SAMPLE_DATA, project_root
from govgap.pipeline import inputs, store
from govgap.publish import batch


def sequential_seconds(runs: list, notebook: Path, folder: Path) -> float:
    """The runs made by the ``papermill`` command then ``jupyter nbconvert --to html --no-input``,
    one after the other, as an analyst's script would."""
    root = project_root()
    start = time.perf_counter()
    for i, run in enumerate(runs):
        out = folder / f"{i:02d}.ipynb"
        out.parent.mkdir(parents=True, exist_ok=True)
        # -r keeps a text value text ("34" is the units' name, not a number); -p parses a number
        parameters = [
            arg
            for name, value in run.parameters.items()
            for arg in ("-r" if isinstance(value, str) else "-p", name, str(value))
        ]
        papermill = [sys.executable, "-m", "papermill", str(notebook), str(out), "-k", "python3", *parameters]
        subprocess.run([*papermill, "--cwd", str(root / "notebooks")], check=True, capture_output=True)
        nbconvert = [sys.executable, "-m", "jupyter", "nbconvert", "--to", "html", "--no-input", str(out)]
        subprocess.run(nbconvert, check=True, capture_output=True)
    return time.perf_counter() - start


def batch_seconds(runs: list, units: str, workers: int, folder: Path, formats: list[str]) -> float:
    """The same runs made by ``batch.run_batch``, rendered again even where unchanged."""
    start = time.perf_counter()
    manifest = batch.run_batch(
        years=sorted({r.year for r in runs}),
        languages=sorted({r.language for r in runs}),
        province_names=[r.province for r in runs],
        data_dir=str(SAMPLE_DATA),
        workers=workers,
        force=True,
        reports_dir=folder,
        progress=False,
        units=units,
        formats=formats,
    )
    failed = [r for r in manifest["runs"] if r["status"] != "ok"]
    if failed:
        sys.exit(f"{len(failed)} batch run(s) failed: {failed[0]['error']}")
    if len(manifest["runs"]) != len(runs):
        sys.exit(f"the batch made {len(manifest['runs'])} reports, not the {len(runs)} planned")
    return time.perf_counter() - start


def noop_rerun_seconds(runs: list, folder: Path) -> float:
    """``govgap reports`` typed again over a folder whose reports are all there and unchanged."""
    names = ",".join(r.province for r in runs)
    command = [sys.executable, "-m", "govgap.cli", "reports", "--years", str(runs[0].year), "--provinces", names]
    start = time.perf_counter()
    subprocess.run([*command, "--reports-dir", str(folder)], check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", default="34,63", help="batches to time: 34, 63 or 34,63 (default)")
    parser.add_argument("--provinces", type=int, default=None, help="only the first N provinces of each")
    parser.add_argument("--year", type=int, default=2024)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--rounds", type=int, default=3, help="parts the sequential side is cut into (default 3)")
    args = parser.parse_args()

    root = project_root()
    store.prepare(inputs.ensure_data(SAMPLE_DATA), progress=False)  # both sides start from prepared data
    notebook = root / "notebooks" / "province_report.ipynb"
    print(f"workers: {args.workers}, cores: {os.cpu_count()}, edition {args.year}, sample data")
    for units in args.units.split(","):
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            runs = batch.plan([args.year], ["vi"], None, str(SAMPLE_DATA), tmp / "batch", units)[: args.provinces]
            n = len(runs)
            # the batch before each part of the sequential side and after the last: the two sides
            # are timed in the same minutes, and the batch's median is set against their sum
            parts = [runs[i :: args.rounds] for i in range(args.rounds)]
            sequential, batches = 0.0, []
            for part in parts:
                batches.append(batch_seconds(runs, units, args.workers, tmp / "batch", ["html"]))
                sequential += sequential_seconds(part, notebook, tmp / "sequential")
            batches.append(batch_seconds(runs, units, args.workers, tmp / "batch", ["html"]))
            parallel = statistics.median(batches)
            when = "from" if units == "34" else "before"
            print(f"\n{n} reports (the {units} provinces {when} 1/7/2025):")
            print(f"  sequential papermill + nbconvert: {sequential:8.1f} s  ({sequential / n:.2f} s per report)")
            spread = f"median of {len(batches)}: {min(batches):.1f}-{max(batches):.1f} s"
            print(f"  govgap batch:                     {parallel:8.1f} s  ({parallel / n:.2f} s per report; {spread})")
            print(f"  ratio batch / sequential:         {parallel / sequential:8.3f}  (target <= 0.100)")
            if units == "34":
                with_pdf = batch_seconds(runs, units, args.workers, tmp / "batch", ["html", "pdf"])  # the default
                noop = noop_rerun_seconds(runs, tmp / "batch")  # the HTML and PDFs just made are unchanged
                print(f"  govgap batch with A4 PDFs:        {with_pdf:8.1f} s  ({with_pdf / n:.2f} s per report)")
                print(f"  no-op rerun of govgap reports:    {noop:8.2f} s  (target <= 2 s)")


if __name__ == "__main__":
    main()
