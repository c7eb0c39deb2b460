"""Subject access: finding one subject in free text, and redacting everybody else.

A subject access export (``bot.services.subject_access``) gives one child, person or
location everything held about them. Text written in a meeting often names several
children at once, so before any text leaves in an export:

* every other subject's reference recorded in that group (a child's case reference, a
  person's or a location's label), and anything else shaped like a case reference
  (``bot.domain.rules.CASE_REFERENCE``), becomes ``[redacted]``;
* every other subject's initials, standing alone as ``AB``, ``A.B.`` or ``A. B.``, become
  ``[redacted]``; a single initial only when written with its full stop (``J.``), since a
  lone capital letter is too often something else. Initials the same as the subject's own
  are left: they cannot be told apart, and they disclose nothing the subject's own do not.

The subject's own reference is never redacted, even where another subject's label would
match part of it. Names of people who are not subjects cannot be recognised here: the
export says so, for the data protection officer's review before disclosure.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

REDACTED = "[redacted]"

#: A case reference anywhere in text (rules.CASE_REFERENCE matches a whole field).
CASE_REFERENCE_IN_TEXT = r"[A-Z]{2,5}-\d{3,10}"

_EDGE_BEFORE = r"(?<![A-Za-z0-9])"
_EDGE_AFTER = r"(?![A-Za-z0-9])"
_OWN = "\x00"


def mention_pattern(reference: str) -> re.Pattern[str]:
    """``reference`` as a whole token, any case: CR-0001 but not CR-00012."""
    return re.compile(_EDGE_BEFORE + re.escape(reference.strip()) + _EDGE_AFTER, re.IGNORECASE)


def mentions(text: str, reference: str) -> bool:
    return bool(reference.strip()) and bool(mention_pattern(reference).search(text))


def _initials_pattern(initials: str) -> str | None:
    letters = [c for c in initials.upper() if c.isalpha()]
    if not letters:
        return None
    if len(letters) == 1:
        return rf"(?<![A-Za-z]){letters[0]}\.(?![A-Za-z])"
    body = r"\.?\s?".join(letters)
    return rf"(?<![A-Za-z]){body}\.?(?![A-Za-z])"


@dataclass(frozen=True, slots=True)
class Redactor:
    """Redacts text for one subject's export (see the module rules)."""

    own_reference: str
    own_initials: str
    other_references: tuple[str, ...] = ()
    other_initials: tuple[str, ...] = ()

    @classmethod
    def for_subject(
        cls, reference: str, initials: str, others: Iterable[tuple[str, str]]
    ) -> Redactor:
        """``others``: every other subject of the group as (reference, initials)."""
        own = reference.strip().upper()
        refs: set[str] = set()
        inits: set[str] = set()
        for other_ref, other_initials in others:
            if other_ref.strip() and other_ref.strip().upper() != own:
                refs.add(other_ref.strip())
            if other_initials.strip() and other_initials.strip().upper() != initials.upper():
                inits.add(other_initials.strip().upper())
        return cls(
            reference.strip(),
            initials.strip().upper(),
            tuple(sorted(refs, key=lambda r: (-len(r), r))),
            tuple(sorted(inits, key=lambda i: (-len(i), i))),
        )

    def __call__(self, text: str) -> str:
        if not text:
            return text
        own = mention_pattern(self.own_reference) if self.own_reference else None
        # Set the subject's own reference aside so nothing below can touch it.
        kept: list[str] = []

        def keep(match: re.Match[str]) -> str:
            kept.append(match.group(0))
            return f"{_OWN}{len(kept) - 1}{_OWN}"

        if own is not None:
            text = own.sub(keep, text)
        for reference in self.other_references:
            text = mention_pattern(reference).sub(REDACTED, text)
        text = re.sub(
            _EDGE_BEFORE + CASE_REFERENCE_IN_TEXT + _EDGE_AFTER,
            REDACTED,
            text,
            flags=re.IGNORECASE,
        )
        for initials in self.other_initials:
            pattern = _initials_pattern(initials)
            if pattern:
                text = re.sub(pattern, REDACTED, text)
        return re.sub(f"{_OWN}(\\d+){_OWN}", lambda m: kept[int(m.group(1))], text)
