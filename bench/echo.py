"""Run the stock echo bot (``../shared/bench/echo_bot.py``) unchanged, announcing when bound.

The echo bot prints nothing once it listens; this wrapper gives aiohttp's ``run_app`` a
``print`` that writes one "Ready" line, so the benchmark waits on that line (as it does for
``mace-bot serve``) instead of polling the port. Usage: ``python -m bench.echo PORT``.
"""

from __future__ import annotations

import os
import runpy
import sys
from pathlib import Path
from typing import Any

from aiohttp import web

from tests.support.activities import SHARED_BESIDE

#: ``MACE_ECHO_BOT`` names it where the shared folder is not beside the checkout (a git
#: worktree in another folder).
ECHO_BOT = Path(os.environ.get("MACE_ECHO_BOT") or SHARED_BESIDE / "bench" / "echo_bot.py")

_run_app = web.run_app


def _announcing(app: Any, **kwargs: Any) -> None:
    kwargs["print"] = lambda _message: print("Ready: echo bot accepting traffic.", flush=True)
    _run_app(app, **kwargs)


def main() -> None:
    web.run_app = _announcing
    sys.argv = [str(ECHO_BOT), *sys.argv[1:]]
    runpy.run_path(str(ECHO_BOT), run_name="__main__")


if __name__ == "__main__":
    main()
