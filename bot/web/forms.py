"""A form post that asks a service for a change, with the same promises as a card:
bad input comes back with the person's entries kept and each error beside its field; a
refusal says why and changes nothing; a store that does not answer says nothing was lost
and to try again; a form sent twice (a double click, a browser's resend) counts once.

"Once" is the store's own: every form is drawn with a random ``once`` key, and the change
runs in a transaction that claims ``web:<key>`` as a chat turn claims its activity id
(``Store.transaction``), so a second post of the same form is "Already recorded".
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from bot.domain.errors import DomainError, Duplicate, InvalidInput, SavedNotShown
from bot.web.identity import posted_form

log = logging.getLogger(__name__)

#: The same words as chat's (dialogs.router.STORE_UNAVAILABLE), for a page.
STORE_UNAVAILABLE = (
    "That could not be saved just now because the record store did not answer. Nothing "
    "you entered has been lost: it is still in the form below. Please try again in a moment."
)
ALREADY = "Already recorded: that form had been sent before, and counted once."
_ONCE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")

#: The longest form body a page accepts (a few text fields of 4,000 characters).
MAX_FORM_BYTES = 64 * 1024


def once_key() -> str:
    return secrets.token_urlsafe(18)


@dataclass
class Submitted:
    """What became of a form: ``ok`` (then ``message`` says what was done), or the
    entries to draw again with ``errors`` beside their fields and ``problem`` above."""

    ok: bool
    message: str = ""
    problem: str = ""
    entries: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


Change = Callable[[str, Mapping[str, object]], Awaitable[object]]


async def read_form(request: web.Request) -> dict[str, str]:
    """The form's text fields (files and repeated names ignored: no page sends them)."""
    if request.content_length is not None and request.content_length > MAX_FORM_BYTES:
        raise web.HTTPRequestEntityTooLarge(
            max_size=MAX_FORM_BYTES, actual_size=request.content_length
        )
    form = await posted_form(request)
    return {k: v for k, v in form.items() if isinstance(v, str)}


async def submit(entries: dict[str, str], change: Change, done: str) -> Submitted:
    """Run ``change(activity_id, entries)``; ``done`` is the sentence for success."""
    once = entries.get("once", "")
    if not _ONCE.fullmatch(once):
        return Submitted(
            False,
            problem="This form is out of date. Reload the page and try again.",
            entries=entries,
        )
    try:
        await change(f"web:{once}", entries)
    except Duplicate:
        return Submitted(True, ALREADY)
    except SavedNotShown:
        return Submitted(True, done)
    except InvalidInput as exc:
        return Submitted(False, problem=exc.user_message, entries=entries, errors=exc.field_errors)
    except DomainError as exc:
        return Submitted(False, problem=exc.user_message, entries=entries)
    except (SQLAlchemyError, OSError, TimeoutError) as exc:
        log.warning("page change not saved: the store is unavailable (%s)", type(exc).__name__)
        return Submitted(False, problem=STORE_UNAVAILABLE, entries=entries)
    return Submitted(True, done)
