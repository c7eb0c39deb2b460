"""MsalGraphClient against a fake Entra token endpoint and a fake Graph on loopback.

Real msal (with its real ``requests`` stack and token cache) and real aiohttp; only the
far ends are fake. Nothing sleeps: msal's clock and the fakes' clock are one ``FakeTime``
moved by hand, and the client's waits go to a recording ``sleep``.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

import pytest

from bot.config import Settings
from bot.graph.client import MsalGraphClient, build_directory, parse_retry_after
from bot.graph.directory import (
    DirectoryUser,
    GraphError,
    GraphNotConfigured,
    GraphThrottled,
    NullDirectory,
)
from tests.support.fake_graph import (
    FakeTime,
    GraphStack,
    TlsFiles,
    directory_members,
    graph_stack,
    users_named,
)

MANIFEST_ID = "3f1d8b5e-0000-4000-8000-00000000cafe"
CATALOG_ID = "b1c5353a-7aca-41b3-830f-27d5218fe0e5"


def statuses(stack: GraphStack) -> list[int]:
    return [call.status for call in stack.graph.calls]


def tokens_used(stack: GraphStack) -> list[str]:
    return [call.token for call in stack.graph.calls]


def issued(stack: GraphStack) -> list[str]:
    return [t.token for t in stack.tokens.issued]


@pytest.fixture
def people(stack: GraphStack) -> list[dict[str, str]]:
    stack.graph.users = users_named(
        [
            ("Priya Shah", "priya.shah@police.example.org"),
            ("Pat O'Brien", "pat.obrien@health.example.org"),
            ("Priyanka Das", "priyanka.das@education.example.org"),
        ]
    )
    return stack.graph.users


# --- tokens ------------------------------------------------------------------------------------


async def test_msal_reads_the_tenant_configuration_once_and_caches_one_token(
    stack: GraphStack, people: list[dict[str, str]]
) -> None:
    stack.graph.teams["team-1"] = directory_members(3)

    await stack.client.find_users("Pri")
    assert [m.display_name async for m in stack.client.team_members("team-1")]
    await stack.client.find_users("pat.obrien@health.example.org")

    assert [(c.method, c.path) for c in stack.tokens.calls] == [
        ("GET", f"/{stack.tokens.tenant}/v2.0/.well-known/openid-configuration"),
        ("POST", f"/{stack.tokens.tenant}/oauth2/v2.0/token"),
    ]  # no instance discovery, and one token for every call
    [post] = stack.tokens.token_posts()
    assert post.form["grant_type"] == "client_credentials"
    assert post.form["client_id"] == stack.tokens.client_id
    assert post.form["scope"] == f"{stack.graph.url}/.default"
    assert tokens_used(stack) == issued(stack) * 3
    assert statuses(stack) == [200, 200, 200]


async def test_concurrent_first_calls_share_one_token_request(
    stack: GraphStack, people: list[dict[str, str]]
) -> None:
    await asyncio.gather(*(stack.client.find_users("Pri") for _ in range(6)))

    assert len(stack.tokens.token_posts()) == 1
    assert statuses(stack) == [200] * 6


async def test_a_token_close_to_expiry_is_renewed_without_waiting(
    stack: GraphStack, fake_time: FakeTime, people: list[dict[str, str]]
) -> None:
    await stack.client.find_users("Pri")  # token 1, good for an hour
    fake_time.advance(3000)  # ten minutes left: msal keeps using it
    await stack.client.find_users("Pri")
    assert len(issued(stack)) == 1

    fake_time.advance(400)  # under msal's five-minute margin: renewed before use
    await stack.client.find_users("Pri")

    first, second = issued(stack)
    assert tokens_used(stack) == [first, first, second]
    assert statuses(stack) == [200, 200, 200]


async def test_a_token_that_has_expired_is_never_sent(
    stack: GraphStack, fake_time: FakeTime, people: list[dict[str, str]]
) -> None:
    await stack.client.find_users("Pri")
    fake_time.advance(7200)  # the process slept through the token's whole life

    await stack.client.find_users("Pri")

    first, second = issued(stack)
    assert tokens_used(stack) == [first, second]
    assert statuses(stack) == [200, 200]


async def test_a_token_graph_rejects_is_dropped_renewed_once_and_the_call_retried(
    stack: GraphStack, people: list[dict[str, str]]
) -> None:
    await stack.client.find_users("Pri")
    [first] = issued(stack)
    stack.tokens.revoke(first)  # still valid by the clock, so msal would reuse it

    found = await stack.client.find_users("Priya Shah")

    assert [u.display_name for u in found] == ["Priya Shah"]
    assert statuses(stack) == [200, 401, 200]
    second = issued(stack)[1]
    assert tokens_used(stack) == [first, first, second]
    await stack.client.find_users("Pri")  # and the new one is what the cache now holds
    assert tokens_used(stack)[-1] == second
    assert len(issued(stack)) == 2


async def test_a_second_401_is_an_error_not_a_loop(
    stack: GraphStack, people: list[dict[str, str]]
) -> None:
    stack.graph.throttle(5, status=401)

    with pytest.raises(GraphError) as caught:
        await stack.client.find_users("Pri")

    assert (caught.value.status, caught.value.code) == (401, "InvalidAuthenticationToken")
    assert statuses(stack) == [401, 401]
    assert len(issued(stack)) == 2
    assert stack.waits == []


async def test_a_wrong_secret_is_a_token_error_that_names_no_secret(
    tls: TlsFiles, fake_time: FakeTime
) -> None:
    async with graph_stack(tls, fake_time) as stack:
        client = MsalGraphClient(
            stack.tokens.client_id,
            "not-the-secret",
            stack.tokens.tenant,
            authority_base_url=stack.tokens.authority_base_url,
            graph_base_url=stack.graph.url,
            verify=str(tls.ca),
        )
        try:
            with pytest.raises(GraphError) as caught:
                await client.find_users("Pri")
        finally:
            await client.close()
    assert (caught.value.status, caught.value.code, caught.value.operation) == (
        401,
        "invalid_client",
        "token",
    )
    assert "not-the-secret" not in str(caught.value)
    assert "not-the-secret" not in repr(client)
    assert stack.graph.calls == []


# --- throttling --------------------------------------------------------------------------------


async def test_429_with_retry_after_is_waited_out_and_the_call_succeeds(
    stack: GraphStack, people: list[dict[str, str]]
) -> None:
    stack.graph.throttle(2, retry_after=7)

    found = await stack.client.find_users("Priya")

    assert {u.display_name for u in found} == {"Priya Shah", "Priyanka Das"}
    assert statuses(stack) == [429, 429, 200]
    assert stack.waits == [7.0, 7.0]  # exactly what Graph asked for, recorded, not slept


async def test_503_without_retry_after_backs_off_exponentially(
    stack: GraphStack, people: list[dict[str, str]]
) -> None:
    stack.graph.throttle(3, status=503)

    assert await stack.client.find_users("Pat")

    assert statuses(stack) == [503, 503, 503, 200]
    assert stack.waits == [1.0, 2.0, 4.0]


async def test_throttled_for_ever_ends_in_a_clear_error_after_bounded_retries(
    stack: GraphStack, people: list[dict[str, str]]
) -> None:
    stack.graph.throttle(1000, retry_after=3)

    with pytest.raises(GraphThrottled) as caught:
        await stack.client.find_users("Pri")

    assert (caught.value.status, caught.value.code) == (429, "TooManyRequests")
    assert str(caught.value) == "graph users: 429 TooManyRequests"
    assert len(stack.graph.calls) == stack.client.max_retries + 1 == 5
    assert stack.waits == [3.0] * 4


async def test_a_retry_after_beyond_the_wait_budget_is_not_waited_for(
    stack: GraphStack, people: list[dict[str, str]]
) -> None:
    stack.graph.throttle(1, retry_after=3600)

    with pytest.raises(GraphThrottled):
        await stack.client.find_users("Pri")

    assert stack.waits == []
    assert statuses(stack) == [429]


async def test_the_total_wait_is_bounded_too(tls: TlsFiles, fake_time: FakeTime) -> None:
    async with graph_stack(tls, fake_time, max_retries=10, max_total_wait=30) as stack:
        stack.graph.users = users_named([("Priya Shah", "p@example.org")])
        stack.graph.throttle(1000, retry_after=12)
        with pytest.raises(GraphThrottled):
            await stack.client.find_users("Pri")
    assert stack.waits == [12.0, 12.0]  # a third would pass 30 s in all
    assert statuses(stack) == [429, 429, 429]


def test_retry_after_is_read_as_seconds_or_an_http_date() -> None:
    now = datetime(2026, 11, 19, 10, 0, tzinfo=UTC)
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(" 2.5 ") == 2.5
    assert parse_retry_after("Thu, 19 Nov 2026 10:00:30 GMT", now) == 30.0
    assert parse_retry_after("Thu, 19 Nov 2026 09:00:00 GMT", now) == 0.0
    assert parse_retry_after("-4") == 0.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None


# --- lists -------------------------------------------------------------------------------------


async def test_a_team_of_3500_is_read_in_full_in_order_one_request_per_page(
    stack: GraphStack,
) -> None:
    roster = directory_members(3500)
    stack.graph.teams["a1b2c3d4-0000-4000-8000-000000000001"] = roster

    members = [m async for m in stack.client.team_members("a1b2c3d4-0000-4000-8000-000000000001")]

    assert [m.user_id for m in members] == [item["userId"] for item in roster]
    assert members[0].display_name == "Person 00001"
    assert members[-1].email == "person.03500@example.org"
    assert len(stack.graph.calls) == 35  # 3,500 at 100 a page
    assert statuses(stack) == [200] * 35
    skip_tokens = [call.query.get("$skiptoken") for call in stack.graph.calls]
    assert skip_tokens == [None, *(f"X+{n}" for n in range(100, 3500, 100))]
    assert len(issued(stack)) == 1


async def test_a_page_throttled_mid_list_is_retried_and_nothing_is_lost(
    stack: GraphStack,
) -> None:
    roster = directory_members(250)
    stack.graph.teams["team-1"] = roster
    stack.graph.page_size = 100
    await stack.client.find_users("warm-up")  # one call so the throttle hits a later page
    stack.graph.calls.clear()
    stack.graph.throttle(1, retry_after=2, path_contains="/members")

    members = [m async for m in stack.client.team_members("team-1")]

    assert [m.user_id for m in members] == [item["userId"] for item in roster]
    assert statuses(stack) == [429, 200, 200, 200]
    assert stack.waits == [2.0]


async def test_chat_members_are_read_by_the_teams_conversation_id(stack: GraphStack) -> None:
    chat_id = "19:9a8b7c6d5e4f4a3b@thread.v2"
    stack.graph.chats[chat_id] = directory_members(5, prefix="partner")

    members = [m async for m in stack.client.chat_members(chat_id)]

    assert [m.display_name for m in members] == [f"Partner {n:05d}" for n in range(1, 6)]
    assert stack.graph.calls[0].path == f"/v1.0/chats/{chat_id}/members"


async def test_a_next_link_to_another_host_is_not_followed(stack: GraphStack) -> None:
    stack.graph.teams["team-1"] = directory_members(150)
    stack.graph.link_base = "https://graph.example.net"

    with pytest.raises(GraphError) as caught:
        _ = [m async for m in stack.client.team_members("team-1")]

    assert caught.value.code == "ForeignNextLink"
    assert len(stack.graph.calls) == 1  # our token never went anywhere else


async def test_an_unknown_team_is_a_graph_error(stack: GraphStack) -> None:
    with pytest.raises(GraphError) as caught:
        _ = [m async for m in stack.client.team_members("no-such-team")]
    assert (caught.value.status, caught.value.code) == (404, "NotFound")


# --- people --------------------------------------------------------------------------------------


async def test_people_are_found_by_name_prefix_or_exact_email(
    stack: GraphStack, people: list[dict[str, str]]
) -> None:
    by_prefix = await stack.client.find_users("priya")
    by_email = await stack.client.find_users("PRIYA.SHAH@police.example.org")
    by_quote = await stack.client.find_users("Pat O'Brien")
    by_surname = await stack.client.find_users("Das")

    assert {u.display_name for u in by_prefix} == {"Priya Shah", "Priyanka Das"}
    assert by_email == [
        DirectoryUser(
            people[0]["id"], "Priya Shah", "priya.shah@police.example.org", people[0]["mail"]
        )
    ]
    assert [u.display_name for u in by_quote] == ["Pat O'Brien"]
    assert [u.display_name for u in by_surname] == ["Priyanka Das"]
    filters = [call.query["$filter"] for call in stack.graph.calls]
    assert filters[1] == (
        "mail eq 'PRIYA.SHAH@police.example.org' or "
        "userPrincipalName eq 'PRIYA.SHAH@police.example.org'"
    )
    assert "startswith(displayName,'Pat O''Brien')" in filters[2]
    assert all("ConsistencyLevel" not in call.query for call in stack.graph.calls)


async def test_an_empty_query_asks_graph_nothing(stack: GraphStack) -> None:
    assert await stack.client.find_users("   ") == []
    assert stack.graph.calls == []


# --- installing the app -----------------------------------------------------------------------


@pytest.fixture
def catalog(stack: GraphStack, people: list[dict[str, str]]) -> str:
    stack.graph.catalog = [
        {
            "id": CATALOG_ID,
            "externalId": MANIFEST_ID,
            "displayName": "MACE Meetings",
            "distributionMethod": "organization",
        }
    ]
    return CATALOG_ID


async def test_install_answers_201_then_409_and_both_are_fine(
    stack: GraphStack, people: list[dict[str, str]], catalog: str
) -> None:
    user = people[0]["id"]
    app_id = await stack.client.catalog_app_id(MANIFEST_ID)

    first = await stack.client.install_for_user(user, app_id)
    second = await stack.client.install_for_user(user, app_id)

    assert (app_id, first, second) == (CATALOG_ID, True, False)
    assert stack.graph.installed == {user: {CATALOG_ID}}
    posts = stack.graph.calls_to("/teamwork/installedApps", "POST")
    assert [p.status for p in posts] == [201, 409]
    assert posts[0].path == f"/v1.0/users/{user}/teamwork/installedApps"
    assert posts[0].json == {
        "teamsApp@odata.bind": f"{stack.graph.url}/v1.0/appCatalogs/teamsApps/{CATALOG_ID}"
    }


async def test_the_catalog_id_is_looked_up_once_and_a_store_app_keeps_its_manifest_id(
    stack: GraphStack, catalog: str
) -> None:
    assert await stack.client.catalog_app_id(MANIFEST_ID) == CATALOG_ID
    assert await stack.client.catalog_app_id(MANIFEST_ID) == CATALOG_ID
    assert await stack.client.catalog_app_id("store-app-id") == "store-app-id"
    lookups = stack.graph.calls_to("/appCatalogs/teamsApps", "GET")
    assert [c.query["$filter"] for c in lookups] == [
        f"externalId eq '{MANIFEST_ID}'",
        "externalId eq 'store-app-id'",
    ]


async def test_install_for_someone_graph_does_not_know_is_an_error(
    stack: GraphStack, catalog: str
) -> None:
    with pytest.raises(GraphError) as caught:
        await stack.client.install_for_user("00000000-dead-4000-8000-000000000000", CATALOG_ID)
    assert (caught.value.status, caught.value.code, caught.value.operation) == (
        404,
        "NotFound",
        "install",
    )


# --- what is logged ---------------------------------------------------------------------------


async def test_nothing_sensitive_reaches_the_logs(
    stack: GraphStack,
    people: list[dict[str, str]],
    catalog: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, msal's and urllib3's included
    roster = directory_members(120)
    stack.graph.teams["team-1"] = roster
    stack.graph.throttle(1, retry_after=1)

    await stack.client.find_users("Priya Shah")
    await stack.client.find_users("pat.obrien@health.example.org")
    stack.tokens.revoke(issued(stack)[0])
    _ = [m async for m in stack.client.team_members("team-1")]
    await stack.client.install_for_user(
        people[1]["id"], await stack.client.catalog_app_id(MANIFEST_ID)
    )

    logged = "\n".join(
        f"{record.name} {record.getMessage()} {record.exc_text or ''}" for record in caplog.records
    )
    assert "graph users: HTTP 429, retry 1 in 1.0 s" in logged  # what is logged is useful
    assert "graph team members: 120" in logged
    secrets = [
        stack.tokens.client_secret,
        *issued(stack),
        "Priya Shah",
        "pat.obrien",
        "O'Brien",
        *(p["id"] for p in people),
        *(m["userId"] for m in roster),
        *(m["email"] for m in roster),
    ]
    leaked = [s for s in secrets if s in logged]
    assert leaked == []
    assert len(issued(stack)) == 2  # the renewal really happened while logging


# --- configuration ------------------------------------------------------------------------------


async def test_without_graph_settings_the_directory_is_the_null_one() -> None:
    for env in (
        {},
        {"APP_ID": "11111111-1111-1111-1111-111111111111", "APP_PASSWORD": "x"},
        {
            "APP_ID": "11111111-1111-1111-1111-111111111111",
            "APP_PASSWORD": "x",
            "APP_TENANTID": "22222222-2222-2222-2222-222222222222",
            "GRAPH": "off",
        },
    ):
        directory = build_directory(Settings.from_env(env))
        assert isinstance(directory, NullDirectory)
    null = NullDirectory()
    assert not null.enabled
    assert await null.find_users("anyone") == []
    assert [m async for m in null.team_members("t")] == []
    assert [m async for m in null.chat_members("c")] == []
    with pytest.raises(GraphNotConfigured):
        await null.install_for_user("u", "a")


async def test_full_credentials_give_the_graph_client_at_the_configured_addresses() -> None:
    settings = Settings.from_env(
        {
            "APP_ID": "11111111-1111-1111-1111-111111111111",
            "APP_PASSWORD": "x",
            "APP_TENANTID": "22222222-2222-2222-2222-222222222222",
            "GRAPH_BASE_URL": "https://graph.example.test/",
            "AUTHORITY_BASE_URL": "https://login.example.test",
            "TEAMS_APP_ID": MANIFEST_ID,
        }
    )
    directory = build_directory(settings)
    assert isinstance(directory, MsalGraphClient)
    assert directory.enabled and settings.teams_app_id == MANIFEST_ID
    assert directory.graph_base_url == "https://graph.example.test"
    assert directory.authority == (
        "https://login.example.test/22222222-2222-2222-2222-222222222222"
    )
    await directory.close()
