"""What the audit trail records of real turns: first contact, every write, views,
exports and refusals, each under the person responsible, none with what was typed."""

from __future__ import annotations

from bot.store import audit
from tests.e2e.harness import BotUnderTest
from tests.e2e.scenario import (
    audit_head_id,
    audit_since,
    member_id,
    ok,
    say,
    store_of,
)
from tests.e2e.test_between_meetings import agree_actions, personal
from tests.e2e.test_downloads import fetch, link_in

TYPED = "Sentinel audit 3V7"


def seen(entries: list, action_name: str, record_type: str | None = None) -> list:
    return [
        e
        for e in entries
        if e.action == action_name and (record_type is None or e.record_type == record_type)
    ]


async def test_the_trail_of_a_meeting_and_what_followed(site: BotUnderTest) -> None:
    bot = site  # with the pages' sign-in: downloads are from signed-in pages (issue 17)
    store = store_of(bot)
    chair = f"member:{await member_id(store, 'chair')}"
    police = f"member:{await member_id(store, 'police')}"
    coordinator = f"member:{await member_id(store, 'coordinator')}"

    start = await audit_head_id(store)
    ok(await say(bot, "stranger", "start meeting"))
    (refusal,) = await audit_since(store, start)
    assert (refusal.action, refusal.actor) == ("refused", "teams:user-id-999")

    mark = await audit_head_id(store)
    (action_id,) = await agree_actions(
        bot, [{"description": TYPED, "owner": "Priya Shah", "due": "2026-12-03"}]
    )
    summary = bot.connector.cards()[-1]
    meeting = await audit_since(store, mark)
    assert seen(meeting, "first_contact", "member_contacts")[0].actor == chair
    creates = {e.record_type for e in seen(meeting, "create") if e.actor == chair}
    assert {"meetings", "agenda_items"} <= creates
    minute_taker = f"member:{await member_id(store, 'minute_taker')}"
    assert {e.actor for e in seen(meeting, "create", "actions")} <= {chair, minute_taker}
    assert any(e.record_id == str(action_id) for e in seen(meeting, "create", "actions")), (
        "the action is named by its id"
    )
    assert seen(meeting, "change", "meetings"), "moving and ending the meeting are changes"

    mark = await audit_head_id(store)
    await personal(bot, "police", "my actions")
    views = await audit_since(store, mark)
    assert any(e.actor == police for e in seen(views, "first_contact"))
    (viewed,) = seen(views, "view", "actions")
    assert viewed.actor == police and viewed.detail == "my actions: 1"

    page = link_in(summary)
    mark = await audit_head_id(store)
    # Every member of the group may download its minutes (issue 16): someone of another
    # group may not.
    refused_page = await fetch(bot, "harrogate_chair", page, f"{page}/minutes.docx")
    assert refused_page.status == 404
    refusals = [e for e in seen(await audit_since(store, mark), "refused")]
    outsider = f"member:{await member_id(store, 'harrogate_chair')}"
    assert refusals and {(e.action, e.actor) for e in refusals} == {("refused", outsider)}

    file = await fetch(bot, "chair", page, f"{page}/minutes.docx")
    assert file.status == 200
    exported = [e for e in await audit_since(store, mark) if e.action == "export"]
    assert [(e.action, e.record_type, e.actor) for e in exported] == [("export", "meetings", chair)]

    mark = await audit_head_id(store)
    await personal(bot, "coordinator", "outstanding actions")
    (listed,) = seen(await audit_since(store, mark), "view", "actions")
    assert listed.actor == coordinator and "outstanding" in listed.detail

    everything = await audit_since(store)
    flat = repr([(e.actor, e.record_type, e.record_id, e.detail, e.reason) for e in everything])
    assert TYPED not in flat
    assert (await audit.verify_store(store.engine)).ok
