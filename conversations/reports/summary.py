"""The chat summary of a report: one Jinja2 template for every language, its words from the catalogs, numbers
formatted by Babel."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from conversations.i18n import Translator, period_label
from conversations.reports.suppress import Shown, sensitive_cells, shown_text
from storage.reports import TARGET_FIGURES, Figures, Report
from storage.rollups import AGE_BANDS

__all__ = ["group_label", "rate", "render_summary"]

TEMPLATES = Path(__file__).resolve().parent.parent.parent / "locales" / "templates"
TOP_CHILDREN = 10


@cache
def _environment() -> Environment:
    return Environment(loader=FileSystemLoader(TEMPLATES), undefined=StrictUndefined, autoescape=False,
                       trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=False)


def rate(t: Translator, value: float | None) -> str:
    """Return a percentage such as `101,5%`, or a dash when there is nothing to divide by."""
    return t.percent(value) if value is not None else "–"


def group_label(t: Translator, code: str) -> str:
    """Return the label of a youth group (the youth catalog's), or the code itself when none exists."""
    key = f"youth.group.{code}"
    label = t(key)
    return code if label == key else label


def render_summary(t: Translator, report: Report, *, top: int = TOP_CHILDREN) -> str:
    """Return the chat summary of `report` in `t`'s language: one template, its words from the catalogs."""
    total: Figures = report.total
    groups = sorted(report.groups.items(), key=lambda item: (-item[1], item[0]))
    cells = sensitive_cells(report)
    return _environment().get_template("report_summary.txt").render(
        t=t, count=t.count, r=report, f=total, unit=report.unit.name, period=period_label(t, report.period),
        num=t.number, pct=lambda value: rate(t, value),
        groups="; ".join(f"{group_label(t, code)} {t.number(n)}" for code, n in groups),
        ages="; ".join(f"{t(f'report.age.{band}')}: {t.number(n)}"
                       for band, _, _ in AGE_BANDS if (n := getattr(total, band))),
        targets=[(t(f"report.target.{metric}"), total.targets[metric], total.target_rate(metric),
                  total.achieved(metric)) for metric in TARGET_FIGURES if metric in total.targets],
        children=report.children[:top], more=max(0, len(report.children) - top),
        sensitive={name: shown_text(t, cell, shown) for name, (cell, shown) in cells.items()},
        suppressed=any(shown is not Shown.EXACT for _, shown in cells.values()),
    ).strip()
