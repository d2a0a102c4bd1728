"""Project hygiene: dependencies agree, notebooks are stored clean, README and Makefile agree."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def _name(spec: str) -> str:
    return re.split(r"[<>=!~ \[]", spec.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pip_specs = project["dependencies"] + project["optional-dependencies"]["test"]
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    conda_specs = [d for d in env["dependencies"] if isinstance(d, str)]
    # R and its survey package (the survey cross-check) are not Python packages: pip has them
    # from Debian (`make r-survey`), conda from conda-forge
    conda = {
        _name(s): s.replace(" ", "") for s in conda_specs if _name(s) not in ("python", "pip", "r-base", "r-survey")
    }
    assert {"r-base", "r-survey"} <= {_name(s) for s in conda_specs}
    pip = {_name(s): s.replace(" ", "") for s in pip_specs}
    assert conda == pip
    assert "conda-forge" in env["channels"]
    python = [s for s in conda_specs if _name(s) == "python"][0]
    assert python.replace(" ", "") == "python" + project["requires-python"]


def test_notebooks_are_stored_without_outputs():
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    assert notebooks
    for path in notebooks:
        nb = json.loads(path.read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            if cell["cell_type"] == "code":
                assert cell["outputs"] == [] and cell["execution_count"] is None, path.name
        params = [c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
        assert len(params) == 1, f"{path.name}: one cell tagged 'parameters'"
        source = "".join(params[0]["source"])
        for line in filter(None, source.splitlines()):  # plain literal defaults only
            assert re.fullmatch(r"\w+ = (\"[^\"]*\"|\d+|True|False)", line), line


def test_make_help_lists_every_target_and_readme_commands_exist():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([a-z][a-z-]*):", makefile, flags=re.M))
    documented = set(re.findall(r"^([a-z][a-z-]*):.*## ", makefile, flags=re.M))
    assert targets == documented
    help_text = subprocess.run(["make", "-s", "help"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    for target in targets:
        assert f"make {target}" in help_text
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for target in re.findall(r"^make ([a-z-]+)", readme, flags=re.M):
        assert target in targets, target
    assert (ROOT / ".ci/run").read_text(encoding="utf-8").strip().endswith("make test")
    cli_help = subprocess.run(
        [sys.executable, "-m", "govgap.cli", "--help"], capture_output=True, text=True, check=True
    ).stdout
    commands = set(re.findall(r"(?:^|`)(?:\.venv/bin/)?govgap ([a-z][a-z-]*)", readme, flags=re.M))
    assert {"reports", "sample-data", "indices", "provinces"} <= commands  # the commands are found at all
    for command in commands:
        assert command in cli_help, command


def test_dossier_benchmark_runs_and_prints_its_ratios():
    """The benchmark script works end to end (tiny sizes; the times themselves are not tested)."""
    out = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "dossier_speed.py"),
            "--rows",
            "3000",
            "--xlsx-rows",
            "300",
            "--repeat",
            "1",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert re.search(r"CSV 3,000 rows .* -> ratio \d+\.\d\d \(target <= 3\)", out.stdout), out.stdout
    assert re.search(r"kept [\d,]+ \+ quarantined [\d,]+ = read 3,000; peak memory govgap [\d,]+ MB", out.stdout)
    assert re.search(
        r"best of 1 runs each, taking turns; slowest runs: pandas \d+\.\d\d s, govgap \d+\.\d\d s", out.stdout
    ), out.stdout
    assert re.search(r"xlsx 300 rows: .* -> ratio \d+\.\d\d \(target <= 1\.2\)", out.stdout), out.stdout


def test_survey_benchmark_runs_and_prints_its_ratio():
    out = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "survey_speed.py"),
            "--respondents",
            "600",
            "--items",
            "4",
            "--repeat",
            "1",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert "600 respondents x 4 items, 63 provinces" in out.stdout
    assert re.search(
        r"estimates with SE, CI, deff: [\d.]+ s \(252 estimates\)\s+target <= 5 s: (met|MISSED)", out.stdout
    ), out.stdout
    assert re.search(r"ratio: [\d.]+", out.stdout)


def test_ruff_lint_and_format_are_clean():
    """The configuration is in pyproject.toml; `ruff check --fix` and `ruff format` fix most of it."""
    ruff = [sys.executable, "-m", "ruff"]
    paths = ["lib", "tests", "benchmarks", "tools"]
    lint = subprocess.run([*ruff, "check", "--no-cache", *paths], cwd=ROOT, capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    form = subprocess.run([*ruff, "format", "--check", "--no-cache", *paths], cwd=ROOT, capture_output=True, text=True)
    assert form.returncode == 0, form.stdout + form.stderr


def test_command_benchmark_runs_and_prints_its_ratios(shared_data):
    """benchmarks/command_targets.py works end to end (tiny sample; the times are not tested)."""
    out = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "command_targets.py"), "--tiny", "--shared", str(shared_data)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    lines = out.splitlines()
    assert lines[0].split() == ["command", "seconds", "target", "ratio"]
    assert [line.split()[0] + " " + line.split()[1] for line in lines[1:]] == ["govgap indices", "govgap sample-data"]
    assert all(float(line.split()[-1]) > 0 for line in lines[1:])
