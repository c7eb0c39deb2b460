"""The addresses of the pages a card's download button opens (issue 17: downloads only
through a signed-in page).

A card used to carry a single-use link that was itself the permission to the file (a
bearer secret: whoever opened it first got the file). Now a button opens a page of the
app, which signs the person in first and builds the file for whoever is signed in,
under the same rules as chat. So the address is no secret and may be forwarded or
posted in a channel: it carries the page and what to select, never a token, a name or
case text. What a filter may carry in an address is listed here (``ADDRESSABLE``): the
group, the agency, "overdue", "due before", "mine" and the owners by member number,
never the owner's name as typed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

#: The filter's fields an address may carry (``ActionFilter.as_data``'s keys but
#: ``owner``, the name typed; its owners travel as member numbers, ``ownerIds``).
ADDRESSABLE = ("locality", "agency", "overdue", "dueBefore", "mine", "ownerIds")

#: A report's fields an address carries (``PerformanceReport.as_data``).
REPORT_FIELDS = ("from", "to", "locality")


@dataclass(frozen=True, slots=True)
class PageAddresses:
    """The app's public address (``PUBLIC_BASE_URL``) and the pages under it."""

    base_url: str

    def meeting(self, meeting_id: int) -> str:
        """A meeting's minutes page, with its Word download."""
        return f"{self.base_url}/meetings/{int(meeting_id)}"

    def actions_export(self, filter_data: Mapping[str, str]) -> str:
        """The outstanding actions' export page, for the filter the card shows."""
        return self._with_query("/exports/actions", filter_data, ADDRESSABLE)

    def report(self, report_data: Mapping[str, str]) -> str:
        """The performance report's page, for the period and group the card shows."""
        return self._with_query("/reports", report_data, REPORT_FIELDS)

    def _with_query(self, path: str, data: Mapping[str, str], keys: tuple[str, ...]) -> str:
        query = urlencode([(k, str(data[k])) for k in keys if data.get(k)])
        return f"{self.base_url}{path}" + (f"?{query}" if query else "")
