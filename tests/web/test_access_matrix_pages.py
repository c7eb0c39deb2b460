"""The access matrix of the pages: every route of the web surface (method and path pattern,
read from the app's own router), for each kind of person, with the answer expected in
each cell written down below, derived from ``bot.domain.permissions``, the guards of
``bot.web.identity`` and the rule each service applies (``Reach`` for actions, the
group's roles for minutes, the register and its persons of concern, ``Permission.REPORT``
for the report and the dashboard), not from running the code. Every cell is driven
through the real HTTP endpoint of the whole bot, on SQLite and PostgreSQL.

A route added to the app with no row here fails the test (``test_every_route_has_a_row``),
as does a row whose route has gone: the matrix is complete by construction.

The people (columns, in this order):

- ``o`` signed out: no session cookie.
- ``p`` a partner of Scarborough (Chris Lowe, education), who owns one of its actions.
- ``c`` a chair of Scarborough who is nothing else (Robin Ashdown, fictional: the demo
  chair Alex Wilber is an administrator too).
- ``k`` a coordinator of Scarborough alone (Frankie Dale, fictional: the demo coordinator
  Riley Quinn coordinates every group), who holds ``Permission.REPORT`` there.
- ``h`` a member whose roles are all in Harrogate: its chair (Harper Lane, police).
- ``x`` an administrator with no role in any group (Blair Tennant, fictional).
- ``g`` a member who signed in and was then removed (made inactive): their session is
  ended on its next use, so they are signed out everywhere.

Signed in but no member: no session can exist for someone who is not an (active) member
(``WebSessions.open`` refuses, audited), so that person is a row, not a column: the
sign-in refusal, by single sign-on with a token Entra signed for someone who is no member
(``ENTRA_ROWS``), and by the local stand-in naming no member.

The routes are those of the local bot (the stand-in on, as ``make run``) and, for the
sign-in routes only a deployed bot has (an APP_ID: single sign-on with a key to check it
by, the authorisation-code flow), those of a second bot over the same store, with Entra
the fake on loopback. ``EXCLUDED`` lists the routes with no row, and why.

The answers:

- **A** allowed: the page (200), the file (200, an attachment), or the change made (303
  back to the page, and the store changed; what it changed is then put back). An allowed
  view or download of records writes its audit entry (``Row.audited``), and the page
  shows what it is for (``Row.shows``).
- **S** signed out: a page redirects to ``/signin?next=<the page>`` (303) with nothing of
  it; a form post is 401. Nothing written, nothing audited.
- **D** directed elsewhere (303 to ``Row.to``), nothing shown.
- **N** nothing to show: 200 with the sentence saying why (no group), nothing of any
  group; the refusal audited.
- **R** refused: 403, 404 or 422 as the route answers, with the refusal in the audit trail.
- **r** refused as not found (403, 404 or 422, or 401 for a sign-in), with no audit
  entry. The services answer "not found" alike for a record of a group the person may
  not reach and for no such record; the first is audited as refused (R: the minutes and
  their download, an action, a subject, another group's map, as in chat;
  ``bot.services.records.refused_unseen``), the second is not.
- **F** a form post without the session's token, or from another site (Origin): 403.

In every cell, allowed or not: no server error, and none of the planted texts (invented,
recognisable) that the person may not see anywhere appears in the answer (the text of a
page, or of a downloaded CSV, Excel or Word file); a cell other than A leaves the store
the same row for row (the audit trail, bookkeeping and answer claims aside, as in
tests/e2e/scenario.py), and writes no view or export to the audit trail.

The store is shared by every cell of an engine: cells other than A leave it unchanged,
and an allowed change is put back, row for row, before the next cell.
"""

from __future__ import annotations

import io
import re
import secrets
import zipfile
from collections import Counter
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from aiohttp import web
from sqlalchemy import delete, insert, select, update

from bot.config import Settings
from bot.domain.clock import FrozenClock
from bot.services.reference_data import load_reference_data
from bot.store import tables as t
from bot.store.audit import AuditAction
from bot.store.db import Store
from tests.conftest import MEETING_DAY
from tests.e2e.harness import BotUnderTest, running_bot
from tests.e2e.scenario import (
    ANSWER_CLAIMS,
    BOOKKEEPING_COLUMNS,
    BOOKKEEPING_TABLES,
    audit_head_id,
    audit_since,
)
from tests.support.entra_site import APP_ID, APP_PASSWORD, AUDIENCE, TENANT, entra_settings
from tests.support.fake_entra import FakeEntra, Person
from tests.support.fake_graph import make_tls
from tests.support.records import Records
from tests.web.client import Page, WebClient, site_client
from tests.web.entra.conftest import NESTOR

# -- who ---------------------------------------------------------------------------------

#: Fictional members for what the demo data lacks: (name, agency, roles by locality,
#: administrator). Added to this test's own copy of the store only.
EXTRA: dict[str, tuple[str, str, dict[str, list[str]], bool]] = {
    "chair": ("Robin Ashdown", "early_help", {"scarborough": ["chair"]}, False),
    "coordinator": ("Frankie Dale", "nyscp", {"scarborough": ["coordinator"]}, False),
    "admin": ("Blair Tennant", "nyscp", {}, True),
    "removed": ("Remy Stroud", "housing", {"scarborough": ["partner"]}, False),
    # Not a column: the partner's colleague in education an action is handed over to.
    "colleague": ("Ari Penrose", "education", {"scarborough": ["partner"]}, False),
}


@dataclass(frozen=True, slots=True)
class Persona:
    key: str
    #: The member signed in as; None: nobody.
    name: str | None
    #: The group whose map ``/map`` goes to (their first by name).
    home: str = ""


PERSONAS: tuple[Persona, ...] = (
    Persona("o", None),
    Persona("p", "Chris Lowe", "scarborough"),
    Persona("c", "Robin Ashdown", "scarborough"),
    Persona("k", "Frankie Dale", "scarborough"),
    Persona("h", "Harper Lane", "harrogate"),
    Persona("x", "Blair Tennant"),
    Persona("g", "Remy Stroud", "scarborough"),
)
COLUMNS = "".join(p.key for p in PERSONAS)

# -- what is planted -----------------------------------------------------------------------

SCARBOROUGH = frozenset("pck")
CHAIR_ONLY = frozenset("c")
HARROGATE = frozenset("h")


@dataclass(frozen=True, slots=True)
class Secret:
    text: str
    #: Who may see it, somewhere: a member of its group, and for a person of concern only
    #: the chair (the default rule: police and the chair and deputy chair; no police here).
    seen_by: frozenset[str]


S_MINUTE = Secret("Larkspur minute about the bus depot rota", SCARBOROUGH)
S_DECISION = Secret("Larkspur decision to brief the harbour patrol", SCARBOROUGH)
S_ACTION_P = Secret("Larkspur action for the school welfare officer", SCARBOROUGH)
S_ACTION_D = Secret("Larkspur action for the clinic outreach nurse", SCARBOROUGH)
S_SUBJECT = Secret("CR-7319", SCARBOROUGH)
S_PERSON = Secret("CR-7388", CHAIR_ONLY)
H_MINUTE = Secret("Quillwort minute about the market square", HARROGATE)
H_DECISION = Secret("Quillwort decision to visit the arcade", HARROGATE)
H_ACTION = Secret("Quillwort action for the community nurse", HARROGATE)
H_SUBJECT = Secret("CR-8412", HARROGATE)
#: Chris Lowe's Entra object id (the demo data's), for the single sign-on rows.
MEMBER_OBJECT_ID = "00000000-0000-0000-0000-0000000000106"

SECRETS = (
    S_MINUTE,
    S_DECISION,
    S_ACTION_P,
    S_ACTION_D,
    S_SUBJECT,
    S_PERSON,
    H_MINUTE,
    H_DECISION,
    H_ACTION,
    H_SUBJECT,
)
#: Links to the planted records (``{mS}`` etc.: their ids), which lists show: a link to a
#: record is as much as its group's members may know of it.
LINKS = (
    Secret('href="/meetings/{mS}"', SCARBOROUGH),
    Secret('href="/meetings/{mH}"', HARROGATE),
    Secret('href="/subjects/{sS}"', SCARBOROUGH),
    Secret('href="/subjects/{sP}"', CHAIR_ONLY),
    Secret('href="/subjects/{sH}"', HARROGATE),
)
#: What the lists of meetings show each member of a group: its meeting.
MEETING_LINKS = {
    "p": 'href="/meetings/{mS}"',
    "c": 'href="/meetings/{mS}"',
    "k": 'href="/meetings/{mS}"',
    "h": 'href="/meetings/{mH}"',
}

# -- the matrix ----------------------------------------------------------------------------

MEANING = {
    "A": "allowed",
    "S": "sent to sign in (a page) or 401 (a form)",
    "D": "directed elsewhere",
    "N": "nothing to show, refusal audited",
    "R": "refused, refusal audited",
    "r": "refused as not found, not audited",
    "F": "form refused: no token or another site's Origin",
}


@dataclass(frozen=True)
class Row:
    method: str
    #: The route's pattern, as the router has it.
    route: str
    #: The address asked for: ``{aP}`` etc. are the planted records (``World.ids``).
    path: str
    #: One letter per column of ``PERSONAS`` (spaces for reading).
    cells: str
    #: What an allowed answer writes to the audit trail ("" for none asked for).
    audited: str = ""
    #: What an allowed answer shows, per column (``*`` for every allowed one).
    shows: Mapping[str, str] = field(default_factory=dict)
    #: Where a D answer goes (``{home}``: the person's group).
    to: str = ""
    #: The form's fields (a form post); ``{aP}`` etc. as in ``path``.
    form: Mapping[str, str] = field(default_factory=dict)
    #: A form post with the session's token and a ``once`` key (False: neither).
    token: bool = True
    headers: Mapping[str, str] = field(default_factory=dict)
    #: An allowed post changes the store (then put back).
    changes: bool = False
    #: For an allowed post: the status and where it sends (303) or 200 (a file).
    allowed: int = 200
    #: A refused post answers with the person's own My MACE drawn again (the form's
    #: problem above it), whose own reads are audited as a visit to /my is: the cell's
    #: audit entries are checked beyond those.
    redraw: bool = False
    #: The form sent as a JSON body (what the tab's script posts).
    as_json: bool = False
    #: Which bot answers: the local one with the stand-in, or one with an APP_ID ("entra").
    app: str = "stand-in"
    note: str = ""

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}" + (f" ({self.note})" if self.note else "")

    def expected(self, persona: Persona) -> str:
        letters = self.cells.replace(" ", "")
        assert len(letters) == len(PERSONAS), self.label
        return letters[PERSONAS.index(persona)]


def _post(path: str, route: str, cells: str, **kw: Any) -> Row:
    return Row("POST", route, path, cells, **kw)


def _get(path: str, route: str, cells: str, **kw: Any) -> Row:
    return Row("GET", route, path, cells, **kw)


CHANGE = "/my/actions/{action_id}/{operation}"
HAND_OVER = "/my/actions/{action_id}/hand-over"
MINUTES_FILE = "/meetings/{meeting_id}/minutes.docx"
ACTIONS_FILE = "/exports/actions.{fmt}"
REPORT_FILE = "/reports/report.{fmt}"
MAP = "/localities/{code}/map"
DASHBOARD = "/localities/{code}/dashboard"
FOREIGN = {"Origin": "https://evil.example"}
PERIOD = {"from": "2026-04-01", "to": "2027-03-31"}
#: How many open actions the outstanding actions' page counts for each: their own (the
#: partner), every one of their group (chair, coordinator), none (the administrator).
OPEN_ACTIONS = {
    "p": "1 open action:",
    "c": "2 open actions:",
    "k": "2 open actions:",
    "h": "1 open action:",
    "x": "0 open actions:",
}


def _change(op: str, action: str, cells: str, form: dict[str, str]) -> Row:
    """A change to an action from My MACE (a refused hand-over draws its own page)."""
    return _post(
        f"/my/actions/{{{action}}}/{op}",
        CHANGE,
        cells,
        form=form,
        changes=True,
        allowed=303,
        to="/my?saved=",
        redraw=op != "hand-over",
    )


#: Columns:  o p c k h x g  (see the module's docstring).
#:
#: From the rules: every page but the sign-in pages needs a session (``page``: a redirect
#: to sign in; ``action``: 401). Actions are changed by their owner, by whoever manages
#: every action of the group (chair, deputy, coordinator) and by an agency lead for their
#: agency, and are "not found" to anyone outside the group; minutes, the register and the
#: meetings list are every member of the group's, the Word minutes too; a person of
#: concern is the chair's (and deputy's, and police's) alone; the report and dashboard are
#: the coordinators' of that group; an administrator gains nothing of any group.
ROWS: tuple[Row, ...] = (
    # Sign-in pages, and what is for nobody in particular.
    _get("/", "/", "D D D D D D D", to="/my"),
    _get("/signin", "/signin", "A D D D D D A", to="/my"),
    _get("/tab", "/tab", "A D D D D D A", to="/my"),
    _post(
        "/signin/stand-in",
        "/signin/stand-in",
        "A A A A A A A",
        form={"member": "{partner}", "next": "/my"},
        token=False,
        changes=True,
        allowed=303,
        to="/my",
        note="as a member",
    ),
    # The locality tab's set-up page: signed out, the tab's sign-in; signed in, the pages
    # the person may open themselves (maps of their groups, dashboards they coordinate);
    # an administrator of no group is refused (audited).
    _get(
        "/tab/configure",
        "/tab/configure",
        "A A A A A R A",
        shows={
            "o": "Signing you in",
            "g": "Signing you in",
            "p": "Scarborough: Map",
            "c": "Scarborough: Map",
            "k": "Scarborough: Dashboard",
            "h": "Harrogate: Map",
        },
    ),
    _post(
        "/signin/stand-in",
        "/signin/stand-in",
        "F F F F F F F",
        form={"member": "{partner}", "next": "/my"},
        token=False,
        headers=FOREIGN,
        note="from another site (login CSRF)",
    ),
    _post(
        "/signin/stand-in",
        "/signin/stand-in",
        "r r r r r r r",
        form={"member": "999999", "next": "/my"},
        token=False,
        note="naming no member: signed in but no member",
    ),
    _post(
        "/auth/sso",
        "/auth/sso",
        "r r r r r r r",
        form={"token": "eyJhbGciOiJub25lIn0.e30.", "next": "/my"},
        token=False,
        note="a token Entra did not sign",
    ),
    _post("/signout", "/signout", "S A A A A A S", changes=True, allowed=303, to="/signin"),
    _post("/signout", "/signout", "S F F F F F S", token=False, note="no token"),
    _post("/signout", "/signout", "S F F F F F S", headers=FOREIGN, note="another site"),
    # My MACE and its actions.
    _get(
        "/my",
        "/my",
        "S A A A A A S",
        audited=AuditAction.VIEW,
        shows=MEETING_LINKS | {"p": S_ACTION_P.text, "x": "not a member of any MACE locality"},
    ),
    _get(
        "/my/actions/{aP}/hand-over",
        HAND_OVER,
        "S A A A R R S",
        audited=AuditAction.VIEW,
        shows={"*": S_ACTION_P.text},
    ),
    _get(
        "/my/actions/{aD}/hand-over",
        HAND_OVER,
        "S R A A R R S",
        audited=AuditAction.VIEW,
        shows={"*": S_ACTION_D.text},
    ),
    _get(
        "/my/actions/{aH}/hand-over",
        HAND_OVER,
        "S R R R A R S",
        audited=AuditAction.VIEW,
        shows={"*": H_ACTION.text},
    ),
    _change("update", "aP", "S A A A R R S", {"update-{aP}": "Spoke to the school office."}),
    _change("update", "aD", "S R A A R R S", {"update-{aD}": "Spoke to the clinic."}),
    _change("update", "aH", "S R R R A R S", {"update-{aH}": "Spoke to the market team."}),
    _change("done", "aP", "S A A A R R S", {"done-{aP}": "Done at the review."}),
    _change(
        "date",
        "aP",
        "S A A A R R S",
        {"newDate-{aP}": "2026-12-17", "reason-{aP}": "The school is closed that week."},
    ),
    _change("hand-over", "aP", "S A A A R R S", {"handTo-{aP}": "{colleague}"}),
    _post("/my/actions/{aP}/update", CHANGE, "S F F F F F S", token=False, note="no token"),
    _post("/my/actions/{aP}/update", CHANGE, "S F F F F F S", headers=FOREIGN, note="another site"),
    # Minutes.
    _get("/meetings", "/meetings", "S A A A A N S", audited=AuditAction.VIEW, shows=MEETING_LINKS),
    _get(
        "/meetings/{mS}",
        "/meetings/{meeting_id}",
        "S A A A R R S",
        audited=AuditAction.VIEW,
        shows={"*": S_DECISION.text},
    ),
    _get(
        "/meetings/{mH}",
        "/meetings/{meeting_id}",
        "S R R R A R S",
        audited=AuditAction.VIEW,
        shows={"*": H_DECISION.text},
    ),
    _post(
        "/meetings/{mS}/minutes.docx",
        MINUTES_FILE,
        "S A A A R R S",
        audited=AuditAction.EXPORT,
        shows={"*": S_MINUTE.text},
    ),
    _post(
        "/meetings/{mH}/minutes.docx",
        MINUTES_FILE,
        "S R R R A R S",
        audited=AuditAction.EXPORT,
        shows={"*": H_MINUTE.text},
    ),
    _post("/meetings/{mS}/minutes.docx", MINUTES_FILE, "S F F F F F S", token=False),
    _post("/meetings/{mS}/minutes.docx", MINUTES_FILE, "S F F F F F S", headers=FOREIGN),
    # The register.
    _get("/map", "/map", "S D D D D R S", to="/localities/{home}/map"),
    _get(
        "/localities/scarborough/map",
        MAP,
        "S A A A R R S",
        audited=AuditAction.VIEW,
        shows={"*": S_SUBJECT.text},
    ),
    _get(
        "/localities/harrogate/map",
        MAP,
        "S R R R A R S",
        audited=AuditAction.VIEW,
        shows={"*": H_SUBJECT.text},
    ),
    _get(
        "/subjects/{sS}",
        "/subjects/{subject_id}",
        "S A A A R R S",
        audited=AuditAction.VIEW,
        shows={"*": S_SUBJECT.text},
    ),
    _get(
        "/subjects/{sP}",
        "/subjects/{subject_id}",
        "S R A R R R S",
        audited=AuditAction.VIEW,
        shows={"*": S_PERSON.text},
    ),
    _get(
        "/subjects/{sH}",
        "/subjects/{subject_id}",
        "S R R R A R S",
        audited=AuditAction.VIEW,
        shows={"*": H_SUBJECT.text},
    ),
    # Outstanding actions: each sees those they may change (the administrator none).
    _get(
        "/exports/actions",
        "/exports/actions",
        "S A A A A A S",
        audited=AuditAction.VIEW,
        shows=OPEN_ACTIONS,
    ),
    _post(
        "/exports/actions.csv",
        ACTIONS_FILE,
        "S A A A A A S",
        audited=AuditAction.EXPORT,
        shows={
            "p": S_ACTION_P.text,
            "c": S_ACTION_D.text,
            "k": S_ACTION_D.text,
            "h": H_ACTION.text,
        },
    ),
    _post(
        "/exports/actions.xlsx",
        ACTIONS_FILE,
        "S A A A A A S",
        audited=AuditAction.EXPORT,
        shows={"p": S_SUBJECT.text, "c": S_PERSON.text, "k": S_ACTION_D.text, "h": H_SUBJECT.text},
    ),
    _post("/exports/actions.csv", ACTIONS_FILE, "S F F F F F S", token=False),
    _post("/exports/actions.csv", ACTIONS_FILE, "S F F F F F S", headers=FOREIGN),
    # The report and the dashboard: the coordinators' of the group.
    _get(
        "/reports?from=2026-04-01&to=2027-03-31",
        "/reports",
        "S R R A R R S",
        audited=AuditAction.EXPORT,
        shows={"*": "Scarborough"},
    ),
    _post(
        "/reports/report.xlsx",
        REPORT_FILE,
        "S R R A R R S",
        form=PERIOD,
        audited=AuditAction.EXPORT,
        shows={"*": "Scarborough"},
    ),
    _post(
        "/reports/report.docx",
        REPORT_FILE,
        "S R R A R R S",
        form=PERIOD,
        audited=AuditAction.EXPORT,
        shows={"*": "Scarborough"},
    ),
    _post("/reports/report.xlsx", REPORT_FILE, "S F F F F F S", token=False),
    _post("/reports/report.xlsx", REPORT_FILE, "S F F F F F S", headers=FOREIGN),
    _get(
        "/dashboard",
        "/dashboard",
        "S R R A R R S",
        shows={"k": 'href="/localities/scarborough/dashboard"'},
    ),
    _get("/localities/scarborough/dashboard", DASHBOARD, "S R R A R R S", audited=AuditAction.VIEW),
    _get("/localities/harrogate/dashboard", DASHBOARD, "S R R R R R S"),
)

#: Routes of the app with no row, and why.
EXCLUDED: dict[tuple[str, str], str] = {
    ("POST", "/api/messages"): "the bot's endpoint (Bot Framework tokens), not a page: "
    "its access matrix is tests/e2e/test_access_matrix.py",
    ("GET", "/healthz"): "liveness for the orchestrator: no data, no session",
    ("GET", "/readyz"): "readiness for the orchestrator: no data, no session",
    ("GET", "/static"): "the pages' stylesheets, scripts and images: the same for anyone, "
    "no data (bot/web/static)",
}
#: HEAD is answered by each GET's own handler (aiohttp adds it), so by the same guard.
#: ``/metrics`` is on a server of its own (bot.observability.metrics), not this router.

#: The sign-in routes of a deployed bot (an APP_ID, so Entra ID; the stand-in is then
#: off): run on a second bot over the same store, so each column's session is the same.
#: Entra is the fake on loopback (tests/support/fake_entra.py). Signing in is open to
#: anyone, signed in or not: a member's token (single sign-on) or a trip to Entra (the
#: code flow) opens a session; someone who is no member gets the refusal page (audited);
#: a token Entra did not sign, an unknown sign-in state, another site: refused, nothing
#: written. ``{member_token}`` is Chris Lowe's, ``{stranger_token}`` Nestor Wilke's (no
#: member), both for this app from the allowed tenant.
ENTRA_ROWS: tuple[Row, ...] = (
    _post(
        "/auth/sso",
        "/auth/sso",
        "A A A A A A A",
        form={"token": "{member_token}", "next": "/my"},
        as_json=True,
        token=False,
        changes=True,
        shows={"*": '"next": "/my"'},
        app="entra",
        note="a member's token",
    ),
    _post(
        "/auth/sso",
        "/auth/sso",
        "R R R R R R R",
        form={"token": "{stranger_token}", "next": "/my"},
        as_json=True,
        token=False,
        app="entra",
        note="signed in but no member",
    ),
    _post(
        "/auth/sso",
        "/auth/sso",
        "r r r r r r r",
        form={"token": "{member_token}", "next": "/my"},
        as_json=True,
        token=False,
        headers=FOREIGN,
        app="entra",
        note="another site",
    ),
    _post(
        "/signin/start",
        "/signin/start",
        "A A A A A A A",
        form={"next": "/my"},
        token=False,
        changes=True,
        allowed=303,
        to="{entra}",
        app="entra",
    ),
    _post(
        "/signin/start",
        "/signin/start",
        "F F F F F F F",
        form={"next": "/my"},
        token=False,
        headers=FOREIGN,
        app="entra",
        note="another site",
    ),
    _get(
        "/auth/callback?state=no-sign-in-under-way&code=x",
        "/auth/callback",
        "r r r r r r r",
        app="entra",
    ),
    _post(
        "/auth/callback",
        "/auth/callback",
        "r r r r r r r",
        form={"state": "no-sign-in-under-way", "code": "x"},
        token=False,
        app="entra",
    ),
)


#: The routes that sign in: a refusal there is 401 when no page is drawn.
SIGN_IN = frozenset({"/auth/sso", "/auth/callback", "/signin/stand-in", "/signin/start"})


def routes_of(app: web.Application) -> set[tuple[str, str]]:
    """(method, pattern) of every route (a static directory by its prefix), HEAD aside."""
    found = set()
    for route in app.router.routes():
        info = route.resource.get_info() if route.resource else {}
        pattern = info.get("path") or info.get("formatter") or info.get("prefix")
        if route.method != "HEAD":
            found.add((route.method, str(pattern)))
    return found


# -- the world -------------------------------------------------------------------------------


@dataclass
class World:
    bot: BotUnderTest
    deployed: BotUnderTest
    store: Store
    ids: dict[str, str]
    #: Each bot's address, by ``Row.app``.
    bases: dict[str, str]
    clients: dict[str, WebClient]
    csrf: dict[str, str]
    #: The planted texts and the links to the planted records.
    secrets: tuple[Secret, ...] = ()
    #: What a visit to their own My MACE writes to the audit trail, for each column.
    my_visit: dict[str, Counter[tuple[str, str, str, str]]] = field(default_factory=dict)
    #: The store as every cell must leave it.
    baseline: dict[str, dict[tuple[Any, ...], dict[str, Any]]] = field(default_factory=dict)


def _member_entry(key: str, n: int) -> dict[str, Any]:
    name, agency, roles, admin = EXTRA[key]
    return {
        "name": name,
        "agency": agency,
        "aad_object_id": f"00000000-0000-0000-0000-{301 + n:013d}",
        "teams_user_id": f"user-id-{301 + n}",
        "is_admin": admin,
        "roles": roles,
    }


async def plant(store: Store) -> dict[str, str]:
    """Records of Scarborough and of Harrogate, each with its planted texts."""
    records = Records(store)
    m_s = await records.meeting("scarborough", MEETING_DAY.replace(day=5))
    await records.minute(m_s, S_MINUTE.text)
    await records.minute(m_s, S_DECISION.text, kind="decision")
    s_s = await records.subject("scarborough", S_SUBJECT.text, "LM")
    s_p = await records.subject("scarborough", S_PERSON.text, "QV", kind="person")
    a_p = await records.action(m_s, S_ACTION_P.text, owner="Chris Lowe", subject_id=s_s)
    a_d = await records.action(m_s, S_ACTION_D.text, owner="Dana Reeves")
    m_h = await records.meeting("harrogate", MEETING_DAY.replace(day=6), chair="Harper Lane")
    await records.minute(m_h, H_MINUTE.text, by="Harper Lane")
    await records.minute(m_h, H_DECISION.text, by="Harper Lane", kind="decision")
    s_h = await records.subject("harrogate", H_SUBJECT.text, "TW")
    a_h = await records.action(m_h, H_ACTION.text, owner="Kit Fenwick", subject_id=s_h)
    return {
        "mS": str(m_s.id),
        "mH": str(m_h.id),
        "sS": str(s_s),
        "sP": str(s_p),
        "sH": str(s_h),
        "aP": str(a_p),
        "aD": str(a_d),
        "aH": str(a_h),
        "partner": str((await records.member("Chris Lowe")).id),
        "colleague": str((await records.member("Ari Penrose")).id),
    }


# -- the store, row for row -------------------------------------------------------------------


async def rows_by_key(store: Store) -> dict[str, dict[tuple[Any, ...], dict[str, Any]]]:
    """Every row of every table by primary key, every column (bookkeeping and answer
    claims aside, as ``scenario.snapshot``): equal = nothing changed."""
    found: dict[str, dict[tuple[Any, ...], dict[str, Any]]] = {}
    async with store.reading() as session:
        for table in t.Base.metadata.sorted_tables:
            if table.name in BOOKKEEPING_TABLES:
                continue
            query = select(table)
            if table.name == t.ProcessedActivity.__tablename__:
                query = query.where(~ANSWER_CLAIMS)
            keys = [c.name for c in table.primary_key.columns]
            rows: dict[tuple[Any, ...], dict[str, Any]] = {}
            for row in (await session.execute(query)).mappings():
                values = {
                    k: v for k, v in row.items() if (table.name, k) not in BOOKKEEPING_COLUMNS
                }
                rows[tuple(row[k] for k in keys)] = values
            found[table.name] = rows
    return found


def changed_tables(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    return [
        name for name in sorted(set(before) | set(after)) if before.get(name) != after.get(name)
    ]


async def put_back(
    store: Store, before: Mapping[str, dict[tuple[Any, ...], dict[str, Any]]]
) -> None:
    """The store as ``before``: rows added deleted (children first), rows changed set back,
    rows deleted inserted again. What an allowed cell changed, undone for the next."""
    now = await rows_by_key(store)
    tables = [tb for tb in t.Base.metadata.sorted_tables if tb.name in before]
    async with store.engine.begin() as conn:
        for table in reversed(tables):
            keys = [c for c in table.primary_key.columns]
            for key in set(now[table.name]) - set(before[table.name]):
                await conn.execute(
                    delete(table).where(*(c == v for c, v in zip(keys, key, strict=True)))
                )
        for table in tables:
            keys = [c for c in table.primary_key.columns]
            for key, row in before[table.name].items():
                if key not in now[table.name]:
                    await conn.execute(insert(table).values(**row))
                elif now[table.name][key] != row:
                    await conn.execute(
                        update(table)
                        .where(*(c == v for c, v in zip(keys, key, strict=True)))
                        .values(**row)
                    )


# -- running a cell ---------------------------------------------------------------------------


def answer_text(page: Page) -> str:
    """What a person sees of an answer: the page's text, or the text inside a downloaded
    Word or Excel file (their XML parts), or a CSV's."""
    if page.body[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(page.body)) as archive:
            parts = [
                archive.read(name).decode("utf-8", "replace")
                for name in archive.namelist()
                if name.endswith(".xml")
            ]
        return re.sub(r"<[^>]+>", "", "\n".join(parts))
    return page.text


def _fill(template: str, world: World, persona: Persona) -> str:
    return template.format(**world.ids, home=persona.home)


async def run_cell(world: World, row: Row, persona: Persona) -> list[str]:
    """Drives one cell; returns what disagrees with its expected answer."""
    expected = row.expected(persona)
    cell = f"{row.label} x {persona.key} (expected {expected}: {MEANING[expected]})"
    base = world.clients[persona.key]
    # A copy: a sign-in or sign-out in this cell must not change the column's session.
    client = WebClient(base.session, world.bases[row.app], dict(base.cookies))
    path = _fill(row.path, world, persona)
    head = await audit_head_id(world.store)
    if row.method == "GET":
        page = await client.get(path)
    else:
        form = {k.format(**world.ids): _fill(v, world, persona) for k, v in row.form.items()}
        if row.token:
            form |= {"csrf": world.csrf.get(persona.key, "0" * 64), "once": secrets.token_hex(12)}
        body = {"json": form} if row.as_json else {"data": form}
        page = await client.post(path, headers=dict(row.headers), **body)
    problems: list[str] = []
    text = answer_text(page)
    status, location = page.status, page.headers.get("Location", "")
    if status >= 500:
        problems.append(f"{cell}: HTTP {status}")
    if expected == "S":
        if row.method == "GET":
            sent = urlsplit(location)
            if status != 303 or (sent.path, parse_qs(sent.query)) != ("/signin", {"next": [path]}):
                problems.append(f"{cell}: {status} to {location!r}, not to sign in")
        elif status != 401:
            problems.append(f"{cell}: {status}, not 401")
    elif expected == "D":
        wanted = _fill(row.to, world, persona)
        if status != 303 or location != wanted:
            problems.append(f"{cell}: {status} to {location!r}, not to {wanted!r}")
    elif expected == "A":
        sent_to = _fill(row.to, world, persona)
        if status != row.allowed or (row.allowed == 303 and not location.startswith(sent_to)):
            problems.append(f"{cell}: {status} to {location!r} {text[:200]!r}")
        file = row.method == "POST" and row.allowed == 200 and not row.as_json
        if file and "attachment" not in page.headers.get("Content-Disposition", ""):
            problems.append(f"{cell}: not a file to download")
        shown = row.shows.get(persona.key) or row.shows.get("*")
        if shown is not None and (shown := _fill(shown, world, persona)) not in text:
            problems.append(f"{cell}: {shown!r} not shown")
    elif expected == "N":
        if status != 200:
            problems.append(f"{cell}: {status}, not 200")
    elif expected in "Rr":
        # A sign-in refused is 401 (no session to speak of); a page or form 403/404/422.
        if status not in (403, 404, 422) and not (status == 401 and row.route in SIGN_IN):
            problems.append(f"{cell}: {status}, not a refusal {text[:200]!r}")
    elif expected == "F" and status != 403:
        problems.append(f"{cell}: {status}, not 403")
    leaked = [s.text for s in world.secrets if persona.key not in s.seen_by and s.text in text]
    if leaked:
        problems.append(f"{cell}: shows {leaked}")
    entries = [_entry(e) for e in await audit_since(world.store, head)]
    if row.redraw and expected != "A":
        entries = list((Counter(entries) - world.my_visit.get(persona.key, Counter())).elements())
    problems += audit_problems(cell, expected, row, entries)
    after = await rows_by_key(world.store)
    if expected == "A" and row.changes:
        if after == world.baseline:
            problems.append(f"{cell}: allowed, but nothing changed")
        await put_back(world.store, world.baseline)
        after = await rows_by_key(world.store)
        if after != world.baseline:
            problems.append(f"{cell}: not put back: {changed_tables(world.baseline, after)}")
            world.baseline = after
    elif after != world.baseline:
        problems.append(f"{cell}: wrote to {changed_tables(world.baseline, after)}")
        world.baseline = after
    return problems


def _entry(e: t.AuditEntry) -> tuple[str, str, str, str]:
    return (e.action, e.record_type, e.record_id, e.detail)


def audit_problems(
    cell: str, expected: str, row: Row, entries: list[tuple[str, str, str, str]]
) -> list[str]:
    actions = [e[0] for e in entries]
    shown = {AuditAction.VIEW, AuditAction.EXPORT} & set(actions)
    refused = AuditAction.REFUSED in actions
    if expected == "A":
        if row.audited and row.audited not in actions:
            return [f"{cell}: no {row.audited!r} in the audit trail ({actions})"]
        return []
    problems = [f"{cell}: audited as {sorted(shown)} though refused"] if shown else []
    if expected in "RN" and not refused:
        problems.append(f"{cell}: the refusal is not in the audit trail ({actions})")
    if expected in "rSFD" and refused:
        problems.append(f"{cell}: a refusal in the audit trail, not expected ({actions})")
    if expected == "S" and entries:
        problems.append(f"{cell}: audited though signed out ({actions})")
    return problems


# -- the tests ----------------------------------------------------------------------------------


@pytest.fixture
async def world(demo_store: Store, clock: FrozenClock, tmp_path: Path) -> AsyncIterator[World]:
    await load_reference_data(
        demo_store,
        {"members": [_member_entry(key, n) for n, key in enumerate(EXTRA)]},
        MEETING_DAY,
    )
    ids = await plant(demo_store)
    # Every column signs in from one loopback address: no sign-in limit in the way.
    settings = Settings(web_stand_in=True, web_sign_in_rate=1000)
    (tmp_path / "entra-tls").mkdir()
    tls = make_tls(tmp_path / "entra-tls")
    async with (
        running_bot(demo_store, clock, settings) as bot,
        FakeEntra(tls, APP_ID, APP_PASSWORD) as entra,
        running_bot(
            demo_store, clock, entra_settings(entra, tls, web_sign_in_rate=1000)
        ) as deployed,
    ):
        ids |= {
            "entra": entra.url,
            "member_token": entra.token(Person(TENANT, MEMBER_OBJECT_ID), AUDIENCE),
            "stranger_token": entra.token(NESTOR, AUDIENCE),
        }
        bases = {"stand-in": site_client(bot).base_url, "entra": site_client(deployed).base_url}
        clients: dict[str, WebClient] = {}
        csrf: dict[str, str] = {}
        for persona in PERSONAS:
            clients[persona.key] = client = site_client(bot)
            if persona.name is not None:
                await client.sign_in(persona.name)
                csrf[persona.key] = (await client.get("/my")).csrf
        # The removed member: made inactive after signing in; their next request ends
        # the session (a write, done here before the matrix starts).
        async with demo_store.transaction() as session:
            await session.execute(
                update(t.Member).where(t.Member.name == "Remy Stroud").values(active=False)
            )
        assert (await clients["g"].get("/my")).status == 303
        found = World(bot, deployed, demo_store, ids, bases, clients, csrf)
        found.secrets = SECRETS + tuple(Secret(s.text.format(**ids), s.seen_by) for s in LINKS)
        for key in csrf:
            head = await audit_head_id(demo_store)
            await clients[key].get("/my")
            found.my_visit[key] = Counter(_entry(e) for e in await audit_since(demo_store, head))
        found.baseline = await rows_by_key(demo_store)
        yield found


def test_every_route_has_a_row(world: World) -> None:
    """The matrix is complete: every route of the local bot and of a deployed one (with
    an APP_ID) has a row or a reason, and every row's route is one the bot has."""
    local = routes_of(world.bot.server.app)
    deployed = routes_of(world.deployed.server.app)
    covered = {(row.method, row.route) for row in (*ROWS, *ENTRA_ROWS)}
    assert (local | deployed) - covered - set(EXCLUDED) == set(), "routes with no row"
    assert {(row.method, row.route) for row in ROWS} - local == set(), "no such route"
    assert {(row.method, row.route) for row in ENTRA_ROWS} - deployed == set(), "no such route"
    assert set(EXCLUDED) <= local & deployed, set(EXCLUDED) - (local & deployed)


async def test_every_cell_answers_as_the_matrix_says(world: World) -> None:
    problems: list[str] = []
    cells = 0
    for row in (*ROWS, *ENTRA_ROWS):
        for persona in PERSONAS:
            problems += await run_cell(world, row, persona)
            cells += 1
    assert cells == (len(ROWS) + len(ENTRA_ROWS)) * len(PERSONAS)
    assert problems == [], f"{len(problems)} of {cells} cells disagree:\n" + "\n".join(problems)


def test_the_table_is_well_formed() -> None:
    for row in (*ROWS, *ENTRA_ROWS):
        letters = row.cells.replace(" ", "")
        assert len(letters) == len(COLUMNS), row.label
        assert set(letters) <= set(MEANING), row.label
        assert ("D" in letters) == bool(row.to and row.allowed != 303), row.label
    assert {s.text for s in SECRETS} == {s.text for s in SECRETS if s.seen_by <= set(COLUMNS)}
