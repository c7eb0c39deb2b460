"""The Teams edge: turns activities into dialog calls and delivers what they produce.

With ``endpoint``, ``proactive`` and the workarounds in ``sdk``, the only code that knows
botbuilder (bot/app.py builds the adapter and wraps its turn-error handler). It reads who
and where from the activity, strips the @mention, routes text and card clicks to the
``Router``, and carries out the ``Outcome``: posts, in-place card edits
(``update_activity``) and the answer to an ``adaptiveCard/action`` invoke.
"""

from __future__ import annotations

import hashlib
import logging
import traceback
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from botbuilder.core import ActivityHandler, CardFactory, MessageFactory, TurnContext
from botbuilder.core.bot_framework_adapter import InvokeResponse
from botbuilder.core.teams import TeamsInfo
from botbuilder.schema import Activity, ActivityTypes, ChannelAccount, ConversationAccount
from msrest.exceptions import HttpOperationError
from sqlalchemy.exc import SQLAlchemyError

from bot.domain.model import ConversationKind
from bot.services.contacts import ContactService, RosterEntry
from bot.services.context import ActorRef, ConversationRef, TurnRef
from bot.services.meeting_hints import MeetingEvent
from bot.store.db import committed_claims
from bot.teams.live_cards import EDIT_GAP, LiveCards, Send
from bot.teams.pacing import ConversationPacer, Throttled
from bot.teams.sdk.clients import CardJSON, card_content
from bot.teams.sdk.connector_http import retry_after_seconds
from bot.teams.sdk.replies import send_reply
from dialogs.outcome import Card, Outcome
from dialogs.router import Click, Router

log = logging.getLogger(__name__)

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
TURN_FAILED = (
    "Sorry, something went wrong on my side and that was not done. Nothing you "
    "entered has been lost; please try again."
)


DELIVERY_FAILED = (
    "Saved. I could not refresh the card for everyone just now; type **agenda** to see "
    "the latest. There is no need to enter it again."
)


def _team_group_id(channel_data: dict[str, Any]) -> str | None:
    team = channel_data.get("team")
    value = team.get("aadGroupId") if isinstance(team, dict) else None
    return value[:64] if isinstance(value, str) and value else None


def turn_ref(activity: Activity) -> TurnRef:
    sender = activity.from_property or ChannelAccount(id="")
    conversation = activity.conversation or ConversationAccount(id="")
    channel_data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    kind_text = conversation.conversation_type or ""
    if kind_text == "groupChat" and isinstance(channel_data.get("meeting"), dict):
        kind = ConversationKind.MEETING
    elif kind_text in ("personal", "groupChat", "channel"):  # what Teams sends
        kind = ConversationKind(kind_text)
    else:
        # Missing or not Teams': deny by default (dialogs.places allows nothing there).
        # Not guessed from ``isGroup`` or the id, where a wrong guess of "personal" would
        # show a person's actions to everyone in the conversation.
        kind = ConversationKind.UNKNOWN
    tenant = conversation.tenant_id
    if not tenant and isinstance(channel_data.get("tenant"), dict):
        tenant = channel_data["tenant"].get("id")
    return TurnRef(
        actor=ActorRef(
            teams_user_id=sender.id or "",
            aad_object_id=sender.aad_object_id,
            name=sender.name or "",
        ),
        conversation=ConversationRef(
            id=conversation.id or "",
            kind=kind,
            tenant_id=tenant,
            service_url=activity.service_url,
            team_group_id=_team_group_id(channel_data),
        ),
        activity_id=activity.id,
    )


#: Teams' meeting events (sent only with resource-specific consent in the manifest).
MEETING_EVENTS = {
    "application/vnd.microsoft.meetingStart": MeetingEvent.STARTED,
    "application/vnd.microsoft.meetingEnd": MeetingEvent.ENDED,
}


def meeting_event_key(activity: Activity, event: MeetingEvent) -> str:
    """One key per real-world event, for "once per event": the meeting and the time Teams
    gives for the start or end (its payloads have spelt both ways), else the activity id.
    A resend and a second delivery of the same event under a new id share the key."""
    value = _as_dict(activity.value)
    channel_data = _as_dict(activity.channel_data)
    meeting = (
        value.get("id")
        or value.get("Id")
        or _as_dict(channel_data.get("meeting")).get("id")
        or (activity.conversation.id if activity.conversation else "")
    )
    field = "StartTime" if event is MeetingEvent.STARTED else "EndTime"
    when = value.get(field) or value.get(field[0].lower() + field[1:]) or activity.id or ""
    digest = hashlib.sha256(f"{meeting}\n{when}".encode()).hexdigest()
    return f"teams-meeting-{event.value}:{digest}"


def card_activity(turn_context: TurnContext, card: Card) -> Activity:
    return MessageFactory.attachment(CardFactory.adaptive_card(card_content(turn_context, card)))


def throttled(exc: Exception) -> Throttled | None:
    """A 429 from the connector as ``Throttled`` (with its Retry-After), else None."""
    if not isinstance(exc, HttpOperationError):
        return None
    response = getattr(exc, "response", None)
    # aiohttp's response (``status``) from the pooled clients; requests' (``status_code``).
    status = getattr(response, "status_code", None) or getattr(response, "status", None)
    if status != 429:
        return None
    headers = getattr(response, "headers", None) or {}
    return Throttled(retry_after_seconds(headers.get("Retry-After")))


def _editor(turn_context: TurnContext, conversation_id: str, activity_id: str) -> Send:
    """Sends a card as the new content of a posted one. Usable after the turn has ended
    (a background edit): the turn's connector client is one of the pooled ones. A 429
    is raised as ``Throttled``, for LiveCards to send the card again after Retry-After."""

    async def send(card: Card) -> None:
        edited = card_activity(turn_context, card)
        edited.id = activity_id
        edited.type = ActivityTypes.message
        edited.conversation = ConversationAccount(id=conversation_id)
        try:
            await turn_context.adapter.update_activity(turn_context, edited)
        except Exception as exc:
            if (limited := throttled(exc)) is not None:
                raise limited from exc
            raise

    return send


@dataclass(frozen=True, slots=True)
class _Answer:
    """Whether a turn answers (not a resend), and the answer claim it took for that, to
    give back if the answer cannot be delivered."""

    first: bool
    claimed: str | None = None


class MaceBot(ActivityHandler):  # type: ignore[misc]
    def __init__(
        self, router: Router, contacts: ContactService, live_cards: LiveCards | None = None
    ) -> None:
        self.router = router
        self.contacts = contacts
        self.live_cards = live_cards or LiveCards(min_gap=EDIT_GAP, pacer=ConversationPacer())

    @asynccontextmanager
    async def _posting(self, turn_context: TurnContext) -> AsyncIterator[None]:
        """A message into the turn's conversation, in its turn among everything sent there
        (bot.teams.pacing, shared with the live cards' edits). A 429 holds the
        conversation for its Retry-After; the message itself is not sent again (a POST
        that Teams may have taken would then show twice)."""
        pacer = self.live_cards.pacer
        conversation = turn_context.activity.conversation
        if pacer is None or conversation is None or not conversation.id:
            yield
            return
        async with pacer.sending(conversation.id):
            try:
                yield
            except Exception as exc:
                if (limited := throttled(exc)) is not None:
                    pacer.hold(conversation.id, limited.retry_after)
                raise

    async def on_turn(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        if activity.type in (
            ActivityTypes.message,
            ActivityTypes.invoke,
            ActivityTypes.installation_update,
        ):
            await self._remember_contact(turn_context)
        await super().on_turn(turn_context)

    async def _remember_contact(self, turn_context: TurnContext) -> None:
        """Keep how to reach this person for reminders; never let it spoil the turn."""
        activity = turn_context.activity
        try:
            await self.contacts.seen(
                turn_ref(activity), activity.recipient.id if activity.recipient else None
            )
        except Exception as exc:
            log.warning("could not keep a contact: %s", type(exc).__name__)

    async def _remember_roster(self, turn_context: TurnContext) -> None:
        """When added to a team or chat, keep a contact for every known member in it."""
        activity = turn_context.activity
        entries: list[RosterEntry] = []
        try:
            token: str | None = None
            while True:
                page = await TeamsInfo.get_paged_members(turn_context, token, 500)
                entries += [
                    RosterEntry(m.id, getattr(m, "aad_object_id", None), m.name or "")
                    for m in page.members or []
                ]
                token = page.continuation_token
                if not token:
                    break
            ref = turn_ref(activity)
            await self.contacts.roster(
                entries,
                tenant_id=ref.conversation.tenant_id,
                service_url=activity.service_url,
                bot_id=activity.recipient.id if activity.recipient else None,
            )
        except Exception as exc:
            log.warning("could not read the roster: %s", type(exc).__name__)

    async def _first_answer(self, turn: TurnRef, wrote: set[str]) -> _Answer:
        """Whether this turn answers: Teams resends a turn it waited over 15 seconds for,
        with the same activity id, and the person must not see the answer twice, from this
        instance or another. A turn that wrote claimed its key with the write (a resend of
        it writes nothing and says nothing, see ``Router``); any other turn claims it
        here, as the answer goes out. If the store cannot say, the turn answers: a person
        told twice is better than one told nothing."""
        key = turn.claim_key
        if not key or key in wrote:
            return _Answer(first=True)
        try:
            if await self.contacts.store.claim_answer(key, self.contacts.clock.now()):
                return _Answer(first=True, claimed=key)
            return _Answer(first=False)
        except (SQLAlchemyError, OSError) as exc:
            log.warning("could not check for a resent activity: %s", type(exc).__name__)
            return _Answer(first=True)

    async def _answer(
        self, turn_context: TurnContext, outcome: Outcome, answer: _Answer, *, invoke: bool
    ) -> None:
        """Deliver the answer; if that fails, give its claim back before the failure goes
        on, so that Teams' resend of the turn is answered rather than taken for a repeat
        (told twice is better than told nothing)."""
        try:
            await self._deliver(turn_context, outcome, invoke=invoke)
        except Exception:
            if answer.claimed is not None:
                await self._release(answer.claimed)
            raise

    async def _release(self, key: str) -> None:
        try:
            await self.contacts.store.release_answer(key)
        except Exception as exc:  # best effort: the resend then goes unanswered
            log.warning("could not release an undelivered answer: %s", type(exc).__name__)

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        turn = turn_ref(activity)
        value = activity.value
        with committed_claims() as wrote:
            if isinstance(value, dict) and not (activity.text or "").strip():
                # Action.Submit (the fallback for clients without Universal Actions).
                verb = value.get("verb")
                click = Click(
                    verb=verb if isinstance(verb, str) else "",
                    data=value,
                    card_activity_id=activity.reply_to_id,
                    is_invoke=False,
                )
                outcome = await self.router.on_click(turn, click)
            else:
                outcome = await self.router.on_text(turn, activity.text)
        if _says_nothing(outcome):
            return
        answer = await self._first_answer(turn, wrote)
        if not answer.first:
            log.info("resent message not answered again")
            return
        await self._answer(turn_context, outcome, answer, invoke=False)

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse:
        """Answer an invoke. The answer is handed to the adapter here (``send_reply``),
        so ``ActivityHandler.on_turn`` finds it given and does not send it again through
        stock ``send_activity`` (bot/teams/sdk/replies.py says why)."""
        response = await self._invoked(turn_context)
        await send_reply(turn_context, Activity(type=ActivityTypes.invoke_response, value=response))
        return response

    async def _invoked(self, turn_context: TurnContext) -> InvokeResponse:
        activity = turn_context.activity
        if activity.name != "adaptiveCard/action":
            return InvokeResponse(status=200, body={})
        value = _as_dict(activity.value)
        action = _as_dict(value.get("action"))
        verb = action.get("verb")
        data = _as_dict(action.get("data"))
        click = Click(
            verb=verb if isinstance(verb, str) else "",
            data=data,
            card_activity_id=activity.reply_to_id,
            is_invoke=True,
        )
        turn = turn_ref(activity)
        with committed_claims() as wrote:
            outcome = await self.router.on_click(turn, click)
        answer = await self._first_answer(turn, wrote)
        if not answer.first:
            # The client awaits an answer to the resend (the first one's went nowhere):
            # the card or message the turn drew, and nothing posted or edited again.
            log.info("resent card action answered without posting or editing again")
            return InvokeResponse(status=200, body=invoke_body(outcome))
        try:
            await self._answer(turn_context, outcome, answer, invoke=True)
        except Exception as exc:  # the connector failed; what was entered is already saved
            log.warning("card delivery failed after saving: %s", type(exc).__name__)
            if outcome.response_card is None:
                outcome.response_text = DELIVERY_FAILED
        return InvokeResponse(status=200, body=invoke_body(outcome))

    async def on_conversation_update_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        bot_id = activity.recipient.id if activity.recipient else None
        if any(m.id == bot_id for m in activity.members_added or []):
            turn = turn_ref(activity)
            with committed_claims() as wrote:
                outcome = await self.router.on_added(turn)
            if _says_nothing(outcome):
                return
            answer = await self._first_answer(turn, wrote)
            if not answer.first:
                return  # a resend: welcomed, and the roster read, the first time
            await self._answer(turn_context, outcome, answer, invoke=False)
            await self._remember_roster(turn_context)

    async def on_event_activity(self, turn_context: TurnContext) -> None:
        """Meeting start and end events: at most an offer to the chair (see
        ``Router.on_meeting_event``). A failure to post it is logged, never shown."""
        activity = turn_context.activity
        event = MEETING_EVENTS.get(activity.name or "")
        if event is None:
            await super().on_event_activity(turn_context)
            return
        outcome = await self.router.on_meeting_event(
            turn_ref(activity), event, meeting_event_key(activity, event)
        )
        try:
            await self._deliver(turn_context, outcome, invoke=False)
        except Exception as exc:
            log.warning("meeting %s hint not delivered: %s", event.value, type(exc).__name__)

    async def _deliver(self, turn_context: TurnContext, outcome: Outcome, *, invoke: bool) -> None:
        for update in outcome.updates:
            shown = await self.live_cards.edit(
                f"{update.conversation_id}\n{update.activity_id}",
                update.card,
                _editor(turn_context, update.conversation_id, update.activity_id),
                update.recheck,
                answer=update.answer,
                conversation=update.conversation_id,
            )
            if update.answer and shown is not None and outcome.response_card is None:
                outcome.response_card = shown
        for post in outcome.posts:
            if post.card is not None:
                message = card_activity(turn_context, post.card)
            else:
                message = MessageFactory.text(post.text or "")
                message.text_format = "markdown"
            async with self._posting(turn_context):
                sent = await send_reply(turn_context, message)
            if post.on_sent is not None and sent is not None and sent.id:
                await post.on_sent(sent.id)
        if not invoke:
            if outcome.response_card is not None:
                async with self._posting(turn_context):
                    await send_reply(
                        turn_context, card_activity(turn_context, outcome.response_card)
                    )
            elif outcome.response_text and not outcome.posts:
                async with self._posting(turn_context):
                    await send_reply(turn_context, outcome.response_text)


def _says_nothing(outcome: Outcome) -> bool:
    return not (outcome.posts or outcome.updates or outcome.response_card or outcome.response_text)


def _as_dict(value: object) -> dict[str, Any]:
    """Teams payloads are JSON from a client: anything not an object counts as empty."""
    return value if isinstance(value, dict) else {}


def invoke_body(outcome: Outcome) -> dict[str, Any]:
    """The Universal Actions answer: a replacement card, or a message for the clicker."""
    if outcome.response_card is not None:
        # Shared, not deep-copied, on its way out (the body goes out as JSON, never msrest).
        card = CardJSON(outcome.response_card)
        return {"statusCode": 200, "type": CARD_CONTENT_TYPE, "value": card}
    return {
        "statusCode": 200,
        "type": "application/vnd.microsoft.activity.message",
        "value": outcome.response_text or "Done.",
    }


async def on_turn_error(turn_context: TurnContext, error: Exception) -> None:
    """Log the kind of failure, never its text (it can quote what was typed), and tell the
    person plainly. An invoke gets a 200 with the message so Teams shows it."""
    log.error(
        "turn failed: %s\n%s",
        type(error).__name__,
        "".join(traceback.format_tb(error.__traceback__)),
    )
    try:
        if turn_context.activity.type == ActivityTypes.invoke:
            await send_reply(
                turn_context,
                Activity(
                    type=ActivityTypes.invoke_response,
                    value=InvokeResponse(
                        status=200,
                        body={
                            "statusCode": 200,
                            "type": "application/vnd.microsoft.activity.message",
                            "value": TURN_FAILED,
                        },
                    ),
                ),
            )
        else:
            await send_reply(turn_context, TURN_FAILED)
    except Exception as send_error:  # the connector itself may be what failed
        log.error("could not tell the user: %s", type(send_error).__name__)
