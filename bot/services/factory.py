"""The store and the services, wired once: ``create_app`` (bot/app.py) and every
``mace-bot`` command take their store from ``build_store`` and their services from
``ServiceFactory``, so each is built the same way wherever it runs.

Each service is built on first use and then shared (the download exports and the chat
use one ``ActionService``): a command builds only what it uses, so ``mace-bot chase run``
opens no Graph client. The caller owns the store and closes it;
``close`` closes what the bundle opened itself (the directory).
"""

from __future__ import annotations

from functools import cached_property

from bot.config import Settings
from bot.domain.calendar import WorkingCalendar
from bot.domain.clock import Clock
from bot.graph.client import build_directory
from bot.graph.directory import Directory
from bot.services.action_control import ActionControlService
from bot.services.actions import ActionService
from bot.services.briefs import BriefService
from bot.services.chasing import ChaseService
from bot.services.contacts import ContactService
from bot.services.corrections import CorrectionService
from bot.services.dashboard import DashboardService
from bot.services.directory import AppInstaller
from bot.services.escalations import EscalationService
from bot.services.exports import ExportService
from bot.services.groups import GroupService
from bot.services.legal_holds import LegalHoldService
from bot.services.meeting_hints import MeetingHintService
from bot.services.meetings import MeetingService
from bot.services.members import MemberAdmin
from bot.services.membership_sync import MembershipSync
from bot.services.minutes_reads import MinutesReads
from bot.services.ratings import MeetingRatings
from bot.services.register import RegisterService
from bot.services.register_moves import RegisterMoves
from bot.services.register_reads import RegisterReads
from bot.services.report import ReportService
from bot.services.retention import RetentionService
from bot.services.rounds import RoundService
from bot.services.subject_access import SubjectAccessService
from bot.store.crypto import load_key_ring
from bot.store.db import Store, make_engine, sqlite_url


def build_store(settings: Settings) -> Store:
    """The store the settings name: ``DATABASE_URL``, or SQLite in the data folder."""
    url = settings.database_url or sqlite_url(settings.data_dir)
    engine = make_engine(url, timeout=settings.database_timeout)
    return Store(engine, load_key_ring(settings.data_keys, settings.data_dir))


class ServiceFactory:
    """Every service of the bot over one store and clock (see the module's docstring).

    ``operator`` is who the audit trail names for member changes made outside a chat turn:
    ``"system"`` in the bot, ``cli:<operating-system user>`` from the command line."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        clock: Clock,
        *,
        calendar: WorkingCalendar | None = None,
        operator: str = "system",
    ) -> None:
        self.settings = settings
        self.store = store
        self.clock = clock
        self.calendar = calendar or WorkingCalendar()
        self.operator = operator

    @cached_property
    def directory(self) -> Directory:
        """Graph, or ``NullDirectory`` when not configured (``directory.enabled``)."""
        return build_directory(self.settings)

    @cached_property
    def installer(self) -> AppInstaller:
        return AppInstaller(self.store, self.directory, self.settings.teams_app_id)

    @cached_property
    def actions(self) -> ActionService:
        return ActionService(
            self.store,
            self.clock,
            self.settings.key_agencies,
            self.calendar.working_days_between,
        )

    @cached_property
    def exports(self) -> ExportService:
        return ExportService(self.store, self.clock, self.actions, self.settings.key_agencies)

    @cached_property
    def groups(self) -> GroupService:
        return GroupService(self.store, self.clock)

    @cached_property
    def meetings(self) -> MeetingService:
        return MeetingService(self.store, self.clock, self.settings.key_agencies)

    @cached_property
    def rounds(self) -> RoundService:
        return RoundService(self.store, self.clock, self.settings.key_agencies)

    @cached_property
    def members(self) -> MemberAdmin:
        return MemberAdmin(self.store, self.clock, operator=self.operator, directory=self.directory)

    @cached_property
    def hints(self) -> MeetingHintService:
        return MeetingHintService(self.store, self.clock, self.settings.key_agencies)

    @cached_property
    def contacts(self) -> ContactService:
        return ContactService(self.store, self.clock)

    @cached_property
    def chase(self) -> ChaseService:
        return ChaseService(self.store, self.clock, self.calendar)

    @cached_property
    def briefs(self) -> BriefService:
        return BriefService(self.store, self.clock, self.calendar)

    @cached_property
    def retention(self) -> RetentionService:
        return RetentionService(self.store, self.clock, self.settings.retention)

    @cached_property
    def legal_holds(self) -> LegalHoldService:
        return LegalHoldService(self.store, self.clock)

    @cached_property
    def membership_sync(self) -> MembershipSync:
        return MembershipSync(
            self.store,
            self.directory,
            self.clock,
            team_ids=dict(self.settings.graph_team_ids),
        )

    @cached_property
    def subject_access(self) -> SubjectAccessService:
        return SubjectAccessService(self.store, self.clock)

    # The register's writes (issue 15).
    @cached_property
    def register_edits(self) -> RegisterService:
        return RegisterService(self.store, self.clock)

    @cached_property
    def register_moves(self) -> RegisterMoves:
        return RegisterMoves(self.store, self.clock)

    # Corrections before the minutes are agreed (issue 16).
    @cached_property
    def corrections(self) -> CorrectionService:
        return CorrectionService(self.store, self.clock, self.settings.key_agencies)

    # Escalation beyond the locality (issue 16).
    @cached_property
    def escalations(self) -> EscalationService:
        return EscalationService(self.store, self.clock)

    async def close(self) -> None:
        """Close what the bundle opened (the directory's client, if it was built); the
        store is its owner's to close."""
        if "directory" in self.__dict__:
            await self.directory.close()

    # The register, read side (issue 15).

    @cached_property
    def register_reads(self) -> RegisterReads:
        return RegisterReads(self.store, self.clock)

    # The chair's control of actions (issue 16).
    @cached_property
    def action_control(self) -> ActionControlService:
        return ActionControlService(self.store, self.clock, self.settings.key_agencies)

    # The performance report (issue 16, point 8).
    @cached_property
    def reports(self) -> ReportService:
        return ReportService(self.store, self.clock, self.settings.key_agencies)

    # The locality dashboard on the pages (issue 17).
    @cached_property
    def dashboard(self) -> DashboardService:
        return DashboardService(self.store, self.clock, self.settings.key_agencies)

    # Minutes in a personal chat (issue 16).

    @cached_property
    def minutes_reads(self) -> MinutesReads:
        return MinutesReads(self.store, self.clock, self.settings.key_agencies)

    @cached_property
    def ratings(self) -> MeetingRatings:
        return MeetingRatings(self.store, self.clock)
