"""Builds the read models (``bot.domain.views``) that cards are drawn from.

All the querying for a card happens here, in a few set-based queries per card, so the
card builders stay pure and a meeting card costs the same however far the meeting is.
The command services (``bot.services``) change things and check who may; what they show
afterwards, and every list or page a person asks for, is read through these modules, one
per area:

- ``lookups``: agencies, member and locality names, loaded once per card;
- ``members``: the people of a group, to choose from, on the members card, in the
  operator's list, and those of a role a notice about the group goes to;
- ``meetings``: the agenda card;
- ``rounds``: share-and-challenge rounds and the challenges they raise;
- ``actions``: actions as their owner, a chair deciding a date, or a coordinator paging
  through what is outstanding sees them;
- ``groups``: what a conversation sees on arrival, and the groups it may be linked to;
- ``notices``: what an outbox message is drawn from when it is sent.
"""
