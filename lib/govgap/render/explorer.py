"""An explorer for JupyterLab: switch the province, the indicator and the benchmark of the gap
analysis with menus instead of editing code (ipywidgets). Nothing is drawn until a menu changes,
so a papermill run of the notebook pays nothing for it."""

from __future__ import annotations

from pathlib import Path

from govgap.compare.gaps import unit
from govgap.reference.catalogue import label
from govgap.reference.provinces import provinces, provinces_2025
from govgap.reference.report_text import text
from govgap.render.gap_report import GapAnalysis
from govgap.render.html import show

INDICATORS = ("papi.d7", "papi.d7.1", "papi.d7.2", "papi.d7.3", "papi.d2.4", "papi.d5.3")
BENCHMARKS = ("median", "top_quartile", "best")


def gap_explorer(
    province: str,
    year: int,
    data_dir: str | Path,
    language: str = "vi",
    view: str = "2025",
    indicator: str = "papi.d7",
    benchmark: str = "median",
):
    """Menus for province, indicator and benchmark over the position table, the gap chart and the
    trend of the choice; returns the widget box (displayed by the notebook cell)."""
    import ipywidgets as widgets
    from IPython.display import clear_output

    view = str(view)
    names = list((provinces_2025() if view == "2025" else provinces())["name_vi"])
    start = unit(province, view).name_vi
    province_menu = widgets.Dropdown(options=names, value=start if start in names else names[0])
    indicator_menu = widgets.Dropdown(options=[(label(i, language), i) for i in INDICATORS], value=indicator)
    benchmark_menu = widgets.ToggleButtons(
        options=[(text(f"benchmark_{b}", language), b) for b in BENCHMARKS], value=benchmark
    )
    out = widgets.Output()
    with out:
        show(f'<p class="gg-note">{text("explorer_hint", language)}</p>')

    def draw(_change=None):
        with out:
            clear_output(wait=True)
            g = GapAnalysis.build(province_menu.value, year, data_dir, language, view)
            show(
                g.banner(),
                f"<h3>{g.name} — PAPI {g.year}</h3>",
                g.position_table(indicator_menu.value),
                g.gap_chart(indicator_menu.value, benchmark_menu.value),
                g.trend_chart(indicator_menu.value),
            )

    for menu in (province_menu, indicator_menu, benchmark_menu):
        menu.observe(draw, names="value")
    return widgets.VBox([widgets.HBox([province_menu, indicator_menu]), benchmark_menu, out])
