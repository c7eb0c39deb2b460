"""Builds the files people download: outstanding actions (CSV, XLSX) and a meeting's
minutes (Word), for one person, checking what they may see each time.

Minutes: downloading them needs ``DOWNLOAD_MINUTES`` (chair, deputy chair, coordinator);
the persons of concern in them are shown only to a downloader the group's
``PersonOfConcernAccess`` allows (``bot.services.minutes_subjects``).

The Word and Excel renderers are imported where a file is built, not at the top: they load
python-docx and openpyxl, which ``mace-bot serve`` would otherwise import at every start
for files few people download (issue 18; ``bot.exports``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select

from bot.domain.clock import Clock, london_today
from bot.domain.errors import NotFound, NotPermitted
from bot.domain.filters import ActionFilter
from bot.domain.model import EntryKind
from bot.domain.permissions import Permission
from bot.domain.report import PerformanceReport, period_from_data
from bot.domain.views import EntryView, MinutesDocumentView
from bot.exports.actions import CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE, actions_csv, actions_filename
from bot.services.actions import ActionService
from bot.services.context import ActorRef, caller_in
from bot.services.minutes_subjects import subject_sections
from bot.services.readmodels.lookups import member_names
from bot.services.readmodels.meetings import meeting_view
from bot.services.readmodels.rounds import round_view
from bot.services.register_access import persons_in
from bot.services.register_exports import CHECK_COLUMNS, subject_rows
from bot.services.report import ReportService
from bot.store import audit
from bot.store import tables as t
from bot.store.db import Store


@dataclass(frozen=True, slots=True)
class ExportFile:
    filename: str
    media_type: str
    content: bytes


class ExportService:
    def __init__(
        self, store: Store, clock: Clock, actions: ActionService, key_agencies: Sequence[str]
    ) -> None:
        self.store = store
        self.clock = clock
        self.actions = actions
        self.key_agencies = tuple(key_agencies)

    async def actions_file(self, actor: ActorRef, wanted: ActionFilter, fmt: str) -> ExportFile:
        rows = await self.actions.outstanding_all(actor, wanted)
        title = f"Outstanding actions: {wanted.describe()}"
        now = self.clock.now()
        if fmt == "xlsx":
            from bot.exports.subjects import actions_and_subjects_xlsx

            async with self.store.reading() as session:
                subjects = await subject_rows(session, actor)
            return ExportFile(
                actions_filename(now, "xlsx"),
                XLSX_MEDIA_TYPE,
                actions_and_subjects_xlsx(
                    rows, subjects, CHECK_COLUMNS, title=title, generated_at=now
                ),
            )
        return ExportFile(
            actions_filename(now, "csv"), CSV_MEDIA_TYPE, actions_csv(rows, title=title)
        )

    async def minutes_file(self, actor: ActorRef, meeting_id: object) -> ExportFile:
        async with self.store.reading() as session:
            meeting = (
                await session.get(t.Meeting, meeting_id) if isinstance(meeting_id, int) else None
            )
            if meeting is None:
                raise NotFound()
            try:
                caller = await caller_in(session, actor, meeting.locality_id)
                caller.require(Permission.DOWNLOAD_MINUTES)
            except NotPermitted:
                audit.note(
                    session,
                    audit.AuditAction.REFUSED,
                    "meetings",
                    meeting.id,
                    locality_id=meeting.locality_id,
                    detail=Permission.DOWNLOAD_MINUTES.value,
                )
                raise NotFound() from None
            audit.note(
                session,
                audit.AuditAction.EXPORT,
                "meetings",
                meeting.id,
                locality_id=meeting.locality_id,
                detail="minutes",
            )
            view = await meeting_view(
                session,
                meeting,
                key_codes=self.key_agencies,
                now=self.clock.now(),
                today=london_today(self.clock),
            )
            entries = (
                await session.scalars(
                    select(t.MinuteEntry)
                    .where(
                        t.MinuteEntry.meeting_id == meeting.id,
                        t.MinuteEntry.kind == EntryKind.MINUTE,
                        # Withdrawn as recorded in error (issue 16): kept, not minuted.
                        t.MinuteEntry.withdrawn_at.is_(None),
                    )
                    .order_by(t.MinuteEntry.id)
                )
            ).all()
            authors = await member_names(session, (e.author_member_id for e in entries))
            minutes = tuple(
                (
                    item.id,
                    tuple(
                        EntryView(
                            e.id,
                            EntryKind.MINUTE,
                            e.text,
                            authors.get(e.author_member_id, ""),
                            corrected=e.corrected_at is not None,
                        )
                        for e in entries
                        if e.item_id == item.id
                    ),
                )
                for item in view.items
            )
            rounds = tuple(
                [
                    await round_view(session, r, key_codes=self.key_agencies)
                    for r in await session.scalars(
                        select(t.ShareRound)
                        .where(t.ShareRound.meeting_id == meeting.id)
                        .order_by(t.ShareRound.id)
                    )
                ]
            )
            sees = meeting.locality_id in await persons_in(
                session, caller.member, {meeting.locality_id: caller.roles}
            )
            parts = await subject_sections(
                session, meeting, view, minutes, rounds, sees_persons=sees, now=self.clock.now()
            )
            doc = MinutesDocumentView(
                meeting=parts.meeting,
                minutes=parts.minutes,
                rounds=parts.rounds,
                challenges=tuple(c for r in parts.rounds for c in r.challenges),
                generated_at=self.clock.now(),
                generated_for=caller.member.name,
                subjects=parts.sections,
            )
        from bot.exports.minutes import DOCX_MEDIA_TYPE, minutes_docx, minutes_filename

        return ExportFile(minutes_filename(doc), DOCX_MEDIA_TYPE, minutes_docx(doc))

    async def report_file(
        self, actor: ActorRef, params: Mapping[str, object], fmt: str
    ) -> ExportFile:
        """The performance report (issue 16) of the report page's period and group, built
        for the person signed in, who must be allowed it."""
        report = await ReportService(self.store, self.clock, self.key_agencies).for_member(
            actor, period_from_data(dict(params)), _text_param(params.get("locality"))
        )
        return report_export(report, fmt)


def _text_param(value: object) -> str | None:
    return value.strip()[:120] or None if isinstance(value, str) else None


def report_export(report: PerformanceReport, fmt: str) -> ExportFile:
    """The report's workbook (``xlsx``) or its Word summary (``docx``)."""
    from bot.exports.report_xlsx import report_filename, report_xlsx

    if fmt == "docx":
        from bot.exports.minutes import DOCX_MEDIA_TYPE
        from bot.exports.report_docx import report_docx

        return ExportFile(report_filename(report, "docx"), DOCX_MEDIA_TYPE, report_docx(report))
    return ExportFile(report_filename(report, "xlsx"), XLSX_MEDIA_TYPE, report_xlsx(report))
