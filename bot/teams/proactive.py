"""Proactive delivery through botbuilder: the ``Messenger`` the outbox sender uses.

A person with a known personal conversation gets the card through
``CloudAdapter.continue_conversation``; a person the bot has only seen in a roster gets
a 1:1 conversation created first (``create_conversation``), and its id is handed back so
the contact keeps it and the next message goes straight there.

Two botbuilder details shape this module:

* An exception raised inside the turn callback is caught by the adapter's pipeline and
  passed to ``on_turn_error``, which would try to tell the *recipient* "something went
  wrong" and then swallow the error. So the callback catches everything itself, and the
  error is raised again, mapped, after the adapter returns.
* Failures arrive as msrest's ``ErrorResponseException`` (a ``HttpOperationError``)
  for an HTTP error, holding the sender's own response (aiohttp's, with ``.status``, from
  the pooled clients of bot.teams.sdk.connector_http; requests', with ``.status_code``, from
  a stock client), and as aiohttp, socket or timeout errors when no answer came. All are
  mapped to ``DeliveryError`` with the status (0 for no answer), the ``Retry-After``
  header in seconds and the Bot Framework error code. A POST is never retried by the
  client, so each send is one request and the outbox sender owns every retry.

Nothing here logs a card or its text.
"""

from __future__ import annotations

from typing import Any

import aiohttp
from botbuilder.core import BotAdapter, CardFactory, MessageFactory, TurnContext
from botbuilder.schema import (
    ChannelAccount,
    ConversationAccount,
    ConversationParameters,
    ConversationReference,
)
from msrest.exceptions import HttpOperationError

from bot.services.outbox import DeliveryError, Recipient, SendResult
from bot.teams.sdk.clients import card_content
from bot.teams.sdk.connector_http import retry_after_seconds
from bot.teams.sdk.replies import send_reply

TEAMS_CHANNEL = "msteams"


class BotMessenger:
    """Sends one Adaptive Card to one person, proactively (implements ``Messenger``).

    ``adapter`` is the app's ``CloudAdapter``; ``app_id`` the bot's Microsoft app id
    (empty with authentication off, for local tests).
    """

    def __init__(self, adapter: BotAdapter, app_id: str) -> None:
        self.adapter = adapter
        self.app_id = app_id or ""

    async def send(self, to: Recipient, card: dict[str, Any]) -> SendResult:
        outcome: dict[str, Any] = {}

        async def callback(turn_context: TurnContext) -> None:
            try:
                conversation = turn_context.activity.conversation
                outcome["conversation_id"] = conversation.id if conversation else None
                # The synthetic continue/create activity has an id of its own; left there,
                # botbuilder would send a *reply* to it (POST .../activities/<that id>).
                # A notice is a new message: POST .../activities.
                turn_context.activity.id = None
                activity = MessageFactory.attachment(
                    CardFactory.adaptive_card(card_content(turn_context, card))
                )
                response = await send_reply(turn_context, activity)
                outcome["activity_id"] = (response.id if response else "") or ""
            except Exception as exc:  # raised again below, outside the adapter's pipeline
                outcome["error"] = exc

        created = to.conversation_id is None
        try:
            if to.conversation_id:
                await self.adapter.continue_conversation(
                    self._reference(to, to.conversation_id), callback, self.app_id
                )
            else:
                await self.adapter.create_conversation(
                    self.app_id,
                    callback,
                    self._parameters(to),
                    TEAMS_CHANNEL,
                    to.service_url,
                    None,
                )
        except Exception as exc:
            raise as_delivery_error(exc) from exc
        conversation_id = outcome.get("conversation_id") or to.conversation_id
        error = outcome.get("error")
        if error is not None:
            raise as_delivery_error(
                error, conversation_id=conversation_id if created else None
            ) from error
        if "activity_id" not in outcome:
            raise DeliveryError(0, None, "NoTurn", conversation_id=None)
        return SendResult(activity_id=outcome["activity_id"], conversation_id=conversation_id)

    def _reference(self, to: Recipient, conversation_id: str) -> ConversationReference:
        return ConversationReference(
            channel_id=TEAMS_CHANNEL,
            service_url=to.service_url,
            conversation=ConversationAccount(
                id=conversation_id,
                is_group=False,
                conversation_type="personal",
                tenant_id=to.tenant_id,
            ),
            bot=ChannelAccount(id=to.bot_id) if to.bot_id else None,
            user=ChannelAccount(id=to.teams_user_id),
        )

    def _parameters(self, to: Recipient) -> ConversationParameters:
        return ConversationParameters(
            is_group=False,
            bot=ChannelAccount(id=to.bot_id) if to.bot_id else None,
            members=[ChannelAccount(id=to.teams_user_id)],
            tenant_id=to.tenant_id,
            channel_data={"tenant": {"id": to.tenant_id}} if to.tenant_id else None,
        )


def as_delivery_error(exc: BaseException, *, conversation_id: str | None = None) -> DeliveryError:
    """What a botbuilder / msrest / network failure means to the outbox sender."""
    if isinstance(exc, DeliveryError):
        return exc
    if isinstance(exc, HttpOperationError):
        response = getattr(exc, "response", None)
        # msrest keeps the sender's own response: requests' (``status_code``) from the
        # stock client, aiohttp's (``status``) from ours (bot.teams.sdk.connector_http).
        status = _int(getattr(response, "status_code", None) or getattr(response, "status", None))
        headers = getattr(response, "headers", None) or {}
        inner = getattr(getattr(exc, "error", None), "error", None)
        code = getattr(inner, "code", None)
        return DeliveryError(
            status,
            retry_after_seconds(headers.get("Retry-After")),
            code if isinstance(code, str) else "",
            conversation_id=conversation_id,
        )
    if isinstance(exc, aiohttp.ClientResponseError):
        headers = exc.headers or {}
        return DeliveryError(
            exc.status,
            retry_after_seconds(headers.get("Retry-After")),
            "",
            conversation_id=conversation_id,
        )
    # No HTTP answer: aiohttp and socket errors, timeouts, msrest's ClientRequestError
    # (a stock client); and anything unforeseen.
    # All count as "try again later"; only the class name is kept, never the message.
    return DeliveryError(0, None, type(exc).__name__, conversation_id=conversation_id)


def _int(value: object) -> int:
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return 0
