"""Fixtures for the Graph client: a throwaway CA (msal only talks https), the fakes on
loopback, and one frozen clock shared by the fakes and msal."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.support.fake_graph import (
    FakeTime,
    GraphStack,
    TlsFiles,
    freeze_msal_clock,
    graph_stack,
    make_tls,
)


@pytest.fixture(scope="session")
def tls(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    return make_tls(tmp_path_factory.mktemp("graph-tls"))


@pytest.fixture
def fake_time(monkeypatch: pytest.MonkeyPatch) -> FakeTime:
    clock = FakeTime()
    freeze_msal_clock(monkeypatch, clock)
    return clock


@pytest.fixture
async def stack(tls: TlsFiles, fake_time: FakeTime) -> AsyncIterator[GraphStack]:
    async with graph_stack(tls, fake_time) as built:
        yield built
