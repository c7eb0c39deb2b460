"""``mace-bot members sync`` end to end: settings from the environment, msal and aiohttp
against the loopback fakes (served from a thread of their own, since the command runs
its own event loop), the SQLite store in a temporary data folder."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import main
from bot.services.reference_data import DEMO_DATA, read_data_file
from tests.support.fake_graph import (
    FakeGraph,
    FakeTime,
    FakeTokenEndpoint,
    TlsFiles,
    make_tls,
)

TEAM_GROUP_ID = "6a7b8c9d-0000-4000-8000-00000000beef"


@pytest.fixture(autouse=True)
def local_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in (
        "APP_ID",
        "APP_PASSWORD",
        "APP_TENANTID",
        "DATABASE_URL",
        "MACE_DEMO",
        "MACE_DATA_KEYS",
        "GRAPH",
        "GRAPH_BASE_URL",
        "AUTHORITY_BASE_URL",
        "GRAPH_TEAM_IDS",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MACE_DATA_DIR", str(tmp_path / "data"))


@pytest.fixture
def fakes(tmp_path: Path) -> Iterator[tuple[TlsFiles, FakeTokenEndpoint, FakeGraph]]:
    tls = make_tls(tmp_path)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()

    async def up() -> tuple[FakeTokenEndpoint, FakeGraph]:
        tokens = FakeTokenEndpoint(tls, FakeTime())
        await tokens.start()
        graph = FakeGraph(tokens)
        await graph.start()
        return tokens, graph

    tokens, graph = asyncio.run_coroutine_threadsafe(up(), loop).result(10)
    try:
        yield tls, tokens, graph
    finally:

        async def down() -> None:
            await graph.stop()
            await tokens.stop()

        asyncio.run_coroutine_threadsafe(down(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.close()


def test_without_graph_the_command_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["load-data", str(DEMO_DATA)]) == 0
    capsys.readouterr()

    assert main(["members", "sync"]) == 1
    err = capsys.readouterr().err.strip().splitlines()  # logs go to stderr too
    assert err[-1] == "Graph is not configured: nothing was synchronised."


def test_sync_adds_partners_and_lists_who_is_in_none(
    fakes: tuple[TlsFiles, FakeTokenEndpoint, FakeGraph],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    tls, tokens, graph = fakes
    monkeypatch.setenv("APP_ID", tokens.client_id)
    monkeypatch.setenv("APP_PASSWORD", tokens.client_secret)
    monkeypatch.setenv("APP_TENANTID", tokens.tenant)
    monkeypatch.setenv("AUTHORITY_BASE_URL", tokens.authority_base_url)
    monkeypatch.setenv("GRAPH_BASE_URL", graph.url)
    monkeypatch.setenv("GRAPH_TEAM_IDS", f"team-id={TEAM_GROUP_ID}")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tls.ca))  # how an operator trusts a CA
    monkeypatch.setenv("MACE_DATA_KEY_FILE_OK", "1")
    demo = read_data_file(DEMO_DATA)
    graph.teams[TEAM_GROUP_ID] = [
        {"userId": m["aad_object_id"], "displayName": m["name"], "roles": []}
        for m in demo["members"]
        # The Operational and Strategic groups' own members are in no locality's team.
        if m["name"] != "Ellis Ward" and m.get("roles")
    ]
    assert main(["load-data", str(DEMO_DATA)]) == 0
    capsys.readouterr()

    assert main(["members", "sync"]) == 0

    out = capsys.readouterr().out.splitlines()
    assert out == [
        "Scarborough: 11 people in 1 of 1 linked conversation(s).",
        "  added as partner: Harper Lane",
        "  added as partner: Kit Fenwick",
        "  in none of its conversations: Ellis Ward",
    ]
    assert main(["members", "list", "scarborough"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert any(line.startswith("Kit Fenwick (") and line.endswith(": partner") for line in listed)
    assert any(line.startswith("Ellis Ward (") for line in listed)  # reported, not removed
    assert [c.status for c in tokens.calls] == [200, 200]
