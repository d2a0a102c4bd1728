"""The one chart style and palette of every govgap chart, and a chart as the report shows it: a
compact PNG inside a ``<figure>`` with alt text in the report's language.

Charts are drawn for a phone first: 5 inches wide with text of 10 points or more, so that on a
390 px screen the smallest text is still about 10 px; on a desktop they are shown at most a
quarter larger than drawn, on A4 at most 150 mm wide.
"""

from __future__ import annotations

import base64
import html
import io
import textwrap

import matplotlib.pyplot as plt
from cycler import cycler
from matplotlib.layout_engine import ConstrainedLayoutEngine

# Okabe and Ito's colour-blind-safe palette: no red/green pair carries a meaning on its own
PALETTE = {
    "province": "#0072B2",  # blue
    "median": "#7f7f7f",  # grey
    "top_quartile": "#56B4E9",  # sky blue
    "best": "#009E73",  # bluish green
    "late": "#D55E00",  # vermillion
    "target": "#CC79A7",  # reddish purple
    "simulated": "#F0E442",  # yellow
}
WIDTH = 5.0  # inches: a phone's width at 10-point text (see the module's note)
DPI = 130  # sharp enough on phones and paper; the PNG is then reduced to a palette (below)
_ALT, _CAPTION = "_govgap_alt", "_govgap_caption"

# seaborn's set_theme(style="whitegrid", context="notebook", font_scale=0.9), written out: importing
# seaborn (and scipy.stats with it) costs about 0.9 s of every report kernel, for a style. A test
# checks this against seaborn's own; only seaborn's colour map "rocket" is left out.
_SEABORN_WHITEGRID = {
    "axes.axisbelow": True,
    "axes.edgecolor": ".8",
    "axes.grid": True,
    "axes.labelcolor": ".15",
    "axes.labelsize": 10.8,
    "axes.linewidth": 1.25,
    "axes.prop_cycle": cycler(
        "color",
        ["#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860", "#da8bc3", "#8c8c8c", "#ccb974", "#64b5cd"],
    ),
    "axes.titlesize": 10.8,
    "font.sans-serif": ["Arial", "DejaVu Sans", "Liberation Sans", "Bitstream Vera Sans", "sans-serif"],
    "font.size": 10.8,
    "grid.color": ".8",
    "grid.linewidth": 1.0,
    "legend.fontsize": 9.9,
    "legend.title_fontsize": 10.8,
    "lines.solid_capstyle": "round",
    "patch.edgecolor": "w",
    "patch.force_edgecolor": True,
    "text.color": ".15",
    "xtick.bottom": False,
    "xtick.color": ".15",
    "xtick.labelsize": 9.9,
    "xtick.major.size": 6.0,
    "xtick.major.width": 1.25,
    "xtick.minor.size": 4.0,
    "xtick.minor.width": 1.0,
    "ytick.color": ".15",
    "ytick.labelsize": 9.9,
    "ytick.left": False,
    "ytick.major.size": 6.0,
    "ytick.major.width": 1.25,
    "ytick.minor.size": 4.0,
    "ytick.minor.width": 1.0,
}


def chart_style() -> None:
    """One consistent style for every govgap chart."""
    plt.rcParams.update(_SEABORN_WHITEGRID)
    plt.rcParams.update(
        {
            "figure.dpi": 90,
            "savefig.dpi": DPI,
            "figure.figsize": (WIDTH, 3.4),
            "axes.titleweight": "bold",
            "axes.titlesize": 11,
            "axes.titley": 1.0,
            "axes.labelsize": 10.5,
            "xtick.labelsize": 10,
            "ytick.labelsize": 10,
            "legend.fontsize": 10,
            "font.size": 10.5,
        }
    )


def wrap(text: str, width: int = 34) -> str:
    """A label on as many lines as it needs, never cut: a leader reads the whole indicator."""
    return "\n".join(textwrap.wrap(str(text), width=width, break_long_words=False)) or str(text)


def _short(text: str, width: int = 70) -> str:
    text = str(text)
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def legend_below(fig, ax, ncol: int = 2, handles=None, labels=None) -> None:
    """The legend under the plot, outside the data, in as many columns as fit a phone."""
    if handles is None:
        handles, labels = ax.get_legend_handles_labels()
    if ax.get_legend() is not None:
        ax.get_legend().remove()
    if handles:
        fig.legend(handles, labels, loc="outside lower center", ncol=ncol, frameon=False)


def describe(fig, alt: str, caption: str = ""):
    """Attach the text that says what the chart shows (the image's alt text in the report) and a
    caption shown under it (what its marks mean, when that does not fit on the chart)."""
    setattr(fig, _ALT, alt)
    setattr(fig, _CAPTION, caption)
    return fig


def alt_text(fig) -> str:
    return getattr(fig, _ALT, "")


def caption(fig) -> str:
    return getattr(fig, _CAPTION, "")


def png_bytes(fig, colours: int = 48) -> bytes:
    """The figure as a PNG reduced to a palette of ``colours`` (about a third of the full-colour
    size, with no visible change on flat-coloured charts). Octree keeps a colour that covers few
    pixels (a legend's swatch); median cut merged it into its neighbours."""
    from PIL import Image

    # a constrained layout already fits everything inside the figure: "tight" would draw it twice
    constrained = isinstance(fig.get_layout_engine(), ConstrainedLayoutEngine)
    # a tall chart (an office per row) at a lower resolution: the report stays under 400 KB
    height = fig.get_size_inches()[1]
    dpi = DPI if height <= 7 else max(100, round(DPI * 7 / height))
    if constrained:
        image = _drawn_once(fig, dpi)
    else:
        raw = io.BytesIO()
        fig.savefig(raw, format="png", dpi=dpi, bbox_inches="tight", facecolor="white")
        image = Image.open(raw)
    image = image.convert("RGB").quantize(colours, method=Image.Quantize.FASTOCTREE)
    out = io.BytesIO()
    # zlib's default level 6: a report's charts about 8% larger than at level 8 (140 KB, not 130 KB),
    # encoded in 0.02 s, not 0.06 s (level 9 takes 0.16 s for 1% less)
    image.save(out, format="png", compress_level=6)
    return out.getvalue()


def _drawn_once(fig, dpi: int):
    """A constrained chart's pixels from one draw of an Agg canvas, at ``dpi`` on white.

    ``savefig`` draws a figure with a layout engine twice (once to lay it out, once to render): one
    draw that lays out and renders gives the same pixels (an oracle test checks it against
    matplotlib's own PNG) for about an eighth less of a chart's time; the layout itself is most of
    what is left. The figure keeps its canvas, dpi and colour."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    canvas, old_dpi, old_face = fig.canvas, fig.dpi, fig.get_facecolor()
    try:
        fig.set_dpi(dpi)
        fig.set_facecolor("white")
        agg = FigureCanvasAgg(fig)  # (the figure's canvas for the draw; put back below)
        agg.draw()
        image = Image.frombuffer("RGBA", agg.get_width_height(), agg.buffer_rgba(), "raw", "RGBA", 0, 1)
        image = image.copy()  # (its own pixels: the canvas's buffer goes with the canvas)
    finally:
        fig.set_canvas(canvas)
        fig.set_dpi(old_dpi)
        fig.set_facecolor(old_face)
    return image


def figure_html(fig) -> str:
    """``<figure>`` with the chart as an inline PNG (the report stays one offline file), its alt
    text and caption, never shown more than a quarter larger than drawn."""
    data = png_bytes(fig)
    width_px = round(fig.get_size_inches()[0] * 96 * 1.25)  # at most a quarter larger than drawn
    source = base64.b64encode(data).decode("ascii")
    alt = html.escape(alt_text(fig), quote=True)
    note = f"<figcaption>{html.escape(caption(fig))}</figcaption>" if caption(fig) else ""
    return (
        f'<figure class="gg-chart" style="max-width:{width_px}px">'
        f'<img src="data:image/png;base64,{source}" alt="{alt}">{note}</figure>'
    )


def mark_sample(fig, text: str):
    """Write the sample-data mark across a chart made from sample data, so that the image says it
    wherever it is copied to (a slide, a message)."""
    fig.text(
        0.5,
        0.5,
        text,
        fontsize=22,
        color="#b8860b",
        alpha=0.22,
        ha="center",
        va="center",
        rotation=18,
        fontweight="bold",
        zorder=0,
    )
    return fig
