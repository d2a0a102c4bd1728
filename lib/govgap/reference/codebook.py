"""The survey codebook: which column holds which item, its codes and labels, and which items make
an indicator (``govgap/data/codebook_papi_sample.yaml`` or a user's own YAML).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from govgap.errors import CodebookError, reading
from govgap.reference.catalogue import indicators
from govgap.reference.text import nfc

MEASURES = ("share", "mean")
DEMOGRAPHICS = ("district", "commune", "sex", "age", "ethnicity", "urban")
SAMPLE_CODEBOOK = "codebook_papi_sample.yaml"


def label_key(text) -> str:
    """Labels are compared after NFC, trimming, case folding and inner white space collapsed."""
    return re.sub(r"\s+", " ", nfc(text)).casefold()


def _code_labels(spec, where: str) -> dict[int, list[str]]:
    if not isinstance(spec, dict) or not spec:
        raise CodebookError(f"{where}: expected a mapping code -> label, got {spec!r}")
    out = {}
    for code, labels in spec.items():
        try:
            code = int(code)
        except (TypeError, ValueError):
            raise CodebookError(f"{where}: code {code!r} is not a whole number") from None
        labels = labels if isinstance(labels, list) else [labels]
        out[code] = [nfc(str(lbl)) for lbl in labels]
    return out


@dataclass
class Item:
    """One questionnaire item mapped to a catalogue indicator."""

    indicator_id: str
    column: str
    question: str
    codes: dict[int, list[str]]
    measure: str
    positive: tuple[int, ...] = ()
    reverse: bool = False
    ask_if: dict[str, list[int]] = field(default_factory=dict)

    @property
    def lo(self) -> int:
        return min(self.codes)

    @property
    def hi(self) -> int:
        return max(self.codes)


@dataclass
class Codebook:
    """A questionnaire's codebook (see ``codebook_papi_sample.yaml`` for every key)."""

    name: str
    path: str
    design: dict[str, list[str] | str]
    demographics: dict[str, dict]
    personal_data: list[str]
    missing: dict[int, str]
    missing_labels: dict[int, list[str]]
    items: list[Item]
    filters: list[Item]

    def item(self, indicator_id: str) -> Item:
        for it in self.items:
            if it.indicator_id == indicator_id:
                return it
        raise KeyError(f"{indicator_id} is not in codebook {self.path}")

    @property
    def item_ids(self) -> list[str]:
        return [it.indicator_id for it in self.items]

    def table(self) -> pd.DataFrame:
        """One row per item: indicator, column, measure, valid codes, positive codes, ask_if."""
        return pd.DataFrame(
            [
                {
                    "indicator_id": it.indicator_id,
                    "column": it.column,
                    "measure": it.measure,
                    "codes": ", ".join(f"{c}={lbls[0]}" for c, lbls in it.codes.items()),
                    "positive": ", ".join(map(str, it.positive)),
                    "reverse": it.reverse,
                    "ask_if": "; ".join(f"{k} in {v}" for k, v in it.ask_if.items()),
                    "question": it.question,
                }
                for it in self.items
            ]
        )

    def label_codes(self, item: Item) -> dict[str, int]:
        """Folded label -> code for an item's answers and the missing codes."""
        out = {}
        for code, labels in {**self.missing_labels, **item.codes}.items():
            for lbl in labels:
                out[label_key(lbl)] = code
        return out


def sample_codebook_path() -> Path:
    return Path(str(resources.files("govgap.data").joinpath(SAMPLE_CODEBOOK)))


def _parse_item(spec: dict, sets: dict, where: str, needs_indicator: bool) -> Item:
    if not isinstance(spec, dict):
        raise CodebookError(f"{where}: expected a mapping, got {spec!r}")
    ind = spec.get("indicator")
    if needs_indicator:
        if not ind:
            raise CodebookError(f"{where}: 'indicator' is missing")
        if ind not in indicators().index:
            raise CodebookError(f"{where}: indicator {ind!r} is not in the catalogue (lib/govgap/data/indicators.csv)")
    column = spec.get("column")
    if not column:
        raise CodebookError(f"{where}: 'column' is missing")
    answers = spec.get("answers")
    if isinstance(answers, str):
        if answers not in sets:
            raise CodebookError(f"{where}: answer set {answers!r} is not defined under answer_sets")
        codes = sets[answers]
    else:
        codes = _code_labels(answers, f"{where}.answers")
    measure = spec.get("measure", "share" if needs_indicator else "none")
    if needs_indicator and measure not in MEASURES:
        raise CodebookError(f"{where}: measure must be one of {MEASURES}, got {measure!r}")
    positive = tuple(int(c) for c in spec.get("positive", []) or [])
    if measure == "share" and not positive:
        raise CodebookError(f"{where}: a 'share' item needs 'positive' (the codes it counts)")
    if set(positive) - set(codes):
        raise CodebookError(f"{where}: positive codes {sorted(set(positive) - set(codes))} are not answers")
    ask_if = {
        str(k): [int(c) for c in (v if isinstance(v, list) else [v])] for k, v in (spec.get("ask_if") or {}).items()
    }
    return Item(
        indicator_id=ind or column,
        column=str(column),
        question=nfc(spec.get("question", "")),
        codes=codes,
        measure=measure,
        positive=positive,
        reverse=bool(spec.get("reverse", False)),
        ask_if=ask_if,
    )


@lru_cache(maxsize=16)
def _load_codebook(path: str, mtime: float) -> Codebook:
    try:
        spec = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise CodebookError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(spec, dict):
        raise CodebookError(f"{path}: expected a mapping at the top level")
    for key in ("design", "items"):
        if key not in spec:
            raise CodebookError(f"{path}: key '{key}' is missing")
    design = dict(spec["design"])
    for key in ("id", "province", "strata", "psu", "weight"):
        if not design.get(key):
            raise CodebookError(f"{path}: design.{key} is missing (the column holding it)")
    design["province"] = design["province"] if isinstance(design["province"], list) else [design["province"]]
    ratio = design.get("max_weight_ratio", 100)
    if isinstance(ratio, bool) or not isinstance(ratio, int | float) or not ratio > 1:
        raise CodebookError(f"{path}: design.max_weight_ratio must be a number above 1 (it is {ratio!r})")
    demographics = {}
    for name, dspec in (spec.get("demographics") or {}).items():
        if name not in DEMOGRAPHICS:
            raise CodebookError(f"{path}: demographics.{name}: unknown (use {', '.join(DEMOGRAPHICS)})")
        if not isinstance(dspec, dict) or "column" not in dspec:
            raise CodebookError(f"{path}: demographics.{name}.column is missing")
        dspec = dict(dspec)
        if "codes" in dspec:
            dspec["codes"] = _code_labels(dspec["codes"], f"{path}: demographics.{name}.codes")
        demographics[name] = dspec
    missing_spec = spec.get("missing_codes") or {}
    missing = {int(c): str(v.get("meaning", "missing")) for c, v in missing_spec.items()}
    missing_labels = {int(c): [nfc(str(x)) for x in (v.get("labels") or [])] for c, v in missing_spec.items()}
    sets = {name: _code_labels(s, f"{path}: answer_sets.{name}") for name, s in (spec.get("answer_sets") or {}).items()}
    items = [_parse_item(s, sets, f"{path}: items[{i}]", True) for i, s in enumerate(spec["items"])]
    filters = [_parse_item(s, sets, f"{path}: filters[{i}]", False) for i, s in enumerate(spec.get("filters") or [])]
    seen = {}
    for it in items:
        if it.indicator_id in seen:
            raise CodebookError(
                f"{path}: indicator {it.indicator_id} is mapped twice (columns {seen[it.indicator_id]} and {it.column})"
            )
        seen[it.indicator_id] = it.column
        if set(it.codes) & set(missing):
            raise CodebookError(
                f"{path}: item {it.indicator_id}: codes {sorted(set(it.codes) & set(missing))} are also missing codes"
            )
    known = {it.column for it in items + filters}
    for it in items:
        for col in it.ask_if:
            if col not in known:
                raise CodebookError(f"{path}: item {it.indicator_id}: ask_if column {col!r} is not an item or filter")
    return Codebook(
        name=str(spec.get("name", Path(path).stem)),
        path=str(path),
        design=design,
        demographics=demographics,
        personal_data=[str(c) for c in spec.get("personal_data") or []],
        missing=missing,
        missing_labels=missing_labels,
        items=items,
        filters=filters,
    )


def load_codebook(path: str | Path | Codebook | None = None) -> Codebook:
    """Read and check a codebook (YAML). ``None``: the sample questionnaire's codebook."""
    if isinstance(path, Codebook):
        return path
    path = Path(path) if path else sample_codebook_path()
    if not path.exists():
        raise CodebookError(f"Codebook {path} does not exist", file=path.name)
    with reading(path.name):  # each fault's message names the key; the error names the file too
        return _load_codebook(str(path), path.stat().st_mtime)


def codebook_for(folder: str | Path, year: int | None = None) -> Codebook:
    """The codebook of a survey folder: ``codebook_<year>.yaml``, else ``codebook.yaml``, else
    the sample questionnaire's."""
    folder = Path(folder)
    for name in ([f"codebook_{year}.yaml"] if year else []) + ["codebook.yaml"]:
        if (folder / name).exists():
            return load_codebook(folder / name)
    return load_codebook(None)


def survey_items() -> pd.DataFrame:
    """The sample questionnaire's items (from its codebook) in the layout the sample generator
    uses: indicator_id, column, kind (yesno/score), positive_code, condition_column/_code."""

    rows = []
    for it in load_codebook(None).items:
        cond = next(iter(it.ask_if.items()), (None, [None]))
        rows.append(
            {
                "indicator_id": it.indicator_id,
                "column": it.column,
                "kind": "yesno" if it.measure == "share" else "score",
                "positive_code": it.positive[0] if it.positive else np.nan,
                "condition_column": cond[0],
                "condition_code": cond[1][0],
            }
        )
    return pd.DataFrame(rows)
