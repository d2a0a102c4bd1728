"""Shared fixtures. Tests that need ../shared/data fail (not skip) when CI is set and it is missing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from govgap.pipeline import sample

ROOT = Path(__file__).resolve().parents[1]


def _shared_dir() -> Path:
    env = os.environ.get("GOVGAP_SHARED_DATA")
    return Path(env) if env else ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The public reference files (../shared/data); required in CI."""
    path = _shared_dir()
    if not path.is_dir():
        message = f"reference data not found at {path} (set GOVGAP_SHARED_DATA)"
        if os.environ.get("CI"):
            pytest.fail(message + "; it is required when CI is set")
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def real_indices(shared_data):
    """Every official PAPI and PCI workbook in ../shared/data, loaded once for the session."""
    from govgap.sources.indices import load_files

    files = sorted(shared_data.glob("papi_*/*.xls*")) + sorted(shared_data.glob("pci_vcci/*.xls*"))
    assert len(files) == 25
    return load_files(files)


@pytest.fixture(scope="session")
def small_sample(tmp_path_factory) -> Path:
    """A small sample set: all survey years, dossier exports for four
    provinces in 2024 with 1,500 rows each (Nam Định, built with slow land offices, among them)."""

    out = tmp_path_factory.mktemp("data") / "sample"
    sample.generate(
        out,
        seed=11,
        dossier_years=(2024,),
        dossiers_per_file=1500,
        provinces_subset=["01", "36", "66", "79"],
        workers=2,
        progress=False,
    )
    return out


@pytest.fixture(scope="session")
def sample_tables(tmp_path_factory) -> Path:
    """Simulated PAPI and PCI tables in the official layouts (``indices/``), for the readers'
    tests: the sample writes them only when asked, govgap ships the published figures."""
    out = tmp_path_factory.mktemp("tables") / "sample"
    editions_of_63 = tuple(y for y in sample.SURVEY_YEARS if y < 2025)  # the 2025 edition: with_2025_edition
    sample.generate(out, seed=11, dossier_years=(), index_years=editions_of_63, workers=1, progress=False)
    return out


@pytest.fixture(scope="session")
def simulated_sample(tmp_path_factory, small_sample, sample_tables) -> Path:
    """The small sample with the simulated PAPI and PCI tables of the same survey (seed 11): every
    input simulated, as the sample was before govgap shipped the published figures."""
    out = tmp_path_factory.mktemp("simulated") / "simulated"  # its own processed folder
    out.mkdir()
    for name in ("survey", "dossiers", "context", sample.MANIFEST):
        (out / name).symlink_to(small_sample / name)
    (out / "indices").symlink_to(sample_tables / "indices", target_is_directory=True)
    return out


@pytest.fixture(scope="session")
def isolated_home(tmp_path_factory, small_sample):
    """A throw-away project root (GOVGAP_HOME) so processed data and reports go to tmp."""
    home = tmp_path_factory.mktemp("home")
    (home / "pyproject.toml").write_text('[project]\nname = "govgap"\n', encoding="utf-8")
    (home / "notebooks").mkdir()
    for nb in (ROOT / "notebooks").glob("*.ipynb"):
        (home / "notebooks" / nb.name).write_bytes(nb.read_bytes())
    (home / "data" / "raw").mkdir(parents=True)
    (home / "data" / "raw" / "sample").symlink_to(small_sample, target_is_directory=True)
    old = os.environ.get("GOVGAP_HOME")
    os.environ["GOVGAP_HOME"] = str(home)
    yield home
    if old is None:
        os.environ.pop("GOVGAP_HOME", None)
    else:
        os.environ["GOVGAP_HOME"] = old
