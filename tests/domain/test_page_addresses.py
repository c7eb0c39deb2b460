"""The addresses a card's download button opens (bot.domain.page_addresses): the page and
what to select, never a name, a token or case text."""

from __future__ import annotations

from datetime import date

from bot.domain.filters import MAX_OWNER_IDS, ActionFilter
from bot.domain.page_addresses import PageAddresses

PAGES = PageAddresses("https://mace.example.org")


def test_an_export_address_carries_the_filter_but_never_the_owners_name() -> None:
    wanted = ActionFilter(
        locality="Scarborough",
        agency="police",
        owner="Priya Shah",
        overdue_only=True,
        due_before=date(2026, 12, 1),
        mine_only=True,
        owner_ids=(4, 9),
    )
    address = PAGES.actions_export(wanted.as_data())
    assert address == (
        "https://mace.example.org/exports/actions?locality=Scarborough&agency=police"
        "&overdue=yes&dueBefore=2026-12-01&mine=yes&ownerIds=4.9"
    )
    assert "Priya" not in address and "Shah" not in address
    read = ActionFilter.from_data({"locality": "Scarborough", "ownerIds": "4.9", "mine": "yes"})
    assert read.owner_ids == (4, 9) and read.mine_only and read.owner is None


def test_member_numbers_that_are_not_numbers_are_dropped() -> None:
    read = ActionFilter.from_data({"ownerIds": "4.x.-1.0.4.99999999999.7"})
    assert read.owner_ids == (4, 7)
    many = ".".join(str(n) for n in range(1, 100))
    assert len(ActionFilter.from_data({"ownerIds": many}).owner_ids) == MAX_OWNER_IDS


def test_a_filter_by_number_says_so_in_words() -> None:
    assert ActionFilter(owner_ids=(4,)).describe() == "owned by the person named in chat"
    assert ActionFilter(mine_only=True).describe() == "owned by you"


def test_the_minutes_and_report_pages() -> None:
    assert PAGES.meeting(12) == "https://mace.example.org/meetings/12"
    assert PAGES.report({"from": "2026-04-01", "to": "2027-03-31"}) == (
        "https://mace.example.org/reports?from=2026-04-01&to=2027-03-31"
    )
    assert PAGES.actions_export({}) == "https://mace.example.org/exports/actions"
