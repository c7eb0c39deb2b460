"""Files a chair or coordinator downloads: outstanding actions (CSV, XLSX) and minutes (Word).

The renderers here are pure functions of the read models in ``bot.domain.views``: they
never query the store, call Teams or check access. Whoever serves the bytes (a signed link,
a file card in personal chat, the command line) has already decided that this person may
see exactly these rows, and has written the export to the audit log. Keeping rendering
apart from that decision means a test can build any document from literals, and a change
of layout can never widen what somebody sees.
"""

from __future__ import annotations

from bot.exports.actions import (
    ACTION_COLUMNS,
    CSV_MEDIA_TYPE,
    XLSX_MEDIA_TYPE,
    actions_csv,
    actions_filename,
    actions_xlsx,
)
from bot.exports.minutes import DOCX_MEDIA_TYPE, minutes_docx, minutes_filename

__all__ = [
    "ACTION_COLUMNS",
    "CSV_MEDIA_TYPE",
    "DOCX_MEDIA_TYPE",
    "XLSX_MEDIA_TYPE",
    "actions_csv",
    "actions_filename",
    "actions_xlsx",
    "minutes_docx",
    "minutes_filename",
]
