"""Members and roles, managed by an administrator: a CSV import, add, remove and list.

Two ways in, with one trust boundary between them:

- **The operator** (``mace-bot members ...`` on the bot's own host) calls ``import_csv``,
  ``add``, ``remove`` and ``list``. Whoever can run the command can already read the
  database, so these check no caller: that is the documented boundary.
- **Chat** calls ``panel``, ``grant`` and ``revoke``, which take the caller and refuse
  (``NotPermitted``, saying nothing about what exists) anyone who is not an active member
  with ``is_admin`` set. Deny by default: the dialogs never call the operator methods.

Member rows are never deleted, because actions and their history point at them: removing
a member from every group deactivates them instead. Messages are safe to show: they name
fields, rules, codes and members' names, never what was typed into an email field.
"""

from __future__ import annotations

import builtins
import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.clock import Clock, SystemClock
from bot.domain.errors import InvalidInput, NotFound, NotPermitted
from bot.domain.members import (
    MAX_MEMBER_NAME_CHARS,
    ROLE_CODES,
    CodeChoice,
    MemberRoles,
    MembersView,
    RoleHeld,
    is_aad_object_id,
    is_email,
    parse_role,
    parse_yes_no,
    role_label,
    role_sort_key,
)
from bot.domain.model import ActionStatus, Role
from bot.domain.notices import Notice, NoticeKind
from bot.domain.permissions import OVERSIGHT_ROLES, opens_content
from bot.domain.rules import clean_text, raise_if, require_text
from bot.graph.directory import Directory
from bot.services.context import ActorRef, find_member
from bot.services.directory import resolve_owner
from bot.services.outbox import enqueue
from bot.store import audit
from bot.store import tables as t
from bot.store.db import Store

REQUIRED_COLUMNS = ("name", "email", "aad_object_id", "agency", "locality", "role")
OPTIONAL_COLUMNS = ("admin",)
MAX_ROWS = 5000

#: What a code looks like; anything else in a code column is not echoed back (a shifted
#: column could put a name or an email there).
_CODE = re.compile(r"^[a-z0-9_-]{1,40}$")

NO_SUCH_MEMBER = "No member has that email or Entra object id."
SELF_GRANT_REFUSED = (
    "You cannot grant yourself a role: every role opens the group's meetings and minutes, "
    "and being an administrator does not. Another administrator must grant it."
)

#: The outbox kind that tells a group's chairs, deputy chairs and coordinators who was
#: granted a role there (dialogs.notices draws it; the payload holds ids and codes only).
ROLE_GRANTED_KIND = "role_granted"
#: Grants named in one notice; an import adding more says "and N more".
MAX_GRANTS_IN_NOTICE = 25


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _quoted_code(value: str) -> str:
    return f" '{value}'" if _CODE.match(value) else ""


class MemberLine(NamedTuple):
    """One member of a locality group: name, agency code and roles there."""

    name: str
    agency: str
    roles: tuple[Role, ...]


@dataclass(frozen=True, slots=True)
class RowProblem:
    """A bad cell: where it is and what is wrong, never what it holds (codes apart)."""

    line: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.message}"


@dataclass(frozen=True, slots=True)
class ImportReport:
    members_added: int = 0
    members_updated: int = 0
    memberships_added: int = 0
    #: Deactivated members named in the file: left as they are (``add`` restores one).
    inactive_skipped: int = 0
    #: Members with no Entra object id, whom Teams cannot match until one is given.
    without_aad: int = 0
    problems: tuple[RowProblem, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        if self.problems:
            return (
                f"Nothing imported: {_plural(len(self.problems), 'problem')} in the file "
                "(fix them and import it again)."
            )
        text = (
            f"Imported: {_plural(self.members_added, 'member')} added, "
            f"{self.members_updated} updated, "
            f"{_plural(self.memberships_added, 'role')} added."
        )
        if self.inactive_skipped:
            text += (
                f" {_plural(self.inactive_skipped, 'deactivated member')} left as they are "
                "(grant a role with `members add` to restore one)."
            )
        if self.without_aad:
            text += (
                f" {_plural(self.without_aad, 'member')} without an Entra object id: Teams "
                "will not recognise them until one is given."
            )
        return text


@dataclass(frozen=True, slots=True)
class Granted:
    member_name: str
    locality_code: str
    locality_name: str
    role: Role
    member_created: bool
    role_added: bool
    reactivated: bool
    has_aad: bool

    def sentence(self) -> str:
        label = role_label(self.role)
        if self.member_created:
            text = f"Added {self.member_name} as a new member, {label} in {self.locality_name}."
        elif self.reactivated:
            text = f"{self.member_name} is active again, {label} in {self.locality_name}."
        elif self.role_added:
            text = f"{self.member_name} is now {label} in {self.locality_name}."
        else:
            return f"{self.member_name} is already {label} in {self.locality_name}: no change."
        if not self.has_aad:
            text += " They have no Entra object id yet, so Teams will not recognise them."
        return text


@dataclass(frozen=True, slots=True)
class Removed:
    member_name: str
    locality_name: str | None
    role: Role | None
    removed: int
    deactivated: bool
    was_active: bool
    open_actions: int

    def sentence(self) -> str:
        if self.deactivated:
            if not self.was_active and not self.removed:
                return f"{self.member_name} was already deactivated: no change."
            text = f"Deactivated {self.member_name} and removed {_plural(self.removed, 'role')}."
            where = "anywhere"
        elif self.role is not None:
            text = f"{self.member_name} is no longer {role_label(self.role)} in "
            text += f"{self.locality_name}."
            where = "there"
        else:
            text = (
                f"Removed {self.member_name}'s {_plural(self.removed, 'role')} in "
                f"{self.locality_name}."
            )
            where = "there"
        if self.open_actions:
            text += (
                f" They still own {_plural(self.open_actions, 'open action')} {where}: "
                "hand them over to a colleague."
            )
        return text


@dataclass
class _Row:
    line: int
    name: str
    email: str
    aad: str
    agency: str
    locality: str
    role: Role | None
    admin: bool | None


@dataclass
class _Person:
    """Every row with one email (case-insensitive), agreed into one member."""

    line: int
    name: str
    email: str
    agency: str
    aad: str = ""
    admin: bool | None = None
    roles: list[tuple[int, str, Role]] = field(default_factory=list)  # line, locality, role


class MemberAdmin:
    def __init__(
        self,
        store: Store,
        clock: Clock | None = None,
        *,
        operator: str = "system",
        directory: Directory | None = None,
    ) -> None:
        self.store = store
        self.clock = clock or SystemClock()
        #: Looks up someone new given by email (their name and Entra object id).
        self.directory = directory
        #: Who the audit trail names for command-line changes (e.g. ``cli:<os user>``).
        self.operator = operator

    # -- the operator (command line): no caller check, see the module docstring --------

    async def import_csv(self, text: str) -> ImportReport:
        """Checks every row, then (only if all are good) upserts members and adds missing
        roles in one transaction. Importing the same file again changes nothing."""
        rows, problems = _parse_csv(text)
        people = _agree_people([row for row in rows if is_email(row.email)], problems)
        async with self.store.transaction() as session:
            audit.act_as(session, self.operator)
            agencies = {a.code.lower(): a for a in await session.scalars(select(t.Agency))}
            localities = {
                loc.code.lower(): loc for loc in await session.scalars(select(t.Locality))
            }
            for row in rows:
                if row.agency and row.agency not in agencies:
                    problems.append(
                        RowProblem(
                            row.line, "agency", f"unknown agency code{_quoted_code(row.agency)}"
                        )
                    )
                if row.locality and row.locality not in localities:
                    problems.append(
                        RowProblem(
                            row.line,
                            "locality",
                            f"unknown locality code{_quoted_code(row.locality)}",
                        )
                    )
            existing = list(await session.scalars(select(t.Member)))
            by_aad = {m.aad_object_id: m for m in existing if m.aad_object_id}
            by_email: dict[str, builtins.list[t.Member]] = {}
            for m in existing:
                if m.email:
                    by_email.setdefault(m.email.lower(), []).append(m)
            matches: dict[str, t.Member | None] = {}
            claimed: dict[int, int] = {}  # member id -> the line that matched it first
            for key, person in people.items():
                match, problem = _match(person, by_aad, by_email.get(key, []))
                if problem:
                    problems.append(problem)
                elif match is not None and claimed.setdefault(match.id, person.line) != person.line:
                    problems.append(
                        RowProblem(
                            person.line,
                            "email",
                            f"this is the same member as line {claimed[match.id]} "
                            "(by Entra object id or email)",
                        )
                    )
                matches[key] = match
            if problems:
                # Nothing has been added to the session: leaving writes nothing.
                return ImportReport(problems=tuple(sorted(problems, key=_problem_order)))

            added = updated = roles_added = inactive = without_aad = 0
            held = {
                (m.member_id, m.locality_id, m.role)
                for m in await session.scalars(select(t.Membership))
            }
            oversight = await _oversight(session, [loc.id for loc in localities.values()])
            new_roles: dict[int, builtins.list[t.Membership]] = {}
            for key, person in people.items():
                member = matches[key]
                agency = agencies[person.agency]
                if member is None:
                    member = t.Member(
                        name=person.name,
                        email=person.email,
                        aad_object_id=person.aad or None,
                        agency_id=agency.id,
                        is_admin=bool(person.admin),
                        active=True,
                    )
                    session.add(member)
                    await session.flush()
                    added += 1
                elif not member.active:
                    inactive += 1
                    continue
                elif _update(member, person, agency.id):
                    updated += 1
                if not member.aad_object_id:
                    without_aad += 1
                for _line, locality_code, role in person.roles:
                    wanted = (member.id, localities[locality_code].id, role.value)
                    if wanted not in held:
                        membership = t.Membership(
                            member_id=wanted[0], locality_id=wanted[1], role=wanted[2]
                        )
                        session.add(membership)
                        new_roles.setdefault(wanted[1], []).append(membership)
                        held.add(wanted)
                        roles_added += 1
            await session.flush()
            for locality_id, memberships in new_roles.items():
                await _tell_oversight(
                    session,
                    locality_id,
                    [
                        (m.id, m.member_id, Role(m.role))
                        for m in memberships
                        if opens_content(Role(m.role))
                    ],
                    oversight.get(locality_id, set()),
                    None,
                    self.clock.now(),
                )
            return ImportReport(added, updated, roles_added, inactive, without_aad)

    async def add(
        self,
        email_or_aad: str,
        locality_code: str,
        role: str,
        *,
        name: str | None = None,
        agency: str | None = None,
        aad_object_id: str | None = None,
    ) -> Granted:
        """Grants a role; creates the member when ``name`` and ``agency`` are given and no
        member matches. Granting a role to a deactivated member makes them active again."""
        name, aad_object_id = await self._from_directory(email_or_aad, name, aad_object_id)
        async with self.store.transaction() as session:
            audit.act_as(session, self.operator)
            return await self._grant(
                session, email_or_aad, locality_code, role, name, agency, aad_object_id, None
            )

    async def remove(
        self, email_or_aad: str, locality_code: str | None = None, role: str | None = None
    ) -> Removed:
        """One role (locality and role), every role in a locality (locality only), or,
        with no locality, deactivates the member and removes all their roles."""
        async with self.store.transaction() as session:
            audit.act_as(session, self.operator)
            return await self._remove(session, email_or_aad, locality_code, role)

    # -- chat: the caller must be an active administrator -------------------------------

    async def check_admin(self, caller: ActorRef) -> None:
        """Refuses (``NotPermitted``) anyone but an active administrator."""
        async with self.store.reading() as session:
            await _require_admin(session, caller)

    async def panel(self, caller: ActorRef, locality_code: object = None) -> MembersView:
        """One locality group's members and roles (the caller's first group by default)."""
        async with self.store.reading() as session:
            admin = await _require_admin(session, caller)
            locality = await _pick_locality(session, admin, clean_text(locality_code))
            return await _view(session, locality)

    async def grant(
        self, caller: ActorRef, activity_id: str | None, values: Mapping[str, object]
    ) -> tuple[MembersView, str]:
        """The add form: ``member``, ``locality``, ``role`` and, for someone new, ``name``,
        ``agency`` and ``aad``. Errors are keyed by those field ids."""
        name, aad = await self._from_directory(
            values.get("member"), values.get("name"), values.get("aad")
        )
        values = {**values, "name": name, "aad": aad}
        async with self.store.transaction(activity_id=activity_id, now=self.clock.now()) as s:
            admin = await _require_admin(s, caller)
            granted = await self._grant(
                s,
                values.get("member"),
                values.get("locality"),
                values.get("role"),
                values.get("name"),
                values.get("agency"),
                values.get("aad"),
                admin,
            )
            locality = await _locality(s, granted.locality_code)
            return await _view(s, locality), granted.sentence()

    async def revoke(
        self, caller: ActorRef, activity_id: str | None, membership_id: int | None
    ) -> tuple[MembersView, str]:
        """Removes one membership (a role in a group), from its button on the card."""
        async with self.store.transaction(activity_id=activity_id, now=self.clock.now()) as s:
            await _require_admin(s, caller)
            membership = await s.get(t.Membership, membership_id) if membership_id else None
            if membership is None:
                raise NotFound("That role was already removed. Type **members** for a fresh list.")
            member = await s.get_one(t.Member, membership.member_id)
            locality = await s.get_one(t.Locality, membership.locality_id)
            role = Role(membership.role)
            await s.delete(membership)
            await s.flush()
            removed = Removed(
                member.name,
                locality.name,
                role,
                1,
                deactivated=False,
                was_active=member.active,
                open_actions=await _open_actions(s, member.id, locality.id),
            )
            return await _view(s, locality), removed.sentence()

    # -- shared by both ways in ---------------------------------------------------------

    async def _from_directory(self, ident: object, name: Any, aad: Any) -> tuple[Any, Any]:
        """Someone new given by email without a name or Entra object id: fill what is
        missing from the directory (exactly one person with that email), before the
        transaction so no Graph call holds it open. Anything else is left as given."""
        email = clean_text(ident)
        if (
            self.directory is None
            or not self.directory.enabled
            or not is_email(email)
            or (clean_text(name) and clean_text(aad))
        ):
            return name, aad
        async with self.store.reading() as session:
            try:
                if await _find(session, email) is not None:
                    return name, aad
            except InvalidInput:
                return name, aad
        user = await resolve_owner(self.directory, email)
        if user is None:
            return name, aad
        return (
            clean_text(name) or user.display_name[:MAX_MEMBER_NAME_CHARS] or name,
            clean_text(aad) or user.id,
        )

    async def _grant(
        self,
        session: AsyncSession,
        ident_value: object,
        locality_value: object,
        role_value: object,
        name_value: object,
        agency_value: object,
        aad_value: object,
        granter: t.Member | None,
    ) -> Granted:
        """Grants one role. ``granter`` is the administrator in chat (``None``: the
        operator): they may not grant themself a role that opens content. A new role that
        does is told to the group's chairs, deputy chairs and coordinators."""
        errors: dict[str, str] = {}
        locality = await _locality_or_note(session, clean_text(locality_value), errors)
        role = parse_role(clean_text(role_value)) if clean_text(role_value) else None
        if role is None:
            errors["role"] = f"Choose a role: one of {ROLE_CODES}."
        ident = clean_text(ident_value)
        member: t.Member | None = None
        try:
            member = await _find(session, ident)
        except InvalidInput as exc:
            errors.update(exc.field_errors)
        aad = clean_text(aad_value)
        if aad:
            if not is_aad_object_id(aad):
                errors["aad"] = "That is not an Entra object id (letters, digits and hyphens)."
            elif member is not None and member.aad_object_id not in (None, aad):
                errors["aad"] = "That member already has a different Entra object id."
            elif member is None and ident and "@" not in ident and aad != ident:
                errors["aad"] = "Give the Entra object id once, in the member field."
            else:
                owner = await session.scalar(select(t.Member).where(t.Member.aad_object_id == aad))
                if owner is not None and owner is not member:
                    errors["aad"] = "Another member already has that Entra object id."
        agency: t.Agency | None = None
        name = clean_text(name_value)
        if member is None and "member" not in errors:
            agency_code = clean_text(agency_value).lower()
            if not name and not agency_code:
                errors["member"] = (
                    f"{NO_SUCH_MEMBER} To add someone new, give their name and agency too."
                )
            else:
                require_text(errors, "name", name, "The new member's name", MAX_MEMBER_NAME_CHARS)
                if not agency_code:
                    errors["agency"] = "Choose the new member's agency."
                else:
                    agency = await session.scalar(
                        select(t.Agency).where(func.lower(t.Agency.code) == agency_code)
                    )
                    if agency is None:
                        errors["agency"] = f"Unknown agency code{_quoted_code(agency_code)}."
        raise_if(errors)
        assert locality is not None and role is not None
        if (
            granter is not None
            and member is not None
            and member.id == granter.id
            and opens_content(role)
        ):
            # Kept in the trail although the refused work rolls back (store.transaction).
            audit.note(
                session,
                audit.AuditAction.REFUSED,
                "memberships",
                member.id,
                locality_id=locality.id,
                detail=f"self-grant of {role.value}",
            )
            raise InvalidInput({"member": SELF_GRANT_REFUSED})
        created = reactivated = False
        if member is None:
            assert agency is not None
            email = ident if "@" in ident else None
            member = t.Member(
                name=name,
                email=email,
                aad_object_id=(aad or None) if email else ident,
                agency_id=agency.id,
                is_admin=False,
                active=True,
            )
            session.add(member)
            await session.flush()
            created = True
        else:
            if aad and not member.aad_object_id:
                member.aad_object_id = aad
            if not member.active:
                member.active = reactivated = True
        existing = await session.scalar(
            select(t.Membership.id).where(
                t.Membership.member_id == member.id,
                t.Membership.locality_id == locality.id,
                t.Membership.role == role.value,
            )
        )
        if existing is None:
            oversight = await _oversight(session, [locality.id])
            membership = t.Membership(member_id=member.id, locality_id=locality.id, role=role.value)
            session.add(membership)
            await session.flush()
            if opens_content(role):
                await _tell_oversight(
                    session,
                    locality.id,
                    [(membership.id, member.id, role)],
                    oversight.get(locality.id, set()),
                    granter,
                    self.clock.now(),
                )
        return Granted(
            member.name,
            locality.code,
            locality.name,
            role,
            member_created=created,
            role_added=existing is None,
            reactivated=reactivated,
            has_aad=bool(member.aad_object_id),
        )

    async def _remove(
        self,
        session: AsyncSession,
        ident_value: object,
        locality_value: object,
        role_value: object,
    ) -> Removed:
        role: Role | None = None
        if clean_text(role_value):
            role = parse_role(clean_text(role_value))
            if role is None:
                raise InvalidInput({"role": f"Unknown role: use one of {ROLE_CODES}."})
        locality_code = clean_text(locality_value)
        if role is not None and not locality_code:
            raise InvalidInput({"locality": "Say which locality group the role is in."})
        member = await _find(session, clean_text(ident_value))
        if member is None:
            raise NotFound(NO_SUCH_MEMBER)
        query = select(t.Membership).where(t.Membership.member_id == member.id)
        locality: t.Locality | None = None
        if locality_code:
            locality = await _locality(session, locality_code)
            query = query.where(t.Membership.locality_id == locality.id)
            if role is not None:
                query = query.where(t.Membership.role == role.value)
        ids = builtins.list(await session.scalars(query.with_only_columns(t.Membership.id)))
        if locality is not None and not ids:
            raise NotFound(
                f"{member.name} is not {role_label(role)} in {locality.name}."
                if role is not None
                else f"{member.name} has no role in {locality.name}."
            )
        if ids:
            await session.execute(delete(t.Membership).where(t.Membership.id.in_(ids)))
        was_active = member.active
        if locality is None:
            # Never deleted: actions and their history keep pointing at the row.
            member.active = False
            member.is_admin = False
        await session.flush()
        return Removed(
            member.name,
            locality.name if locality else None,
            role,
            len(ids),
            deactivated=locality is None,
            was_active=was_active,
            open_actions=await _open_actions(session, member.id, locality.id if locality else None),
        )

    # ``list`` last: inside the class body the name would shadow the built-in.
    async def list(self, locality_code: str) -> builtins.list[MemberLine]:
        """The active members of one locality group, by name, with their roles there."""
        async with self.store.reading() as session:
            locality = await _locality(session, clean_text(locality_code))
            rows = await session.execute(
                select(t.Member.id, t.Member.name, t.Agency.code, t.Membership.role)
                .join(t.Membership, t.Membership.member_id == t.Member.id)
                .join(t.Agency, t.Agency.id == t.Member.agency_id)
                .where(t.Membership.locality_id == locality.id, t.Member.active.is_(True))
            )
            found: dict[int, tuple[str, str, builtins.list[Role]]] = {}
            for member_id, name, agency_code, role in rows:
                found.setdefault(member_id, (name, agency_code, []))[2].append(Role(role))
        return [
            MemberLine(name, agency_code, tuple(sorted(roles, key=role_sort_key)))
            for name, agency_code, roles in sorted(found.values(), key=lambda f: f[0].lower())
        ]


# -- the CSV ------------------------------------------------------------------------------


def _problem_order(problem: RowProblem) -> tuple[int, int, str]:
    columns = (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)
    index = columns.index(problem.column) if problem.column in columns else -1
    return problem.line, index, problem.message


def _parse_csv(text: str) -> tuple[list[_Row], list[RowProblem]]:
    """Rows checked on their own (codes are checked against the store later)."""
    problems: list[RowProblem] = []
    rows: list[_Row] = []
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    try:
        header = next(reader, None)
        while header is not None and not any(cell.strip() for cell in header):
            header = next(reader, None)
    except csv.Error:
        return [], [RowProblem(reader.line_num, "", "this is not readable as CSV")]
    expected = ", ".join(REQUIRED_COLUMNS)
    if header is None:
        return [], [RowProblem(1, "", f"the file is empty: it needs a header row ({expected})")]
    header_line = reader.line_num
    names = [cell.strip().lower() for cell in header]
    for position, column in enumerate(names, start=1):
        if column not in REQUIRED_COLUMNS and column not in OPTIONAL_COLUMNS:
            problems.append(
                RowProblem(
                    header_line,
                    "",
                    f"header column {position} is not one I know (expected {expected}, "
                    "and optionally admin)",
                )
            )
        elif names.index(column) != position - 1:
            problems.append(RowProblem(header_line, column, "this column appears twice"))
    missing = [c for c in REQUIRED_COLUMNS if c not in names]
    if missing:
        problems.append(
            RowProblem(header_line, "", "the header lacks the column(s) " + ", ".join(missing))
        )
    if problems:
        return [], problems
    start = reader.line_num + 1
    try:
        for record in reader:
            line, start = start, reader.line_num + 1
            if not any(cell.strip() for cell in record):
                continue
            if len(rows) >= MAX_ROWS:
                problems.append(RowProblem(line, "", f"too many rows: at most {MAX_ROWS}"))
                break
            if len(record) != len(names):
                problems.append(
                    RowProblem(
                        line,
                        "",
                        f"{_plural(len(record), 'value')} where the header has {len(names)}",
                    )
                )
                continue
            rows.append(_check_row(line, dict(zip(names, record, strict=True)), problems))
    except csv.Error:
        problems.append(RowProblem(reader.line_num, "", "this is not readable as CSV"))
    return rows, problems


def _check_row(line: int, cells: dict[str, str], problems: list[RowProblem]) -> _Row:
    def note(column: str, message: str) -> None:
        problems.append(RowProblem(line, column, message))

    name = cells["name"].strip()
    email = cells["email"].strip()
    aad = cells["aad_object_id"].strip()
    agency = cells["agency"].strip().lower()
    locality = cells["locality"].strip().lower()
    role_text = cells["role"].strip()
    admin_text = cells.get("admin", "").strip()
    if not name:
        note("name", "a name is required")
    elif len(name) > MAX_MEMBER_NAME_CHARS:
        note("name", f"too long: at most {MAX_MEMBER_NAME_CHARS} characters")
    if not email:
        note("email", "an email address is required")
    elif not is_email(email):
        note("email", "not a valid email address")
    if aad and not is_aad_object_id(aad):
        note("aad_object_id", "not an Entra object id (letters, digits and hyphens)")
    if not agency:
        note("agency", "an agency code is required")
    role = parse_role(role_text) if role_text else None
    if role_text and role is None:
        note("role", f"unknown role{_quoted_code(role_text.lower())}: use one of {ROLE_CODES}")
    if locality and not role_text:
        note("role", "a role is required when a locality is given")
    if role_text and not locality:
        note("locality", "a locality code is required when a role is given")
    admin: bool | None = None
    if admin_text:
        admin = parse_yes_no(admin_text)
        if admin is None:
            note("admin", "use yes or no")
    return _Row(line, name, email, aad, agency, locality, role, admin)


def _agree_people(rows: list[_Row], problems: list[RowProblem]) -> dict[str, _Person]:
    """One member per email; rows for the same email must agree on who they are."""
    people: dict[str, _Person] = {}
    aad_lines: dict[str, tuple[str, int]] = {}
    for row in rows:
        key = row.email.lower()
        person = people.get(key)
        if person is None:
            person = people[key] = _Person(row.line, row.name, row.email, row.agency)
        else:
            same = f"differs from line {person.line} for the same email"
            if row.name != person.name:
                problems.append(RowProblem(row.line, "name", same))
            if row.agency != person.agency:
                problems.append(RowProblem(row.line, "agency", same))
        if row.aad:
            if person.aad and person.aad != row.aad:
                problems.append(
                    RowProblem(
                        row.line,
                        "aad_object_id",
                        f"differs from line {person.line} for the same email",
                    )
                )
            person.aad = person.aad or row.aad
            seen = aad_lines.setdefault(row.aad, (key, row.line))
            if seen[0] != key:
                problems.append(
                    RowProblem(
                        row.line,
                        "aad_object_id",
                        f"the same Entra object id is on line {seen[1]} with another email",
                    )
                )
        if row.admin is not None:
            if person.admin is not None and person.admin != row.admin:
                problems.append(RowProblem(row.line, "admin", f"differs from line {person.line}"))
            person.admin = row.admin if person.admin is None else person.admin
        if row.role is not None:
            person.roles.append((row.line, row.locality, row.role))
    return people


def _match(
    person: _Person, by_aad: dict[str, t.Member], same_email: builtins.list[t.Member]
) -> tuple[t.Member | None, RowProblem | None]:
    """The stored member this person is: by Entra object id, then by email."""
    if person.aad and person.aad in by_aad:
        member = by_aad[person.aad]
        others = [m for m in same_email if m.id != member.id]
        if same_email and len(others) == len(same_email):
            return None, RowProblem(
                person.line,
                "aad_object_id",
                "this Entra object id and this email belong to two different members",
            )
        return member, None
    if len(same_email) > 1:
        return None, RowProblem(
            person.line,
            "email",
            "more than one member has this email: give their Entra object id",
        )
    if same_email:
        member = same_email[0]
        if person.aad and member.aad_object_id and member.aad_object_id != person.aad:
            return None, RowProblem(
                person.line,
                "aad_object_id",
                "the member with this email has a different Entra object id",
            )
        return member, None
    return None, None


def _update(member: t.Member, person: _Person, agency_id: int) -> bool:
    """Brings a stored member in line with the file; True if anything changed."""
    wanted: dict[str, object] = {
        "name": person.name,
        "email": person.email,
        "agency_id": agency_id,
    }
    if person.aad and not member.aad_object_id:
        wanted["aad_object_id"] = person.aad
    if person.admin is not None:
        wanted["is_admin"] = person.admin
    changed = False
    for attribute, value in wanted.items():
        if getattr(member, attribute) != value:
            setattr(member, attribute, value)
            changed = True
    return changed


# -- telling a group who was given a role there ---------------------------------------------


async def _oversight(session: AsyncSession, locality_ids: Sequence[int]) -> dict[int, set[int]]:
    """Per group, its active chairs, deputy chairs and coordinators, read before a grant
    (so a newly made chair is not told of their own grant, while the others are)."""
    rows = await session.execute(
        select(t.Membership.locality_id, t.Membership.member_id)
        .join(t.Member, t.Member.id == t.Membership.member_id)
        .where(
            t.Membership.locality_id.in_(locality_ids),
            t.Membership.role.in_([role.value for role in OVERSIGHT_ROLES]),
            t.Member.active.is_(True),
        )
    )
    found: dict[int, set[int]] = {}
    for locality_id, member_id in rows:
        found.setdefault(locality_id, set()).add(member_id)
    return found


async def _tell_oversight(
    session: AsyncSession,
    locality_id: int,
    grants: Sequence[tuple[int, int, Role]],
    recipients: set[int],
    granter: t.Member | None,
    now: datetime,
) -> int:
    """Queue, in the granting transaction, one ``role_granted`` notice per chair, deputy
    chair and coordinator of the group (the granting administrator apart: they know),
    naming who was granted which role and by whom. ``grants``: (membership id, member id,
    role). Ids and role codes only: the card is drawn when it is sent. Returns how many."""
    if not grants:
        return 0
    payload = {
        "locality_id": locality_id,
        "grants": [[member_id, role.value] for _, member_id, role in grants][:MAX_GRANTS_IN_NOTICE],
        "count": len(grants),
        "by_member_id": granter.id if granter is not None else None,
    }
    first = min(membership_id for membership_id, _, _ in grants)
    notices = [
        Notice(NoticeKind.ROLE_GRANTED, who, payload, f"{NoticeKind.ROLE_GRANTED}:{first}:{who}")
        for who in sorted(recipients)
        if granter is None or who != granter.id
    ]
    return await enqueue(session, notices, due=now)


# -- lookups ------------------------------------------------------------------------------


async def _require_admin(session: AsyncSession, caller: ActorRef) -> t.Member:
    member = await find_member(session, caller)  # active members only
    if member is None or not member.is_admin:
        raise NotPermitted()
    return member


async def _find(session: AsyncSession, ident: str) -> t.Member | None:
    """A member (active or not) by email, case-insensitive, or by Entra object id."""
    if not ident:
        raise InvalidInput({"member": "Give the member's email or Entra object id."})
    if "@" in ident:
        if not is_email(ident):
            raise InvalidInput({"member": "That is not a valid email address."})
        found = builtins.list(
            await session.scalars(
                select(t.Member).where(func.lower(t.Member.email) == ident.lower()).limit(2)
            )
        )
        if len(found) > 1:
            raise InvalidInput(
                {"member": "More than one member has that email: use their Entra object id."}
            )
        return found[0] if found else None
    if not is_aad_object_id(ident):
        raise InvalidInput({"member": "Give an email address or an Entra object id."})
    return await session.scalar(select(t.Member).where(t.Member.aad_object_id == ident))


async def _known_codes(session: AsyncSession) -> str:
    return ", ".join(await session.scalars(select(t.Locality.code).order_by(t.Locality.code)))


async def _locality_or_note(
    session: AsyncSession, code: str, errors: dict[str, str]
) -> t.Locality | None:
    try:
        return await _locality(session, code)
    except InvalidInput as exc:
        errors.update(exc.field_errors)
        return None


async def _locality(session: AsyncSession, code: str) -> t.Locality:
    if not code:
        raise InvalidInput({"locality": "Choose the locality group."})
    locality = await session.scalar(
        select(t.Locality).where(func.lower(t.Locality.code) == code.lower())
    )
    if locality is None:
        raise InvalidInput(
            {
                "locality": f"Unknown locality code{_quoted_code(code.lower())}: use one of "
                f"{await _known_codes(session)}."
            }
        )
    return locality


async def _pick_locality(session: AsyncSession, admin: t.Member, code: str) -> t.Locality:
    if code:
        chosen = await session.scalar(
            select(t.Locality).where(func.lower(t.Locality.code) == code.lower())
        )
        if chosen is not None:
            return chosen
    own = await session.scalar(
        select(t.Locality)
        .join(t.Membership, t.Membership.locality_id == t.Locality.id)
        .where(t.Membership.member_id == admin.id)
        .order_by(t.Locality.name)
        .limit(1)
    )
    first = own or await session.scalar(select(t.Locality).order_by(t.Locality.name).limit(1))
    if first is None:
        raise NotFound("There are no locality groups yet: load the reference data first.")
    return first


async def _open_actions(session: AsyncSession, member_id: int, locality_id: int | None) -> int:
    query = select(func.count(t.Action.id)).where(
        t.Action.owner_member_id == member_id, t.Action.status == ActionStatus.OPEN.value
    )
    if locality_id is not None:
        query = query.where(t.Action.locality_id == locality_id)
    return int(await session.scalar(query) or 0)


async def _view(session: AsyncSession, locality: t.Locality) -> MembersView:
    rows = await session.execute(
        select(
            t.Membership.id,
            t.Membership.role,
            t.Member.id,
            t.Member.name,
            t.Member.email,
            t.Agency.name,
        )
        .join(t.Member, t.Member.id == t.Membership.member_id)
        .join(t.Agency, t.Agency.id == t.Member.agency_id)
        .where(t.Membership.locality_id == locality.id, t.Member.active.is_(True))
    )
    people: dict[int, tuple[str, str, str, builtins.list[RoleHeld]]] = {}
    for membership_id, role, member_id, name, email, agency_name in rows:
        entry = people.setdefault(member_id, (name, agency_name, email or "", []))
        entry[3].append(RoleHeld(membership_id, Role(role)))
    members = tuple(
        MemberRoles(
            member_id,
            name,
            agency_name,
            email,
            tuple(sorted(held, key=lambda h: role_sort_key(h.role))),
        )
        for member_id, (name, agency_name, email, held) in sorted(
            people.items(), key=lambda item: (item[1][0].lower(), item[0])
        )
    )
    localities = tuple(
        CodeChoice(loc.code, loc.name)
        for loc in await session.scalars(select(t.Locality).order_by(t.Locality.name))
    )
    agencies = tuple(
        CodeChoice(a.code, a.name)
        for a in await session.scalars(
            select(t.Agency).order_by(t.Agency.sort_order, t.Agency.name)
        )
    )
    return MembersView(CodeChoice(locality.code, locality.name), members, localities, agencies)
