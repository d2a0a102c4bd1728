"""Times of the govgap command that a new user meets, against their targets, printed as ratios
(time / target; at most 1.00 meets it). Each runs as the user would run it, in a fresh process:

- ``govgap indices`` on every official workbook in ../shared/data (target 10 s);
- ``govgap sample-data`` into an empty folder (target 30 s);
- a fresh project's first single-province report, ``govgap reports --provinces "Nam Định"`` right
  after setup, sample data and preparation included (target 60 s);
- the same command again with nothing changed (target 2 s).

The batch against papermill + nbconvert one after another is ``benchmarks/batch_vs_sequential.py``.

    .venv/bin/python benchmarks/command_targets.py [--skip-first-report] [--tiny]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOVGAP = [sys.executable, "-m", "govgap.cli"]
# as on a user's machine, Python keeps the compiled modules (some shells switch that off)
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def timed(args: list[str], env: dict | None = None, cwd: Path | None = None) -> float:
    start = time.perf_counter()
    done = subprocess.run(args, env=env or ENV, cwd=cwd, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode not in (0, 1):
        sys.exit(f"{' '.join(args)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return seconds


def fresh_project(folder: Path) -> dict:
    """A throw-away project root (GOVGAP_HOME) with the notebooks, as a fresh clone has them."""
    folder.mkdir(parents=True)
    (folder / "pyproject.toml").write_text('[project]\nname = "govgap"\n', encoding="utf-8")
    shutil.copytree(ROOT / "notebooks", folder / "notebooks")
    (folder / "data" / "raw").mkdir(parents=True)
    return {**ENV, "GOVGAP_HOME": str(folder)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--skip-first-report", action="store_true")
    parser.add_argument(
        "--tiny", action="store_true", help="small sample data, no report (checks that the script runs)"
    )
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if Path(args.shared).is_dir():
            seconds = timed([*GOVGAP, "indices", "--input", args.shared, "--out", str(tmp / "indices")])
            rows.append(("govgap indices (every workbook in ../shared/data)", seconds, 10))
        tiny = ["--dossier-years", "2024", "--dossiers-per-file", "200"] if args.tiny else []
        seconds = timed([*GOVGAP, "sample-data", "--out", str(tmp / "sample"), *tiny])
        rows.append(("govgap sample-data (empty folder)", seconds, 30))
        if not (args.skip_first_report or args.tiny):
            env = fresh_project(tmp / "project")
            command = [*GOVGAP, "reports", "--provinces", "Nam Định", "--workers", "2"]
            rows.append(("first report of a fresh project", timed(command, env, tmp / "project"), 60))
            rows.append(("the same again, nothing changed", timed(command, env, tmp / "project"), 2))
    width = max(len(r[0]) for r in rows)
    print(f"{'command':<{width}}  seconds  target  ratio")
    for name, seconds, target in rows:
        print(f"{name:<{width}}  {seconds:7.1f}  {target:6.0f}  {seconds / target:5.2f}")


if __name__ == "__main__":
    main()
