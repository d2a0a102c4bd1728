"""Batch speed: govgap's parallel batch against plain papermill + nbconvert, one after another.

    .venv/bin/python benchmarks/batch_vs_sequential.py                # all 34 provinces (~8 min)
    .venv/bin/python benchmarks/batch_vs_sequential.py --provinces 10  # a quicker estimate

Both render the same report notebook on the sample data into a temporary folder, as HTML (like
for like: the sequential side makes no PDF). Printed: the sequential time, the batch time and their
ratio (target <= 0.10 on 2 cores for a full batch), what the A4 PDFs add to the batch (its default),
and the time of a no-op rerun of `govgap reports` as a user types it (target <= 2 s).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from govgap.paths import SAMPLE_DATA, project_root
from govgap.pipeline import inputs, store
from govgap.publish import batch
from govgap.reference.provinces import provinces_2025


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--provinces", type=int, default=34, help="how many of the 34 provinces (default all)")
    parser.add_argument("--year", type=int, default=2024)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()

    root = project_root()
    data = inputs.ensure_data(SAMPLE_DATA)
    store.prepare(data, progress=False)  # both sides start from prepared data
    names = list(provinces_2025()["name_vi"])[: args.provinces]  # the reporting units: one report each
    notebook = root / "notebooks" / "province_report.ipynb"

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        start = time.perf_counter()
        for i, name in enumerate(names):
            out = tmp / "sequential" / f"{i:02d}.ipynb"
            out.parent.mkdir(parents=True, exist_ok=True)
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "papermill",
                    str(notebook),
                    str(out),
                    "-k",
                    "python3",
                    "-p",
                    "province",
                    name,
                    "-p",
                    "year",
                    str(args.year),
                    "-p",
                    "language",
                    "vi",
                    "-p",
                    "data_dir",
                    str(SAMPLE_DATA),
                    "--cwd",
                    str(root / "notebooks"),
                ],
                check=True,
                capture_output=True,
            )
            subprocess.run(
                [sys.executable, "-m", "jupyter", "nbconvert", "--to", "html", "--no-input", str(out)],
                check=True,
                capture_output=True,
            )
        sequential = time.perf_counter() - start

        def timed_batch(formats):
            start = time.perf_counter()
            manifest = batch.run_batch(
                years=[args.year],
                languages=["vi"],
                province_names=names,
                data_dir=str(SAMPLE_DATA),
                workers=args.workers,
                force=True,
                reports_dir=tmp / "batch",
                progress=False,
                formats=formats,
            )
            failed = [r for r in manifest["runs"] if r["status"] != "ok"]
            if failed:
                sys.exit(f"{len(failed)} batch run(s) failed: {failed[0]['error']}")
            return time.perf_counter() - start

        parallel = timed_batch(["html"])  # like for like: the sequential side makes HTML only
        with_pdf = timed_batch(["html", "pdf"])  # the default

        names_arg = ",".join(names)
        start = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "govgap.cli",
                "reports",
                "--years",
                str(args.year),
                "--provinces",
                names_arg,
                "--reports-dir",
                str(tmp / "batch"),
            ],  # the HTML and the PDFs of the last batch are there and unchanged
            check=True,
            capture_output=True,
        )
        noop = time.perf_counter() - start

    n = len(names)
    print(f"provinces: {n}, workers: {args.workers}, cores: {os.cpu_count()}")
    print(f"sequential papermill + nbconvert: {sequential:8.1f} s  ({sequential / n:.2f} s per report)")
    print(f"govgap batch:                     {parallel:8.1f} s  ({parallel / n:.2f} s per report)")
    print(f"ratio batch / sequential:         {parallel / sequential:8.3f}  (target <= 0.100)")
    print(f"govgap batch with A4 PDFs:        {with_pdf:8.1f} s  ({with_pdf / n:.2f} s per report, the default)")
    print(f"no-op rerun of govgap reports:    {noop:8.2f} s  (target <= 2 s)")


if __name__ == "__main__":
    main()
