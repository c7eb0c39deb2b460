"""My MACE through the real endpoint: a partner's open actions and the same operations as
in chat, on SQLite and PostgreSQL. A change made on the page shows in chat."""

from __future__ import annotations

import html

import pytest
from sqlalchemy import func, select

from bot.store import tables as t
from tests.e2e.harness import BotUnderTest
from tests.e2e.scenario import store_of
from tests.e2e.test_between_meetings import agree_actions, personal
from tests.web.client import Page, WebClient, site_client

PRIYA = "Priya Shah"


@pytest.fixture
async def actions(site: BotUnderTest) -> tuple[int, int]:
    """Two open actions agreed in a meeting, both Priya's (police): the first and second."""
    first, second = await agree_actions(
        site,
        [
            {"description": "Check school attendance.", "owner": PRIYA, "due": "2026-12-03"},
            {"description": "Speak to the takeaway owner.", "owner": PRIYA, "due": "2026-11-26"},
        ],
    )
    return first, second


async def signed_in(site: BotUnderTest, name: str = PRIYA) -> WebClient:
    """A fresh browser, signed in as ``name`` through the stand-in."""
    web = site_client(site)
    await web.sign_in(name)
    return web


async def my_page(site: BotUnderTest, name: str = PRIYA) -> tuple[WebClient, Page]:
    """``name`` signed in, and their My MACE page as it is shown to them."""
    web = await signed_in(site, name)
    return web, await web.get("/my")


async def send(web: WebClient, page: Page, action: str, typed: dict[str, str]) -> Page:
    """What was typed, sent on the page's form posting to ``action`` as a browser sends it:
    with the form's hidden fields (csrf, once)."""
    return await web.post(action, data={**page.form(action), **typed})


async def events(site: BotUnderTest, action_id: int, kind: str) -> int:
    async with store_of(site).reading() as session:
        return int(
            await session.scalar(
                select(func.count())
                .select_from(t.ActionEvent)
                .where(t.ActionEvent.action_id == action_id, t.ActionEvent.kind == kind)
            )
            or 0
        )


async def test_my_mace_lists_my_open_actions_by_reference(
    site: BotUnderTest, actions: tuple[int, int]
) -> None:
    first, second = actions
    _, page = await my_page(site)
    assert page.status == 200
    assert "Your open actions (2)" in page.text
    assert f"A-{first}: Check school attendance." in page.text
    assert f"A-{second}: Speak to the takeaway owner." in page.text


async def test_an_update_on_the_page_shows_in_chat(
    site: BotUnderTest, actions: tuple[int, int]
) -> None:
    first, _ = actions
    web, page = await my_page(site)
    typed = {f"update-{first}": "Spoke to the school."}
    saved = await send(web, page, f"/my/actions/{first}/update", typed)
    assert saved.status == 303
    shown = await web.follow(saved)
    assert f"Your update on A-{first} is saved." in shown.text
    assert "Spoke to the school." in shown.text
    card = await personal(site, "police", "my actions")
    assert "Spoke to the school." in str(card)


async def test_bad_input_comes_back_with_the_entries_and_the_error_beside_the_field(
    site: BotUnderTest, actions: tuple[int, int]
) -> None:
    first, _ = actions
    web, page = await my_page(site)
    typed = {f"newDate-{first}": "not a date", f"reason-{first}": "Waiting on CAMHS."}
    answer = await send(web, page, f"/my/actions/{first}/date", typed)
    assert answer.status == 422
    text = html.unescape(answer.text)
    assert f'id="newDate-{first}-error"' in answer.text
    assert 'aria-invalid="true"' in answer.text
    assert "Waiting on CAMHS." in text  # the reason typed is kept
    assert await events(site, first, "date_requested") == 0


async def test_the_same_form_sent_twice_counts_once(
    site: BotUnderTest, actions: tuple[int, int]
) -> None:
    first, _ = actions
    web, page = await my_page(site)
    typed = {f"update-{first}": "Called the school."}
    assert (await send(web, page, f"/my/actions/{first}/update", typed)).status == 303
    again = await send(web, page, f"/my/actions/{first}/update", typed)  # the same form
    assert again.status == 303
    assert "saved=already" in again.headers["Location"]
    assert await events(site, first, "update") == 1


async def test_done_on_the_page_closes_the_action_in_chat_too(
    site: BotUnderTest, actions: tuple[int, int]
) -> None:
    first, _ = actions
    web, page = await my_page(site)
    typed = {f"done-{first}": "Attendance checked."}
    assert (await send(web, page, f"/my/actions/{first}/done", typed)).status == 303
    assert "Your open actions (1)" in (await web.get("/my")).text
    card = str(await personal(site, "police", "my actions"))
    assert "Check school attendance." not in card
    assert "Speak to the takeaway owner." in card


async def test_someone_elses_action_is_refused_and_nothing_changes(
    site: BotUnderTest, actions: tuple[int, int]
) -> None:
    first, _ = actions
    web, page = await my_page(site, "Harper Lane")  # chairs Harrogate: not Scarborough's action
    hidden = {"csrf": page.csrf, "once": "a" * 24}
    answer = await web.post(
        f"/my/actions/{first}/update", data={**hidden, f"update-{first}": "Not mine."}
    )
    assert answer.status == 422
    assert "Not mine." not in str(await personal(site, "police", "my actions"))
    assert await events(site, first, "update") == 0


async def test_a_form_without_its_token_is_refused(
    site: BotUnderTest, actions: tuple[int, int]
) -> None:
    first, _ = actions
    web = await signed_in(site)
    answer = await web.post(
        f"/my/actions/{first}/update", data={"once": "b" * 24, f"update-{first}": "x"}
    )
    assert answer.status == 403
    assert await events(site, first, "update") == 0
