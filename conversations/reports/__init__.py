"""Rendering of reports: the chat summary (Jinja2 templates under `locales/templates/<locale>/`), the bar chart
(PNG) and the workbook (XLSX). Pure functions of a `storage.reports.Report` and a `Translator`; no I/O."""

from conversations.reports.chart import render_chart
from conversations.reports.summary import render_summary
from conversations.reports.workbook import render_workbook

__all__ = ["render_chart", "render_summary", "render_workbook"]
