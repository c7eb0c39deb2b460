"""The map of a group's register, as plain data: the subjects a filter selects, the links
between them, and the same as a graph for the page's script (issue 17, point 1).

A room draws this on a whiteboard in a "mapping" meeting (domain.md): who is linked to
whom, and how much risk each carries. The page shows it twice from this one value: as an
interactive network (Cytoscape.js, bot/web/assets/src/map.js) and as a list that works
without any script, so nothing is on the network that is not in the list in words. Who
may see what is decided before this is built (``bot.services.register_map``, through the
register's one access rule): a person of concern the viewer may not see never reaches it.

Filters come from a GET form, so from anyone: ``parse_map_filter`` never raises; a value
it does not know is dropped and said in words beside the form.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bot.domain.model import SUBJECT_LABELS, SubjectKind
from bot.domain.register import RISK_LABELS, STATUS_LABELS, RiskLevel, SubjectStatus
from bot.domain.register_filters import months_before

#: The "discussed in the last N months" choices the form offers (and "all").
MONTH_CHOICES = (3, 6, 12, 24)
#: The most subjects one map draws: a network of more cannot be read, and the page stays
#: quick. The riskiest come first; the page says how many more the filter selects.
MAP_LIMIT = 300
#: Longest text of a node's label on the network (the list shows it whole).
LABEL_CHARS = 40

_STRAND_CODE = re.compile(r"^[a-z0-9_-]{1,40}$")


@dataclass(frozen=True, slots=True)
class MapFilter:
    """What the map shows: one strand (a code) or all, subjects discussed in the last
    ``months`` months or all, and closed subjects or not (open and monitoring only)."""

    strand: str = ""
    months: int | None = None
    closed: bool = False

    def discussed_since(self, today: date) -> date | None:
        return months_before(today, self.months) if self.months else None

    def query(self) -> dict[str, str]:
        """The filter as the form's fields, to carry on a link."""
        fields = {"strand": self.strand, "months": str(self.months or "all")}
        if self.closed:
            fields["closed"] = "yes"
        return fields


def parse_map_filter(query: Mapping[str, str]) -> tuple[MapFilter, tuple[str, ...]]:
    """The filter a GET form asked for, and what it could not use, in words. Never
    raises: a crafted URL gets the map with that part of the filter left out."""
    problems: list[str] = []
    strand = query.get("strand", "").strip().lower()
    if strand and not _STRAND_CODE.fullmatch(strand):
        problems.append("That strand is not one of the register's: all strands are shown.")
        strand = ""
    months: int | None = None
    said = query.get("months", "").strip().lower()
    if said and said != "all":
        if said.isdecimal() and int(said) in MONTH_CHOICES:
            months = int(said)
        else:
            problems.append(
                "Choose how long ago from the list (3, 6, 12 or 24 months, or all): "
                "subjects discussed at any time are shown."
            )
    closed = query.get("closed", "") == "yes"
    return MapFilter(strand, months, closed), tuple(problems)


def _clip(text: str, size: int) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"


def risk_words(risk: RiskLevel | None) -> str:
    return f"{RISK_LABELS[risk]} risk" if risk is not None else "Risk not yet rated"


@dataclass(frozen=True, slots=True)
class MapSubject:
    """A subject on the map: what it is, its current risk and strands, when last
    discussed."""

    subject_id: int
    kind: SubjectKind
    display: str
    risk: RiskLevel | None
    status: SubjectStatus
    strands: tuple[str, ...]
    last_discussed: date | None

    @property
    def kind_label(self) -> str:
        return SUBJECT_LABELS[self.kind]

    @property
    def risk_label(self) -> str:
        return risk_words(self.risk)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def risk_code(self) -> str:
        """The class the page and the network colour it by: the level, or ``none``."""
        return self.risk.value if self.risk is not None else "none"


@dataclass(frozen=True, slots=True)
class MapLink:
    link_id: int
    one: int
    other: int


@dataclass(frozen=True, slots=True)
class RegisterMapView:
    """One group's map for one viewer, with the form's choices."""

    locality_code: str
    locality_name: str
    wanted: MapFilter
    subjects: tuple[MapSubject, ...]
    links: tuple[MapLink, ...]
    #: How many subjects the filter selects (more than shown when over ``MAP_LIMIT``).
    total: int
    #: The register's strands (code, label), for the filter's list.
    strands: tuple[tuple[str, str], ...]
    #: The viewer's groups (code, name), to switch map.
    groups: tuple[tuple[str, str], ...]
    #: The group's rule leaves persons of concern out for this viewer.
    persons_hidden: bool
    problems: tuple[str, ...] = ()
    _linked: dict[int, tuple[MapSubject, ...]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def __post_init__(self) -> None:
        by_id = {s.subject_id: s for s in self.subjects}
        ends: dict[int, list[MapSubject]] = {}
        for link in self.links:
            if link.one in by_id and link.other in by_id:
                ends.setdefault(link.one, []).append(by_id[link.other])
                ends.setdefault(link.other, []).append(by_id[link.one])
        self._linked.update({sid: riskiest_first(found) for sid, found in ends.items()})

    @property
    def more(self) -> int:
        return max(0, self.total - len(self.subjects))

    def linked_to(self, subject_id: int) -> tuple[MapSubject, ...]:
        """The subjects on this map linked to ``subject_id``, riskiest first."""
        return self._linked.get(subject_id, ())

    def graph(self) -> dict[str, Any]:
        """The network for Cytoscape.js: nodes with their kind, risk and page, edges
        between them. Embedded in the page as JSON (escaped by the template's
        ``tojson``: no ``</script>`` in a reference can end the element)."""
        return {
            "elements": {
                "nodes": [
                    {
                        "data": {
                            "id": f"s{s.subject_id}",
                            "label": _clip(s.display, LABEL_CHARS),
                            "kind": s.kind.value,
                            "kindLabel": s.kind_label,
                            "risk": s.risk_code,
                            "riskLabel": s.risk_label,
                            "links": len(self.linked_to(s.subject_id)),
                            "href": f"/subjects/{s.subject_id}",
                        }
                    }
                    for s in self.subjects
                ],
                "edges": [
                    {
                        "data": {
                            "id": f"l{link.link_id}",
                            "source": f"s{link.one}",
                            "target": f"s{link.other}",
                        }
                    }
                    for link in self.links
                ],
            }
        }


def _riskiest_first(subject: MapSubject) -> tuple[int, str]:
    order = list(RiskLevel)
    rank = -order.index(subject.risk) if subject.risk is not None else 1
    return rank, subject.display.lower()


def riskiest_first(subjects: list[MapSubject]) -> tuple[MapSubject, ...]:
    return tuple(sorted(subjects, key=_riskiest_first))
