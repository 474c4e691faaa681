"""Briefings (简报) of a consultation's snapshot, each rendered from the frozen document
only, never from live data: an offline HTML map (`briefing_html`), an XLSX workbook
(`briefing_xlsx`), a printable A4 page (`print_html`) and its PDF (`briefing_pdf`)."""

from __future__ import annotations

from modules.consult.briefing.html_map import briefing_html
from modules.consult.briefing.pdf import briefing_pdf
from modules.consult.briefing.print_page import print_html
from modules.consult.briefing.workbook import briefing_xlsx

__all__ = ["briefing_html", "briefing_pdf", "briefing_xlsx", "print_html"]
