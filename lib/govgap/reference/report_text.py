"""The report's sentences in Vietnamese and English (``govgap/data/report_text.yaml``), the
quarantine's reasons in Vietnamese (``govgap/data/quarantine_reasons.csv``) and what an unreadable
file's message means in Vietnamese (``govgap/data/file_errors.csv``)."""

from __future__ import annotations

import csv
import io
import re
from functools import lru_cache
from importlib import resources

import yaml


@lru_cache(maxsize=1)
def _texts() -> dict:
    with resources.files("govgap.data").joinpath("report_text.yaml").open("rb") as fh:
        # libyaml's loader when PyYAML has it: the pure-Python one takes 0.5 s for this file
        return yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def text(key: str, lang: str, **values) -> str:
    """Report text in ``lang`` with placeholders filled (values are inserted as given)."""
    entry = _texts()[key]
    return entry.get(lang, entry["vi"]).format(**values)


@lru_cache(maxsize=1)
def _reasons_vi() -> list[tuple[str, str]]:
    text_ = resources.files("govgap.data").joinpath("quarantine_reasons.csv").read_text(encoding="utf-8")
    rows = [(r["starts_with"], r["vi"]) for r in csv.DictReader(io.StringIO(text_))]
    return sorted(rows, key=lambda r: -len(r[0]))  # the longest beginning that fits wins


def quarantine_reason(reason: str, lang: str) -> str:
    """A quarantine reason as the readers write it (English, with the column and what to do) in the
    report's language: Vietnamese from the table, the reader's own words kept in brackets after it
    (they name the column); a reason the table does not know is shown as written."""
    if lang != "vi" or not isinstance(reason, str):
        return reason
    for start, vi in _reasons_vi():
        if reason.startswith(start):
            return vi + "".join(f" ({part})" for part in _details(reason[len(start) :]))
    return reason


def _details(rest: str) -> list[str]:
    """What a reader's reason says after its fixed beginning that a Vietnamese reader needs: the
    column's own header (Vietnamese text in brackets), field counts and ranges."""
    out = [f"dòng {m}" for m in re.findall(r"^\s*(\d+)$", rest)]  # "the same figures as row 12"
    for inner in re.findall(r"\(([^()]*)\)", rest):
        fields = re.fullmatch(r"(\d+) for (\d+) columns", inner)
        if fields:
            out.append(f"{fields.group(1)} ô, tiêu đề có {fields.group(2)} cột")
        elif re.search(r"\d+-\d+", inner) and "outside" in inner:
            out.append("ngoài khoảng " + re.search(r"\d+-\d+", inner).group(0))
        elif re.search(r"[^\x00-\x7f]", inner):  # a header as the export writes it
            out.append(re.sub(r"^column ", "cột ", inner))
    return out


@lru_cache(maxsize=1)
def _file_errors_vi() -> list[tuple[str, str]]:
    text_ = resources.files("govgap.data").joinpath("file_errors.csv").read_text(encoding="utf-8")
    return [(r["contains"], r["vi"]) for r in csv.DictReader(io.StringIO(text_))]


def file_error(message: str, lang: str) -> str:
    """An unreadable file's message (English, as the command line prints it: the file, the row and
    column, what to do) in the report's language: in Vietnamese, the table's sentence for the
    first fragment of the table it contains, with the reader's own words after it (they name the
    row, the column and the value); a message the table does not know is shown as written."""
    if lang != "vi" or not isinstance(message, str):
        return message
    for fragment, vi in _file_errors_vi():
        if fragment in message:
            return f"{vi}. Nguyên văn: {message}"
    return message
