"""Cards the bot sends on its own, between meetings: reminders, escalations and notices.

A proactive message lands in a personal chat, shows in notifications and on lock
screens, and may be read by whoever is near the screen. So these cards never carry case
details: no action description, no child or subject, no minute, no reason typed by
anyone. An action is named by its reference (``A-12``), its locality group and its dates
only; the details are one click away ("Open my actions", "See overdue actions"), where
the bot answers the person who clicked and checks what they may see.

That rule is kept by the inputs, not by care in each card: the small views below have no
field that could hold case text, so no caller can pass it. Their strings are names from
the directory (people, agencies, locality groups), shown as plain text runs (no
markdown) and clipped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from bot.domain.action_refs import reference
from cards.elements import (
    JSON,
    action_set,
    adaptive_card,
    container,
    execute,
    heading,
    marking,
    rich,
    run,
    text_block,
)
from cards.parts import more_line
from cards.text import NAME_CHARS, clip, format_date, plural
from cards.verbs import ACTION_SHOW, ACTIONS_MINE, OUTSTANDING_PAGE

#: How many actions a digest lists before "and N more" (keeps any digest far below 80 KB).
MAX_DIGEST_ITEMS = 25

EscalationCause = Literal["overdue", "unreachable"]
UnreachableReason = Literal["blocked", "no_contact"]


# --- views: what each card is drawn from -------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReminderItem:
    """One of an owner's actions needing attention, for their digest.

    ``working_days_left``: positive, due in that many working days; 0, due today;
    negative, overdue by that many working days.
    """

    action_id: int
    locality: str
    due_date: date
    working_days_left: int


@dataclass(frozen=True, slots=True)
class EscalationItem:
    """An escalated action, for the chair's and coordinator's digest."""

    action_id: int
    locality: str
    owner_name: str
    agency_name: str
    due_date: date
    days_overdue: int  # working days; 0 when escalated only because the owner is unreachable
    cause: EscalationCause

    def __post_init__(self) -> None:
        if self.cause not in ("overdue", "unreachable"):
            raise ValueError(f"unknown escalation cause {self.cause!r}")


@dataclass(frozen=True, slots=True)
class UnreachableNotice:
    """A member the bot cannot message: ``blocked`` (Teams answered 403: they blocked or
    removed the bot) or ``no_contact`` (the bot has never seen them where it could)."""

    member_name: str
    agency_name: str
    localities: tuple[str, ...]
    reason: UnreachableReason = "blocked"

    def __post_init__(self) -> None:
        if self.reason not in ("blocked", "no_contact"):
            raise ValueError(f"unknown unreachable reason {self.reason!r}")


@dataclass(frozen=True, slots=True)
class DateDecidedNotice:
    """The chair's answer to an owner's request for a new due date.

    ``due_date`` is the due date now in force (the new one if accepted, the old one if
    refused); ``requested_due`` the date that was asked for, when known.
    """

    action_id: int
    locality: str
    accepted: bool
    due_date: date
    requested_due: date | None = None


@dataclass(frozen=True, slots=True)
class GrantLine:
    """One role granted: to whom (name, agency) and which role (its label)."""

    member_name: str
    agency_name: str
    role: str


@dataclass(frozen=True, slots=True)
class ActionReassignedNotice:
    """For both owners: a chair, deputy chair or coordinator reassigned an action. Names
    and groups only: no description, no subject, no reason."""

    action_id: int
    locality: str
    from_name: str
    from_agency: str
    to_name: str
    to_agency: str
    #: True for the new owner (who gets a button to open it), False for the old one.
    yours: bool
    #: The owner was recorded in error and corrected (issue 16), not reassigned at the
    #: group's review of actions.
    corrected: bool = False


@dataclass(frozen=True, slots=True)
class RolesGrantedNotice:
    """For a group's chairs, deputy chairs and coordinators: roles that open the group's
    meetings were granted there. ``granted_by`` is the administrator's name, or ``None``
    when the bot's operator granted them from the command line; ``more`` counts grants
    not listed (a large import)."""

    locality: str
    grants: tuple[GrantLine, ...]
    granted_by: str | None
    more: int = 0


# --- wording -------------------------------------------------------------------------------


def when_due(working_days_left: int) -> str:
    """'due in 3 working days', 'due today', 'overdue by 1 working day'."""
    if working_days_left > 0:
        return f"due in {plural(working_days_left, 'working day')}"
    if working_days_left == 0:
        return "due today"
    return f"overdue by {plural(-working_days_left, 'working day')}"


def _group(locality: str) -> str:
    return f"{clip(locality, NAME_CHARS)} group"


def _groups(localities: Sequence[str]) -> str:
    names = [clip(name, NAME_CHARS) for name in localities if name]
    if not names:
        return ""
    if len(names) == 1:
        return f"{names[0]} group"
    return f"{', '.join(names[:-1])} and {names[-1]} groups"


def _person(name: str, agency: str) -> str:
    return f"{clip(name, NAME_CHARS)} ({clip(agency, NAME_CHARS)})"


def _open_one(action_id: int) -> JSON:
    """A button that opens one action's card (in the person's own chat, checked then)."""
    return action_set(
        [
            execute(
                f"Open {reference(action_id)}",
                ACTION_SHOW,
                {"actionId": action_id},
                with_inputs=False,
            )
        ],
        spacing="none",
    )


def _open_mine() -> JSON:
    return execute("Open my actions", ACTIONS_MINE, with_inputs=False)


# --- the cards -----------------------------------------------------------------------------


def reminder_digest_card(items: Sequence[ReminderItem]) -> JSON:
    """One owner's digest: every action of theirs that needs attention on this run,
    most overdue first, in one message."""
    ordered = sorted(items, key=lambda i: (i.working_days_left, i.due_date, i.action_id))
    overdue = sum(1 for i in ordered if i.working_days_left < 0)
    summary = f"{plural(len(ordered), 'action')} of yours need attention"
    if overdue:
        summary += f", {overdue} of them overdue"
    body: list[JSON] = [
        heading("Your MACE actions", size="large"),
        marking(),
        text_block(
            summary + ". Open your actions to add an update, mark one done or ask the "
            "chair for a new date."
        ),
    ]
    for item in ordered[:MAX_DIGEST_ITEMS]:
        colour = "attention" if item.working_days_left <= 0 else None
        body.append(
            container(
                [
                    rich(
                        run(reference(item.action_id), bold=True),
                        run(f" · {_group(item.locality)}"),
                    ),
                    rich(
                        run(f"Due {format_date(item.due_date)} · "),
                        run(when_due(item.working_days_left), bold=True, color=colour),
                        spacing="none",
                    ),
                    _open_one(item.action_id),
                ],
                separator=True,
                spacing="small",
            )
        )
    body += more_line(len(ordered) - MAX_DIGEST_ITEMS, "open your actions to see them all")
    return adaptive_card(body, [_open_mine()])


def escalation_digest_card(items: Sequence[EscalationItem]) -> JSON:
    """For chairs and coordinators: actions escalated past their owners on this run."""
    ordered = sorted(items, key=lambda i: (-i.days_overdue, i.due_date, i.action_id))
    body: list[JSON] = [
        heading("Escalated actions", size="large"),
        marking(),
        text_block(
            f"{plural(len(ordered), 'action')} escalated to you as chair or coordinator. "
            "Each is flagged for the review of previous actions at the next meeting."
        ),
    ]
    for item in ordered[:MAX_DIGEST_ITEMS]:
        if item.cause == "unreachable":
            why = run("owner cannot be reached by the bot", bold=True, color="attention")
        else:
            why = run(
                f"overdue by {plural(item.days_overdue, 'working day')}",
                bold=True,
                color="attention",
            )
        lines: list[JSON] = [
            rich(
                run(reference(item.action_id), bold=True),
                run(f" · {_group(item.locality)} · {_person(item.owner_name, item.agency_name)}"),
            ),
            rich(run(f"Due {format_date(item.due_date)} · "), why, spacing="none"),
        ]
        trailing: list[JSON] = [_open_one(item.action_id)]
        if item.cause == "unreachable" and item.days_overdue > 0:
            lines.append(
                rich(
                    run(f"Also overdue by {plural(item.days_overdue, 'working day')}."),
                    spacing="none",
                )
            )
        body.append(container([*lines, *trailing], separator=True, spacing="small"))
    body += more_line(len(ordered) - MAX_DIGEST_ITEMS, "see the overdue actions for them all")
    return adaptive_card(
        body,
        [
            execute(
                "See overdue actions",
                OUTSTANDING_PAGE,
                {"overdue": "yes", "page": 1},
                with_inputs=False,
            )
        ],
    )


def unreachable_notice_card(notice: UnreachableNotice) -> JSON:
    """For coordinators: a member the bot cannot message, so reminders do not reach them."""
    if notice.reason == "blocked":
        title = "The bot cannot reach a member"
        explanation = (
            "Teams refused a message to them: they may have blocked or removed the MACE "
            "bot. Their reminders cannot be delivered and their actions will be escalated "
            "to you instead. Please contact them another way and ask them to open a chat "
            "with the bot again."
        )
    else:
        title = "The bot has no way to reach a member"
        explanation = (
            "They have not used the MACE bot, and the bot has not seen them in a team it "
            "is part of, so their reminders cannot be delivered. Please ask them to open a "
            "chat with the bot, or add the bot to a team they are in."
        )
    who = _person(notice.member_name, notice.agency_name)
    groups = _groups(notice.localities)
    body: list[JSON] = [
        heading(title, size="large"),
        marking(),
        rich(run(who, bold=True), run(f" · {groups}" if groups else "")),
        text_block(explanation),
    ]
    return adaptive_card(
        body,
        [
            execute(
                "See their actions",
                OUTSTANDING_PAGE,
                {"owner": clip(notice.member_name, NAME_CHARS), "page": 1},
                with_inputs=False,
            )
        ],
    )


def date_decided_card(notice: DateDecidedNotice) -> JSON:
    """For an owner: the chair accepted or refused the new due date they asked for."""
    ref = f"{reference(notice.action_id)} ({_group(notice.locality)})"
    if notice.accepted:
        title = "New due date accepted"
        lines = [
            rich(
                run(f"The chair accepted the new due date for {ref}. It is now due "),
                run(format_date(notice.due_date), bold=True),
                run("."),
            )
        ]
    else:
        title = "New due date refused"
        asked = (
            f" ({format_date(notice.requested_due)})" if notice.requested_due is not None else ""
        )
        lines = [
            rich(
                run(f"The chair refused the new due date{asked} asked for {ref}. It is still due "),
                run(format_date(notice.due_date), bold=True),
                run("."),
            ),
            text_block(
                "If you need more time, add an update to say why, or speak to the chair.",
                spacing="small",
            ),
        ]
    body: list[JSON] = [
        heading(title, size="large"),
        marking(),
        *lines,
    ]
    return adaptive_card(body, [_open_mine()])


def roles_granted_card(notice: RolesGrantedNotice) -> JSON:
    """For chairs, deputy chairs and coordinators: who was given a role in their group, and
    by whom, so that an administrator granting access to content is seen by the group."""
    count = len(notice.grants) + notice.more
    title = "A role was granted in your group" if count == 1 else "Roles were granted in your group"
    if notice.granted_by is None:
        by = run("the bot's operator (from the command line on the bot's host)", bold=True)
    else:
        by = run(f"{clip(notice.granted_by, NAME_CHARS)}, an administrator", bold=True)
    body: list[JSON] = [
        heading(title, size="large"),
        marking(),
        rich(run(f"In the {_group(notice.locality)}, by "), by, run(":")),
    ]
    for grant in notice.grants:
        body.append(
            rich(
                run(_person(grant.member_name, grant.agency_name), bold=True),
                run(f" · {grant.role}"),
                spacing="small",
            )
        )
    body += more_line(notice.more, "ask an administrator for the whole list")
    body.append(
        text_block(
            "You are told because you are a chair, deputy chair or coordinator of this group: "
            "every role lets its holder see the group's meetings and minutes. If you did not "
            "expect this, ask an administrator to check it."
        )
    )
    return adaptive_card(body)


def action_reassigned_card(notice: ActionReassignedNotice) -> JSON:
    """For the old and the new owner: an action moved from one to the other by the chair
    (or coordinator). By reference and names only; the details open in the person's own
    chat, checked then."""
    ref = f"{reference(notice.action_id)} ({_group(notice.locality)})"
    how = (
        "had its owner corrected (recorded in error), from "
        if notice.corrected
        else "was reassigned, at the group's review of actions, from "
    )
    body: list[JSON] = [
        heading(
            "An action's owner was corrected" if notice.corrected else "An action was reassigned",
            size="large",
        ),
        marking(),
        rich(
            run(f"{ref} {how}"),
            run(_person(notice.from_name, notice.from_agency), bold=True),
            run(" to "),
            run(_person(notice.to_name, notice.to_agency), bold=True),
            run("."),
        ),
        text_block(
            "You own it now: open it to see what is needed and by when."
            if notice.yours
            else "It is no longer yours: nothing more is needed from you on it.",
            spacing="small",
        ),
    ]
    if notice.yours:
        button = execute(
            f"Open {reference(notice.action_id)}",
            ACTION_SHOW,
            {"actionId": notice.action_id},
            with_inputs=False,
        )
        return adaptive_card(body, [button])
    return adaptive_card(body, [_open_mine()])
