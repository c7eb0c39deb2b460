"""``mace-bot subject export``, ``retention run`` and ``hold place|lift|list``: data
subjects' rights, retention and legal holds from the bot's host.

Like ``members``, the command line runs as the host's operator and checks no caller; what
it does is audited under ``cli:<operating-system user>``. A subject access export is
written owner-only (0600) and refused without a reason.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from bot.config import Settings
from bot.domain.clock import SystemClock
from bot.domain.errors import DomainError, InvalidInput, NotFound
from bot.domain.model import SubjectKind
from bot.domain.retention import HoldScope
from bot.services.factory import ServiceFactory, build_store
from bot.services.subject_access import locality_by_code
from bot.services.subjects import find_subjects
from bot.store import audit
from bot.store.crypto import KeyRingError
from bot.store.db import Store, migrate

COMMANDS = frozenset({"subject", "retention", "hold"})


def register(sub: Any) -> None:
    """Adds ``subject``, ``retention`` and ``hold`` to the ``mace-bot`` subparsers."""
    subject = sub.add_parser("subject", help="subject access: everything held about one subject")
    subject_sub = subject.add_subparsers(dest="subject_command", required=True)
    export = subject_sub.add_parser(
        "export", help="export one subject's records (redacted) as JSON, optionally Word"
    )
    export.add_argument("reference", help="the subject's case reference, e.g. CR-0001")
    export.add_argument("--locality", required=True, help="the locality group's code")
    export.add_argument(
        "--reason", required=True, help="why: e.g. the subject access request's reference"
    )
    export.add_argument(
        "--kind",
        choices=[k.value for k in SubjectKind],
        help="only when the reference is recorded for more than one kind",
    )
    export.add_argument("-o", "--output", type=Path, required=True, help="the JSON file")
    export.add_argument("--docx", type=Path, help="also write the export as a Word document")

    retention = sub.add_parser("retention", help="delete records past their retention period")
    retention_sub = retention.add_subparsers(dest="retention_command", required=True)
    retention_sub.add_parser("run", help="run the retention job now and print what it did")

    hold = sub.add_parser("hold", help="legal holds: records retention must not delete")
    hold_sub = hold.add_subparsers(dest="hold_command", required=True)
    place = hold_sub.add_parser("place", help="place a legal hold")
    place.add_argument("--scope", required=True, choices=[s.value for s in HoldScope])
    place.add_argument(
        "--target",
        required=True,
        help="locality: its code; meeting: its id; subject: its id, or its case reference "
        "with --locality",
    )
    place.add_argument("--locality", help="the locality code, for a subject given by reference")
    place.add_argument("--reason", required=True, help="why the records must be kept")
    lift = hold_sub.add_parser("lift", help="lift a legal hold")
    lift.add_argument("id", type=int, help="the hold's number (see hold list)")
    listing = hold_sub.add_parser("list", help="legal holds in force")
    listing.add_argument("--all", action="store_true", help="include lifted holds")


def run(settings: Settings, args: argparse.Namespace) -> int:
    """Runs one of the commands; prints the result, or the error on stderr (exit 1)."""
    try:
        lines = asyncio.run(_run(settings, args))
    except InvalidInput as exc:
        print(f"Error: {' '.join(exc.field_errors.values())}", file=sys.stderr)
        return 1
    except DomainError as exc:
        print(f"Error: {exc.user_message}", file=sys.stderr)
        return 1
    except KeyRingError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(
            f"Error: could not write {exc.filename or 'the file'}: {exc.strerror}", file=sys.stderr
        )
        return 1
    except SQLAlchemyError as exc:
        # The type only: a driver's message can quote the values involved.
        print(f"Error: the store did not answer ({type(exc).__name__}).", file=sys.stderr)
        return 1
    print("\n".join(lines))
    return 0


def write_owner_only(path: Path, content: bytes) -> None:
    """Write ``content`` readable by its owner alone, even over an existing file."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        os.fchmod(handle.fileno(), 0o600)
        handle.write(content)


async def _run(settings: Settings, args: argparse.Namespace) -> list[str]:
    if args.command == "subject" and not args.reason.strip():
        raise InvalidInput({"reason": "Give the reason for the export (--reason)."})
    store = build_store(settings)
    try:
        await migrate(store.engine)
        services = ServiceFactory(settings, store, SystemClock())
        if args.command == "subject":
            return await _subject_export(services, args)
        if args.command == "retention":
            return (await services.retention.run()).lines()
        service = services.legal_holds
        if args.hold_command == "place":
            target = await _hold_target(store, args.scope, args.target, args.locality)
            hold = await service.place_hold(args.scope, target, args.reason, audit.operator())
            return [f"Placed legal hold #{hold.id} on {hold.scope} {hold.target_id}."]
        if args.hold_command == "lift":
            hold = await service.lift_hold(args.id, audit.operator())
            return [f"Lifted legal hold #{hold.id} on {hold.scope} {hold.target_id}."]
        holds = await service.holds(include_lifted=args.all)
        return [h.line() for h in holds] or ["No legal holds in force."]
    finally:
        await store.close()


async def _subject_export(services: ServiceFactory, args: argparse.Namespace) -> list[str]:
    export = await services.subject_access.export(
        args.locality,
        args.reference,
        reason=args.reason,
        actor=audit.operator(),
        kind=SubjectKind(args.kind) if args.kind else None,
    )
    write_owner_only(args.output, export.json_bytes())
    lines = [f"Wrote the subject access export to {args.output}."]
    if args.docx:
        write_owner_only(args.docx, export.docx_bytes())
        lines.append(f"Wrote the Word version to {args.docx}.")
    return lines


async def _hold_target(store: Store, scope: str, target: str, locality: str | None) -> int:
    """The id a hold's ``--target`` names: a locality code, a meeting id, a subject id or
    (with ``--locality``) a subject's reference."""
    target = target.strip()
    async with store.reading() as session:
        if scope == HoldScope.LOCALITY:
            return (await locality_by_code(session, target)).id
        if scope == HoldScope.MEETING or not locality:
            if target.isdigit():
                return int(target)
            raise InvalidInput(
                {"target": "Give the meeting's number."}
                if scope == HoldScope.MEETING
                else {"locality": "Give --locality to find a subject by its reference."}
            )
        place = await locality_by_code(session, locality)
        found = await find_subjects(session, store.keys, place.id, target)
        if not found:
            raise NotFound(f"No subject with that reference is held in {place.name}.")
        if len(found) > 1:
            raise InvalidInput(
                {"target": "That reference is recorded for more than one kind: give its id."}
            )
        return found[0].id
