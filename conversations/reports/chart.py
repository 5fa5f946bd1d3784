"""The bar chart of a report: 1+1 fulfilment by child unit, as a PNG.

Drawn with matplotlib's object API on the Agg canvas (no pyplot, no global backend switch), in DejaVu Sans,
which ships with matplotlib and has every Vietnamese glyph."""

from __future__ import annotations

import io

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from conversations.i18n import Translator, period_label
from conversations.reports.summary import rate
from storage.reports import Report

__all__ = ["MAX_BARS", "render_chart"]

MAX_BARS = 60
FONT = "DejaVu Sans"
_BAR, _GOAL = "#1565c0", "#c62828"


def render_chart(t: Translator, report: Report) -> bytes:
    """Return a PNG bar chart of the 1+1 fulfilment of each child unit (the unit itself when it has none)."""
    rows = (report.children or [report.total])[:MAX_BARS]
    names = [_short(row.name) for row in reversed(rows)]
    values = [100 * (row.fulfilment_rate or 0.0) for row in reversed(rows)]
    figure = Figure(figsize=(9, 1.6 + 0.38 * len(rows)), dpi=110, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    bars = axes.barh(names, values, color=_BAR)
    axes.axvline(100, color=_GOAL, linewidth=1, linestyle="--")
    for bar, row in zip(bars, reversed(rows), strict=True):
        axes.annotate(rate(t, row.fulfilment_rate), (bar.get_width(), bar.get_y() + bar.get_height() / 2),
                      xytext=(4, 0), textcoords="offset points", va="center", fontsize=9, fontfamily=FONT)
    axes.set_xlim(0, max(110.0, max(values, default=0) * 1.15))
    axes.set_xlabel(t("report.chart_axis"), fontfamily=FONT)
    axes.set_title(t("report.chart_title", unit=report.unit.name, period=period_label(t, report.period)),
                   fontfamily=FONT, fontsize=12)
    for label in axes.get_yticklabels() + axes.get_xticklabels():
        label.set_fontfamily(FONT)
    axes.spines[["top", "right"]].set_visible(False)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _short(name: str, limit: int = 38) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"
