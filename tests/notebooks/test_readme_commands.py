"""Every command of the README, as written, in a throw-away project with the small sample.

Commands that render every province (34 to 68 reports, minutes each), open JupyterLab, run this
suite or time a benchmark are not run here: they are listed in ``NOT_RUN`` with the reason, and
are still parsed by govgap's own argument parser with every file they name checked to exist. A
command added to the README is run by this test unless it is added to that list.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from govgap import cli

ROOT = Path(__file__).resolve().parents[2]

NOT_RUN = {
    "make reports": "renders the 34 reports after setting up: what the two-command start does, minutes",
    "make test": "runs this test suite",
    "make lab": "opens JupyterLab and waits for a browser",
    "make help": "run by tests/project/test_project.py",
    "govgap reports --languages vi,en": "68 reports",
    "govgap reports --units 63 --years 2022": "63 reports",
    "govgap reports --years 2023,2024 --workers 2": "68 reports",
    "govgap reports --force": "re-renders every report",
    "python benchmarks/survey_speed.py": "a benchmark: timed by hand, not in the suite",
    "govgap reports --data-dir data/raw/2024": "needs the department's own data folder",
    "govgap indices --input data/raw/indices": "needs the official workbooks the department downloads",
}


def readme_commands() -> list[str]:
    """The commands of the README's bash blocks, without their comments."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    lines = []
    for block in re.findall(r"```bash\n(.*?)```", text, flags=re.S):
        for line in block.splitlines():
            command = re.sub(r"\s+#\s.*$", "", line).strip()
            if command:
                lines.append(command)
    return lines


def _key(command: str) -> str:
    return command.removeprefix(".venv/bin/")


def test_every_command_not_run_is_in_the_readme():
    keys = {_key(c) for c in readme_commands()}
    assert set(NOT_RUN) <= keys, set(NOT_RUN) - keys  # a stale entry would hide nothing, but says so


def _argv(command: str) -> list[str]:
    words = shlex.split(command)
    tool = words[0].removeprefix(".venv/bin/")
    if tool == "govgap":
        return [sys.executable, "-m", "govgap.cli", *words[1:]]
    if tool in ("papermill", "python"):
        return [sys.executable, *(["-m", "papermill"] if tool == "papermill" else []), *words[1:]]
    if tool == "make":
        return words
    raise AssertionError(f"README command of an unknown tool: {command}")


def test_every_readme_command_runs_as_written(isolated_home):
    home = isolated_home
    for folder in ("docs", "benchmarks"):  # what a clone has beside the notebooks
        if not (home / folder).exists():
            shutil.copytree(ROOT / folder, home / folder)
    env = {**os.environ, "GOVGAP_HOME": str(home), "PYTHONDONTWRITEBYTECODE": "1"}
    ran, parsed = [], []
    for command in readme_commands():
        argv = _argv(command)
        if _key(command) in NOT_RUN:
            if argv[0] == sys.executable and argv[2:3] == ["govgap.cli"]:
                cli.build_parser().parse_args(argv[3:])  # the options exist as written
            elif argv[0] == "make":
                assert re.search(rf"^{argv[1]}:", (ROOT / "Makefile").read_text(encoding="utf-8"), flags=re.M)
            else:
                assert (ROOT / argv[1]).exists(), command
            for word in shlex.split(command):  # a file the project ships must be there
                assert not re.match(r"(docs|notebooks|benchmarks)/", word) or (ROOT / word).exists(), (command, word)
            parsed.append(command)
            continue
        done = subprocess.run(argv, cwd=home, env=env, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, f"{command}\n{done.stdout[-1500:]}\n{done.stderr[-1500:]}"
        assert "Traceback" not in done.stdout + done.stderr, command
        ran.append(command)
    assert len(ran) >= 15 and len(parsed) == len(NOT_RUN)
    # what the commands that ran left behind, as the README says
    assert (home / "reports" / "2024" / "ninh-binh.vi.pdf").exists()  # "Nam Định" is Ninh Bình now
    assert sorted(p.name for p in (home / "reports" / "email").glob("*.eml")) == [
        "ha-noi.vi.eml",
        "ho-chi-minh.en.eml",
    ]
    assert (home / "data" / "raw" / "sample-seed7" / "dossiers" / "2024").is_dir()
    assert (home / "out.ipynb").exists()


@pytest.mark.parametrize("command", [c for c in readme_commands() if c.startswith(".venv/bin/govgap")])
def test_every_readme_govgap_command_parses(command):
    """A quick check of the options alone (the slow test above runs them)."""
    cli.build_parser().parse_args(shlex.split(command)[1:])
