"""govgap's errors: one base, so that the command line, the batch and the notebooks can tell a fault
in the user's input (a plain message, exit code 2) from a fault in govgap (a bug, shown as one).

- ``GovgapError``: anything govgap reports to the user on purpose.
  - ``InputError``: a file, sheet, cell or option the user gave cannot be used. It carries where
    (``file``, ``sheet``, ``row``, ``column``, each ``None`` where unknown); the message already says
    it in words. One subclass per source, so a caller can catch one reader's faults. A reader
    names its file once, with ``reading(file, sheet)``, for every fault found below it.
  - ``UnknownProvinceError``: a province name that resolves to no province, or to one that no
    longer exists.
  - ``OutputError``: a file govgap must write cannot be (a full disk, a read-only folder); names the path.
  - ``AccountingError``: rows that do not add up (read != kept + quarantined): a fault in govgap,
    never in the user's files, so it is not an ``AssertionError`` that reads like a failed test.

``InputError`` is also a ``ValueError`` and ``UnknownProvinceError`` a ``LookupError``, as they were
before this hierarchy existed, so code written against the built-in types keeps working.
"""

from __future__ import annotations

import errno
from contextlib import contextmanager

from govgap.redact import redact


class GovgapError(Exception):
    """Base of every error govgap raises on purpose."""


class InputError(GovgapError, ValueError):
    """Input that cannot be used; ``file``, ``sheet``, ``row`` (as the user sees it, 1-based) and
    ``column`` say where, when known."""

    def __init__(self, message: str, *, file=None, sheet=None, row=None, column=None):
        super().__init__(redact(message))  # a message may quote a cell: never its personal data
        self.file, self.sheet, self.row, self.column = file, sheet, row, column


@contextmanager
def reading(file, sheet=None):
    """Within the block, an ``InputError`` that does not say which file (or sheet) it is about is
    given ``file`` (and ``sheet``): a reader names its file once, however deep the fault is found.
    ``file`` is the name the messages use (the file's name, without its folder)."""
    try:
        yield
    except InputError as exc:
        if exc.file is None:
            exc.file = str(file)
        if exc.sheet is None and sheet is not None:
            exc.sheet = sheet
        raise


class OptionError(InputError):
    """An option or parameter outside its allowed values (``view``, ``benchmark``, ``language``...)."""


class DossierFormatError(InputError):
    """A one-stop-shop export that cannot be read; the message names file, sheet, row and column."""


class SurveyFormatError(InputError):
    """A survey file that cannot be read as the codebook describes; names file, sheet, column."""


class CodebookError(InputError):
    """A codebook that cannot be used; the message names the file and the key."""


class LayoutError(InputError):
    """A PAPI/PCI workbook whose layout is not recognised; names file, sheet and what was looked for."""


class ContextFormatError(InputError):
    """A SIPAS, PAR INDEX or tasks table that cannot be read; names file, sheet, row and column."""


class LegacyTextError(InputError):
    """Text that is neither Unicode nor a known legacy Vietnamese encoding."""


class UnknownProvinceError(GovgapError, LookupError):
    """A province name that cannot be used."""


class ProvinceNotFoundError(UnknownProvinceError):
    """No province matches the text; the message lists the closest names."""


class MergedProvinceError(UnknownProvinceError):
    """An old province's name asked for an edition of the 34 provinces; ``successor`` is the new
    province it was merged into on 1 July 2025."""

    def __init__(self, message: str, successor: str):
        super().__init__(message)
        self.successor = successor


class RetiredProvinceError(UnknownProvinceError):
    """The text names a province that no longer exists (Hà Tây, Hà Bắc); ``province`` is it."""

    def __init__(self, message: str, province):
        super().__init__(message)
        self.province = province


class ContractError(GovgapError, ValueError):
    """A table that breaks its contract (its schema): names the columns and the failing checks."""


class AccountingError(GovgapError):
    """Rows that do not add up: read != kept + quarantined."""


class OutputError(GovgapError):
    """A file govgap must write cannot be written: a full disk, a read-only folder, no permission.
    ``path`` is the file or folder; the message says why and what to do, in Vietnamese then English."""

    def __init__(self, message: str, path=None):
        super().__init__(message)
        self.path = path


# errno -> why a write failed and what to do, in the words of the user (Vietnamese, English)
_FULL = ("Giải phóng chỗ trống hoặc chọn thư mục khác", "Free some space or choose another folder")
_LOCKED = ("Chọn một thư mục được phép ghi", "Choose a folder you may write to")
WRITE_FAULTS = {
    errno.ENOSPC: ("ổ đĩa đã đầy", "the disk is full", *_FULL),
    errno.EDQUOT: ("đã hết hạn mức dung lượng", "the disk quota is used up", *_FULL),
    errno.EROFS: ("ổ đĩa hay thư mục chỉ cho đọc", "the disk or folder is read-only", *_LOCKED),
    errno.EACCES: ("không có quyền ghi", "there is no permission to write there", *_LOCKED),
    errno.EPERM: ("không có quyền ghi", "there is no permission to write there", *_LOCKED),
}


def output_error(exc: OSError, done: str = "", path=None) -> OutputError | None:
    """The plain ``OutputError`` for a failed write (``None`` when ``exc`` is not one of
    ``WRITE_FAULTS``); ``path`` names where, when the error does not (a write that fails half-way
    has no file name); ``done`` adds what was finished before it, in both languages."""
    if not isinstance(exc, OSError) or exc.errno not in WRITE_FAULTS:
        return None
    vi, en, do_vi, do_en = WRITE_FAULTS[exc.errno]
    path = exc.filename or path or ""
    message = (
        f"Không ghi được {path}: {vi}. {do_vi}, rồi chạy lại lệnh. "
        f"/ Cannot write {path}: {en}. {do_en}, then run the command again."
    )
    return OutputError(message + (f" {done}" if done else ""), path=path)


def is_write_fault(exc: BaseException, folder) -> bool:
    """``exc`` is a failed write into ``folder``: no space or a read-only disk (only writes fail so),
    or no permission on a file there (a read fails so too, and an input's fault is not the output's;
    ``folder`` None: only the first two)."""
    if not isinstance(exc, OSError):
        return False
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS):
        return True
    return folder is not None and exc.errno in WRITE_FAULTS and str(exc.filename or "").startswith(str(folder))
