"""Files a chair or coordinator downloads: outstanding actions (CSV, XLSX), minutes and the
performance report (Word, XLSX), a subject access export (Word).

The renderers here are pure functions of the read models in ``bot.domain.views``: they
never query the store, call Teams or check access. Whoever serves the bytes (a signed link,
a file card in personal chat, the command line) has already decided that this person may
see exactly these rows, and has written the export to the audit log. Keeping rendering
apart from that decision means a test can build any document from literals, and a change
of layout can never widen what somebody sees.

This package imports none of its modules: the Word and Excel renderers load python-docx
and openpyxl, which a serving process needs only when someone downloads a file. The
services import a renderer where they build its file, so ``mace-bot serve`` starts, and
stays, without them until then (issue 18: a new instance answers ``/readyz`` in under 2 s).
``bot.exports.actions`` (the columns, file names, media types and the CSV) and
``bot.exports._text`` load neither.
"""
