"""Personal data in text that govgap echoes from a user's file: masked before it is stored or shown.

A reader drops the columns that hold personal data (names, phone numbers, ID numbers, e-mail and
home addresses), but such data also turns up where it does not belong: a phone number typed into a
status cell, a staff signature in a footer row, a whole raw line in a respondent-id column. Every
place where text from data is echoed (the quarantine's values and ids, error messages, the stamp
of a run, and through them notebooks, reports and e-mail) passes it through ``redact``:

- e-mail addresses;
- phone numbers: Vietnamese mobiles and landlines (0..., +84..., 84...), in groups or not;
- ID numbers: 9 digits (CMND) or 12 (CCCD), and any other run of 9 or more digits;
- person names: three to five capitalised words that start with a common Vietnamese family name
  ("Nguyễn Văn An", "Trần Thị Bích Ngọc"), the shape of a full name in a signature or a remark
  (two words are too often a place or a misspelt province: "Hà Nọi").

Dates, dossier codes ("000.00.19.H26-240101-0001"), amounts written with separators
("1.500.000") and cell references are left as they are. The mask keeps the kind, so a reader still
sees what was there: ``[số điện thoại]``, ``[số giấy tờ]``, ``[email]``, ``[họ tên]``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from functools import lru_cache
from importlib import resources

# The family names of about nine Vietnamese in ten (with the common Southern spellings)
_SURNAMES = (
    "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Đào Đoàn Trịnh Mai Trương "
    "Đinh Lâm Phùng Quách Cao Tạ Lương Hà Tô Chu Lưu Triệu Vương Thái Kiều Mạc Tăng Âu La Khúc Đàm"
).split()
_UPPER = "A-ZÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬĐÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴ"
_LOWER = "a-zàáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ"
_WORD = f"[{_UPPER}][{_LOWER}]+"

# the look-behind starts a match only where a word starts: without it a long cell (a 200 kB line)
# is scanned again from every one of its characters
EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(\.[\w-]+)+")
PHONE = re.compile(r"(?<![\w.])(\+?84|0)[ .-]?\d{2,3}([ .-]?\d{3,4}){2}(?![\w])")
ID_NUMBER = re.compile(r"(?<![\d.,/-])(\d{9}|\d{12,})(?![\d.,/-])")  # CMND 9 digits, CCCD 12
LONG_NUMBER = re.compile(r"(?<![\d.,/-])\d{9,}(?![\d.,/-])")  # any other run of 9 or more digits
NAME = re.compile(rf"\b(?:{'|'.join(_SURNAMES)})(?:\s+{_WORD}){{2,4}}\b")
# a place named after a person or spelt like a name: "huyện Lâm Hà", "đường Lê Lợi", "Hà Nội"
_PLACE_BEFORE = re.compile(
    r"(huyện|quận|thị xã|thành phố|tp\.?|tỉnh|xã|phường|thị trấn|đường|phố|khu|ấp|thôn|bản|số)\s*$", re.I
)


@lru_cache(maxsize=1)
def _place_names() -> frozenset[str]:
    names = {"Hồ Chí Minh"}
    for table in ("provinces_63.csv", "provinces_34.csv"):
        text = resources.files("govgap.data").joinpath(table).read_text(encoding="utf-8")
        names |= {row["name_vi"] for row in csv.DictReader(io.StringIO(text))}
    return frozenset(names)


def _name(match: re.Match) -> str:
    found = match.group(0)
    before = match.string[max(0, match.start() - 12) : match.start()]
    if any(found == p or found.startswith(p + " ") for p in _place_names()) or _PLACE_BEFORE.search(before):
        return found
    return "[họ tên]"


MASKS = (
    (EMAIL, "[email]"),
    (ID_NUMBER, "[số giấy tờ]"),
    (PHONE, "[số điện thoại]"),
    (LONG_NUMBER, "[số giấy tờ]"),
    (NAME, _name),
)


def redact(text):
    """``text`` with e-mail addresses, phone numbers, ID numbers and person names masked (anything
    that is not a string is returned as it is)."""
    if not isinstance(text, str) or not text:
        return text
    for pattern, mask in MASKS:
        text = pattern.sub(mask, text)
    return text


def has_personal_data(text) -> bool:
    """Whether ``redact`` would change ``text``."""
    return isinstance(text, str) and redact(text) != text


# what an id must contain before ``redact`` is worth running on it: a run of 9 digits, an e-mail,
# or a phone number written in groups (a dossier code such as "000.00.19.H26-240101-0001" has none)
_MAYBE_PERSONAL_ID = r"[0-9]{9}|@|[0-9]{2,4}[ .-][0-9]{3}[ .-][0-9]{3}"


def pseudonymised_ids(ids):
    """Ids (dossier codes, respondent ids) with personal data masked: an id that is, or holds, a
    phone, ID-card number or e-mail becomes its mask and a short hash of it ("[số giấy tờ]#3f2a9c1e"),
    so the ids stay distinct and the same id always gets the same pseudonym. ``ids``: a pandas
    Series (this module imports no pandas: error messages use it too, and must load fast)."""
    suspect = ids.astype("str").str.contains(_MAYBE_PERSONAL_ID, regex=True, na=False).to_numpy()
    if not suspect.any():
        return ids
    out = ids.astype(object).copy()
    for i in suspect.nonzero()[0]:
        value = out.iat[i]
        masked = redact(value)
        if masked != value:
            out.iat[i] = f"{masked}#{hashlib.sha256(value.encode('utf-8')).hexdigest()[:8]}"
    return out.astype(ids.dtype) if ids.dtype != object else out
