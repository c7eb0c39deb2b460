"""Small builders for the Adaptive Card 1.5 elements the MACE cards use.

Only elements Teams renders are built here (TextBlock, RichTextBlock, FactSet,
Container, ActionSet, inputs, Action.Execute/Submit/ShowCard), so a card cannot reach
for one it would drop. Two rules live here so no card can forget them:

- every button is an ``Action.Execute`` whose fallback is an ``Action.Submit`` with the
  same title and data (``data.verb`` included), so clients without Universal Actions
  still reach the same handler;
- text that people typed goes into a ``RichTextBlock`` ``TextRun``, which renders no
  markdown, so a typed ``[link](...)`` or ``# heading`` shows as typed;
- a name or other text nobody typed here as free text (members, agencies, groups, titles)
  that goes into a ``TextBlock`` passes through ``cards.text.plain`` first, which escapes
  its markdown (a ``FactSet`` does so itself), so a member named ``[Click me](https://...)``
  shows as that, never as a link.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date
from typing import Any

from bot.domain.rules import CONFIRM_DETAILS_TITLE, confirmation_field, details_confirmed
from cards.text import MARKING, plain
from cards.verbs import ALL_VERBS

_KNOWN_VERBS = frozenset(ALL_VERBS)  # checked for every button drawn

JSON = dict[str, Any]
Values = Mapping[str, object]
Errors = Mapping[str, str]

CARD_VERSION = "1.5"
CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
GENERAL_ERROR = "Some of the details need another look: see the notes in red below."


def adaptive_card(body: Sequence[JSON], actions: Sequence[JSON] = ()) -> JSON:
    """The top-level card. Full width because agendas and forms are cramped otherwise."""
    card: JSON = {
        "type": "AdaptiveCard",
        "$schema": CARD_SCHEMA,
        "version": CARD_VERSION,
        "body": list(body),
        "msteams": {"width": "Full"},
    }
    if actions:
        card["actions"] = list(actions)
    return card


def text_block(
    text: str,
    *,
    size: str | None = None,
    weight: str | None = None,
    color: str | None = None,
    subtle: bool = False,
    spacing: str | None = None,
    separator: bool = False,
) -> JSON:
    """Our own wording (markdown allowed). Never pass text a person typed: use ``rich``.
    A name or title within it goes through ``cards.text.plain``."""
    block: JSON = {"type": "TextBlock", "text": text, "wrap": True}
    if size:
        block["size"] = size
    if weight:
        block["weight"] = weight
    if color:
        block["color"] = color
    if subtle:
        block["isSubtle"] = True
    if spacing:
        block["spacing"] = spacing
    if separator:
        block["separator"] = True
    return block


def heading(text: str, *, size: str = "medium", separator: bool = False) -> JSON:
    return text_block(text, size=size, weight="bolder", spacing="medium", separator=separator)


def run(
    text: str,
    *,
    bold: bool = False,
    color: str | None = None,
    subtle: bool = False,
    italic: bool = False,
) -> JSON:
    """A TextRun: shown exactly as given, no markdown."""
    inline: JSON = {"type": "TextRun", "text": text}
    if bold:
        inline["weight"] = "bolder"
    if color:
        inline["color"] = color
    if subtle:
        inline["isSubtle"] = True
    if italic:
        inline["italic"] = True
    return inline


def rich(*runs: JSON | str, spacing: str | None = None) -> JSON:
    """A line of runs; plain strings become unformatted runs."""
    block: JSON = {
        "type": "RichTextBlock",
        "inlines": [run(r) if isinstance(r, str) else r for r in runs],
    }
    if spacing:
        block["spacing"] = spacing
    return block


def fact_set(pairs: Iterable[tuple[str, str]]) -> JSON:
    """Label/value pairs, shown as given: Teams renders markdown in a FactSet, and a value
    may be a name from the directory (the chair), so every label and value is escaped
    here (``cards.text.plain``) and no card needs to remember it."""
    return {
        "type": "FactSet",
        "facts": [{"title": plain(t), "value": plain(v)} for t, v in pairs],
    }


def container(
    items: Sequence[JSON],
    *,
    style: str | None = None,
    separator: bool = False,
    spacing: str | None = None,
) -> JSON:
    block: JSON = {"type": "Container", "items": list(items)}
    if style:
        block["style"] = style
    if separator:
        block["separator"] = True
    if spacing:
        block["spacing"] = spacing
    return block


def marking() -> JSON:
    """The protective marking every meeting card carries (domain.md: minutes are
    OFFICIAL-SENSITIVE and carry no onward disclosure)."""
    # Not in Teams' "warning" yellow: on a light theme that is 1.5:1 against white, too
    # faint for a line everyone must read.
    return text_block(f"**{MARKING}**", size="small")


def warning(text: str) -> JSON:
    """Something the chair must act on now (a key agency missing, an item over time)."""
    return text_block(f"**{text}**", color="attention")


# --- actions ---------------------------------------------------------------------------


def execute(
    title: str,
    verb: str,
    data: Mapping[str, object] | None = None,
    *,
    style: str | None = None,
    with_inputs: bool = True,
) -> JSON:
    """A button: ``Action.Execute`` with an ``Action.Submit`` fallback.

    ``data`` carries the ids the handler needs and ``verb`` again, because a fallback
    Submit has no verb of its own. ``with_inputs=False`` stops a button (Back, Close
    round, I'm here) from sending, and so client-validating, the inputs beside it.
    Refuses verbs the bot does not route, so a typo fails in tests, not in a meeting.
    """
    if verb not in _KNOWN_VERBS:
        raise ValueError(f"unknown card verb {verb!r}: add it to cards.verbs.ALL_VERBS")
    payload: dict[str, object] = {"verb": verb, **(data or {})}
    common: JSON = {"title": title}
    if style:
        common["style"] = style
    if not with_inputs:
        common["associatedInputs"] = "none"
    fallback: JSON = {"type": "Action.Submit", **common, "data": dict(payload)}
    return {
        "type": "Action.Execute",
        **common,
        "verb": verb,
        "data": dict(payload),
        "fallback": fallback,
    }


def open_url(title: str, url: str) -> JSON:
    """A button that opens a page of the app in the browser (downloads): the page signs
    the person in first, so the address is no secret (bot.domain.page_addresses)."""
    return {"type": "Action.OpenUrl", "title": title, "url": url}


def show_card(title: str, body: Sequence[JSON], actions: Sequence[JSON] = ()) -> JSON:
    """A button that opens a form in place. Inputs are gathered only from the ShowCard
    and its parents, so sibling forms never send (or block on) each other's fields."""
    card: JSON = {"type": "AdaptiveCard", "body": list(body)}
    if actions:
        card["actions"] = list(actions)
    return {"type": "Action.ShowCard", "title": title, "card": card}


def action_set(actions: Sequence[JSON], *, spacing: str | None = None) -> JSON:
    block: JSON = {"type": "ActionSet", "actions": list(actions)}
    if spacing:
        block["spacing"] = spacing
    return block


# --- inputs and their errors -------------------------------------------------------------


def value_of(values: Values | None, key: str, default: str = "") -> str:
    """What the person entered last time, as a string; anything else counts as empty."""
    if not values:
        return default
    entered = values.get(key)
    return entered if isinstance(entered, str) else default


def date_value(values: Values | None, key: str, default: date | None = None) -> str:
    """A date to prefill, only if it is a real YYYY-MM-DD date (clients may choke on
    anything else; the error beside the field says what was wrong)."""
    entered = value_of(values, key)
    if entered:
        try:
            return date.fromisoformat(entered).isoformat()
        except ValueError:
            return ""
    return default.isoformat() if default else ""


def field_error(message: str) -> JSON:
    return text_block(message, color="attention", size="small", spacing="none")


def field(input_element: JSON, errors: Errors | None) -> list[JSON]:
    """An input followed, directly beneath, by its error if it has one."""
    message = (errors or {}).get(input_element["id"])
    return [input_element, field_error(message)] if message else [input_element]


def recorded_field(input_element: JSON, values: Values | None, errors: Errors | None) -> list[JSON]:
    """``field`` for free text that goes into the record. When identifying details were
    pointed out in it, the toggle that confirms they are needed follows the error (and
    stays, ticked, while the form comes back for another field's error). Never shown
    before they are pointed out: the writer is told what was found before confirming."""
    shown = field(input_element, errors)
    toggle_id = confirmation_field(str(input_element["id"]))
    ticked = details_confirmed((values or {}).get(toggle_id))
    if errors and (toggle_id in errors or ticked):
        shown.append(confirm_toggle(toggle_id, ticked=ticked))
    return shown


def confirm_toggle(input_id: str, *, ticked: bool = False) -> JSON:
    toggle: JSON = {
        "type": "Input.Toggle",
        "id": input_id,
        "title": CONFIRM_DETAILS_TITLE,
        "valueOn": "true",
        "valueOff": "false",
        "wrap": True,
        "spacing": "small",
    }
    if ticked:
        toggle["value"] = "true"
    return toggle


def text_input(
    input_id: str,
    label: str,
    *,
    value: str = "",
    multiline: bool = False,
    max_length: int | None = None,
    placeholder: str | None = None,
    required: bool = False,
) -> JSON:
    element: JSON = {"type": "Input.Text", "id": input_id, "label": label}
    if multiline:
        element["isMultiline"] = True
    if max_length:
        element["maxLength"] = max_length
    if placeholder:
        element["placeholder"] = placeholder
    if value:
        element["value"] = value
    if required:
        element["isRequired"] = True
        element["errorMessage"] = f"{label} is required."
    return element


def recorded_text_field(
    input_id: str,
    label: str,
    values: Values | None,
    errors: Errors | None,
    *,
    multiline: bool = False,
    max_length: int | None = None,
    placeholder: str | None = None,
    required: bool = False,
) -> list[JSON]:
    """``recorded_field`` for a ``text_input`` whose entry comes back from ``values``: the
    shape of nearly every free-text field that goes into the record, written once so a
    form handed back keeps what was typed everywhere alike."""
    return recorded_field(
        text_input(
            input_id,
            label,
            value=value_of(values, input_id),
            multiline=multiline,
            max_length=max_length,
            placeholder=placeholder,
            required=required,
        ),
        values,
        errors,
    )


def date_input(
    input_id: str,
    label: str,
    *,
    value: str = "",
    minimum: date | None = None,
    required: bool = False,
) -> JSON:
    element: JSON = {"type": "Input.Date", "id": input_id, "label": label}
    if value:
        element["value"] = value
    if minimum:
        element["min"] = minimum.isoformat()
    if required:
        element["isRequired"] = True
        element["errorMessage"] = f"{label} is required."
    return element


def choice_input(
    input_id: str,
    label: str,
    choices: Iterable[tuple[str, str]],
    *,
    value: str = "",
    expanded: bool = False,
    placeholder: str | None = None,
    required: bool = False,
) -> JSON:
    """A single choice; ``choices`` are (value, title) pairs."""
    element: JSON = {
        "type": "Input.ChoiceSet",
        "id": input_id,
        "label": label,
        "style": "expanded" if expanded else "compact",
        "choices": [{"title": title, "value": val} for val, title in choices],
        "wrap": True,
    }
    if value:
        element["value"] = value
    if placeholder:
        element["placeholder"] = placeholder
    if required:
        element["isRequired"] = True
        element["errorMessage"] = f"{label} is required."
    return element


def iter_elements(node: object) -> Iterator[JSON]:
    """Every object in a card, ShowCards included, depth first."""
    if isinstance(node, dict):
        yield node
        for child in node.values():
            yield from iter_elements(child)
    elif isinstance(node, list):
        for child in node:
            yield from iter_elements(child)


def input_ids(node: object) -> list[str]:
    return [
        str(e["id"])
        for e in iter_elements(node)
        if str(e.get("type", "")).startswith("Input.") and "id" in e
    ]


def with_error_banner(body: Sequence[JSON], errors: Errors | None) -> list[JSON]:
    """Put a general error line at the top when anything is wrong.

    Errors for fields this card does not show (a rule about the whole request) are
    spelled out in the banner, since there is no field to put them beside.
    """
    if not errors:
        return list(body)
    shown = set(input_ids(list(body)))
    banner = [text_block(f"**{GENERAL_ERROR}**", color="attention")]
    banner += [
        text_block(message, color="attention", spacing="none")
        for key, message in errors.items()
        if key not in shown
    ]
    return banner + list(body)
