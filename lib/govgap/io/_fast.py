"""The fast paths, in one place: pyarrow and numpy helpers that give the same result as a plain
pandas version at a fraction of the time (on a million-row export for the dossier pipeline; on the
indicator table, some 30 times a report, for the standings cache's key; on the rows of the
published workbooks), and the one bounded memo the caches of a report kernel keep their answers
in (``remember``). Each one is checked against the plain version it replaces in
tests/oracle/test_fast_paths.py; the domain modules call them and read as rules.
benchmarks/dossier_speed.py, benchmarks/batch_vs_sequential.py and benchmarks/command_targets.py
measure what they buy."""

from __future__ import annotations

import hashlib
import threading
from concurrent.futures import Future
from contextlib import contextmanager

import numpy as np
import pandas as pd

from govgap.io.sheets import (
    is_blank,
)

try:  # numpy's switch behind NUMPY_MADVISE_HUGEPAGE
    from numpy._core.multiarray import _set_madvise_hugepage
except ImportError:  # numpy 1.x
    try:
        from numpy.core.multiarray import _set_madvise_hugepage
    except ImportError:
        _set_madvise_hugepage = None


@contextmanager
def small_pages():
    """Linux numpy asks the kernel to back every array over 4 MB with 2 MB pages. On virtual
    machines the first touch of such a page can cost more than the work done on it: a
    million-row export was cleaned a sixth faster without (benchmarks/dossier_speed.py). The
    advice is switched off while an export is read, cleaned and summed up, as
    NUMPY_MADVISE_HUGEPAGE=0 would, and switched back afterwards; results are the same."""
    if _set_madvise_hugepage is None:
        yield
        return
    before = _set_madvise_hugepage(False)
    try:
        yield
    finally:
        _set_madvise_hugepage(before)


def numbers(cells) -> np.ndarray:
    """A row or column of workbook cells as floats, text that is no number as NaN: what
    ``pd.to_numeric(pd.Series(cells, dtype=object), errors="coerce")`` gives. Most rows of a
    published table hold no text, and numpy converts them at once; a row with text (or a date)
    takes the plain path. ``govgap indices`` converts some 12,000 rows (1.2 s to 0.1 s)."""
    cells = cells if isinstance(cells, list) else list(cells)
    if not any(isinstance(v, str) for v in cells):  # numpy would parse text its own way
        try:
            return np.asarray(cells, dtype=float)
        except (TypeError, ValueError):  # a date, pd.NA, a complex number: as pandas converts them
            pass
    return pd.to_numeric(pd.Series(cells, dtype=object), errors="coerce").to_numpy(dtype=float)


def categorical(values) -> pd.Categorical:
    """Distinct values and codes of a column (blank cells -> code -1), without copying
    categorical columns."""
    if isinstance(getattr(values, "dtype", None), pd.CategoricalDtype):
        cat = values.array if isinstance(values, pd.Series) else values
    else:
        codes, uniques = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=True)
        cat = pd.Categorical.from_codes(codes, pd.Index(uniques, dtype=object))
    cats = cat.categories
    if not len(cats):
        return cat
    if cats.dtype == object:
        blank = np.fromiter((is_blank(v) for v in cats), dtype=bool, count=len(cats))
    elif isinstance(cats.array, pd.arrays.ArrowStringArray):  # text read by pyarrow: trimmed there
        import pyarrow as pa
        import pyarrow.compute as pc

        text = pa.array(cats.array)
        blank = pc.fill_null(pc.equal(pc.utf8_length(pc.utf8_trim_whitespace(text)), 0), True).to_numpy(
            zero_copy_only=False
        )
    else:
        blank = (pd.Series(cats).astype(str).str.strip() == "").to_numpy(bool)
    if not blank.any():
        return cat
    codes = np.where(np.append(blank, True)[cat.codes], -1, cat.codes)
    return pd.Categorical.from_codes(codes, cats)


def recode(cat: pd.Categorical, func) -> pd.Categorical:
    """Apply ``func`` to the categories only; results that coincide are merged, None -> -1."""
    new = [func(c) for c in cat.categories]
    if all(a is b or (isinstance(a, str) and a == b) for a, b in zip(new, cat.categories)) and len(set(new)) == len(
        new
    ):
        # nothing changed (the usual case): the same codes, no new code for every row
        return pd.Categorical.from_codes(cat.codes, pd.Index(cat.categories, dtype=object), validate=False)
    new_codes, new_cats = pd.factorize(pd.Index(new, dtype=object), use_na_sentinel=True)
    new_codes = np.append(new_codes, -1)  # position -1 (a blank cell) stays blank
    return pd.Categorical.from_codes(new_codes[cat.codes], pd.Index(new_cats, dtype=object))


def object_grid(body: list[list], width: int) -> np.ndarray:
    """Rows of cells as a 2-D object array at least ``width`` wide (short rows padded with
    None), built in C by pandas' own row-to-array routine; a plain transposition otherwise."""
    try:
        from pandas._libs.lib import to_object_array
    except ImportError:  # a pandas without it: slower, same result
        grid = np.full((len(body), max([width, *map(len, body)])), None, dtype=object)
        for i, row in enumerate(body):
            grid[i, : len(row)] = row
        return grid
    return to_object_array(body, min_width=width) if body else np.empty((0, width), dtype=object)


def from_arrow(col) -> pd.Categorical:
    """A text column read by pyarrow as a Categorical, which is several times quicker than
    ``to_pandas`` when a column has many distinct values (dates with times). A dictionary
    column (one dictionary per block read) gets the blocks' unified dictionary; plain text (the
    received dates: mostly distinct within a block, so cheaper to hash once) is encoded here."""
    import pyarrow as pa
    import pyarrow.compute as pc

    text = pd.StringDtype("pyarrow", na_value=np.nan)  # pandas' "str"
    if col.num_chunks == 0 or len(col) == 0:  # a header-only export
        return pd.Categorical([])
    # dictionary_encode gives every chunk the same, final dictionary
    col = col.unify_dictionaries() if pa.types.is_dictionary(col.type) else pc.dictionary_encode(col)
    if col.num_chunks == 0:
        return pd.Categorical([])
    dictionary = col.chunk(0).dictionary
    codes = arrow_indices(col.chunks, len(dictionary))
    bad = first_bad_utf8(dictionary)
    if bad is not None:
        raise BadUTF8(int(np.argmax(codes == bad)))
    categories = pd.Index(pd.arrays.ArrowStringArray(dictionary, dtype=text))
    return pd.Categorical.from_codes(codes, categories, validate=False)


def arrow_indices(chunks, size: int) -> np.ndarray:
    """The dictionary indices of pyarrow chunks as one numpy array of the smallest integer type
    for ``size`` values, null -> -1: one copy of a few MB instead of three."""
    dtype = np.int8 if size < 127 else np.int16 if size < 32_767 else np.int32
    parts = []
    for chunk in chunks:
        indices = chunk.indices
        width = np.dtype(f"int{indices.type.bit_width}")
        values = np.frombuffer(
            indices.buffers()[1], dtype=width, count=len(indices), offset=indices.offset * width.itemsize
        )
        if indices.null_count:
            valid = np.unpackbits(np.frombuffer(indices.buffers()[0], dtype=np.uint8), bitorder="little")
            values = np.where(valid[indices.offset : indices.offset + len(indices)].astype(bool), values, -1)
        parts.append(values)
    return np.concatenate(parts, dtype=dtype, casting="unsafe") if parts else np.empty(0, dtype=dtype)


class BadUTF8(Exception):
    """Text that is not UTF-8 in a file read as UTF-8; ``row``: position among the rows read."""

    def __init__(self, row: int):
        super().__init__(row)
        self.row = row


def first_bad_utf8(strings) -> int | None:
    """Position of the first value that is not valid UTF-8 (pyarrow reads CSV text without
    checking it: checking the distinct values afterwards is quicker), or None."""
    import pyarrow as pa

    try:
        strings.validate(full=True)
        return None
    except pa.ArrowInvalid:
        for i, raw in enumerate(strings.cast(pa.binary()).to_pylist()):
            if raw is not None:
                try:
                    raw.decode("utf-8")
                except UnicodeDecodeError:
                    return i
        raise  # invalid for another reason


def ids_from_arrow(col) -> pd.arrays.ArrowStringArray:
    """The dossier ids read by pyarrow as ``_convert_text_columns`` leaves them (blank -> "",
    NFC, trimmed), done in pyarrow while the other columns are converted."""
    import pyarrow.compute as pc

    ids = col.combine_chunks()
    bad = first_bad_utf8(ids)
    if bad is not None:
        raise BadUTF8(bad)
    if ids.null_count:  # blank ids
        ids = pc.fill_null(ids, "")
    if pc.all(pc.string_is_ascii(ids)).as_py() is not False:
        if edges_may_be_blank(ids):
            ids = pc.ascii_trim_whitespace(ids)  # ten times quicker than the Unicode trim, same result here
    else:
        ids = pc.utf8_trim_whitespace(pc.utf8_normalize(ids, "NFC"))
    return pd.arrays.ArrowStringArray(ids, dtype=pd.StringDtype("pyarrow", na_value=np.nan))


def offsets_and_data(strings) -> tuple[np.ndarray, np.ndarray]:
    """The value offsets (one more than values) and the bytes of a pyarrow string array, as numpy
    views without copying."""
    import pyarrow as pa

    _, offsets, data = strings.buffers()
    width = np.dtype(np.int64 if pa.types.is_large_string(strings.type) else np.int32)
    offsets = np.frombuffer(offsets, dtype=width, count=len(strings) + 1, offset=strings.offset * width.itemsize)
    return offsets, (np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, dtype=np.uint8))


def edges_may_be_blank(strings) -> bool:
    """Whether some value of a pyarrow string array starts or ends with a space or control
    character (so trimming can be skipped, with its copy, when none does)."""
    offsets, data = offsets_and_data(strings)
    if offsets[-1] == offsets[0]:
        return False
    filled = offsets[1:] > offsets[:-1]
    first, last = offsets[:-1][filled], offsets[1:][filled] - 1
    return bool((data[first] <= 32).any() or (data[last] <= 32).any())


def to_arrow(strings: pd.Series):
    import pyarrow as pa

    arr = pa.array(strings.to_numpy(dtype=object) if strings.dtype == object else strings.array, type=pa.string())
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


def remember(cache: dict, key, value, limit: int):
    """Keep ``value`` under ``key`` in ``cache``, the oldest entry let go beyond ``limit``
    entries (a kernel renders report after report: what it keeps stays bounded); returns it."""
    if key not in cache and len(cache) >= limit:
        cache.pop(next(iter(cache)))
    cache[key] = value
    return value


def content_digest(frame: pd.DataFrame, columns: list[str]) -> bytes:
    """A digest of ``frame[columns]``'s values, in row order: the same for a copy or for a slice
    of an unchanged table, new when a value changes (in place too). A table of equal values held
    another way (a slice of another parent, another dtype) may get another digest: for a cache
    key, a miss, never a stale hit. SHA-256 over the columns' memory, where pandas' row hashing
    takes 25 ms on the 80,000-row indicator table (it is asked for some 30 times a report).
    Arrow columns are hashed as their buffers with the slice's offset and length (a filtered
    table shares its parent's buffers), each array once (``_arrow_chunk_digest``); numpy
    columns as their memory, every time; other columns as pandas' row hashes."""
    h = hashlib.sha256()
    for name in columns:
        values = frame[name].array
        h.update(f"{name}\0{len(values)}\0{values.dtype}\0".encode())
        arrow = getattr(values, "_pa_array", None)  # ArrowStringArray and the other Arrow-backed arrays
        if arrow is not None:
            for chunk in arrow.chunks:
                h.update(_arrow_chunk_digest(chunk))
        elif isinstance(values, pd.arrays.NumpyExtensionArray) and values.dtype.kind in "biufM":
            h.update(np.ascontiguousarray(values.to_numpy()).view(np.uint8))
        else:  # object text, nullable integers and the like: the plain row hashes
            h.update(pd.util.hash_pandas_object(frame[name], index=False).to_numpy().view(np.uint8))
    return h.digest()


_CHUNK_DIGESTS: dict = {}


def _arrow_chunk_digest(chunk) -> bytes:
    """SHA-256 of an Arrow array's buffers with its offset, length and null count, computed once
    per array: Arrow arrays never change in place (pandas replaces a changed column's array), so
    the same buffers at the same addresses hold the same values while the entry keeps the array,
    and with it those addresses, alive. Numpy columns can change in place: they are hashed anew."""
    buffers = chunk.buffers()
    shape = (str(chunk.type), chunk.offset, len(chunk), chunk.null_count)
    key = (*shape, *((b.address, b.size) if b else None for b in buffers))
    hit = _CHUNK_DIGESTS.pop(key, None)  # put back as the newest: the tables every report reads stay
    if hit is None:
        h = hashlib.sha256(repr(shape).encode())
        for buffer in buffers:
            if buffer is not None:
                h.update(memoryview(buffer))
        hit = (h.digest(), chunk)
    return remember(_CHUNK_DIGESTS, key, hit, 64)[0]


def in_background(func, *args) -> Future:
    """Run ``func(*args)`` in a thread; ``.result()`` waits for it (and raises its error). Worth
    it for pyarrow and numpy work, which runs without the GIL on another core."""
    future: Future = Future()

    def run():
        try:
            future.set_result(func(*args))
        except BaseException as exc:  # handed over to whoever waits for the result
            future.set_exception(exc)

    threading.Thread(target=run, daemon=True, name=f"govgap-{func.__name__}").start()
    return future


def repeated(ids: pd.Series) -> np.ndarray:
    """Rows whose id occurs more than once. An export's ids mostly have one length: those are
    hashed as 8-byte words read from pyarrow's buffer, and only rows whose hashes meet are
    compared as text; ids of other lengths are compared as text (hashed in pyarrow)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = to_arrow(ids)
    lengths = pc.binary_length(arr).to_numpy(zero_copy_only=False)
    width = int(np.bincount(lengths).argmax()) if len(arr) else 0
    if width < 8:
        return repeated_text(arr)
    same = lengths == width
    if same.all():
        return repeated_fixed(arr, width)
    out = np.empty(len(arr), dtype=bool)
    out[~same] = repeated_text(arr.filter(pa.array(~same)))
    out[same] = repeated_fixed(arr.filter(pa.array(same)), width)
    return out


def repeated_text(arr) -> np.ndarray:
    import pyarrow.compute as pc

    codes = pc.dictionary_encode(arr).indices.to_numpy(zero_copy_only=False)
    return np.bincount(codes)[codes] > 1


def repeated_fixed(arr, width: int) -> np.ndarray:
    """``repeated_text`` for ids all ``width`` (>= 8) bytes long: each id is read as 8-byte
    words (the last one overlapping), which are mixed into one 64-bit hash."""
    import pyarrow as pa

    data = arr.buffers()[2]
    first = int(offsets_and_data(arr)[0][0])
    starts = list(range(0, width - 7, 8))
    if starts[-1] != width - 8:
        starts.append(width - 8)
    words = np.frombuffer(
        data,
        count=len(arr),
        offset=first,
        dtype=np.dtype(
            {
                "names": [f"w{i}" for i in range(len(starts))],
                "formats": ["<u8"] * len(starts),
                "offsets": starts,
                "itemsize": width,
            }
        ),
    )
    hashed = words["w0"].copy()
    for name in words.dtype.names[1:]:
        hashed *= np.uint64(0x9E3779B97F4A7C15)
        hashed ^= words[name]
    out = np.zeros(len(arr), dtype=bool)
    maybe = np.flatnonzero(pd.Series(hashed).duplicated(keep=False).to_numpy())
    if len(maybe):  # equal hashes: equal ids, or (rarely) a collision
        out[maybe] = repeated_text(arr.take(pa.array(maybe)))
    return out


def used(codes: np.ndarray, size: int) -> np.ndarray:
    """Which of ``size`` categories some code (-1: blank) points to, by counting, not sorting."""
    if size == 1 and len(codes) and codes.min() == 0:  # one value, in every row
        return np.ones(1, dtype=bool)
    return np.bincount(codes[codes >= 0], minlength=size) > 0


def drop_unused(cat: pd.Categorical) -> pd.Categorical:
    """``remove_unused_categories`` by counting codes (linear) instead of sorting them."""
    codes = cat.codes
    kept = used(codes, len(cat.categories))
    if kept.all():
        return cat
    new = np.append(np.cumsum(kept) - 1, -1)  # position -1 (blank) stays blank
    return pd.Categorical.from_codes(new[codes].astype(codes.dtype), cat.categories[kept])
