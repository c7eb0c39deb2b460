"""The marking on every printed page, checked on a real rendering (LibreOffice to PDF).

python-docx can only show that the one section's header and footer hold the marking;
this shows that a word processor actually prints them on every page, page numbers
included. Skipped where LibreOffice or poppler's pdftotext is not installed.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from bot.domain.model import MinutesStatus
from bot.exports.minutes import DRAFT_MARKING, minutes_docx
from tests.exports.views_testkit import make_minutes

MARKING = "OFFICIAL-SENSITIVE – not for onward disclosure"
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
PDFTOTEXT = shutil.which("pdftotext")

pytestmark = pytest.mark.skipif(
    not (SOFFICE and PDFTOTEXT), reason="needs LibreOffice and pdftotext"
)


def pdf_pages(docx: bytes, folder: Path) -> list[str]:
    source = folder / "minutes.docx"
    source.write_bytes(docx)
    profile = (folder / "profile").as_uri()  # a private profile: safe beside other workers
    subprocess.run(
        [
            str(SOFFICE),
            "--headless",
            f"-env:UserInstallation={profile}",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    text = subprocess.run(
        [str(PDFTOTEXT), "-layout", str(folder / "minutes.pdf"), "-"],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    return [page for page in text.split("\f") if page.strip()]


@pytest.mark.parametrize("status", [MinutesStatus.DRAFT, MinutesStatus.AGREED])
def test_every_printed_page_carries_the_marking_and_its_number(
    status: MinutesStatus, tmp_path: Path
) -> None:
    doc = make_minutes(minutes_status=status, minutes_per_item=4, minute_chars=600)
    pages = pdf_pages(minutes_docx(doc), tmp_path)

    assert len(pages) > 2
    for number, page in enumerate(pages, start=1):
        assert page.count(MARKING) >= 2, f"page {number}: header and footer"
        assert f"Page {number} of {len(pages)}" in page
        assert (DRAFT_MARKING in page) == (status == MinutesStatus.DRAFT), f"page {number}"
