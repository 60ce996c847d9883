"""What the report's page, its PDF and its XLSX share: the figures of a version's content,
as charts with their tables (opinions/reports/charts.py) or, for the long ones, tables only."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from opinions.reports.charts import STACKED, Figure, Layout, bar_chart, bars_of


def report_figures(content: Mapping[str, Any], *, layout: Layout = STACKED) -> list[Figure]:
    """The figures of a built version. A section list can be hundreds of rows long and the
    rejected comments are few: those two are tables without a chart."""
    figures = content.get("figures") or {}
    specs = [
        ("by_decision", _("Comments by position taken"), _("Position"), True),
        ("by_submitter", _("Comments by who sent them"), _("Sent by"), True),
        ("by_channel", _("Comments by channel"), _("Channel"), True),
        ("by_section", _("Comments by section"), _("Section"), False),
        ("rejected_by_reason", _("Comments not published, by reason"), _("Reason"), False),
    ]
    result = []
    for key, title, header, charted in specs:
        bars = bars_of(figures.get(key) or [])
        svg = None
        if charted:
            chart_id = f"chart-{key.replace('_', '-')}"
            svg = bar_chart(chart_id=chart_id, title=title, bars=bars, layout=layout)
        result.append(
            Figure(
                key=key,
                title=title,
                bars=bars,
                total=sum(bar.count for bar in bars),
                svg=svg,
                row_header=header,
            )
        )
    return result
