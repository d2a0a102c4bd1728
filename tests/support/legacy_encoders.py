"""Encoders into the legacy Vietnamese encodings (TCVN3, VNI, Windows-1258), the inverse of govgap's
readers, used by the tests to write files as old office software does."""

from __future__ import annotations

import unicodedata

from govgap.io import legacy_text


def to_tcvn3(s: str) -> str:
    inverse = {v: chr(k) for k, v in sorted(legacy_text._TCVN3.items()) if k >= 0xA0}
    return "".join(inverse.get(ch, ch) for ch in unicodedata.normalize("NFC", s))


def to_vni(s: str) -> str:
    inverse = {}
    for k, v in legacy_text._VNI.items():
        if not (len(k) == 2 and k[0].isupper() and k[1].islower()):
            inverse.setdefault(v, k)
    return "".join(inverse.get(ch, ch) for ch in unicodedata.normalize("NFC", s))


def to_cp1258(s: str) -> bytes:
    out = b""
    for ch in unicodedata.normalize("NFC", s):
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            d = unicodedata.normalize("NFD", ch)
            tones = "".join(c for c in d if c in "\u0300\u0301\u0303\u0309\u0323")
            base = unicodedata.normalize("NFC", "".join(c for c in d if c not in tones))
            out += base.encode("cp1258") + tones.encode("cp1258")
    return out
