"""The local sign-in stand-in of ``make run`` can never run beside an APP_ID: a deployed
bot that had it would let anyone sign in as any member."""

from __future__ import annotations

from pathlib import Path

from tests.support.serving import start

APP = {
    "APP_ID": "00000000-0000-4000-8000-000000000001",
    "APP_PASSWORD": "test-only-not-a-secret",
    "APP_TENANTID": "00000000-0000-4000-8000-0000000000aa",
}


async def test_serve_refuses_to_start_with_the_stand_in_and_an_app_id(tmp_path: Path) -> None:
    served = await start(tmp_path, MACE_WEB_STAND_IN="1", **APP)
    assert served.process.returncode == 2, served.output
    said = "".join(served.output)
    assert "Cannot start: MACE_WEB_STAND_IN" in said
    assert "cannot be used with APP_ID set" in said
    assert not served.said("Ready")


async def test_the_same_settings_without_the_stand_in_start(tmp_path: Path) -> None:
    """The refusal is the stand-in's, not the app id's: without it the same bot starts."""
    served = await start(tmp_path, **APP)
    try:
        assert served.process.returncode is None, served.output
        assert served.said("Ready")
    finally:
        if served.process.returncode is None:
            served.process.terminate()
            await served.process.wait()
