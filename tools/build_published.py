"""Build the published PAPI and PCI figures that ship with govgap (``lib/govgap/data/published/``)
from the official files in ../shared/data, read with govgap's own loader.

    .venv/bin/python tools/build_published.py [../shared/data]

Run it when ../shared/data or the loader changes; ``tests/real/test_published_table.py``
rebuilds the table and requires it to equal what is shipped.
"""

from __future__ import annotations

import sys
from pathlib import Path

from govgap.sources import indices, published

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    shared = Path(sys.argv[1] if len(sys.argv) > 1 else ROOT.parent / "shared" / "data")
    result = indices.load_folder(shared)
    out = ROOT / "lib" / "govgap" / "data" / published.FOLDER
    published.write(result, out)
    print(f"{len(result.table):,} values from {shared} written to {out.relative_to(ROOT)}")
    print(result.summary())


if __name__ == "__main__":
    main()
