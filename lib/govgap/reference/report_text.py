"""The report's sentences in Vietnamese and English (``govgap/data/report_text.yaml``)."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import yaml


@lru_cache(maxsize=1)
def _texts() -> dict:
    with resources.files("govgap.data").joinpath("report_text.yaml").open("rb") as fh:
        return yaml.safe_load(fh)


def text(key: str, lang: str, **values) -> str:
    """Report text in ``lang`` with placeholders filled (values are inserted as given)."""
    entry = _texts()[key]
    return entry.get(lang, entry["vi"]).format(**values)
