"""Routes a typed command or a card verb to the service that does it, and turns the result
into an ``Outcome`` (cards to post, edit or show).

Failures are answered here, in plain words, and never lose what was typed: invalid input
re-shows the form with the error beside the field and the entries kept; a store that
cannot be reached says that nothing was lost and to try again, unless the change was
already committed and only showing it failed (``SavedNotShown``: saved, and which command
shows it; every read after a change's commit is in ``shown_after_saving``); a refusal says
nothing about what exists.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from bot.domain.card_fields import UNREADABLE, card_id, readable, readable_text
from bot.domain.clock import Clock, london_today
from bot.domain.errors import Conflict, DomainError, Duplicate, InvalidInput
from bot.domain.filters import ActionFilter, FilterError, parse_filters
from bot.domain.model import ConversationKind, EntryKind
from bot.domain.permissions import Permission
from bot.domain.rules import is_confirmation_field
from bot.domain.views import MeetingView, RoundView
from bot.services.actions import ActionService
from bot.services.context import ActorRef, TurnRef
from bot.services.groups import GroupService
from bot.services.meeting_hints import MeetingEvent, MeetingHintService
from bot.services.meetings import MeetingChange, MeetingService
from bot.services.members import MemberAdmin
from bot.services.records import shown_after_saving
from bot.services.rounds import RoundService
from cards import (
    action_form_card,
    agenda_card,
    attendance_form_card,
    challenges_card,
    date_request_card,
    download_card,
    end_form_card,
    entry_form_card,
    hand_over_card,
    my_actions_card,
    outstanding_card,
    round_card,
    setup_card,
    summary_card,
    welcome_card,
)
from cards import verbs as v
from cards.hints import meeting_started_card
from cards.members import members_card
from cards.text import plain
from dialogs.commands import Command, help_text, split, suggest
from dialogs.outcome import Card, CardUpdate, Outcome, Post
from dialogs.places import (
    UNKNOWN_CONVERSATION,
    command_place,
    missing_rules,
    refusal,
    verb_place,
)

log = logging.getLogger(__name__)

STORE_UNAVAILABLE = (
    "I could not save that just now because the record store did not answer. Nothing you "
    "entered has been lost: it is still in the card (or in your message). Please try again "
    "in a moment."
)
CONFIRM_IN_A_CURRENT_CLIENT = (
    "If they are needed in the record, press the button in a current Teams client, which "
    "asks you to confirm them."
)
#: Issues a single-use, short-lived download URL for one person: (actor, kind, params) -> URL.
LinkMaker = Callable[[ActorRef, str, dict[str, object]], Awaitable[str]]

MEMBERS_NOT_SET_UP = "Member administration is not set up on this bot."
KEEP_OUT_ON_SHOW = frozenset({"showLocality", "locality"})
NOT_A_CURRENT_CARD = (
    "Nothing was changed: that card is not a current one. Type **agenda** to get a current card."
)
UNKNOWN_VERB = (
    "That button is not one I know (the card may be from an older version). "
    "Type **agenda** to get a current card."
)


@dataclass(frozen=True, slots=True)
class Click:
    """A card button press: from an ``adaptiveCard/action`` invoke or an Action.Submit."""

    verb: str
    data: Mapping[str, Any]
    #: The message the card is in (``replyToId``), to answer with its replacement.
    card_activity_id: str | None
    is_invoke: bool


Handler = Callable[[TurnRef, Click], Awaitable[Outcome]]


class Router:
    def __init__(
        self,
        groups: GroupService,
        meetings: MeetingService,
        rounds: RoundService,
        actions: ActionService,
        clock: Clock,
        link_for: LinkMaker | None = None,
        members: MemberAdmin | None = None,
        hints: MeetingHintService | None = None,
    ) -> None:
        self.groups = groups
        self.meetings = meetings
        self.rounds = rounds
        self.actions = actions
        self.clock = clock
        self.link_for = link_for
        self.members = members
        self.hints = hints
        self._verbs: dict[str, Handler] = {
            v.SETUP_LINK: self._link,
            v.MEETING_START: self._start_click,
            v.MEETING_REFRESH: self._refresh,
            v.MEETING_NEXT: self._next,
            v.MEETING_PREVIOUS: self._previous,
            v.MEETING_END: self._end,
            v.ATTENDANCE_SELF: self._here_click,
            v.ATTENDANCE_RECORD: self._attendance,
            v.ITEM_MINUTE: self._minute,
            v.ITEM_DECISION: self._decision,
            v.ITEM_ACTION_FORM: self._action_form,
            v.ITEM_ACTION: self._action,
            v.MINUTES_AGREE: self._agree,
            v.ROUND_OPEN: self._round_open,
            v.ROUND_ANSWER: self._round_answer,
            v.ROUND_CLOSE: self._round_close,
            v.CHALLENGE_RESPOND: self._challenge_respond,
            v.HELP_SHOW: self._help_click,
            v.ACTIONS_MINE: self._mine_click,
            v.ACTION_UPDATE: self._change_action,
            v.ACTION_DONE: self._change_action,
            v.ACTION_REQUEST_DATE: self._change_action,
            v.ACTION_HAND_OVER_CHOOSE: self._hand_over_choose,
            v.ACTION_HAND_OVER: self._change_action,
            v.DATE_REQUEST_SHOW: self._date_request_show,
            v.DATE_REQUEST_ACCEPT: self._date_request_decide,
            v.DATE_REQUEST_REFUSE: self._date_request_decide,
            v.OUTSTANDING_PAGE: self._outstanding_page,
            v.OUTSTANDING_EXPORT: self._outstanding_export,
            v.MINUTES_DOWNLOAD: self._minutes_download,
            v.MEMBERS_SHOW: self._members_show,
            v.MEMBERS_ADD: self._members_add,
            v.MEMBERS_REMOVE: self._members_remove,
        }
        self._commands: dict[Command, Callable[[TurnRef], Awaitable[Outcome]]] = {
            Command.HELP: self._help,
            Command.SETUP: self._setup,
            Command.START_MEETING: self._start,
            Command.AGENDA: self._agenda,
            Command.HERE: self._here,
            Command.NEXT_ITEM: lambda turn: self._move_text(turn, +1),
            Command.PREVIOUS_ITEM: lambda turn: self._move_text(turn, -1),
            Command.SHARE_ROUND: self._round_text,
            Command.CLOSE_ROUND: self._round_close_text,
            Command.CHALLENGES: self._challenges,
            Command.END_MEETING: self._end_text,
            Command.MY_ACTIONS: self._mine,
            Command.MEMBERS: self._members,
        }
        # Deny by default: a handler without a rule saying where it may run would be
        # refused everywhere; better that the bot does not start (dialogs.places).
        missing = missing_rules(self._verbs, Command)
        if missing:
            raise RuntimeError(f"no rule in dialogs.places for: {', '.join(missing)}")

    @property
    def verbs(self) -> frozenset[str]:
        return frozenset(self._verbs)

    # -- entry points -------------------------------------------------------------------

    async def on_text(self, turn: TurnRef, text: str | None) -> Outcome:
        if text is not None and not readable_text(text):
            text = None  # a NUL or a lone surrogate: nothing anyone typed
        command, words = split(text)
        if command is None:
            return self._not_understood(turn, text)
        elsewhere = refusal(command_place(command), turn.conversation.kind)
        if elsewhere is not None:
            return Outcome(posts=[Post(text=elsewhere)])
        if command is Command.OUTSTANDING:
            return await self._guard(self._outstanding_text(turn, words), click=None)
        return await self._guard(self._commands[command](turn), click=None)

    async def on_click(self, turn: TurnRef, click: Click) -> Outcome:
        handler = self._verbs.get(click.verb)
        if handler is None:
            return _tell(click, UNKNOWN_VERB)
        # Before the handler, for an invoke and the Action.Submit fallback alike: the
        # fallback's answer is posted for everyone in the conversation.
        elsewhere = refusal(verb_place(click.verb), turn.conversation.kind)
        if elsewhere is not None:
            return _tell(click, elsewhere)
        if not readable(click.data):
            # A list, an object, or text the store cannot keep: no card of ours sends
            # one. Refused whole, before anything is read or written.
            return _tell(click, UNREADABLE)
        return await self._guard(handler(turn, click), click=click)

    async def on_added(self, turn: TurnRef) -> Outcome:
        """The bot was added to a conversation: say what it is for, and how to link it."""
        if turn.conversation.kind is ConversationKind.PERSONAL:
            return Outcome(
                posts=[
                    Post(
                        text=(
                            "Hello. I help run MACE locality meetings. In a personal chat I "
                            "can explain what I do (type **help**). Meetings run in each "
                            "group's own channel or chat."
                        )
                    )
                ]
            )
        if turn.conversation.kind is ConversationKind.UNKNOWN:
            # Deny by default: no group names (the setup card lists them) where the kind of
            # conversation, and so who can read it, is not known.
            return Outcome(posts=[Post(text=UNKNOWN_CONVERSATION)])
        return await self._guard(self._welcome(turn), click=None)

    async def on_meeting_event(self, turn: TurnRef, event: MeetingEvent, key: str) -> Outcome:
        """Teams says a meeting started or ended here: a hint, never an action.

        In a linked conversation, once per event (``key``): the start card when no MACE
        meeting is running, the end form when one is. Anything else, including a failure,
        posts nothing: the chair can always start and end the meeting by hand.
        """
        if self.hints is None:
            return Outcome()
        try:
            hint = await self.hints.offer(turn.conversation, event, key)
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
        except Duplicate:
            # A resend of a turn that wrote: it posts nothing new. Only an invoke says
            # "Already recorded.", as its answer, since the client awaits one.
            if click is not None and click.is_invoke:
                return Outcome(response_text=Duplicate.user_message)
            return Outcome()
        except InvalidInput as exc:
            # Handlers that own a form catch this themselves; reaching here means a field
            # the form does not show, so say it plainly.
            return _tell(click, " ".join(exc.field_errors.values()) or exc.user_message)
        except DomainError as exc:
            return _tell(click, exc.user_message)
        except (SQLAlchemyError, OSError, TimeoutError) as exc:
            # The type only: a driver's message can quote the values being written.
            log.error("store unavailable: %s", type(exc).__name__)
            return _tell(click, STORE_UNAVAILABLE)

    # -- text commands ------------------------------------------------------------------

    def _not_understood(self, turn: TurnRef, text: str | None) -> Outcome:
        guess = suggest(text)
        hint = f" Did you mean **{guess}**?" if guess else ""
        return Outcome(
            posts=[
                Post(
                    text=(
                        f"Sorry, I did not understand that.{hint} "
                        "Type **help** to see what I can do."
                        + (
                            ""
                            if turn.conversation.kind is ConversationKind.PERSONAL
                            else " (Mention me first in a channel or group chat.)"
                        )
                    )
                )
            ]
        )

    async def _help(self, turn: TurnRef) -> Outcome:
        return Outcome(posts=[Post(text=help_text())])

    async def _setup(self, turn: TurnRef) -> Outcome:
        choices = await self.groups.setup_choices(turn)
        return Outcome(posts=[Post(card=setup_card(choices))])

    async def _welcome(self, turn: TurnRef) -> Outcome:
        view = await self.groups.welcome(turn)
        if view.locality is None and turn.conversation.kind is not ConversationKind.PERSONAL:
            return Outcome(posts=[Post(card=setup_card(view.choices))])
        return Outcome(posts=[Post(card=welcome_card(view))])

    async def _start(self, turn: TurnRef) -> Outcome:
        result = await self.meetings.start(turn)
        card = agenda_card(result.view)
        note = (
            "A meeting is already in progress for this group; here is its agenda."
            if result.already_running
            else None
        )
        posts = [Post(text=note)] if note else []
        posts.append(self._agenda_post(turn, result.view.id, card))
        return Outcome(posts=posts)

    def _agenda_post(self, turn: TurnRef, meeting_id: int, card: Card) -> Post:
        async def remember(activity_id: str) -> None:
            await self.meetings.remember_agenda_card(meeting_id, turn.conversation.id, activity_id)

        return Post(card=card, on_sent=remember)

    async def _agenda(self, turn: TurnRef) -> Outcome:
        view = await self.meetings.current(turn)
        card = agenda_card(view) if view.status == "in_progress" else summary_card(view)
        return Outcome(posts=[self._agenda_post(turn, view.id, card)])

    async def _here(self, turn: TurnRef) -> Outcome:
        view = await self.meetings.current(turn)
        view = await self.meetings.mark_present(turn, view.id)
        return self._agenda_changed(turn, view, None, note="Noted: you are recorded as present.")

    async def _move_text(self, turn: TurnRef, step: int) -> Outcome:
        view = await self.meetings.current(turn)
        view = await self.meetings.move(turn, view.id, None, step)
        item = view.current_item
        note = f"Now on item {item.position}: {item.title}." if item else None
        return self._agenda_changed(turn, view, None, note=note)

    async def _round_text(self, turn: TurnRef) -> Outcome:
        view = await self.meetings.current(turn)
        return await self._open_round(turn, view.id, None, None)

    async def _round_close_text(self, turn: TurnRef) -> Outcome:
        current = await self.rounds.current(turn)
        return await self._close_round(turn, current.id, None)

    async def _challenges(self, turn: TurnRef) -> Outcome:
        locality, challenges = await self.rounds.open_challenges(turn)
        return Outcome(posts=[Post(card=challenges_card(challenges, locality_name=locality))])

    async def _end_text(self, turn: TurnRef) -> Outcome:
        view = await self.meetings.current(turn, require=Permission.RUN_MEETING)
        return Outcome(posts=[Post(card=end_form_card(view))])

    # -- card verbs -----------------------------------------------------------------------

    async def _help_click(self, turn: TurnRef, click: Click) -> Outcome:
        return Outcome(posts=[Post(text=help_text())], response_text="Help is below.")

    async def _link(self, turn: TurnRef, click: Click) -> Outcome:
        try:
            view = await self.groups.link(turn, click.data.get("localityId"))
        except InvalidInput as exc:
            choices = await self.groups.setup_choices(turn)
            return _form(
                turn,
                click,
                exc.field_errors,
                setup_card(choices, values=click.data, errors=exc.field_errors),
            )
        card = welcome_card(view)
        # A plain text message renders markdown too: the group's name shows as written.
        name = plain(view.locality.name) if view.locality else ""
        return _replace(
            click, card, f"This conversation is now linked to the {name} locality group."
        )

    async def _start_click(self, turn: TurnRef, click: Click) -> Outcome:
        outcome = await self._start(turn)
        outcome.response_text = "Meeting started: the agenda is below."
        return outcome

    async def _refresh(self, turn: TurnRef, click: Click) -> Outcome:
        view = await self.meetings.current(turn, card_id(click.data.get("meetingId")))
        return self._agenda_changed(turn, view, click)

    async def _next(self, turn: TurnRef, click: Click) -> Outcome:
        return await self._move(turn, click, +1)

    async def _previous(self, turn: TurnRef, click: Click) -> Outcome:
        return await self._move(turn, click, -1)

    async def _move(self, turn: TurnRef, click: Click, step: int) -> Outcome:
        position = click.data.get("position")
        if position is not None and card_id(position) is None:
            # Every agenda card says where it was drawn; one that says nothing readable
            # is not one of ours, and moving on from it would skip the stale-card check.
            raise Conflict(NOT_A_CURRENT_CARD)
        view = await self.meetings.move(turn, card_id(click.data.get("meetingId")), position, step)
        return self._agenda_changed(turn, view, click)

    async def _here_click(self, turn: TurnRef, click: Click) -> Outcome:
        view = await self.meetings.mark_present(turn, card_id(click.data.get("meetingId")))
        return self._agenda_changed(turn, view, click)

    async def _attendance(self, turn: TurnRef, click: Click) -> Outcome:
        meeting_id = card_id(click.data.get("meetingId"))
        try:
            view = await self.meetings.record_attendance(turn, meeting_id, click.data)
        except InvalidInput as exc:
            current = await self.meetings.current(turn, meeting_id)
            return _form(
                turn,
                click,
                exc.field_errors,
                attendance_form_card(current, values=click.data, errors=exc.field_errors),
            )
        return self._agenda_changed(turn, view, click)

    async def _minute(self, turn: TurnRef, click: Click) -> Outcome:
        return await self._entry(turn, click, EntryKind.MINUTE)

    async def _decision(self, turn: TurnRef, click: Click) -> Outcome:
        return await self._entry(turn, click, EntryKind.DECISION)

    async def _entry(self, turn: TurnRef, click: Click, kind: EntryKind) -> Outcome:
        meeting_id = card_id(click.data.get("meetingId"))
        item_id = card_id(click.data.get("itemId"))
        try:
            change = await self.meetings.record_entry(turn, meeting_id, item_id, kind, click.data)
        except InvalidInput as exc:
            current = await self.meetings.current(turn, meeting_id)
            return _form(
                turn,
                click,
                exc.field_errors,
                entry_form_card(
                    current,
                    _item_or_current(current, item_id),
                    kind,
                    values=click.data,
                    errors=exc.field_errors,
                ),
            )
        note = ("Minute" if kind is EntryKind.MINUTE else "Decision") + " recorded."
        if change.agenda_activity_id and click.card_activity_id == change.agenda_activity_id:
            # Answered with the agenda as everyone then sees it, drawn once for all who
            # recorded at the same moment (bot.teams.live_cards).
            return Outcome(updates=[self._live_agenda(change)], response_text=note)
        return self._agenda_changed(turn, await self.meetings.drawn(change.meeting_id), click, note)

    async def _action(self, turn: TurnRef, click: Click) -> Outcome:
        meeting_id = card_id(click.data.get("meetingId"))
        item_id = card_id(click.data.get("itemId"))
        try:
            view = await self.meetings.record_action(turn, meeting_id, item_id, click.data)
        except InvalidInput as exc:
            form = await self.meetings.action_form(turn, meeting_id)
            values = dict(click.data)
            if "subjectRef" in exc.field_errors:
                # A refused case reference may be a child's name: never show it back.
                values.pop("subjectRef", None)
            card = action_form_card(
                form,
                _item_or_current(form.meeting, item_id),
                values=values,
                errors=exc.field_errors,
            )
            return _form(turn, click, exc.field_errors, card)
        return self._agenda_changed(turn, view, click, note="Action recorded.")

    async def _action_form(self, turn: TurnRef, click: Click) -> Outcome:
        """The agenda's Record > Action button: the action form, in place of the agenda
        for the person who pressed it (it has "Back to agenda"). A client without
        Universal Actions cannot be answered in place, so there the blank form is posted
        in the conversation (it names the group's members, as the agenda card once did,
        and nothing anyone typed)."""
        form = await self.meetings.action_form(turn, card_id(click.data.get("meetingId")))
        item_id = _item_or_current(form.meeting, card_id(click.data.get("itemId")))
        return _replace(click, action_form_card(form, item_id), "Fill in the action below.")

    async def _agree(self, turn: TurnRef, click: Click) -> Outcome:
        view = await self.meetings.agree_previous_minutes(
            turn, card_id(click.data.get("meetingId")), card_id(click.data.get("previousMeetingId"))
        )
        return self._agenda_changed(
            turn, view, click, note="The last meeting's minutes are agreed as accurate."
        )

    async def _end(self, turn: TurnRef, click: Click) -> Outcome:
        meeting_id = card_id(click.data.get("meetingId"))
        try:
            view = await self.meetings.end(turn, meeting_id, click.data)
        except InvalidInput as exc:
            current = await self.meetings.current(turn, meeting_id)
            return _form(
                turn,
                click,
                exc.field_errors,
                end_form_card(current, values=click.data, errors=exc.field_errors),
            )
        outcome = self._agenda_changed(turn, view, click)
        outcome.posts.append(Post(card=summary_card(view)))
        outcome.response_text = "Meeting ended: the summary is below."
        return outcome

    async def _round_open(self, turn: TurnRef, click: Click) -> Outcome:
        outcome = await self._open_round(
            turn, card_id(click.data.get("meetingId")), card_id(click.data.get("itemId")), click
        )
        return outcome

    async def _open_round(
        self, turn: TurnRef, meeting_id: int | None, item_id: int | None, click: Click | None
    ) -> Outcome:
        view = await self.rounds.open(turn, meeting_id, item_id)
        if view.activity_id:
            # Already open: bring its card back rather than starting a second round.
            return Outcome(
                posts=[Post(card=round_card(view))],
                response_text="A round is already open; its card is below.",
            )

        async def remember(activity_id: str) -> None:
            await self.rounds.remember_card(view.id, activity_id)

        outcome = Outcome(
            posts=[Post(card=round_card(view), on_sent=remember)],
            response_text="Share and challenge: the round card is below.",
        )
        async with shown_after_saving("share round"):
            meeting = await self.meetings.current(turn, view.meeting_id)
        outcome.updates.extend(self._agenda_update(meeting))
        return outcome

    async def _round_answer(self, turn: TurnRef, click: Click) -> Outcome:
        round_id = card_id(click.data.get("roundId"))
        try:
            view = await self.rounds.answer(turn, round_id, click.data)
        except InvalidInput as exc:
            current = await self.rounds.view(turn, round_id)
            return _form(
                turn,
                click,
                exc.field_errors,
                round_card(current, values=click.data, errors=exc.field_errors),
            )
        return self._round_changed(view, click, note="Thank you: your agency's answer is recorded.")

    async def _round_close(self, turn: TurnRef, click: Click) -> Outcome:
        return await self._close_round(turn, card_id(click.data.get("roundId")), click)

    async def _close_round(
        self, turn: TurnRef, round_id: int | None, click: Click | None
    ) -> Outcome:
        view = await self.rounds.close(turn, round_id)
        outcome = self._round_changed(view, click, note="Round closed; summary below.")
        outcome.posts.append(Post(card=round_card(view)))
        async with shown_after_saving("agenda"):
            meeting = await self.meetings.current(turn, view.meeting_id)
        outcome.updates.extend(self._agenda_update(meeting))
        return outcome

    async def _challenge_respond(self, turn: TurnRef, click: Click) -> Outcome:
        challenge_id = card_id(click.data.get("challengeId"))
        try:
            locality, challenges = await self.rounds.respond_to_challenge(
                turn, challenge_id, click.data
            )
        except InvalidInput as exc:
            locality, challenges = await self.rounds.open_challenges(turn)
            return _form(
                turn,
                click,
                exc.field_errors,
                challenges_card(
                    challenges, locality_name=locality, values=click.data, errors=exc.field_errors
                ),
            )
        card = challenges_card(challenges, locality_name=locality)
        return _replace(click, card, "Response recorded; the challenge is closed.")

    # -- actions between meetings --------------------------------------------------------

    async def _mine(self, turn: TurnRef) -> Outcome:
        items = await self.actions.my_actions(turn.actor)
        return Outcome(posts=[Post(card=my_actions_card(items))])

    async def _mine_click(self, turn: TurnRef, click: Click) -> Outcome:
        items = await self.actions.my_actions(turn.actor)
        return _replace(click, my_actions_card(items), "Your actions are below.")

    async def _change_action(self, turn: TurnRef, click: Click) -> Outcome:
        change = {
            v.ACTION_UPDATE: (self.actions.add_update, "Update saved."),
            v.ACTION_DONE: (self.actions.mark_done, "Marked done. Thank you."),
            v.ACTION_REQUEST_DATE: (
                self.actions.request_new_date,
                "Sent to the chair, who will accept or refuse the new date.",
            ),
            v.ACTION_HAND_OVER: (
                self.actions.hand_over,
                "Handed over; your colleague owns it now.",
            ),
        }[click.verb]
        run, note = change
        action_id = card_id(click.data.get("actionId"))
        try:
            await run(turn.actor, turn.claim_key, action_id, click.data)
        except InvalidInput as exc:
            if click.verb == v.ACTION_HAND_OVER:
                item = await self.actions.hand_over_choices(turn.actor, action_id)
                card = hand_over_card(item, values=click.data, errors=exc.field_errors)
            else:
                items = await self.actions.my_actions(turn.actor)
                card = my_actions_card(items, values=click.data, errors=exc.field_errors)
            return _form(turn, click, exc.field_errors, card)
        # Saved by now: a store that fails from here must not be told as "nothing saved".
        async with shown_after_saving("my actions"):
            items = await self.actions.my_actions(turn.actor)
        return _replace(click, my_actions_card(items, note=note), note)

    async def _hand_over_choose(self, turn: TurnRef, click: Click) -> Outcome:
        item = await self.actions.hand_over_choices(turn.actor, card_id(click.data.get("actionId")))
        return _replace(click, hand_over_card(item), "Choose a colleague below.")

    async def _date_request_show(self, turn: TurnRef, click: Click) -> Outcome:
        view = await self.actions.date_request(turn.actor, card_id(click.data.get("actionId")))
        return _replace(click, date_request_card(view, detailed=True), "Details below.")

    async def _date_request_decide(self, turn: TurnRef, click: Click) -> Outcome:
        accept = click.verb == v.DATE_REQUEST_ACCEPT
        view = await self.actions.decide_date(
            turn.actor, turn.claim_key, card_id(click.data.get("actionId")), accept
        )
        return _replace(click, date_request_card(view), f"Request {view.decided}.")

    async def _outstanding_text(self, turn: TurnRef, words: str) -> Outcome:
        try:
            wanted, page = parse_filters(words, london_today(self.clock))
            result = await self.actions.outstanding(turn.actor, wanted, page)
        except FilterError as exc:
            return Outcome(posts=[Post(text=str(exc))])
        return Outcome(posts=[Post(card=outstanding_card(result))])

    async def _outstanding_page(self, turn: TurnRef, click: Click) -> Outcome:
        wanted = ActionFilter.from_data(dict(click.data))
        try:
            result = await self.actions.outstanding(
                turn.actor, wanted, card_id(click.data.get("page")) or 1
            )
        except FilterError as exc:
            return _tell(click, str(exc))
        return _replace(click, outstanding_card(result), "The list is below.")

    async def _outstanding_export(self, turn: TurnRef, click: Click) -> Outcome:
        """A link to the same filtered list as a file, made for the person who clicked."""
        fmt = "xlsx" if click.data.get("format") == "xlsx" else "csv"
        wanted = ActionFilter.from_data(dict(click.data))
        try:
            # Refuses what they cannot see, in words that list only their own groups.
            await self.actions.outstanding(turn.actor, wanted, 1)
        except FilterError as exc:
            return _tell(click, str(exc))
        return await self._download(
            turn,
            click,
            f"actions.{fmt}",
            wanted.as_data(),
            "Outstanding actions (" + ("Excel" if fmt == "xlsx" else "CSV") + ")",
        )

    async def _minutes_download(self, turn: TurnRef, click: Click) -> Outcome:
        meeting_id = card_id(click.data.get("meetingId"))
        await self.meetings.current(turn, meeting_id, require=Permission.DOWNLOAD_MINUTES)
        return await self._download(
            turn, click, "minutes.docx", {"meetingId": meeting_id}, "Minutes (Word)"
        )

    async def _download(
        self, turn: TurnRef, click: Click, kind: str, params: Mapping[str, object], title: str
    ) -> Outcome:
        if self.link_for is None:
            return _tell(click, "Downloads are not set up on this bot.")
        if not click.is_invoke:
            # A link must reach only the person who asked: never post it in a channel.
            return _tell(
                click,
                "Downloads need a current Teams client: press the button "
                "in Teams (not in an older client).",
            )
        url = await self.link_for(turn.actor, kind, dict(params))
        return Outcome(response_card=download_card(title, url))

    # -- members and roles (administrators, personal chat) -------------------------------

    async def _member_admin(self, turn: TurnRef) -> MemberAdmin:
        """The service (reached in a personal chat only: ``dialogs.places``). Anyone but an
        administrator gets the standard refusal; the service checks on every call."""
        if self.members is None:
            raise Conflict(MEMBERS_NOT_SET_UP)
        return self.members

    async def _members(self, turn: TurnRef) -> Outcome:
        view = await (await self._member_admin(turn)).panel(turn.actor)
        return Outcome(posts=[Post(card=members_card(view))])

    async def _members_show(self, turn: TurnRef, click: Click) -> Outcome:
        admin = await self._member_admin(turn)
        view = await admin.panel(turn.actor, click.data.get("showLocality"))
        # Keep what was typed into the form (the Show button sends it along), but not the
        # groups, so both choosers follow the group now shown.
        kept = {k: value for k, value in click.data.items() if k not in KEEP_OUT_ON_SHOW}
        return _replace(click, members_card(view, values=kept), "Members are below.")

    async def _members_add(self, turn: TurnRef, click: Click) -> Outcome:
        admin = await self._member_admin(turn)
        try:
            view, note = await admin.grant(turn.actor, turn.claim_key, click.data)
        except InvalidInput as exc:
            current = await admin.panel(turn.actor, click.data.get("showLocality"))
            card = members_card(current, values=click.data, errors=exc.field_errors)
            return _form(turn, click, exc.field_errors, card)
        # The note names a member: plain in the text message (markdown there), as typed in
        # the card (a TextRun, which renders none).
        return _replace(click, members_card(view, note=note), plain(note))

    async def _members_remove(self, turn: TurnRef, click: Click) -> Outcome:
        admin = await self._member_admin(turn)
        view, note = await admin.revoke(
            turn.actor, turn.claim_key, card_id(click.data.get("membershipId"))
        )
        # The note names a member: plain in the text message (markdown there), as typed in
        # the card (a TextRun, which renders none).
        return _replace(click, members_card(view, note=note), plain(note))

    # -- card upkeep ----------------------------------------------------------------------

    def _agenda_update(self, view: MeetingView, card: Card | None = None) -> list[CardUpdate]:
        """The edit of the live agenda card, with a recheck: two people's changes can be
        drawn in one order and reach Teams in the other, so after its edit each turn asks
        whether the meeting moved on and, if so, sends the newer card."""
        if not view.agenda_activity_id:
            return []
        return [
            CardUpdate(
                view.conversation_id,
                view.agenda_activity_id,
                card if card is not None else agenda_card(view),
                self._agenda_recheck(view.id, view.version),
            )
        ]

    def _live_agenda(self, change: MeetingChange) -> CardUpdate:
        """The live agenda card, to be drawn by whoever edits it next: its recheck from
        version 0 draws the meeting as it is."""
        assert change.agenda_activity_id is not None
        recheck = self._agenda_recheck(change.meeting_id, 0)
        return CardUpdate(
            change.conversation_id, change.agenda_activity_id, None, recheck, answer=True
        )

    def _agenda_recheck(self, meeting_id: int, drawn: int) -> Callable[[], Awaitable[Card | None]]:
        """The agenda card again if the meeting moved on since version ``drawn``."""

        async def recheck() -> Card | None:
            nonlocal drawn
            newer = await self.meetings.newer_view(meeting_id, drawn)
            if newer is None:
                return None
            drawn = newer.version
            return agenda_card(newer)

        return recheck

    def _agenda_changed(
        self, turn: TurnRef, view: MeetingView, click: Click | None, note: str | None = None
    ) -> Outcome:
        """Edit the live agenda card in place, for everyone; answer the click with it too."""
        card = agenda_card(view)
        outcome = Outcome(updates=self._agenda_update(view, card))
        if not view.agenda_activity_id:
            outcome.posts.append(self._agenda_post(turn, view.id, card))
        if click is not None and click.card_activity_id == view.agenda_activity_id:
            outcome.response_card = card
        elif click is not None:
            outcome.response_text = note or "Done: the agenda card is up to date."
        elif note:
            outcome.posts.insert(0, Post(text=note))
        return outcome

    def _round_changed(self, view: RoundView, click: Click | None, note: str) -> Outcome:
        card = round_card(view)
        outcome = Outcome()
        if view.activity_id:
            sent = card

            async def recheck() -> Card | None:
                """Answers arrive together: if another was drawn after this card, send the
                round as it is now (a card drawn from the same state is not sent again)."""
                nonlocal sent
                latest = await self.rounds.latest_view(view.id)
                fresh = round_card(latest) if latest is not None else None
                if fresh is None or fresh == sent:
                    return None
                sent = fresh
                return fresh

            outcome.updates.append(
                CardUpdate(view.conversation_id, view.activity_id, card, recheck)
            )
        if click is not None and click.card_activity_id == view.activity_id:
            outcome.response_card = card
        elif click is not None:
            outcome.response_text = note
        else:
            outcome.posts.append(Post(text=note))
        return outcome


def _item_or_current(view: MeetingView, item_id: int | None) -> int:
    if item_id is not None and any(item.id == item_id for item in view.items):
        return item_id
    current = view.current_item or view.items[-1]
    return current.id


def _tell(click: Click | None, text: str) -> Outcome:
    """A message for the person: the click's answer, or a post for a typed command."""
    if click is not None and click.is_invoke:
        return Outcome(response_text=text)
    return Outcome(posts=[Post(text=text)])


def _form(turn: TurnRef, click: Click, errors: Mapping[str, str], card: Card) -> Outcome:
    """Show a form again with its errors and the person's entries kept.

    A click's answer card is seen only by the person who clicked, so it may carry what
    they typed. The Action.Submit fallback can only post a new message, which everyone in
    a channel or group chat would see: there it says what to correct, in words that quote
    nothing typed, and the person's entries stay in the card they pressed.
    """
    if click.is_invoke or turn.conversation.kind is ConversationKind.PERSONAL:
        return Outcome(response_card=card) if click.is_invoke else Outcome(posts=[Post(card=card)])
    # The card pressed has no confirmation toggle (it appears only on a form handed back
    # to the person), so say how to confirm identifying details instead of "tick".
    confirm = [key for key in errors if is_confirmation_field(key)]
    problems = " ".join(m for key, m in errors.items() if key not in confirm)
    if confirm:
        problems += " " + CONFIRM_IN_A_CURRENT_CLIENT
    problems = problems.strip() or InvalidInput.user_message
    return Outcome(
        posts=[
            Post(
                text=(
                    f"Not saved yet. {problems} Your entries are still in the card: correct them "
                    "and press the button again."
                )
            )
        ]
    )


def _replace(click: Click, card: Card, note: str) -> Outcome:
    if click.is_invoke:
        return Outcome(response_card=card)
    return Outcome(posts=[Post(text=note), Post(card=card)])
