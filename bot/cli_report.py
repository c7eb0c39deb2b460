"""``mace-bot report``: the performance report of a period as a workbook and a Word
summary, for every locality group or one, written readable by its owner alone.

The operator's command (audited as ``cli:<user>``, an export per group): the same figures,
workbook and summary a coordinator downloads from the bot (``bot.services.report``).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from bot.cli_records import write_owner_only
from bot.config import Settings
from bot.domain.clock import SystemClock
from bot.domain.filters import FilterError
from bot.domain.report import ReportPeriod
from bot.services.exports import report_export
from bot.services.factory import ServiceFactory, build_store
from bot.store.db import migrate

COMMANDS = frozenset({"report"})


def register(sub: Any) -> None:
    """Adds ``report`` to the ``mace-bot`` subparsers."""
    report = sub.add_parser(
        "report",
        help="the performance report of a period (counts only) as XLSX and a Word summary",
    )
    report.add_argument("--from", dest="start", required=True, help="first day, YYYY-MM-DD")
    report.add_argument("--to", dest="end", required=True, help="last day, YYYY-MM-DD")
    report.add_argument("--locality", help="one group's code (default: every group)")
    report.add_argument(
        "-o",
        "--output",
        type=Path,
        required=True,
        help="the workbook (.xlsx; the Word summary is written beside it as .docx), "
        "or a .docx for the Word summary alone",
    )


def run(settings: Settings, args: argparse.Namespace) -> int:
    try:
        start, end = date.fromisoformat(args.start), date.fromisoformat(args.end)
    except ValueError:
        print("Error: give --from and --to as YYYY-MM-DD.", file=sys.stderr)
        return 1
    if end < start:
        print("Error: --to is before --from.", file=sys.stderr)
        return 1
    try:
        lines = asyncio.run(_run(settings, ReportPeriod(start, end), args))
    except FilterError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(
            f"Error: could not write {exc.filename or 'the file'}: {exc.strerror}", file=sys.stderr
        )
        return 1
    except SQLAlchemyError as exc:
        print(f"Error: the store did not answer ({type(exc).__name__}).", file=sys.stderr)
        return 1
    print("\n".join(lines))
    return 0


async def _run(settings: Settings, period: ReportPeriod, args: argparse.Namespace) -> list[str]:
    output: Path = args.output
    store = build_store(settings)
    try:
        await migrate(store.engine)
        services = ServiceFactory(settings, store, SystemClock())
        report = await services.reports.for_operator(period, args.locality)
    finally:
        await store.close()
    if output.suffix.lower() == ".docx":
        write_owner_only(output, report_export(report, "docx").content)
        return [f"Wrote the Word summary of {report.describe()} to {output}."]
    summary = output.with_suffix(".docx")
    write_owner_only(output, report_export(report, "xlsx").content)
    write_owner_only(summary, report_export(report, "docx").content)
    return [
        f"Wrote the performance report of {report.describe()} to {output}.",
        f"Wrote its Word summary to {summary}.",
    ]
