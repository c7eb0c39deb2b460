"""The text commands, in plain words, and how typed text is matched to them.

This table is the single source for ``help`` and for docs/commands.md (a test keeps the
page in step with it). Matching is forgiving: case, punctuation, the @mention Teams puts
in front of a channel message and a few natural variants are all accepted.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from enum import StrEnum

from bot.domain.action_refs import is_bare_reference


class Command(StrEnum):
    HELP = "help"
    SETUP = "setup"
    START_MEETING = "start meeting"
    AGENDA = "agenda"
    HERE = "here"
    NEXT_ITEM = "next item"
    PREVIOUS_ITEM = "previous item"
    SHARE_ROUND = "share round"
    CLOSE_ROUND = "close round"
    SHOW_ROUND = "show round"
    CHALLENGES = "challenges"
    END_MEETING = "end meeting"
    MY_ACTIONS = "my actions"
    OUTSTANDING = "outstanding actions"
    MEMBERS = "members"
    # The register, read side (issue 15).
    SUBJECT = "subject"
    SUBJECTS = "subjects"
    ADD_SUBJECT = "add subject"
    # An action by its reference (issue 16): "action A-36", or "A-36" alone.
    ACTION = "action"
    # The performance report (issue 16, point 8).
    REPORT = "report"
    # Escalation beyond the locality (issue 16).
    ESCALATIONS = "escalations"
    # Minutes in a personal chat (issue 16).
    MINUTES = "minutes"


@dataclass(frozen=True, slots=True)
class CommandInfo:
    command: Command
    summary: str
    who: str
    aliases: tuple[str, ...] = ()


COMMANDS: tuple[CommandInfo, ...] = (
    CommandInfo(
        Command.HELP,
        "Explains what I can do and how.",
        "Anyone",
        ("?", "commands", "what can you do"),
    ),
    CommandInfo(
        Command.SETUP,
        "Links this channel or chat to a MACE locality group. Until it "
        "is linked I record nothing here.",
        "An administrator or the group's chair",
        ("link", "link group"),
    ),
    CommandInfo(
        Command.START_MEETING,
        "Starts the locality meeting and posts the agenda card. "
        "Item 3 lists every action still open from earlier meetings.",
        "Chair or deputy chair",
        ("start", "start the meeting", "begin meeting"),
    ),
    CommandInfo(
        Command.AGENDA,
        "Posts the current agenda card again (handy if it has scrolled away).",
        "Any member of the group",
        ("show agenda", "card", "show meeting"),
    ),
    CommandInfo(
        Command.HERE,
        "Records you, and so your agency, as present at the meeting.",
        "Any member of the group",
        ("present", "i'm here", "im here", "i am here"),
    ),
    CommandInfo(
        Command.NEXT_ITEM,
        "Moves the meeting to the next agenda item.",
        "Chair or deputy chair",
        ("next",),
    ),
    CommandInfo(
        Command.PREVIOUS_ITEM,
        "Moves the meeting back to the previous item.",
        "Chair or deputy chair",
        ("previous", "back"),
    ),
    CommandInfo(
        Command.SHARE_ROUND,
        "Opens a share-and-challenge round on the current item: "
        "every agency present is asked to share, say it has nothing to share, "
        "or challenge.",
        "Chair or deputy chair",
        ("start round", "open round", "share and challenge", "round"),
    ),
    CommandInfo(
        Command.CLOSE_ROUND,
        "Closes the open round and posts its summary.",
        "Chair or deputy chair",
        ("end round",),
    ),
    CommandInfo(
        Command.SHOW_ROUND,
        "Posts the open round's card again here, for anyone who cannot find it in the "
        "conversation, so they can answer for their agency on it.",
        "Any member of the group",
        ("round card", "show the round", "where is the round"),
    ),
    CommandInfo(
        Command.CHALLENGES,
        "Lists the group's open challenges, so a response and resolution can be recorded.",
        "Any member of the group",
        ("open challenges",),
    ),
    CommandInfo(
        Command.END_MEETING,
        "Ends the meeting: asks for the next meeting date, then "
        "posts the summary. The minutes stay a draft until the next meeting agrees "
        "them.",
        "Chair or deputy chair",
        ("end", "finish meeting", "close meeting"),
    ),
    CommandInfo(
        Command.MY_ACTIONS,
        "In a personal chat: your open actions, soonest due first, with buttons to add an "
        "update, mark one done, ask the chair for a new date, or hand it to a colleague in "
        "your agency.",
        "Anyone who owns actions",
        ("actions", "my tasks", "show my actions"),
    ),
    CommandInfo(
        Command.OUTSTANDING,
        "In a personal chat: the open actions you may see, with filters in plain words: "
        "**in** _group_, **for** _agency_, **owned by** _name_, **overdue**, "
        "**due before** _date_, **page** _n_.",
        "Coordinators, chairs and agency leads (anyone else sees their own)",
        ("outstanding", "open actions", "overdue actions"),
    ),
    CommandInfo(
        Command.MEMBERS,
        "In a personal chat: a locality group's members and their roles, with a form to "
        "grant a role and a button to remove each one.",
        "An administrator",
        ("manage members", "member admin", "roles"),
    ),
    # The register, read side (issue 15).
    CommandInfo(
        Command.SUBJECT,
        "In a personal chat: a subject's card by its reference (**subject CR-0107**): risk "
        "and its history, strands, links and their risk, open actions, decisions, the "
        "meetings it was discussed in and the round answers about it.",
        "Any member of the group (persons of concern: police and chairs unless the group "
        "allows more)",
        ("show subject", "find subject"),
    ),
    CommandInfo(
        Command.SUBJECTS,
        "In a personal chat: the register of your groups, riskiest first, with filters in "
        "plain words: **in** _group_, **children**, **persons of concern**, "
        "**locations of concern**, **groups**, **themes**, **high risk**, "
        "**very high risk**, **medium risk**, **low risk**, **not discussed for** _n_ "
        "**weeks**/**months**, **strand** _name_, **closed**, **page** _n_.",
        "Any member of the group (persons of concern: police and chairs unless the group "
        "allows more)",
        (
            "register",
            "children",
            "persons of concern",
            "locations of concern",
            "high risk",
            "very high risk",
            "not discussed for",
        ),
    ),
    CommandInfo(
        Command.ADD_SUBJECT,
        "In a personal chat: the form to add a child, a person of concern, a location, a "
        "group or a theme to one of your groups' registers (risk, lead agency and strands "
        "optional).",
        "Chair, deputy chair or minute-taker of the group",
        ("add to register", "new subject", "register add"),
    ),
    CommandInfo(
        Command.ACTION,
        "In a personal chat: an action's card by its reference, as reminders name it "
        "(**A-36**, **a36**, **A 36** or **action A-36**): what, whose, when due, its status "
        "and history. Chairs, deputies and coordinators can review it there.",
        "Its owner, their agency's lead, the group's chair, deputy chair or coordinator",
        ("show action", "open action"),
    ),
    # The performance report (issue 16, point 8).
    CommandInfo(
        Command.REPORT,
        "In a personal chat: the performance report of your groups (counts only: "
        "meetings, attendance, actions, challenges, escalations, subjects by risk, the "
        "meetings' ratings), with the workbook and a Word summary to download. Alone: "
        "this financial year so far; or **last quarter**, **last month**, **last year**, "
        "_date_ **to** _date_; and **for** _group_.",
        "Coordinators",
        ("performance report",),
    ),
    # Escalation beyond the locality (issue 16).
    CommandInfo(
        Command.ESCALATIONS,
        "In a personal chat: the escalations to the MACE Operational and Strategic groups "
        "not yet closed, by group, with their age; open one to read it, record the group's "
        "response, or close it.",
        "Chairs, deputy chairs and coordinators of the group, and members of the "
        "Operational and Strategic groups (each sees only theirs)",
        ("open escalations", "show escalations"),
    ),
    # Minutes in a personal chat (issue 16).
    CommandInfo(
        Command.MINUTES,
        "In a personal chat: your groups' past meetings, newest first, each with its "
        "decisions and actions and its minutes as a Word document (marked DRAFT until the "
        "next meeting agrees them).",
        "Any member of the group",
        ("past meetings", "meeting minutes", "show minutes", "draft minutes"),
    ),
)

_MENTION = re.compile(r"<at>.*?</at>", re.IGNORECASE | re.DOTALL)
_LOOKUP: dict[str, Command] = {}
for _info in COMMANDS:
    _LOOKUP[_info.command.value] = _info.command
    for _alias in _info.aliases:
        _LOOKUP[_alias] = _info.command


def normalise(text: str | None) -> str:
    """Strip the bot's @mention, tags, punctuation at the ends and repeated spaces."""
    if not text:
        return ""
    cleaned = _MENTION.sub(" ", text)
    cleaned = re.sub(r"<[^>]+>", " ", cleaned)
    cleaned = cleaned.replace("&nbsp;", " ").replace("\u2019", "'")
    cleaned = re.sub(r"\s+", " ", cleaned).strip().lower()
    return cleaned.strip(" .!,;:")


#: Commands that may be followed by words of their own (filters).
TAKES_WORDS = frozenset(
    {Command.OUTSTANDING, Command.SUBJECT, Command.SUBJECTS, Command.ACTION, Command.REPORT}
)

#: Aliases that are filters themselves: their words are kept, typed alone or followed by
#: more ("overdue actions in Whitby" is "outstanding actions overdue in Whitby").
CARRIES_WORDS: dict[str, str] = {
    "overdue actions": "overdue",
    # The register (issue 15): "high risk", "locations of concern", "not discussed for 3
    # months" typed alone are "subjects" with those words.
    "children": "children",
    "persons of concern": "persons of concern",
    "locations of concern": "locations of concern",
    "high risk": "high risk",
    "very high risk": "very high risk",
    "not discussed for": "not discussed for",
}


def parse(text: str | None) -> Command | None:
    return split(text)[0]


def split(text: str | None) -> tuple[Command | None, str]:
    """The command and, for one that takes them, the words after it."""
    words = normalise(text)
    words = words.removeprefix("please ")
    if is_bare_reference(words):
        # An action's reference typed on its own ("A-36"): reminders name actions so.
        return Command.ACTION, words
    if words in _LOOKUP:
        return _LOOKUP[words], CARRIES_WORDS.get(words, "")
    for phrase in sorted(_LOOKUP, key=len, reverse=True):
        command = _LOOKUP[phrase]
        if command in TAKES_WORDS and words.startswith(phrase + " "):
            rest = words[len(phrase) + 1 :]
            if phrase in CARRIES_WORDS:
                rest = CARRIES_WORDS[phrase] + " " + rest
            return command, rest
    return None, ""


def suggest(text: str | None) -> str | None:
    """The command the person most likely meant, for a helpful 'did you mean'."""
    words = normalise(text)
    match = difflib.get_close_matches(words, list(_LOOKUP), n=1, cutoff=0.6)
    return _LOOKUP[match[0]].value if match else None


def help_text() -> str:
    lines = [
        "**MACE meetings: what I can do**",
        "",
        "In your locality group's channel or chat, mention me and type a command "
        "(in a personal chat, just type it). Most steps are buttons on the agenda card.",
        "",
    ]
    for info in COMMANDS:
        lines.append(f"- **{info.command.value}**: {info.summary} _({info.who}.)_")
    lines += [
        "",
        "Children appear only by case reference and initials (for example CR-0001, A.B.). "
        "Everything you record is saved the moment you enter it.",
    ]
    return "\n".join(lines)
