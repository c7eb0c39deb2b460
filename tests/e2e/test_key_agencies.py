"""Which agencies count as key (warned about while unrepresented) is configuration."""

from __future__ import annotations

from bot.config import Settings
from bot.domain.clock import FrozenClock
from bot.store.db import Store
from tests.e2e.cardtools import text_of, walk
from tests.e2e.harness import running_bot
from tests.e2e.scenario import ok, say, start_meeting


def warnings(card: dict[str, object]) -> str:
    return " ".join(
        str(node.get("text", "")) for node in walk(card) if node.get("color") == "attention"
    )


async def test_the_key_agencies_come_from_settings(demo_store: Store, clock: FrozenClock) -> None:
    settings = Settings(key_agencies=("police", "youth_justice"))
    async with running_bot(demo_store, clock, settings) as bot:
        meeting = await start_meeting(bot)
        warned = warnings(meeting.card(bot))
        assert "North Yorkshire Police" in warned and "Youth Justice" in warned
        assert "Education" not in warned and "Health" not in warned

        ok(await say(bot, "police", "here"))
        warned = warnings(meeting.card(bot))
        assert "North Yorkshire Police" not in warned and "Youth Justice" in warned
        assert "Priya Shah" in text_of(meeting.card(bot))


def test_key_agencies_are_read_from_the_environment() -> None:
    settings = Settings.from_env({"KEY_AGENCIES": "police, housing"})
    assert settings.key_agencies == ("police", "housing")
    assert Settings.from_env({}).key_agencies == (
        "police",
        "childrens_social_care",
        "health",
        "education",
    )
