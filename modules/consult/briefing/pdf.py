"""The printable page as a PDF, by WeasyPrint: A4 pages, Chinese set in the CJK font the
page's font-family names (.ci/run installs WenQuanYi Micro Hei), the SVG map drawn as
vectors. Nothing is fetched: the page refers to no file or address, and the fetcher it is
given allows no protocol, so a slip would be a missing picture, not a request."""

from __future__ import annotations


def briefing_pdf(doc: dict) -> bytes:
    """The briefing as PDF bytes, from the snapshot document only."""
    # WeasyPrint loads Pango and the fonts when imported: only the PDF pays for it.
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    from modules.consult.briefing.print_page import print_html

    fetcher = URLFetcher(allowed_protocols=())
    return HTML(string=print_html(doc), url_fetcher=fetcher).write_pdf()
