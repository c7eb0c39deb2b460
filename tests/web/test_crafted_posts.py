"""Crafted requests to every state-changing route of the pages, through the real endpoint
on SQLite and PostgreSQL: never a 5xx, and when refused nothing is written.

The routes are read from the app's own router, so a route added later is covered (or the
test fails naming it). Each is posted: with no session; signed in but without the form's
token; with the token and bodies a client could craft (empty, junk fields, a wrong
content type, malformed bytes, oversized text, odd path parameters)."""

from __future__ import annotations

from typing import Any

from tests.e2e.harness import BotUnderTest
from tests.e2e.scenario import row_counts, store_of
from tests.e2e.test_between_meetings import agree_actions
from tests.web.client import WebClient, site_client

#: The POST routes this test knows how to fill; every POST route of the pages must be here.
ROUTES = {
    "/signout": ["/signout"],
    "/signin/stand-in": ["/signin/stand-in"],
    "/auth/sso": ["/auth/sso"],
    "/my/actions/{action_id}/{operation}": [
        "/my/actions/{a}/update",
        "/my/actions/{a}/done",
        "/my/actions/{a}/date",
        "/my/actions/{a}/hand-over",
        "/my/actions/{a}/nonsense",
        "/my/actions/0/update",
        "/my/actions/-1/update",
        "/my/actions/99999999999999999999/update",
        "/my/actions/%00/update",
        "/my/actions/{a}%2F..%2F/update",
    ],
    "/meetings/{meeting_id}/minutes.docx": [
        "/meetings/{m}/minutes.docx",
        "/meetings/0/minutes.docx",
        "/meetings/abc/minutes.docx",
        "/meetings/99999999999999999999/minutes.docx",
    ],
    "/exports/actions.{fmt}": [
        "/exports/actions.csv",
        "/exports/actions.xlsx",
        "/exports/actions.exe",
    ],
    "/reports/report.{fmt}": [
        "/reports/report.xlsx",
        "/reports/report.docx",
        "/reports/report.pdf",
    ],
}


def bodies(csrf: str) -> list[dict[str, Any]]:
    token = {"csrf": csrf}
    return [
        {"data": {}},
        {"data": token},
        {"data": {**token, "once": "x"}},
        {"data": {**token, "once": "o" * 24, "update-1": "x" * 100_000}},
        {"data": {**token, "once": "p" * 24, "member": "'; drop table members; --"}},
        {
            "data": {
                **token,
                "once": "q" * 24,
                "from": "yesterday",
                "to": "\u0000",
                "locality": "x" * 500,
            }
        },
        {"json": {"token": None, "next": {"a": 1}}},
        {"json": [1, 2, 3]},
        {
            "data": b"\xff\xfe\x00garbage",
            "headers": {"Content-Type": "application/x-www-form-urlencoded"},
        },
        {
            "data": b"--x\r\nnot multipart",
            "headers": {"Content-Type": "multipart/form-data; boundary=x"},
        },
        {
            "data": "csrf=" + csrf + "&once=" + "r" * 24 + "&" + "a=1&" * 5000,
            "headers": {"Content-Type": "application/x-www-form-urlencoded"},
        },
        {"data": token, "headers": {"Origin": "https://evil.example"}},
        {"data": token, "headers": {"Origin": "null"}},
    ]


def page_post_routes(site: BotUnderTest) -> set[str]:
    found = set()
    for route in site.server.app.router.routes():
        info = route.resource.get_info() if route.resource else {}
        path = info.get("path") or info.get("formatter") or ""
        if route.method == "POST" and path != "/api/messages":
            found.add(path)
    return found


async def test_every_page_route_refuses_crafted_posts_plainly(site: BotUnderTest) -> None:
    assert page_post_routes(site) <= set(ROUTES), page_post_routes(site) - set(ROUTES)
    (action_id,) = await agree_actions(
        site, [{"description": "Check attendance.", "owner": "Priya Shah", "due": "2026-12-03"}]
    )
    meeting_id = 1
    store = store_of(site)
    stranger = site_client(site)
    member = site_client(site)
    await member.sign_in("Priya Shah")
    csrf = (await member.get("/my")).csrf
    problems: list[str] = []
    for pattern in ROUTES.values():
        for raw in pattern:
            path = raw.format(a=action_id, m=meeting_id)
            for who, client in (("signed out", stranger), ("member", member)):
                for body in bodies(csrf if who == "member" else "0" * 64):
                    if path == "/signout":
                        continue  # a good token signs out; covered in test_signin.py
                    before = await row_counts(store)
                    answer = await _post(client, path, body)
                    if answer >= 500:
                        problems.append(f"{who} {path} {sorted(body)}: {answer}")
                    if answer >= 400 and await row_counts(store) != before:
                        problems.append(f"{who} {path} {sorted(body)}: {answer} but wrote")
    assert problems == [], "\n".join(problems[:20])


async def _post(client: WebClient, path: str, body: dict[str, Any]) -> int:
    page = await client.post(path, **body)
    return page.status
