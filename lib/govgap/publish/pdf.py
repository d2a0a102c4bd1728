"""A report as an A4 PDF, made from the same HTML file by WeasyPrint (a Python package: no
browser needed). The page size, margins, running footer and page numbers come from the report's
print stylesheet (``templates/govgap/govgap.css`` and the report's own ``@page`` rule)."""

from __future__ import annotations

import logging
import os
from pathlib import Path


def write_pdf(html_path: str | Path, pdf_path: str | Path | None = None) -> Path:
    """Write ``html_path`` as an A4 PDF beside it (or to ``pdf_path``), through a temporary name,
    so that no half-written PDF is ever left; returns the PDF's path."""
    import weasyprint

    # WeasyPrint names every screen-only CSS rule it ignores (sticky headers, text-size-adjust):
    # that is expected of a page made for screens too, not something for the user to act on
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    html_path = Path(html_path)
    pdf_path = Path(pdf_path) if pdf_path else html_path.with_suffix(".pdf")
    tmp = pdf_path.with_name(pdf_path.name + ".tmp")
    try:
        weasyprint.HTML(filename=str(html_path)).write_pdf(str(tmp))
        os.replace(tmp, pdf_path)
    except BaseException:  # a full disk half-way: no partial file left behind
        tmp.unlink(missing_ok=True)
        raise
    return pdf_path


def page_count(pdf_path: str | Path) -> int:
    """The number of pages of a PDF (read with pdfium, the engine the tests render pages with)."""
    import pypdfium2

    document = pypdfium2.PdfDocument(str(pdf_path))
    try:
        return len(document)
    finally:
        document.close()
