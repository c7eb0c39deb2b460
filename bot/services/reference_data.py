"""Loads localities, agencies and members from a data file (the demo data, or a real one).

Idempotent: running it again updates names and roles and adds what is new, so the same
file can be re-applied after an edit. It never deletes members (an action's history must
keep its owner); a member left out of the file is simply not touched.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.chasing import ChaseRules
from bot.domain.model import ConversationKind, OversightRole, OversightTier, Role
from bot.store import tables as t
from bot.store.db import Store

DEMO_DATA = Path(__file__).resolve().parents[1] / "demo" / "demo_data.json"


class ReferenceDataError(ValueError):
    """The data file is wrong; the message names the entry, never personal data."""


async def load_reference_data(store: Store, data: dict[str, Any], now: datetime) -> None:
    async with store.transaction() as session:
        localities: dict[str, t.Locality] = {
            loc.code: loc for loc in await session.scalars(select(t.Locality))
        }
        for entry in data.get("localities", []):
            row = localities.get(entry["code"])
            if row is None:
                row = t.Locality(code=entry["code"], name=entry["name"])
                session.add(row)
                localities[row.code] = row
            row.name = entry["name"]
            if "chase_rules" in entry:
                # Refuses bad settings here, at load time, rather than at 07:30 some day.
                rules = ChaseRules.from_mapping(entry["chase_rules"] or {})
                row.chase_rules = json.dumps(rules.to_mapping(), sort_keys=True)
        agencies: dict[str, t.Agency] = {a.code: a for a in await session.scalars(select(t.Agency))}
        for entry in data.get("agencies", []):
            agency = agencies.get(entry["code"])
            if agency is None:
                agency = t.Agency(code=entry["code"], name=entry["name"])
                session.add(agency)
                agencies[agency.code] = agency
            agency.name = entry["name"]
            agency.sort_order = int(entry.get("sort_order", 100))
        oversight = await _oversight_groups(session, data)
        await session.flush()
        for index, entry in enumerate(data.get("members", [])):
            agency = agencies.get(entry.get("agency", ""))
            if agency is None:
                raise ReferenceDataError(f"member {index + 1}: unknown agency code")
            member = None
            if entry.get("aad_object_id"):
                member = await session.scalar(
                    select(t.Member).where(t.Member.aad_object_id == entry["aad_object_id"])
                )
            if member is None and entry.get("teams_user_id"):
                member = await session.scalar(
                    select(t.Member).where(t.Member.teams_user_id == entry["teams_user_id"])
                )
            if member is None:
                member = t.Member(
                    aad_object_id=entry.get("aad_object_id"),
                    teams_user_id=entry.get("teams_user_id"),
                    name=entry["name"],
                    agency_id=agency.id,
                )
                session.add(member)
            member.name = entry["name"]
            member.agency_id = agency.id
            member.email = entry.get("email")
            member.is_admin = bool(entry.get("is_admin", False))
            member.active = bool(entry.get("active", True))
            if entry.get("teams_user_id"):
                member.teams_user_id = entry["teams_user_id"]
            await session.flush()
            existing = {
                (m.locality_id, m.role)
                for m in await session.scalars(
                    select(t.Membership).where(t.Membership.member_id == member.id)
                )
            }
            for locality_code, roles in entry.get("roles", {}).items():
                locality = localities.get(locality_code)
                if locality is None:
                    raise ReferenceDataError(f"member {index + 1}: unknown locality code")
                for role in roles:
                    Role(role)  # refuses an unknown role before anything is kept
                    if (locality.id, role) not in existing:
                        session.add(
                            t.Membership(member_id=member.id, locality_id=locality.id, role=role)
                        )
                        existing.add((locality.id, role))
            await _oversight_roles(session, member, entry, oversight, index)
        admin = await session.scalar(select(t.Member).where(t.Member.is_admin.is_(True)))
        for entry in data.get("linked_conversations", []):
            locality = localities.get(entry["locality"])
            if locality is None:
                raise ReferenceDataError("linked conversation: unknown locality code")
            link = await session.scalar(
                select(t.LinkedConversation).where(
                    t.LinkedConversation.conversation_id == entry["conversation_id"]
                )
            )
            if link is None and admin is not None:
                session.add(
                    t.LinkedConversation(
                        conversation_id=entry["conversation_id"],
                        locality_id=locality.id,
                        kind=ConversationKind(entry.get("kind", "channel")),
                        tenant_id=None,
                        service_url=None,
                        linked_by_member_id=admin.id,
                        linked_at=now,
                    )
                )


async def _oversight_groups(
    session: AsyncSession, data: dict[str, Any]
) -> dict[str, t.OversightGroup]:
    """The MACE Operational and Strategic groups (``oversight_groups``: code, name, tier,
    and optionally their own conversation), loaded like the localities: by code, names
    and tiers updated, nothing removed."""
    groups: dict[str, t.OversightGroup] = {
        g.code: g for g in await session.scalars(select(t.OversightGroup))
    }
    for index, entry in enumerate(data.get("oversight_groups", [])):
        try:
            tier = OversightTier(entry.get("tier", ""))
        except ValueError:
            raise ReferenceDataError(f"oversight group {index + 1}: unknown tier") from None
        row = groups.get(entry["code"])
        if row is None:
            row = t.OversightGroup(code=entry["code"], name=entry["name"], tier=tier.value)
            session.add(row)
            groups[row.code] = row
        row.name = entry["name"]
        row.tier = tier.value
        for key in ("conversation_id", "service_url", "tenant_id"):
            if key in entry:
                setattr(row, key, entry[key])
    return groups


async def _oversight_roles(
    session: AsyncSession,
    member: t.Member,
    entry: dict[str, Any],
    groups: dict[str, t.OversightGroup],
    index: int,
) -> None:
    """A member's places in the oversight groups (``oversight``: group code to ``chair``
    or ``member``), added when new; like locality roles, never removed by a reload."""
    wanted = entry.get("oversight", {})
    if not wanted:
        return
    existing = {
        (m.group_id, m.role)
        for m in await session.scalars(
            select(t.OversightMembership).where(t.OversightMembership.member_id == member.id)
        )
    }
    for code, role in wanted.items():
        group = groups.get(code)
        if group is None:
            raise ReferenceDataError(f"member {index + 1}: unknown oversight group code")
        try:
            OversightRole(role)
        except ValueError:
            raise ReferenceDataError(f"member {index + 1}: unknown oversight role") from None
        if (group.id, role) not in existing:
            session.add(t.OversightMembership(member_id=member.id, group_id=group.id, role=role))


def read_data_file(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        data = json.load(handle)
    if not isinstance(data, dict):
        raise ReferenceDataError("the data file must hold a JSON object")
    return data
