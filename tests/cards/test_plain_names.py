"""Names cannot become links (issue 13, point 7): Teams renders markdown in a TextBlock and
a FactSet, so a member, agency or group named ``[Click me](https://evil.example)`` must
show as those characters on every card, never as a live link, bold text, a heading or a
list. Free text goes into TextRuns, which render no markdown, and is shown as typed.

Every card the bot can send is drawn from the gallery's views (scripts/card_gallery.py
holds one for each builder) with every text in them replaced by markdown, then every
TextBlock and FactSet in the card JSON is checked.
"""

from __future__ import annotations

import dataclasses
import json
import re
from enum import Enum
from typing import Any

import pytest
from cards_testkit import walk
from test_gallery import gallery

from bot.domain.members import CodeChoice, MemberRoles, MembersView, RoleHeld
from bot.domain.model import Role
from cards.elements import fact_set
from cards.members import members_card
from cards.text import plain

HOSTILE = (
    "1. [Click me](https://evil.example) **bold** _it_ `code` <b>x</b> ~~s~~ &#91;e&#93; "
    "![img](https://evil.example/i.png) www.evil.example"
)
#: What must never reach a markdown field as written, each a way to make a link,
#: emphasis, code, HTML or an image out of a name.
RAW = (
    "[Click me](",
    "](https://",
    "https://",
    "**bold**",
    "_it_",
    "`code`",
    "<b>",
    "~~s~~",
    "![img]",
    "www.evil",
)
#: Texts in the views that are the bot's own fixed wording or a code, not a name.
NOT_NAMES = frozenset({"code", "guidance", "cause", "reason", "verb", "kind", "decided"})


def poisoned(value: Any) -> Any:
    """``value`` with every text in it (names, titles, free text alike) made hostile;
    fixed choices (enums) kept."""
    if isinstance(value, Enum):
        return value
    if isinstance(value, str):
        return HOSTILE
    if isinstance(value, tuple):
        return tuple(poisoned(v) for v in value)
    if isinstance(value, list):
        return [poisoned(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {
            f.name: poisoned(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if f.init and f.name not in NOT_NAMES
        }
        return dataclasses.replace(value, **changes)
    return value


def markdown_texts(card: dict[str, Any]) -> list[str]:
    """Every string Teams renders as markdown: TextBlock text, FactSet titles and values."""
    found: list[str] = []
    for node in walk(card):
        if node.get("type") == "TextBlock":
            found.append(str(node["text"]))
        elif node.get("type") == "FactSet":
            for fact in node["facts"]:
                found += [str(fact["title"]), str(fact["value"])]
    return found


def live_markdown(text: str) -> list[str]:
    """The pieces of ``HOSTILE`` that ``text`` carries unescaped."""
    live = [piece for piece in RAW if piece in text]
    if re.search(r"(?<!\\)&#91;", text):
        live.append("&#91;")
    if re.match(r"\s*1\. ", text):
        live.append("1. (a list)")
    return live


SHOTS = gallery().shots()


def hostile_card(shot: Any) -> dict[str, Any]:
    """The shot's card drawn from hostile views. Plain strings passed to a builder are the
    bot's own wording (the download card's title) unless named as a name
    (``locality_name``); what was typed into a form (``values``) stays as it is."""
    args = [arg if isinstance(arg, str) else poisoned(arg) for arg in shot.args]
    kwargs = {
        key: poisoned(value) if key.endswith("name") or not isinstance(value, str) else value
        for key, value in shot.kwargs.items()
        if key != "values"
    }
    if "values" in shot.kwargs:
        kwargs["values"] = shot.kwargs["values"]
    card: dict[str, Any] = shot.builder(*args, **kwargs)
    return card


@pytest.mark.parametrize("shot", SHOTS, ids=[shot.name for shot in SHOTS])
def test_no_name_becomes_markdown_on_any_card(shot: Any) -> None:
    card = hostile_card(shot)
    for text in markdown_texts(card):
        assert not live_markdown(text), (shot.name, text)


def test_names_show_escaped_where_cards_show_them() -> None:
    """Not vacuous: the hostile names do reach TextBlocks and FactSets, escaped."""
    reached = set()
    for shot in SHOTS:
        card = hostile_card(shot)
        if any(r"\[Click me\]" in text for text in markdown_texts(card)):
            reached.add(shot.name)
    assert {"agenda", "summary", "welcome", "round-open", "members", "date-request"} <= reached


def test_the_agenda_card_shows_a_chair_named_as_a_link_as_written() -> None:
    (agenda,) = [shot for shot in SHOTS if shot.name == "agenda"]
    view = dataclasses.replace(agenda.args[0], chair_name="[Click me](https://evil.example)")
    card = agenda.builder(view, *agenda.args[1:], **agenda.kwargs)
    (chair,) = [
        fact
        for node in walk(card)
        if node.get("type") == "FactSet"
        for fact in node["facts"]
        if fact["title"] == "Chair"
    ]
    assert chair["value"] == "\\[Click me\\](https\u2060://evil.example)"


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("[Click me](https://evil.example)", "\\[Click me\\](https\u2060://evil.example)"),
        ("**Ann** _Lee_", "\\*\\*Ann\\*\\* \\_Lee\\_"),
        ("# Heading", "\\# Heading"),
        ("> quoted", "\\> quoted"),
        ("- item", "\\- item"),
        ("+ item", "\\+ item"),
        ("12. Jones", "12\\. Jones"),
        ("3) Jones", "3\\) Jones"),
        ("<b>Ann</b>", "\\<b\\>Ann\\</b\\>"),
        ("`rm -rf`", "\\`rm -rf\\`"),
        ("a\\b", "a\\\\b"),
        ("&#91;x&#93; & co", "\\&#91;x\\&#93; & co"),
        ("www.evil.example", "www\u2060.evil.example"),
        ("mailto:x@evil.example", "mailto\u2060:x@evil.example"),
        ("Ann O'Neil-Smith (Health, CAMHS)", "Ann O'Neil-Smith (Health, CAMHS)"),
    ],
)
def test_plain_escapes_markdown_and_leaves_ordinary_names_alone(name: str, shown: str) -> None:
    assert plain(name) == shown


def test_a_fact_set_escapes_its_labels_and_values() -> None:
    facts = fact_set([("Chair", "[x](https://evil.example)")])["facts"]
    assert facts == [{"title": "Chair", "value": "\\[x\\](https\u2060://evil.example)"}]


def test_rendered_hostile_names_are_text_not_links() -> None:
    """The same cards in the Adaptive Cards renderer with markdown-it (as the gallery
    renders them): no link, image, bold, code or list made of a name, nor of typed text
    (descriptions, decisions, answers: in TextRuns); the name's characters are all shown."""
    module = gallery()
    missing = module.missing_requirements()
    if missing:
        reason = "hostile names not rendered; missing: " + "; ".join(missing)
        print(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    host = json.loads(module.host_config_path().read_text(encoding="utf-8"))
    chosen = [
        s
        for s in SHOTS
        if s.name in {"agenda", "summary", "members", "date-request", "my-actions", "round-closed"}
    ]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=module.chromium_path())
        try:
            page = browser.new_page()
            page.goto(module.PAGE.as_uri())
            page.wait_for_function("() => window.renderGalleryCard && window.AdaptiveCards")
            for shot in chosen:
                page.evaluate(module._RENDER, [shot.name, hostile_card(shot), host, []])
                slot = page.locator(f"#{shot.name}")
                made = slot.evaluate(
                    "s => Array.from(s.querySelectorAll('.ac-textBlock *, .ac-factset *'))"
                    ".filter(e => ['A', 'IMG', 'CODE', 'EM', 'DEL', 'S', 'OL', 'UL', 'LI', "
                    "'H1', 'H2', 'BLOCKQUOTE'].includes(e.tagName) || "
                    "(e.tagName === 'STRONG' && e.textContent === 'bold'))"
                    ".map(e => e.outerHTML)"
                )
                assert made == [], (shot.name, made)
                # Typed text (poisoned too) is in TextRuns: no link or image anywhere.
                anywhere = slot.evaluate(
                    "s => Array.from(s.querySelectorAll('a, img')).map(e => e.outerHTML)"
                )
                assert anywhere == [], (shot.name, anywhere)
                shown = slot.inner_text().replace("\u2060", "")
                assert "[Click me](https://evil.example)" in shown, shot.name
        finally:
            browser.close()


def test_a_group_code_cannot_break_out_of_the_members_cards_command() -> None:
    """The "whole list" command is a code span; a code that is not a plain word (codes come
    from the operator's data file) is shown outside it, escaped."""
    code = "x` [Click me](https://evil.example) `"
    member = MemberRoles(1, "Ann", "Police", "", (RoleHeld(1, Role.PARTNER),))
    members = tuple(dataclasses.replace(member, member_id=n) for n in range(1, 60))
    group = CodeChoice(code, "Selby")
    card = members_card(MembersView(group, members, (group,), ()))
    (more,) = [t for t in markdown_texts(card) if "members list" in t]
    assert not live_markdown(more), more
    assert "`mace-bot members list` x\\` \\[Click me\\]" in more
    plain_code = members_card(MembersView(CodeChoice("selby", "Selby"), members, (), ()))
    assert any("`mace-bot members list selby`" in t for t in markdown_texts(plain_code))
