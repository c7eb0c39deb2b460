"""The Teams side, as the outbox sender sees it: whom to reach, how a send went, and the
``Messenger`` and ``Renderer`` the sender is given (bot.teams.proactive, dialogs.notices).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from bot.domain.delivery import clean_code


@dataclass(frozen=True, slots=True)
class Recipient:
    """Where to reach one member one to one (from ``member_contacts``)."""

    member_id: int
    teams_user_id: str
    tenant_id: str | None
    service_url: str
    conversation_id: str | None
    bot_id: str | None


@dataclass(frozen=True, slots=True)
class SendResult:
    """``activity_id`` of the message Teams accepted; ``conversation_id`` of the personal
    conversation used (newly created when the recipient had none), to keep on the contact."""

    activity_id: str
    conversation_id: str | None = None


class DeliveryError(Exception):
    """A send that Teams (or the network) refused.

    ``status`` is the HTTP status, 0 when there was no HTTP answer; ``retry_after`` is the
    ``Retry-After`` header in seconds when given; ``code`` is the Bot Framework error code
    (e.g. ``ConversationBlockedByUser``), never message text. ``conversation_id`` is set
    when a new personal conversation was created before the send itself failed.
    """

    def __init__(
        self,
        status: int,
        retry_after: float | None = None,
        code: str = "",
        *,
        conversation_id: str | None = None,
    ) -> None:
        self.status = status
        self.retry_after = retry_after
        self.code = clean_code(code) or (f"HTTP{status}" if status else "NoResponse")
        self.conversation_id = conversation_id
        super().__init__(f"delivery failed: {status} {self.code}")


class Messenger(Protocol):
    async def send(self, to: Recipient, card: dict[str, Any]) -> SendResult:
        """Send one Adaptive Card to one person; raise ``DeliveryError`` on failure."""
        ...


#: ``renderer(kind, payload, recipient_member_id)``: the card to send, drawn from the
#: state now, or None when the message is obsolete (the row is then dropped).
Renderer = Callable[[str, Mapping[str, Any], int], Awaitable[dict[str, Any] | None]]
