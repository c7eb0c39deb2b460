"""Every card verb the bot understands, one constant each.

Cards put these in ``Action.Execute.verb`` (and, for clients that fall back to
``Action.Submit``, in ``data.verb``); the dialogs route on them. docs/commands.md lists
each one, and a test keeps that page in step with this module.
"""

from __future__ import annotations

SETUP_LINK = "setup.link"
MEETING_START = "meeting.start"
MEETING_REFRESH = "meeting.refresh"
MEETING_NEXT = "meeting.next"
MEETING_PREVIOUS = "meeting.previous"
MEETING_END = "meeting.end"
ATTENDANCE_SELF = "attendance.self"
ATTENDANCE_RECORD = "attendance.record"
ITEM_MINUTE = "item.minute"
ITEM_DECISION = "item.decision"
ITEM_ACTION_FORM = "item.actionForm"
ITEM_ACTION = "item.action"
MINUTES_AGREE = "minutes.agree"
ROUND_OPEN = "round.open"
ROUND_ANSWER = "round.answer"
ROUND_CLOSE = "round.close"
CHALLENGE_RESPOND = "challenge.respond"
HELP_SHOW = "help.show"
ACTIONS_MINE = "actions.mine"
ACTION_UPDATE = "action.update"
ACTION_DONE = "action.done"
ACTION_REQUEST_DATE = "action.requestDate"
ACTION_HAND_OVER_CHOOSE = "action.handOverChoose"
ACTION_HAND_OVER = "action.handOver"
DATE_REQUEST_SHOW = "dateRequest.show"
DATE_REQUEST_ACCEPT = "dateRequest.accept"
DATE_REQUEST_REFUSE = "dateRequest.refuse"
OUTSTANDING_PAGE = "outstanding.page"
OUTSTANDING_EXPORT = "outstanding.export"
MINUTES_DOWNLOAD = "minutes.download"
MEMBERS_SHOW = "members.show"
MEMBERS_ADD = "members.add"
MEMBERS_REMOVE = "members.remove"
# The register, read side (issue 15): a subject's card, and the next page of a list.
SUBJECT_SHOW = "subject.show"
SUBJECTS_PAGE = "subjects.page"
ITEM_SUBJECT_FORM = "item.subjectForm"
ITEM_SUBJECT_ADD = "item.subjectAdd"
ITEM_SUBJECT_REMOVE = "item.subjectRemove"
ITEM_SUBJECT_MOVE = "item.subjectMove"
# The register's writes (issue 15: dialogs/register_edit.py).
SUBJECT_EDIT = "subject.edit"
SUBJECT_RISK = "subject.risk"
SUBJECT_STATUS = "subject.status"
SUBJECT_DETAILS = "subject.details"
SUBJECT_CHECKS = "subject.checks"
SUBJECT_LINK = "subject.link"
SUBJECT_UNLINK = "subject.unlink"
SUBJECT_ADD_FORM = "subject.addForm"
SUBJECT_ADD = "subject.add"
# A register subject offered to another locality group (issue 15, point 7).
SUBJECT_MOVE_FORM = "subject.moveForm"
SUBJECT_MOVE = "subject.move"
SUBJECT_MOVE_ACCEPT = "subject.moveAccept"
SUBJECT_MOVE_DECLINE = "subject.moveDecline"
# The chair's control of actions, and an action's own card (issue 16, points 1 and 5).
ACTION_SHOW = "action.show"
ITEM_REVIEW_ACTIONS = "item.reviewActions"
ACTION_REVIEW_FORM = "action.reviewForm"
ACTION_REVIEW = "action.review"
# The performance report (issue 16, point 8).
REPORT_DOWNLOAD = "report.download"
# Corrections before the minutes are agreed (issue 16: dialogs/corrections.py).
CORRECTIONS_SHOW = "corrections.show"
CORRECTION_FORM = "correction.form"
CORRECTION_SAVE = "correction.save"
# Escalation beyond the locality (issue 16, point 3; dialogs/escalations.py).
ESCALATE_FORM = "escalation.form"
ESCALATE = "escalation.raise"
ESCALATION_SHOW = "escalation.show"
ESCALATION_RESPOND = "escalation.respond"
ESCALATION_CLOSE = "escalation.close"
# Minutes in a personal chat, for every member (issue 16, point 4).
MINUTES_PAGE = "minutes.page"
MINUTES_SHOW = "minutes.show"
MINUTES_EXPORT = "minutes.export"
# A meeting's evaluation by those who said they were there (issue 16, point 7).
MEETING_RATE = "meeting.rate"

ALL_VERBS: tuple[str, ...] = (
    SETUP_LINK,
    MEETING_START,
    MEETING_REFRESH,
    MEETING_NEXT,
    MEETING_PREVIOUS,
    MEETING_END,
    ATTENDANCE_SELF,
    ATTENDANCE_RECORD,
    ITEM_MINUTE,
    ITEM_DECISION,
    ITEM_ACTION_FORM,
    ITEM_ACTION,
    MINUTES_AGREE,
    ROUND_OPEN,
    ROUND_ANSWER,
    ROUND_CLOSE,
    CHALLENGE_RESPOND,
    HELP_SHOW,
    ACTIONS_MINE,
    ACTION_UPDATE,
    ACTION_DONE,
    ACTION_REQUEST_DATE,
    ACTION_HAND_OVER_CHOOSE,
    ACTION_HAND_OVER,
    DATE_REQUEST_SHOW,
    DATE_REQUEST_ACCEPT,
    DATE_REQUEST_REFUSE,
    OUTSTANDING_PAGE,
    OUTSTANDING_EXPORT,
    MINUTES_DOWNLOAD,
    MEMBERS_SHOW,
    MEMBERS_ADD,
    MEMBERS_REMOVE,
    # The register, read side.
    SUBJECT_SHOW,
    SUBJECTS_PAGE,
    # The subjects discussed under items 4-7 (dialogs/meeting.py).
    ITEM_SUBJECT_FORM,
    ITEM_SUBJECT_ADD,
    ITEM_SUBJECT_REMOVE,
    ITEM_SUBJECT_MOVE,
    SUBJECT_EDIT,
    SUBJECT_RISK,
    SUBJECT_STATUS,
    SUBJECT_DETAILS,
    SUBJECT_CHECKS,
    SUBJECT_LINK,
    SUBJECT_UNLINK,
    SUBJECT_ADD_FORM,
    SUBJECT_ADD,
    SUBJECT_MOVE_FORM,
    SUBJECT_MOVE,
    SUBJECT_MOVE_ACCEPT,
    SUBJECT_MOVE_DECLINE,
    ACTION_SHOW,
    ITEM_REVIEW_ACTIONS,
    ACTION_REVIEW_FORM,
    ACTION_REVIEW,
    REPORT_DOWNLOAD,
    CORRECTIONS_SHOW,
    CORRECTION_FORM,
    CORRECTION_SAVE,
    ESCALATE_FORM,
    ESCALATE,
    ESCALATION_SHOW,
    ESCALATION_RESPOND,
    ESCALATION_CLOSE,
    MINUTES_PAGE,
    MINUTES_SHOW,
    MINUTES_EXPORT,
    MEETING_RATE,
)
