"""The locality tab (issue 17): a tab a group adds to its channel or chat, showing one
locality group's dashboard or register map. Whoever adds it chooses, on the tab's
configuration page, one of the pages they may open themselves; each person who opens
the tab later still sees only what the page's own rule lets them see.

What Teams keeps for the tab is addresses only (no token, no name, no case text): the
page inside Teams goes through ``/tab`` (single sign-on, then the page, a path that
``safe_return_to`` lets through) and the same page opens in a browser.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import quote


class TabPage(StrEnum):
    """What a locality tab shows."""

    DASHBOARD = "dashboard"
    MAP = "map"

    @property
    def label(self) -> str:
        return {TabPage.DASHBOARD: "Dashboard", TabPage.MAP: "Map"}[self]


@dataclass(frozen=True, slots=True)
class TabChoice:
    """One page a tab may show: a group's dashboard or its map."""

    code: str
    name: str
    page: TabPage

    @property
    def value(self) -> str:
        """What the configuration form sends for this choice."""
        return f"{self.code}/{self.page.value}"

    @property
    def path(self) -> str:
        return f"/localities/{quote(self.code, safe='')}/{self.page.value}"

    @property
    def entity_id(self) -> str:
        return f"locality-{self.code}-{self.page.value}"

    @property
    def display_name(self) -> str:
        """The tab's suggested name in Teams, e.g. "Scarborough dashboard"."""
        return f"{self.name} {self.page.label.lower()}"

    def content_url(self, base_url: str) -> str:
        """The page inside Teams: ``/tab`` signs in with the Teams account, then opens it."""
        return f"{base_url}/tab?next={self.path}"

    def website_url(self, base_url: str) -> str:
        """The same page in a browser (Teams' "open in browser")."""
        return f"{base_url}{self.path}"


@dataclass(frozen=True, slots=True)
class TabGroup:
    """A group and the pages of it a person may put in a tab."""

    code: str
    name: str
    choices: tuple[TabChoice, ...]


def tab_groups(
    mapped: Iterable[tuple[str, str]], reported: Iterable[tuple[str, str]]
) -> tuple[TabGroup, ...]:
    """The choices a person has, by group name: the dashboard of each group in
    ``reported`` (whose dashboard they may open), the map of each in ``mapped`` (whose
    register map they may open); (code, name) pairs, as the services answer them."""
    maps = dict(mapped)
    dashboards = dict(reported)
    names = {**maps, **dashboards}
    groups = []
    for code, name in sorted(names.items(), key=lambda item: (item[1].lower(), item[0])):
        pages = [TabPage.DASHBOARD] if code in dashboards else []
        pages += [TabPage.MAP] if code in maps else []
        groups.append(TabGroup(code, name, tuple(TabChoice(code, name, p) for p in pages)))
    return tuple(groups)


def chosen(groups: Iterable[TabGroup], value: str) -> TabChoice | None:
    """The choice the form sent, if it is one of this person's (else None: nothing is
    said about whether such a group exists)."""
    for group in groups:
        for choice in group.choices:
            if choice.value == value:
                return choice
    return None
