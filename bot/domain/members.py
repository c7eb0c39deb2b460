"""Members and their roles, as an administrator manages them: the input rules and the read
model the members card is drawn from.

Everything here is pure. Messages name fields and rules, never what was typed (an email
is personal data); codes (locality, agency, role) may be named, because they come from
the reference data, not from a person.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

from bot.domain.model import ROLE_LABELS, Role

MAX_EMAIL_CHARS = 200
MAX_AAD_CHARS = 64
MAX_MEMBER_NAME_CHARS = 120

#: Deliberately plain: one @, something before it, a dotted domain after, no spaces.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s.]+(?:\.[^@\s.]+)+$")
_AAD = re.compile(r"^[A-Za-z0-9-]+$")

ROLE_ORDER: tuple[Role, ...] = tuple(Role)
ROLE_CODES = ", ".join(role.value for role in Role)

#: What a code looks like; anything else given as a code is not echoed back (a shifted
#: CSV column could put a name or an email there).
_CODE = re.compile(r"^[a-z0-9_-]{1,40}$")


def plural(count: int, word: str) -> str:
    """``1 member``, ``2 members``: the counts in import and member messages."""
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def quoted_code(value: str) -> str:
    """`` 'selby'`` for something shaped like a code, else nothing (it is not echoed)."""
    return f" '{value}'" if _CODE.match(value) else ""


YES = frozenset({"yes", "y", "true", "1"})
NO = frozenset({"no", "n", "false", "0"})


def is_email(value: str) -> bool:
    return len(value) <= MAX_EMAIL_CHARS and bool(_EMAIL.match(value))


def is_aad_object_id(value: str) -> bool:
    """An Entra object id: letters, digits and hyphens (a GUID in a real tenant)."""
    return len(value) <= MAX_AAD_CHARS and bool(_AAD.match(value))


def parse_role(value: str) -> Role | None:
    """A role by its code (``deputy_chair``) or its label (``Deputy chair``)."""
    text = value.strip().lower()
    for role in Role:
        if text in (role.value, ROLE_LABELS[role].lower()):
            return role
    return None


def parse_yes_no(value: str) -> bool | None:
    """``yes``/``no`` (and y/n, true/false, 1/0); anything else is ``None``."""
    text = value.strip().lower()
    if text in YES:
        return True
    if text in NO:
        return False
    return None


def role_sort_key(role: Role) -> int:
    return ROLE_ORDER.index(role)


def role_label(role: Role) -> str:
    return ROLE_LABELS[role]


@dataclass(frozen=True, slots=True)
class RoleHeld:
    """One membership: the row an administrator can remove."""

    membership_id: int
    role: Role


@dataclass(frozen=True, slots=True)
class MemberRoles:
    member_id: int
    name: str
    agency_name: str
    email: str
    roles: tuple[RoleHeld, ...]


@dataclass(frozen=True, slots=True)
class CodeChoice:
    """A locality or agency offered in a choice set: its code and its name."""

    code: str
    name: str


@dataclass(frozen=True, slots=True)
class MembersView:
    """One locality group's members and roles, and what the add form may offer."""

    locality: CodeChoice
    members: tuple[MemberRoles, ...]
    localities: tuple[CodeChoice, ...]
    agencies: tuple[CodeChoice, ...]


class MemberLine(NamedTuple):
    """One member of a locality group, as the operator lists them: name, agency code and
    roles there."""

    name: str
    agency: str
    roles: tuple[Role, ...]
