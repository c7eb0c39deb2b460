"""The performance report's card (``report``, personal chat only): the headline figures of
the coordinator's groups together, a line for each group, and buttons for the workbook
and the Word summary. Counts only: no child, person or free text."""

from __future__ import annotations

from bot.domain.page_addresses import PageAddresses
from bot.domain.report import PerformanceReport, headline
from cards.elements import (
    JSON,
    adaptive_card,
    container,
    fact_set,
    heading,
    marking,
    open_url,
    text_block,
)
from cards.text import plain

#: The figures of each group's line on the card (the workbook has them all).
_LINE = (
    "Meetings held",
    "Actions opened",
    "Closed on time",
    "Overdue at the period's end",
    "Mean rating (1-5)",
)


def report_card(report: PerformanceReport, pages: PageAddresses | None = None) -> JSON:
    """The headline figures, and (with ``pages``) a button to the report's page, which
    offers the workbook and the Word summary once the person has signed in."""
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
    if pages is None:
        return adaptive_card(body)
    body.append(
        text_block(
            "The download page opens in your browser; sign in with your work account.",
            subtle=True,
        )
    )
    address = pages.report(report.as_data())
    return adaptive_card(body, [open_url("Download the workbook or the Word summary", address)])
