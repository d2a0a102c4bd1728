"""Project paths, anchored at the project root so that notebooks, the CLI and tests work from
any working directory. Override the root with the environment variable GOVGAP_HOME."""

from __future__ import annotations

import os
from pathlib import Path

SAMPLE_DATA = Path("data/raw/sample")
PROCESSED = Path("data/processed")
REPORTS = Path("reports")
NOTEBOOKS = Path("notebooks")


def _is_root(folder: Path) -> bool:
    marker = folder / "pyproject.toml"
    return marker.is_file() and 'name = "govgap"' in marker.read_text(encoding="utf-8")


def project_root() -> Path:
    """GOVGAP_HOME if set; else the nearest folder above the working directory, or above this
    package (an editable install), that holds govgap's pyproject.toml; else the working directory."""
    if os.environ.get("GOVGAP_HOME"):
        return Path(os.environ["GOVGAP_HOME"]).resolve()
    for start in (Path.cwd().resolve(), Path(__file__).resolve().parent):
        for folder in (start, *start.parents):
            if _is_root(folder):
                return folder
    return Path.cwd().resolve()


def resolve(path: str | Path) -> Path:
    """An absolute path as is; a relative one taken from the project root."""
    path = Path(path).expanduser()
    return path if path.is_absolute() else project_root() / path
