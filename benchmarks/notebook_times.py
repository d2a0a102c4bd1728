"""Each notebook's run-all on its defaults, as papermill runs it (target <= 10 s a notebook on 2 cores).

    .venv/bin/python benchmarks/notebook_times.py

The data are prepared first (a first run after a code change re-cleans them: not what is timed).
Printed: each notebook's median seconds over ``--repeat`` runs (3; a virtual machine's disk waits
make single runs vary by a second or two) and its ratio to the target.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from govgap.paths import SAMPLE_DATA, project_root
from govgap.pipeline import inputs, store

TARGET_S = 10.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per notebook; the median is printed")
    repeat = parser.parse_args().repeat
    root = project_root()
    store.prepare(inputs.ensure_data(SAMPLE_DATA), progress=False)
    with tempfile.TemporaryDirectory() as tmp:
        for notebook in sorted((root / "notebooks").glob("*.ipynb")):
            times, status = [], "ok"
            for _ in range(repeat):
                start = time.perf_counter()
                done = subprocess.run(
                    [sys.executable, "-m", "papermill", str(notebook), str(Path(tmp) / notebook.name), "-k", "python3"],
                    cwd=root,
                    capture_output=True,
                    text=True,
                )
                times.append(time.perf_counter() - start)
                status = status if done.returncode == 0 else "FAILED"
            seconds = statistics.median(times)
            ratio = seconds / TARGET_S
            spread = f"{min(times):.1f}-{max(times):.1f}"
            print(
                f"{notebook.name:<32} {seconds:6.1f} s  ratio {ratio:5.2f}  (target <= {TARGET_S:.0f} s; "
                f"median of {repeat}, {spread} s)  {status}"
            )


if __name__ == "__main__":
    main()
