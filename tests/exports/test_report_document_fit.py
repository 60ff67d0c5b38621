"""Every text of every page of the round report PDF lies inside the A4 page, in every language.

A table wider than the page is not wrapped by the PDF: its last columns are simply cut off (issue 31:
"Families who left entirely, by province" lost one column in Tajik, two in Russian). The layout WeasyPrint
writes into the PDF is read back box by box, and every piece of text must lie within its page."""

import io

import pytest
from django.utils import translation
from pypdf import PdfReader

from bma.exports.report import community_points, previous_round_of, round_figures
from bma.exports.report_document import report_document_layout, report_pdf
from bma.exports.report_language import figures_in_language

pytestmark = pytest.mark.django_db

# A quarter of a point: what rounding of positions may add, far below a cut glyph.
TOLERANCE = 0.25


def text_outside_pages(document) -> list[str]:
    """Each text box (page number, its text, its edges) that leaves its page's box."""
    from weasyprint.formatting_structure import boxes

    outside = []
    for number, page in enumerate(document.pages, start=1):
        width, height = page.width, page.height

        def walk(box, number=number, width=width, height=height):
            if isinstance(box, boxes.TextBox) and box.text.strip():
                left, top = box.position_x, box.position_y
                right, bottom = left + box.width, top + box.height
                if left < -TOLERANCE or top < -TOLERANCE or right > width + TOLERANCE or bottom > height + TOLERANCE:
                    outside.append(f"page {number}: {box.text!r} at x {left:.0f}–{right:.0f} of {width:.0f}")
            for child in box.all_children():
                walk(child)

        walk(page._page_box)
    return outside


def _multiply(a, b):
    """The product a·b of two PDF matrices [a b c d e f]."""
    return [
        a[0] * b[0] + a[1] * b[2],
        a[0] * b[1] + a[1] * b[3],
        a[2] * b[0] + a[3] * b[2],
        a[2] * b[1] + a[3] * b[3],
        a[4] * b[0] + a[5] * b[2] + b[4],
        a[4] * b[1] + a[5] * b[3] + b[5],
    ]


def pdf_text_outside_pages(data: bytes) -> list[str]:
    """The same, read from the written PDF: where each shown text starts (its text matrix under the
    current transformation, followed through q/Q, cm, Tm, Td and TD), against the page's media box."""
    from pypdf.generic import ContentStream

    outside = []
    for number, page in enumerate(PdfReader(io.BytesIO(data)).pages, start=1):
        left, bottom, right, top = (float(v) for v in page.mediabox)
        ctm, stack, line = [1, 0, 0, 1, 0, 0], [], [1, 0, 0, 1, 0, 0]
        for operands, operator in ContentStream(page.get_contents(), page.pdf).operations:
            values = [float(v) for v in operands] if operator in (b"cm", b"Tm", b"Td", b"TD") else []
            if operator == b"q":
                stack.append(ctm)
            elif operator == b"Q":
                ctm = stack.pop()
            elif operator == b"cm":
                ctm = _multiply(values, ctm)
            elif operator == b"BT":
                line = [1, 0, 0, 1, 0, 0]
            elif operator == b"Tm":
                line = values
            elif operator in (b"Td", b"TD"):
                line = _multiply([1, 0, 0, 1, *values], line)
            elif operator in (b"Tj", b"TJ", b"'", b'"'):
                x, y = _multiply(line, ctm)[4:]
                if not (left - TOLERANCE <= x <= right + TOLERANCE and bottom - TOLERANCE <= y <= top + TOLERANCE):
                    outside.append(f"page {number}: text starts at ({x:.0f}, {y:.0f}) of ({right:.0f}, {top:.0f})")
    return outside


@pytest.mark.parametrize("language", ["en", "ru", "tg"])
def test_every_text_of_every_page_lies_inside_the_page(departures, language):
    figures = round_figures(departures, False, previous_round_of(departures))
    points = community_points(departures)
    with translation.override(language):
        shown = figures_in_language(figures, language)
        document = report_document_layout(shown, points)
        data = report_pdf(shown, points)
    assert len(document.pages) > 5
    assert text_outside_pages(document) == []
    assert pdf_text_outside_pages(data) == []


def test_the_check_sees_a_table_cut_by_the_page_edge():
    from weasyprint import HTML

    cells = "".join(f"<td>column{n}</td>" for n in range(40))
    document = HTML(string=f"<table><tr>{cells}</tr></table>").render()
    assert any("column39" in line for line in text_outside_pages(document))
    assert len(pdf_text_outside_pages(document.write_pdf())) > 10  # about half of the 40 cells
