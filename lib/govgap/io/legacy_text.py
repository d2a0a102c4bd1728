"""Legacy Vietnamese text: the 8-bit font encodings (TCVN3/ABC, VNI) that old office files still carry,
and which reading of a column gives Vietnamese."""

from __future__ import annotations

import re
import unicodedata

from govgap.errors import LegacyTextError
from govgap.redact import redact
from govgap.reference.text import nfc

# --------------------------------------------------------------------------- legacy encodings
# Before Unicode, Vietnamese offices typed in 8-bit "font encodings". Text typed in a
# .VnTime font (TCVN3/ABC) or a VNI font reaches Excel and CSV as Windows-1252 characters
# ("Hå s¬" for "Hồ sơ", "Hoà sô" for "Hồ sơ" in VNI). Windows-1258 (Vietnamese ANSI) is a
# real code page that Python decodes; these two are not, so their tables are built here.

_TONE_MARKS = "\u0301\u0300\u0309\u0303\u0323"  # acute, grave, hook above, tilde, dot below

# TCVN 5712:1993 (VN1; the .VnTime "TCVN3/ABC" fonts use its lower half) bytes 0x80-0xFF.
# Checked against glibc's TCVN5712-1 converter in tests/unit/test_dossiers.py.
_TCVN3_HIGH = (
    "ÀẢÃÁẠẶẬÈẺẼÉẸỆÌỈĨÍỊÒỎÕÓỌỘỜỞỠỚỢÙỦŨ"
    "\u00a0ĂÂÊÔƠƯĐăâêôơưđẰ\u0300\u0309\u0303\u0301\u0323àảãáạẲằẳẵắẴ"
    "ẮẦẨẪẤỀặầẩẫấậèỂẻẽéẹềểễếệìỉỄẾỒĩíịò"
    "ỔỏõóọồổỗốộờởỡớợùỖủũúụừửữứựỳỷỹýỵỐ"
)


def _tcvn3_table() -> dict[int, str]:
    table = {}
    for code in range(0x80, 0x100):
        target = _TCVN3_HIGH[code - 0x80]
        table[code] = target
        try:
            table[ord(bytes([code]).decode("cp1252"))] = target
        except UnicodeDecodeError:
            pass  # 0x81, 0x8D, 0x8F, 0x90, 0x9D: undefined in cp1252, arrive as U+0081 etc.
    return table


def _vni_table() -> dict[str, str]:
    """VNI Windows: a base letter followed by a mark character, plus a few single letters."""

    def compose(base, *marks):
        return unicodedata.normalize("NFC", base + "".join(marks))

    tone_plain = "ùøûõï"  # after a, e, o, u, y, ơ, ư
    tone_hat = "áàåãä"  # after a, e, o: circumflex plus tone ("â" alone is the circumflex)
    tone_breve = "éèúüë"  # after a: breve plus tone ("ê" alone is the breve)
    table: dict[str, str] = {}
    for upper in (False, True):

        def cased(s, upper=upper):
            return s.upper() if upper else s

        for base in "aeouy":
            for mark, tone in zip(tone_plain, _TONE_MARKS):
                table[cased(base) + cased(mark)] = compose(cased(base), tone)
        for base in "aeo":
            table[cased(base) + cased("â")] = compose(cased(base), "\u0302")
            for mark, tone in zip(tone_hat, _TONE_MARKS):
                table[cased(base) + cased(mark)] = compose(cased(base), "\u0302", tone)
        table[cased("a") + cased("ê")] = compose(cased("a"), "\u0306")
        for mark, tone in zip(tone_breve, _TONE_MARKS):
            table[cased("a") + cased(mark)] = compose(cased("a"), "\u0306", tone)
        for single, base in (("ô", "o"), ("ö", "u")):  # ơ and ư are one character in VNI
            table[cased(single)] = compose(cased(base), "\u031b")
            for mark, tone in zip(tone_plain, _TONE_MARKS):
                table[cased(single) + cased(mark)] = compose(cased(base), "\u031b", tone)
        for mark, tone in zip("íìæóò", _TONE_MARKS):  # i with a tone is one character
            table[cased(mark)] = compose(cased("i"), tone)
        table[cased("î")] = compose(cased("y"), "\u0323")
        table[cased("ñ")] = cased("đ")
    # Title case: a capital base letter with a lower-case mark ("Aù") is also seen.
    for key, value in list(table.items()):
        if len(key) == 2 and key[0].isupper() and key[1].isupper():
            table.setdefault(key[0] + key[1].lower(), value)
    return table


_TCVN3 = _tcvn3_table()
_VNI = _vni_table()
_VNI_PATTERN = re.compile("|".join(re.escape(k) for k in sorted(_VNI, key=len, reverse=True)))


def from_tcvn3(text: str) -> str:
    """Convert text typed in a TCVN3 (ABC, .VnTime) font to Unicode NFC."""
    return unicodedata.normalize("NFC", str(text).translate(_TCVN3))


def from_vni(text: str) -> str:
    """Convert text typed in a VNI font to Unicode NFC."""
    return unicodedata.normalize("NFC", _VNI_PATTERN.sub(lambda m: _VNI[m.group(0)], str(text)))


LEGACY_CONVERTERS = {"unicode": nfc, "tcvn3": from_tcvn3, "vni": from_vni}

_VIET_LETTERS = set()
for _base in "aăâeêioôơuưy":
    for _tone in ("",) + tuple(_TONE_MARKS):
        _c = unicodedata.normalize("NFC", _base + _tone)
        _VIET_LETTERS.update({_c, _c.upper()})
_VIET_LETTERS.update("đĐ")
_PLAIN_TEXT = set(chr(c) for c in range(0x20, 0x7F)) | _VIET_LETTERS | set("\u00a0–—‘’“”…°ºª·•×")
_ONSET = "ngh|ng|gh|gi|kh|nh|ph|qu|th|tr|ch|b|c|d|đ|g|h|k|l|m|n|p|r|s|t|v|x"
_NUCLEI = (
    "iêu|yêu|oai|oay|oao|oeo|uây|uôi|ươi|ươu|uya|uyê|uyu|ai|ao|au|ay|âu|ây|eo|êu|ia|iê|iu|oa|oă|"
    "oe|oi|ôi|ơi|oo|ua|uâ|uê|ui|uô|uơ|ưa|ưi|ươ|ưu|uy|ya|yê|a|ă|â|e|ê|i|o|ô|ơ|u|ư|y"
)
_SYLLABLE = re.compile(rf"(?:{_ONSET})?(?:{_NUCLEI})(?:ch|ng|nh|c|m|n|p|t)?")
_WORD = re.compile(r"[^\W\d_]+")


def looks_plain(text: str) -> bool:
    """True when every character is ASCII or a Vietnamese letter: nothing to convert."""
    return all(ch in _PLAIN_TEXT for ch in str(text))


def syllable_score(texts) -> float:
    """Share of the words in ``texts`` that are well-formed Vietnamese syllables (0-1).

    Used to choose between readings of the same bytes: a wrong encoding produces words with
    impossible letters ("Hå", "Vieät") or two tone marks."""
    good = total = 0
    for text in texts:
        for word in _WORD.findall(unicodedata.normalize("NFC", str(text))):
            total += 1
            decomposed = unicodedata.normalize("NFD", word.lower())
            if sum(ch in _TONE_MARKS for ch in decomposed) > 1:
                continue
            base = unicodedata.normalize("NFC", "".join(ch for ch in decomposed if ch not in _TONE_MARKS))
            good += bool(_SYLLABLE.fullmatch(base))
    return good / total if total else 1.0


def detect_legacy(values, minimum: float = 0.6) -> str:
    """Which reading of ``values`` (an iterable of strings) gives Vietnamese: "unicode",
    "tcvn3" or "vni". Raises LegacyTextError when none reads as Vietnamese."""
    sample = [str(v) for v in values if isinstance(v, str) and v.strip()][:400]
    if all(looks_plain(v) for v in sample):
        return "unicode"
    scores = {name: syllable_score(conv(v) for v in sample) for name, conv in LEGACY_CONVERTERS.items()}
    best = max(scores, key=lambda k: (scores[k], k == "unicode"))
    if scores[best] < minimum:
        example = next(v for v in sample if not looks_plain(v))
        raise LegacyTextError(
            f"text is not readable Vietnamese in Unicode, TCVN3 or VNI (best: {best}, "
            f"{scores[best]:.0%} of words well formed); example {redact(example)[:40]!r}"
        )
    return best
