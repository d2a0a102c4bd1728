"""Text that comes from data is escaped in every HTML fragment."""

import pandas as pd

from govgap.render.html import html_table


def test_html_table_escapes_data():
    frame = pd.DataFrame({"Đơn vị <b>": ["<script>alert(1)</script>", "A & B"]})
    html = html_table(frame)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "A &amp; B" in html and "Đơn vị &lt;b&gt;" in html
