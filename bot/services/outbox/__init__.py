"""The outbox: proactive messages written in the same transaction as their cause, and the
sender that delivers them.

* ``queue``: the one way in, ``enqueue`` of ``Notice``s (bot.domain.notices), idempotent
  on each notice's key; ``status``: where a row stands.
* ``sender``: ``OutboxSender``, which claims due rows, draws each message from the state
  now, sends it and records the outcome; ``leases`` holds its claim and lease SQL,
  ``outcomes`` records what became of each row, ``paying`` spends the app's send budget,
  ``contacts`` says where each person is reached, ``unreachable`` tells coordinators about
  someone who cannot be. What a failure means and when to retry is the domain's
  (bot.domain.delivery).
* ``messenger``: the Teams side as the sender sees it (``Messenger``, ``Renderer``).

The names most callers need are here; the modules say why each works as it does.
"""

from __future__ import annotations

from .leases import Claim
from .messenger import DeliveryError, Messenger, Recipient, Renderer, SendResult
from .queue import IfQueued, enqueue
from .report import DrainReport
from .sender import OutboxSender
from .status import WAITING, OutboxStatus
from .unreachable import notice_recipients, queue_unreachable_notices

__all__ = [
    "WAITING",
    "Claim",
    "DeliveryError",
    "DrainReport",
    "IfQueued",
    "Messenger",
    "OutboxSender",
    "OutboxStatus",
    "Recipient",
    "Renderer",
    "SendResult",
    "enqueue",
    "notice_recipients",
    "queue_unreachable_notices",
]
