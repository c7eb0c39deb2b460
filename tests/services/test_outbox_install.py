"""The outbox's install hook: a recipient with no contact has the bot installed for them
through Graph (the fake one) and the message waits for the contact Teams then creates.

The chain in production: OutboxSender -> AppInstaller -> Graph POST
/users/{id}/teamwork/installedApps -> Teams sends the bot an installationUpdate in the
new personal chat -> MaceBot keeps the contact (ContactService.seen) -> the retry sends.
Here the installationUpdate is played by calling ContactService.seen directly.
"""

from __future__ import annotations

import json
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.domain.clock import FrozenClock
from bot.domain.model import ConversationKind
from bot.domain.notices import NoticeKind
from bot.services.contacts import ContactService
from bot.services.context import ActorRef, ConversationRef, TurnRef
from bot.services.directory import AppInstaller
from bot.services.outbox import OutboxSender, Recipient, SendResult
from bot.store import tables as t
from bot.store.db import Store
from tests.support.fake_graph import GraphStack, TlsFiles, graph_stack, make_tls

MANIFEST_ID = "3f1d8b5e-0000-4000-8000-00000000cafe"
CATALOG_ID = "b1c5353a-7aca-41b3-830f-27d5218fe0e5"
JO_AAD = "00000000-0000-0000-0000-0000000000107"
SERVICE_URL = "https://smba.trafficmanager.net/uk/"


@dataclass
class Messenger:
    sent: list[tuple[Recipient, dict[str, Any]]] = field(default_factory=list)

    async def send(self, to: Recipient, card: dict[str, Any]) -> SendResult:
        self.sent.append((to, card))
        return SendResult(f"activity-{len(self.sent)}")


async def render(kind: str, payload: Any, recipient: int) -> dict[str, Any]:
    return {"type": "AdaptiveCard", "kind": kind}


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    return make_tls(tmp_path_factory.mktemp("outbox-tls"))


@pytest.fixture
async def stack(tls: TlsFiles) -> AsyncIterator[GraphStack]:
    async with graph_stack(tls) as built:
        built.graph.users = [
            {"id": JO_AAD, "displayName": "Jo Marsh", "mail": "jo@example.org"},
        ]
        built.graph.catalog = [{"id": CATALOG_ID, "externalId": MANIFEST_ID}]
        yield built


async def member_id(store: Store, name: str) -> int:
    async with store.reading() as session:
        found = await session.scalar(select(t.Member.id).where(t.Member.name == name))
        assert found is not None
        return found


async def enqueue(store: Store, clock: FrozenClock, recipient: int) -> int:
    async with store.transaction() as session:
        row = t.OutboxMessage(
            dedupe_key=f"install-test:{recipient}",
            kind="reminder",
            recipient_member_id=recipient,
            payload=json.dumps({"n": 1}),
            status="pending",
            attempts=0,
            next_attempt_at=clock.now(),
            last_error="",
            created_at=clock.now(),
        )
        session.add(row)
        await session.flush()
        return row.id


async def outbox_row(store: Store, row_id: int) -> t.OutboxMessage:
    async with store.reading() as session:
        return await session.get_one(t.OutboxMessage, row_id)


async def notices(store: Store) -> list[t.OutboxMessage]:
    async with store.reading() as session:
        return list(
            await session.scalars(
                select(t.OutboxMessage).where(t.OutboxMessage.kind == NoticeKind.UNREACHABLE)
            )
        )


def sender(
    store: Store, clock: FrozenClock, messenger: Messenger, installer: AppInstaller, **kw: Any
) -> OutboxSender:
    return OutboxSender(
        store,
        clock,
        messenger,
        render,
        worker_id="worker-install",
        rng=random.Random(3),
        install=installer,
        install_wait=60,
        **kw,
    )


async def test_no_contact_installs_the_app_then_the_retry_reaches_the_new_personal_chat(
    demo_store: Store, clock: FrozenClock, stack: GraphStack
) -> None:
    jo = await member_id(demo_store, "Jo Marsh")
    row_id = await enqueue(demo_store, clock, jo)
    messenger = Messenger()
    outbox = sender(
        demo_store, clock, messenger, AppInstaller(demo_store, stack.client, MANIFEST_ID)
    )

    first = await outbox.drain()

    assert (first.retried, first.no_contact, first.sent) == (1, 0, 0)
    row = await outbox_row(demo_store, row_id)
    assert (row.status, row.last_error) == ("retry", "AwaitingInstall")
    assert timedelta(seconds=60) <= row.next_attempt_at - clock.now() <= timedelta(seconds=62)
    assert stack.graph.installed == {JO_AAD: {CATALOG_ID}}
    assert await notices(demo_store) == []  # nobody is told while the install is under way
    assert messenger.sent == []

    # Teams tells the bot about the app installed in Jo's personal scope.
    await ContactService(demo_store, clock).seen(
        TurnRef(
            ActorRef("29:jo-marsh", JO_AAD, "Jo Marsh"),
            ConversationRef("a:personal-jo", ConversationKind.PERSONAL, "tenant-1", SERVICE_URL),
            "installation-1",
        ),
        "28:mace-bot",
    )
    clock.advance(seconds=63)
    second = await outbox.drain()

    assert second.sent == 1
    [(to, _card)] = messenger.sent
    assert (to.member_id, to.conversation_id, to.service_url) == (jo, "a:personal-jo", SERVICE_URL)
    assert (await outbox_row(demo_store, row_id)).status == "sent"
    assert len(stack.graph.calls_to("/teamwork/installedApps", "POST")) == 1


async def test_a_contact_that_never_comes_ends_as_no_contact_with_one_install(
    demo_store: Store, clock: FrozenClock, stack: GraphStack
) -> None:
    jo = await member_id(demo_store, "Jo Marsh")
    row_id = await enqueue(demo_store, clock, jo)
    outbox = sender(
        demo_store,
        clock,
        Messenger(),
        AppInstaller(demo_store, stack.client, MANIFEST_ID),
        max_attempts=3,
    )

    for _ in range(3):
        await outbox.drain()
        clock.advance(seconds=70)

    row = await outbox_row(demo_store, row_id)
    assert (row.status, row.attempts) == ("no_contact", 3)
    [notice] = await notices(demo_store)
    assert json.loads(notice.payload)["reason"] == "no_contact"
    assert len(stack.graph.calls_to("/teamwork/installedApps", "POST")) == 1


async def test_when_graph_cannot_install_the_coordinator_is_told_at_once(
    demo_store: Store, clock: FrozenClock, stack: GraphStack
) -> None:
    dana = await member_id(demo_store, "Dana Reeves")  # not in the fake directory: 404
    row_id = await enqueue(demo_store, clock, dana)
    outbox = sender(
        demo_store, clock, Messenger(), AppInstaller(demo_store, stack.client, MANIFEST_ID)
    )

    report = await outbox.drain()

    assert report.no_contact == 1
    assert (await outbox_row(demo_store, row_id)).status == "no_contact"
    assert len(await notices(demo_store)) == 1
    assert [c.status for c in stack.graph.calls_to("/teamwork/installedApps")] == [404]


async def test_without_an_app_id_nothing_is_installed(
    demo_store: Store, clock: FrozenClock, stack: GraphStack
) -> None:
    installer = AppInstaller(demo_store, stack.client, "")
    assert not installer.enabled
    assert await installer(await member_id(demo_store, "Jo Marsh")) is False
    assert stack.graph.calls == []
