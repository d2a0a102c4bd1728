"""Vietnamese text helpers: NFC, ASCII folding, slugs and repair of garbled names.

Real files spell provinces in many ways: NFC or NFD diacritics, upper case, R-style
``<U+1ED0>`` escapes, and UTF-8 that was decoded as Latin-1 ("HÃ  Ná»™i"). The helpers here
turn all of them into comparable keys. A character that cannot be recovered becomes
``UNKNOWN_CHAR`` so that matching can treat it as a wildcard instead of guessing.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd

UNKNOWN_CHAR = "\ufffd"

_LOST = "\ue000"  # private-use placeholder for a character known to be lost
_R_ESCAPE = re.compile(r"<U\+([0-9A-Fa-f]{4,6})>")
_BROKEN_R_ESCAPE = re.compile(r"<U[^>]{0,8}>")
_LATIN1_RUN = re.compile(r"[\u0000-\u00ff]+")
_MOJIBAKE_HINT = re.compile(r"[\u00c2-\u00c6\u00e1\u00e2\u00e8\u00ef][\u0080-\u00bf]")


def nfc(text: str) -> str:
    """Unicode NFC with surrounding white space (including no-break spaces) removed."""
    return unicodedata.normalize("NFC", str(text)).replace("\u00a0", " ").strip()


def nfc_column(values):
    """``nfc`` of every value of a pandas Series, computed once per distinct value (survey columns
    repeat a few answer labels over hundreds of thousands of rows)."""
    codes, distinct = pd.factorize(values)
    out = np.array([nfc(v) for v in distinct] + [""], dtype=object)[codes]
    missing = codes == -1  # missing values keep their own spelling ("nan", "None")
    out[missing] = [nfc(v) for v in values.to_numpy(dtype=object)[missing]]
    return pd.Series(out, index=values.index, name=values.name, dtype="str")


def fold(text: str) -> str:
    """ASCII fold: strip diacritics, đ -> d, lower case. ``fold("Đắk Lắk") == "dak lak"``."""
    decomposed = unicodedata.normalize("NFD", str(text)).replace("đ", "d").replace("Đ", "D")
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def slugify(text: str) -> str:
    """File-name slug: ``slugify("Bà Rịa - Vũng Tàu") == "ba-ria-vung-tau"``."""
    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")


def _fix_latin1_run(run: str, corrupted: bool) -> str:
    if not any("\u0080" <= ch <= "\u00ff" for ch in run):
        return run
    raw = run.encode("latin-1")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        # Not valid UTF-8: either genuine Latin-1 letters (Hà) or broken bytes. Only a
        # string already marked as corrupted is decoded lossily (unknown bytes -> wildcard).
        return raw.decode("utf-8", errors="replace") if corrupted else run


def repair(text: str) -> str:
    """Best-effort repair of mojibake and R escapes; unrecoverable characters -> UNKNOWN_CHAR."""
    text = _R_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), str(text))
    corrupted = UNKNOWN_CHAR in text or bool(_BROKEN_R_ESCAPE.search(text))
    text = _BROKEN_R_ESCAPE.sub(_LOST, text)
    if corrupted or _MOJIBAKE_HINT.search(text):
        # Some exports insert U+FFFD before every byte of a double-encoded character.
        text = text.replace(UNKNOWN_CHAR, "")
        text = _LATIN1_RUN.sub(lambda m: _fix_latin1_run(m.group(0), corrupted), text)
        if _MOJIBAKE_HINT.search(text):  # double-encoded: one more strict pass
            text = _LATIN1_RUN.sub(lambda m: _fix_latin1_run(m.group(0), False), text)
    return nfc(text.replace(_LOST, UNKNOWN_CHAR))
