"""The empty SIPAS, PAR INDEX and tasks templates (xlsx) and the targets template (CSV) that
departments fill in; ``govgap templates`` and ``make setup`` write them.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from govgap.errors import OptionError
from govgap.io.xlsx import column_letter, write_sheet
from govgap.sources.context import KINDS, TEMPLATE_FILES, TITLES, template_columns


def write_template(kind: str, path: str | Path, rows: list[list] | None = None, title_note: str | None = None) -> Path:
    """An .xlsx template (or, with ``rows``, a filled table) in the layout the readers expect:
    a title, a line of instructions, the header, a row of column numbers, then one row per
    province-year or unit-year. ``rows`` hold values in the template's column order
    (``template_columns``), without the STT column. Same input -> same bytes."""
    if kind not in KINDS:
        raise OptionError(f"kind must be one of {KINDS}, not {kind!r}")
    cols = template_columns(kind)
    vi, en = TITLES[kind]
    note = title_note or (
        "Mẫu nhập liệu govgap: mỗi dòng một tỉnh/thành phố trong một năm (để trống cột Đơn vị), "
        "hoặc một đơn vị trong tỉnh; các cột thành phần và Chỉ tiêu không bắt buộc. Tỷ lệ ghi 77,4% "
        "hoặc 77,4 hoặc 0,774; số lượng ghi 1.494. Xem data/raw/templates/README.md."
    )
    width = len(cols)
    last = column_letter(width - 1)
    grid = [
        [vi] + [None] * (width - 1),
        [f"{en}. {note}"] + [None] * (width - 1),
        [None] * width,
        [h for _, h in cols],
        [f"({i})" for i in range(1, width + 1)],
    ]
    for i, row in enumerate(rows or [], start=1):
        grid.append([i] + list(row) + [None] * (width - 1 - len(row)))
    path = Path(path)
    write_sheet(
        path,
        kind,
        grid,
        merges=[f"A1:{last}1", f"A2:{last}2"],
        bold_rows={0, 3},
        title=f"govgap template {kind}",
        widths=[6, 8, 18, 26] + [16] * (width - 6) + [12, 20],
    )
    return path


TARGETS_TEMPLATE = "targets_mau.csv"


def write_templates(folder: str | Path) -> list[Path]:
    """The three empty templates in ``folder`` (``data/raw/templates``) and an empty
    ``targets_mau.csv`` (a department's own targets; copy it to ``<data>/context/targets.csv``)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = [write_template(kind, folder / name) for kind, name in TEMPLATE_FILES.items()]
    with resources.files("govgap.data").joinpath("context_targets.csv").open("rb") as fh:
        header = fh.readline()
    (folder / TARGETS_TEMPLATE).write_bytes(header)
    return paths + [folder / TARGETS_TEMPLATE]
