"""Routes a typed command or a card verb to the feature that handles it, and guards every
handler alike; each feature turns a service's result into an ``Outcome`` (cards to post,
edit or show).

The features (``dialogs.setup``, ``dialogs.meeting``, ``dialogs.rounds``,
``dialogs.actions``, ``dialogs.exports``, ``dialogs.members``) declare their commands and
verbs beside their handlers (``dialogs.routes``); the router merges their tables once,
at construction, and refuses to start with a key routed twice, a command with no handler,
or a handler with no rule in ``dialogs.places`` (deny by default).

Failures are answered here, in plain words, and never lose what was typed: invalid input
re-shows the form with the error beside the field and the entries kept
(``dialogs.replies.redraw_on_invalid``); a store that cannot be reached says that nothing
was lost and to try again, unless the change was already committed and only showing it
failed (``SavedNotShown``: saved, and which command shows it; every read after a change's
commit is in ``shown_after_saving``); a refusal says nothing about what exists.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable

from sqlalchemy.exc import SQLAlchemyError

from bot.domain.card_fields import UNREADABLE, readable, readable_text
from bot.domain.clock import Clock
from bot.domain.errors import DomainError, Duplicate, InvalidInput
from bot.domain.model import ConversationKind
from bot.domain.page_addresses import PageAddresses
from bot.services.context import TurnRef
from bot.services.meeting_hints import MeetingEvent
from cards import end_form_card
from cards.hints import meeting_started_card
from dialogs import (
    action_control,
    actions,
    escalations,
    exports,
    meeting,
    members,
    register_edit,
    register_moves,
    report,
    rounds,
    setup,
)
from dialogs import corrections as corrections_feature
from dialogs import minutes as minutes_feature
from dialogs import ratings as ratings_feature
from dialogs import register as register_feature
from dialogs.commands import Command, split
from dialogs.outcome import Outcome, Post
from dialogs.places import UNKNOWN_CONVERSATION, command_place, missing_rules, refusal, verb_place
from dialogs.ports import (
    ActionControl,
    Actions,
    Corrections,
    Escalations,
    Groups,
    Hints,
    Meetings,
    Members,
    Minutes,
    Moves,
    Ratings,
    Register,
    RegisterEdits,
    Reports,
    Rounds,
    Services,
)
from dialogs.replies import FormShownAgain, tell
from dialogs.routes import Click, Routes, RouteTable, merge

__all__ = ["FEATURES", "STORE_UNAVAILABLE", "UNKNOWN_VERB", "Click", "Router"]

log = logging.getLogger(__name__)

STORE_UNAVAILABLE = (
    "I could not save that just now because the record store did not answer. Nothing you "
    "entered has been lost: it is still in the card (or in your message). Please try again "
    "in a moment."
)
UNKNOWN_VERB = (
    "That button is not one I know (the card may be from an older version). "
    "Type **agenda** to get a current card."
)

#: Every feature's table of commands and verbs, merged by the router.
FEATURES: tuple[Routes, ...] = (
    setup.routes,
    meeting.routes,
    rounds.routes,
    actions.routes,
    exports.routes,
    members.routes,
    register_feature.routes,
    register_edit.routes,
    register_moves.routes,
    action_control.routes,
    report.routes,
    corrections_feature.routes,
    escalations.routes,
    minutes_feature.routes,
    ratings_feature.routes,
)


def route_table(features: tuple[Routes, ...] | None = None) -> RouteTable:
    """The features' tables merged and checked, as the router starts with them: no key
    routed twice (``DuplicateRoute``), every command handled, and every handler with a
    rule saying where it may run (deny by default: one without would be refused
    everywhere; better that the bot does not start, ``dialogs.places``)."""
    table = merge(FEATURES if features is None else features)
    unhandled = [str(command) for command in Command if command not in table.commands]
    if unhandled:
        raise RuntimeError(f"no handler for: {', '.join(unhandled)}")
    missing = missing_rules(table.verbs, Command)
    if missing:
        raise RuntimeError(f"no rule in dialogs.places for: {', '.join(missing)}")
    return table


class Router:
    """The one way into the dialogs for a turn: a typed command, a card click, the bot
    being added, a Teams meeting event. Checks where each may run before any handler,
    and answers every failure alike (``_guard``)."""

    def __init__(
        self,
        groups: Groups,
        meetings: Meetings,
        rounds: Rounds,
        actions: Actions,
        clock: Clock,
        pages: PageAddresses | None = None,
        members: Members | None = None,
        hints: Hints | None = None,
        register: Register | None = None,
        register_edits: RegisterEdits | None = None,
        moves: Moves | None = None,
        action_control: ActionControl | None = None,
        reports: Reports | None = None,
        corrections: Corrections | None = None,
        escalations: Escalations | None = None,
        minutes: Minutes | None = None,
        ratings: Ratings | None = None,
    ) -> None:
        self.services = Services(
            groups,
            meetings,
            rounds,
            actions,
            clock,
            pages,
            members,
            hints,
            register,
            register_edits,
            moves,
            action_control,
            reports,
            corrections,
            escalations,
            minutes,
            ratings,
        )
        self._table = route_table()

    @property
    def verbs(self) -> frozenset[str]:
        return frozenset(self._table.verbs)

    # The services, as the router has always offered them (tests reach the store through
    # them); the handlers get them as ``Services``.

    @property
    def groups(self) -> Groups:
        return self.services.groups

    @property
    def meetings(self) -> Meetings:
        return self.services.meetings

    @property
    def rounds(self) -> Rounds:
        return self.services.rounds

    @property
    def actions(self) -> Actions:
        return self.services.actions

    @property
    def clock(self) -> Clock:
        return self.services.clock

    @property
    def pages(self) -> PageAddresses | None:
        return self.services.pages

    @property
    def members(self) -> Members | None:
        return self.services.members

    @property
    def hints(self) -> Hints | None:
        return self.services.hints

    # -- entry points -------------------------------------------------------------------

    async def on_text(self, turn: TurnRef, text: str | None) -> Outcome:
        if text is not None and not readable_text(text):
            text = None  # a NUL or a lone surrogate: nothing anyone typed
        command, words = split(text)
        if command is None:
            return setup.not_understood(turn, text)
        elsewhere = refusal(command_place(command), turn.conversation.kind)
        if elsewhere is not None:
            return Outcome(posts=[Post(text=elsewhere)])
        handler = self._table.commands[command]
        return await self._guard(handler(self.services, turn, words), click=None)

    async def on_click(self, turn: TurnRef, click: Click) -> Outcome:
        handler = self._table.verbs.get(click.verb)
        if handler is None:
            return tell(click, UNKNOWN_VERB)
        # Before the handler, for an invoke and the Action.Submit fallback alike: the
        # fallback's answer is posted for everyone in the conversation.
        elsewhere = refusal(verb_place(click.verb), turn.conversation.kind)
        if elsewhere is not None:
            return tell(click, elsewhere)
        if not readable(click.data):
            # A list, an object, or text the store cannot keep: no card of ours sends
            # one. Refused whole, before anything is read or written.
            return tell(click, UNREADABLE)
        return await self._guard(handler(self.services, turn, click), click=click)

    async def on_added(self, turn: TurnRef) -> Outcome:
        """The bot was added to a conversation: say what it is for, and how to link it."""
        if turn.conversation.kind is ConversationKind.PERSONAL:
            return Outcome(posts=[Post(text=setup.PERSONAL_GREETING)])
        if turn.conversation.kind is ConversationKind.UNKNOWN:
            # Deny by default: no group names (the setup card lists them) where the kind of
            # conversation, and so who can read it, is not known.
            return Outcome(posts=[Post(text=UNKNOWN_CONVERSATION)])
        return await self._guard(setup.welcome(self.services, turn), click=None)

    async def on_meeting_event(self, turn: TurnRef, event: MeetingEvent, key: str) -> Outcome:
        """Teams says a meeting started or ended here: a hint, never an action.

        In a linked conversation, once per event (``key``): the start card when no MACE
        meeting is running, the end form when one is. Anything else, including a failure,
        posts nothing: the chair can always start and end the meeting by hand.
        """
        if self.services.hints is None:
            return Outcome()
        try:
            hint = await self.services.hints.offer(turn.conversation, event, key)
        except (DomainError, SQLAlchemyError, OSError, TimeoutError) as exc:
            log.warning("meeting %s event not offered: %s", event.value, type(exc).__name__)
            return Outcome()
        if hint is None:
            return Outcome()
        if hint.meeting is not None:
            return Outcome(posts=[Post(card=end_form_card(hint.meeting))])
        return Outcome(posts=[Post(card=meeting_started_card(hint.locality))])

    async def _guard(self, work: Awaitable[Outcome], click: Click | None) -> Outcome:
        try:
            return await work
        except FormShownAgain as shown:
            return shown.outcome
        except Duplicate:
            # A resend of a turn that wrote: it posts nothing new. Only an invoke says
            # "Already recorded.", as its answer, since the client awaits one.
            if click is not None and click.is_invoke:
                return Outcome(response_text=Duplicate.user_message)
            return Outcome()
        except InvalidInput as exc:
            # Handlers that own a form redraw it themselves; reaching here means a field
            # the form does not show, so say it plainly.
            return tell(click, " ".join(exc.field_errors.values()) or exc.user_message)
        except DomainError as exc:
            return tell(click, exc.user_message)
        except (SQLAlchemyError, OSError, TimeoutError) as exc:
            # The type only: a driver's message can quote the values being written.
            log.error("store unavailable: %s", type(exc).__name__)
            return tell(click, STORE_UNAVAILABLE)
