"""The performance report's card (``report``, personal chat only): the headline figures of
the coordinator's groups together, a line for each group, and buttons for the workbook
and the Word summary. Counts only: no child, person or free text."""

from __future__ import annotations

from bot.domain.report import PerformanceReport, headline
from cards.elements import (
    JSON,
    adaptive_card,
    container,
    execute,
    fact_set,
    heading,
    marking,
    text_block,
)
from cards.text import plain
from cards.verbs import REPORT_DOWNLOAD

#: The figures of each group's line on the card (the workbook has them all).
_LINE = (
    "Meetings held",
    "Actions opened",
    "Closed on time",
    "Overdue at the period's end",
    "Mean rating (1-5)",
)


def report_card(report: PerformanceReport) -> JSON:
    figures = report.total if len(report.localities) > 1 else report.localities[0]
    body: list[JSON] = [
        heading("Performance report", size="large"),
        marking(),
        text_block(
            f"{plain(', '.join(f.name for f in report.localities))}: "
            f"{report.period.describe()}. "
            "Counts only: no child or person is named. Withdrawn actions and entries are "
            "not counted."
        ),
        fact_set(headline(figures)),
    ]
    if len(report.localities) > 1:
        body.append(heading("By group", separator=True))
        for group in report.localities:
            values = dict(headline(group))
            body.append(
                container(
                    [
                        text_block(f"**{plain(group.name)}**"),
                        text_block(
                            " · ".join(f"{label}: {values[label]}" for label in _LINE),
                            subtle=True,
                            spacing="none",
                        ),
                    ],
                    spacing="small",
                )
            )
    body.append(
        text_block(
            "The workbook has attendance by agency, subjects by strand and risk, and the "
            "ratings' distribution, with charts; the Word summary has the headline figures "
            "and attendance.",
            subtle=True,
        )
    )
    data = report.as_data()
    return adaptive_card(
        body,
        [
            execute(
                "Download workbook (Excel)",
                REPORT_DOWNLOAD,
                {**data, "format": "xlsx"},
                with_inputs=False,
            ),
            execute(
                "Download summary (Word)",
                REPORT_DOWNLOAD,
                {**data, "format": "docx"},
                with_inputs=False,
            ),
        ],
    )
