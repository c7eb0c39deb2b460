"""Report hooks for the browser test, loaded by tests/conftest.py (``pytest_plugins``) so
that they run in the main pytest process even under xdist: one header line saying whether
the browser test can run here (and if not, what is missing), and at the end where its
screenshots are."""

from __future__ import annotations

import time

import pytest

from tests.browser.processes import artefacts_dir, chromium_path, missing

_started = time.time()


def pytest_report_header(config: pytest.Config) -> str:
    reasons = missing()
    if reasons:
        return "Browser test (tests/browser): SKIPPED: " + "; ".join(reasons)
    return (
        f"Browser test (tests/browser): Agents Playground + Chromium at {chromium_path()}; "
        f"screenshots in {artefacts_dir()}"
    )


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    folder = artefacts_dir()
    fresh = (
        [p for p in folder.glob("*.png") if p.stat().st_mtime >= _started]
        if folder.is_dir()
        else []
    )
    if fresh:
        terminalreporter.write_line(
            f"Browser test screenshots ({len(fresh)}) and server logs: {folder}"
        )
