"""Province registry: the 63 provinces in force until 30 June 2025, the 34 from 1 July 2025,
the crosswalk between them, and ``find_province`` for the spellings real files use.

The tables live in ``govgap/data/*.csv`` (the project's own table of facts); docs/data_log.md
says where each comes from and the real-data tests check them against those public files.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import pandas as pd

from govgap.errors import MergedProvinceError, OptionError, ProvinceNotFoundError, RetiredProvinceError
from govgap.reference.text import UNKNOWN_CHAR, fold, repair

__all__ = [
    "Province",
    "ProvinceNotFoundError",
    "RetiredProvinceError",
    "find_province",
    "find_province_2025",
    "provinces",
    "provinces_2025",
    "crosswalk_2025",
    "regions",
    "province",
]


@dataclass(frozen=True)
class Province:
    """One province. ``code`` is the 2-digit GSO code as text ("01"); ``None`` for Hà Bắc."""

    code: str | None
    name_vi: str
    name_ascii: str
    slug: str
    region: str | None = None
    pci_id: int | None = None
    new_code: str | None = None
    current: bool = True
    successor_codes: tuple[str, ...] = ()
    note: str = ""


def _read(name: str) -> pd.DataFrame:
    with resources.files("govgap.data").joinpath(name).open("rb") as fh:
        return pd.read_csv(fh, dtype=str, keep_default_na=False)


@lru_cache(maxsize=1)
def provinces() -> pd.DataFrame:
    """The 63 provinces in force until 30 June 2025, one row each, ordered by GSO code.

    Columns: code, name_vi, name_ascii, slug, kind (Tỉnh / Thành phố), region (code of the
    six socio-economic regions), pci_id (VCCI's province id), new_code (province from 1 July 2025).
    """
    table = _read("provinces_63.csv")
    table["pci_id"] = table["pci_id"].astype(int)
    return table


@lru_cache(maxsize=1)
def provinces_2025() -> pd.DataFrame:
    """The 34 provinces in force from 1 July 2025 (Resolution 202/2025/QH15)."""
    return _read("provinces_34.csv")


@lru_cache(maxsize=1)
def regions() -> pd.DataFrame:
    """The six socio-economic regions with Vietnamese and English names."""
    return _read("regions.csv")


@lru_cache(maxsize=1)
def population_2019() -> pd.Series:
    """Population (thousands, 2019 census) of the 63 provinces, by pre-2025 GSO code."""
    table = _read("population_2019.csv")
    return table.set_index("code")["population_thousands"].astype(float)


def crosswalk_2025() -> pd.DataFrame:
    """Old-to-new crosswalk: one row per old province with old and new codes and names."""
    return _crosswalk_2025().copy()  # a copy: the caller may change it, the next caller gets it as it is


@lru_cache(maxsize=1)
def _crosswalk_2025() -> pd.DataFrame:  # a merge asked for some 20 times a report: made once
    old = provinces()[["code", "name_vi", "new_code"]].rename(columns={"code": "old_code", "name_vi": "old_name_vi"})
    new = provinces_2025()[["code", "name_vi"]].rename(columns={"code": "new_code", "name_vi": "new_name_vi"})
    return old.merge(new, on="new_code", how="left", validate="many_to_one")


def members_2025(new_code: str) -> list[str]:
    """The pre-2025 GSO codes of the provinces that make the 2025 province ``new_code``."""
    cross = crosswalk_2025()
    return sorted(cross.loc[cross["new_code"] == new_code, "old_code"])


def derived_from_members(new_code: str, edition: int) -> bool:
    """Whether the 2025 province ``new_code``'s figures of ``edition`` are made from its members'
    published ones (scores averaged, standard errors combined): a merged province on an edition
    of the 63 provinces."""
    return int(edition) < FIRST_34_EDITION and len(members_2025(new_code)) > 1


_PREFIXES = re.compile(r"^\?*\s*(?:tinh|thanh pho|thu do|tp|t p|city of|province of)\s+", re.I)
_SUFFIXES = re.compile(r"\s+(?:province|city|tinh|cu)$", re.I)


def _encode(text: str) -> str:
    """Spelling skeleton: ASCII letters stay lower case, letters that carried diacritics become
    their folded upper-case letter, unknown characters "?", everything else a space; prefixes
    such as "Tỉnh", "Thành phố", "TP." and suffixes such as "(cũ)" removed.

    ``_encode("TP. Hồ Chí Minh") == "hO chI minh"``. Keeping the ASCII/non-ASCII distinction
    lets a lost character match only a letter that had a diacritic, as garbling never loses
    plain ASCII.
    """
    out = []
    for ch in repair(text).lower():
        if ch == UNKNOWN_CHAR:
            out.append("?")
        elif ch.isascii():
            out.append(ch if ch.isalnum() else " ")
        elif ch.isalpha():
            out.append(fold(ch).upper() or " ")
        else:
            out.append(" ")
    encoded = " ".join("".join(out).split())
    for _ in range(2):
        encoded = _SUFFIXES.sub("", _PREFIXES.sub("", encoded))
    return encoded.strip()


def _key(text: str) -> str:
    """Exact-match key: folded, lower case, no spaces or punctuation."""
    return _encode(text).lower().replace(" ", "")


@lru_cache(maxsize=1)
def _index() -> tuple[dict[str, Province], dict[str, Province]]:
    """Map every known key to its Province: (current provinces, retired provinces)."""
    current: dict[str, Province] = {}
    for row in provinces().itertuples(index=False):
        prov = Province(row.code, row.name_vi, row.name_ascii, row.slug, row.region, int(row.pci_id), row.new_code)
        for spelling in (row.name_vi, row.name_ascii, f"{row.kind} {row.name_vi}"):
            current[_key(spelling)] = prov
    by_code = {p.code: p for p in current.values()}
    for row in _read("province_aliases.csv").itertuples(index=False):
        current[_key(row.alias)] = by_code[row.code]
    retired: dict[str, Province] = {}
    for row in _read("provinces_retired.csv").itertuples(index=False):
        prov = Province(
            row.code or None,
            row.name_vi,
            row.name_ascii,
            row.slug,
            current=False,
            successor_codes=tuple(row.successor_codes.split()),
            note=row.note,
        )
        for spelling in (row.name_vi, row.name_ascii):
            retired[_key(spelling)] = prov
    return current, retired


@lru_cache(maxsize=1)
def _skeletons() -> dict[str, Province]:
    """Skeletons (``_encode`` without spaces) of every known spelling."""
    current, retired = _index()
    spellings = list(provinces()["name_vi"]) + list(_read("province_aliases.csv")["alias"])
    spellings += list(_read("provinces_retired.csv")["name_vi"])
    return {_encode(s).replace(" ", ""): current.get(_key(s)) or retired[_key(s)] for s in spellings}


def province(code: str | int) -> Province:
    """The province with this pre-2025 GSO code ("1", 1 and "01" all work)."""
    code = f"{int(code):02d}"
    for prov in _index()[0].values():
        if prov.code == code:
            return prov
    raise ProvinceNotFoundError(f"No province has GSO code {code!r} (valid: 01-96, 63 codes).")


def _wildcard_matches(encoded: str, candidates: dict[str, Province], lenient: bool) -> set[Province]:
    """Provinces whose spelling matches ``encoded`` where "?" marks a lost character.

    A lost character leaves one or two "?" (a two-byte UTF-8 sequence), or none at the start
    of a string, so each "?" matches zero or one letter that carried a diacritic. With
    ``lenient``, a space may also hide one such letter ("H NAM" for "HÀ NAM").
    """
    pattern = ""
    for ch in encoded:
        if ch == "?":
            pattern += "[A-Z]?"
        elif ch == " ":
            pattern += "[A-Z]?" if lenient else ""
        else:
            pattern += f"[{re.escape(ch.lower())}{re.escape(ch.upper())}]"
    regex = re.compile(pattern)
    return {prov for spelling, prov in candidates.items() if regex.fullmatch(spelling)}


def lookup_province(text: str) -> Province | None:
    """The province (current or retired) that ``text`` spells, or None: ``find_province``
    without its checks and suggestions, for scanning many cells that are mostly not names."""
    current, old = _index()
    key = _key(text)
    if not key:
        return None
    found = current.get(key) or old.get(key)
    if found is None:
        encoded = _encode(text)
        for lenient in (False, True):
            if "?" not in encoded and not lenient:
                continue
            matches = _wildcard_matches(encoded, _skeletons(), lenient)
            if len(matches) == 1:
                return matches.pop()
    return found


def find_province(text: str, retired: str = "error") -> Province:
    """Resolve a province name as real files spell it (or its GSO code) to a pre-2025 ``Province``.

    Handles NFC/NFD, any case, "Tỉnh", "Thành phố", "TP." prefixes, hyphens and spaces,
    abbreviations (HCMC, TP HCM, BRVT, TT-Hue), garbled encodings, and older spellings.

    ``retired`` says what to do with a province that no longer exists (Hà Tây, Hà Bắc):
    "error" (default) raises ``RetiredProvinceError`` explaining what became of it,
    "keep" returns it (``current=False``), "successor" returns the province it was merged
    into (an error where it was split between several).
    """
    if retired not in {"error", "keep", "successor"}:
        raise OptionError("retired must be 'error', 'keep' or 'successor'")
    if text is None or (isinstance(text, float) and text != text):
        raise ProvinceNotFoundError("Province name is empty.")
    if re.fullmatch(r"\d{1,2}", str(text).strip()):  # a GSO code ("01", "1")
        return province(str(text).strip())
    if not _key(str(text)):
        raise ProvinceNotFoundError(f"Province name {text!r} is empty.")
    found = lookup_province(str(text))
    if found is None:
        names = sorted({p.name_vi for p in _index()[0].values()})
        close = difflib.get_close_matches(fold(repair(str(text))), [fold(n) for n in names], n=3, cutoff=0.5)
        suggestions = [n for n in names if fold(n) in close]
        hint = f" Closest: {', '.join(suggestions)}." if suggestions else ""
        raise ProvinceNotFoundError(f"Unknown province {text!r}.{hint}")
    if found.current:
        return found
    if retired == "keep":
        return found
    successors = [province(c) for c in found.successor_codes]
    if retired == "successor" and len(successors) == 1:
        return successors[0]
    names = " and ".join(p.name_vi for p in successors)
    raise RetiredProvinceError(
        f"{text!r} is {found.name_vi}, which no longer exists: {found.note} "
        f"Pass retired='keep' to keep it as its own unit"
        + (
            f" or retired='successor' to count it as {names}."
            if len(successors) == 1
            else f"; it cannot be mapped to one successor ({names})."
        ),
        found,
    )


MERGER_DATE = "1/7/2025"
FIRST_34_EDITION = 2025  # PAPI 2025 (published in 2026) is the first edition of the 34 provinces


def check_province_for_edition(text: str, year: int) -> None:
    """Refuse the name of a province that the 2025 merger folded into another, for an edition of
    the 34 provinces: "Nam Định" for 2025 answers that it was merged into Ninh Bình on 1/7/2025
    and offers Ninh Bình. Names of the 34 (new or kept, as Ninh Bình) and every name for an edition
    of the 63 pass."""
    if int(year) < FIRST_34_EDITION:
        return
    try:
        find_province_2025(text)
        return
    except ProvinceNotFoundError:
        pass
    old = find_province(text, retired="keep")
    row = crosswalk_2025().set_index("old_code").loc[old.code]
    raise MergedProvinceError(
        f"{old.name_vi} đã được hợp nhất vào {row['new_name_vi']} từ ngày {MERGER_DATE}; "
        f'báo cáo năm {year} là của {row["new_name_vi"]} (--provinces "{row["new_name_vi"]}"). '
        f"{old.name_vi} was merged into {row['new_name_vi']} on {MERGER_DATE}: ask for {row['new_name_vi']}.",
        row["new_name_vi"],
    )


def find_province_2025(text: str) -> pd.Series:
    """Resolve a name of one of the 34 provinces in force from 1 July 2025 to its row."""
    table = provinces_2025()
    keys = {_key(n): i for i, n in enumerate(table["name_vi"])}
    keys.update({_key(n): i for i, n in enumerate(table["name_ascii"])})
    keys.update({_key(f"{k} {n}"): i for i, (k, n) in enumerate(zip(table["kind"], table["name_vi"]))})
    by_code = {c: i for i, c in enumerate(table["code"])}
    aliases = {"HCMC": "79", "TP HCM": "79", "TPHCM": "79", "Thừa Thiên Huế": "46", "TT-Hue": "46"}
    keys.update({_key(a): by_code[c] for a, c in aliases.items()})
    idx = keys.get(_key(text))
    if idx is None:
        close = difflib.get_close_matches(fold(text), [fold(n) for n in table["name_vi"]], n=3)
        raise ProvinceNotFoundError(f"Unknown 2025 province {text!r}. Closest: {', '.join(close) or 'none'}.")
    return table.iloc[idx]
