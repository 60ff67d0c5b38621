"""The round report as a printable A4 PDF, read back as text."""

import io
import time

import pytest
from pypdf import PdfReader

from bma.exports.report import round_figures
from bma.exports.report_document import report_pdf

pytestmark = pytest.mark.django_db


def pdf_text(data: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(data))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


def test_the_pdf_is_a4_in_the_published_order_with_the_key_figures(departures):
    figures = round_figures(departures)
    started = time.monotonic()
    reader, text = pdf_text(report_pdf(figures))
    print(f"PDF of {figures['communities']} villages: {time.monotonic() - started:.2f} s, {len(reader.pages)} pages")
    width, height = (float(v) for v in reader.pages[0].mediabox[2:])
    assert (round(width * 25.4 / 72), round(height * 25.4 / 72)) == (210, 297)
    headings = [
        "Baseline Mobility Assessment",
        "Summary of key findings",
        "International migrant workers",
        "Availability of services within the community",
        "Methodology",
        "Disclaimer",
    ]
    positions = [text.index(h) for h in headings]
    assert positions == sorted(positions)
    assert f"Communities assessed {figures['communities']}" in text
    ret = next(p for p in figures["populations"] if p["code"] == "ret")
    assert f"confirmed {ret['total']:,} return migrants" in " ".join(text.split())
    assert "Households that left" in text and str(figures["departures"]["total"]["households_left"]) in text


def test_the_pdf_speaks_the_cyrillic_the_gazetteer_and_forms_use(departures, settings):
    settings.BMA_REPORT_DISCLAIMER = "Маълумот аз рӯи баҳодиҳии иттилоотдиҳандагон. Данные оценок информаторов."
    reader, text = pdf_text(report_pdf(round_figures(departures)))
    assert "Маълумот аз рӯи баҳодиҳии иттилоотдиҳандагон." in " ".join(text.split())
    # The shipped fonts (named in the stylesheet as "BMA Sans"), not whatever the machine falls back to.
    fonts = {str(font["/BaseFont"]) for page in reader.pages for font in page["/Resources"]["/Font"].values()}
    assert fonts and all(name.split("+")[-1] in ("DejaVu-Sans", "DejaVu-Sans-Bold") for name in fonts), fonts


def test_coordinators_download_the_pdf(client, departures, personas):
    client.force_login(personas.coordinator)
    response = client.get(f"/reports/rounds/{departures.number}/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response).startswith(b"%PDF")
    client.force_login(personas.supervisor)
    assert client.get(f"/reports/rounds/{departures.number}/pdf/").status_code == 403


def test_a_long_label_gets_the_room_it_needs():
    import re

    from bma.exports.svg import CHAR_WIDTH, bar_chart

    label = "Family issues (reunification, marriage)"
    svg = bar_chart([(label, 50.0), ("Employment", 50.0)], unit="%")
    bar_x = int(re.search(r'<rect x="(\d+)"', svg).group(1))
    label_end = int(re.search(r'<text x="(\d+)"[^>]*text-anchor="end"', svg).group(1))
    assert label_end - len(label) * CHAR_WIDTH >= 0  # the label starts inside the picture
    assert bar_x > label_end


def test_the_map_draws_one_dot_per_cell_coloured_by_province_without_network():
    import re

    from bma.exports.svg import points_map

    points = [(39.53, 68.98, "Sughd")] * 1000 + [(37.80, 68.78, "Khatlon"), (37.81, 68.79, "Khatlon")]
    svg = points_map(points)
    circles = re.findall(r'<circle cx="[\d.]+" cy="[\d.]+" r="([\d.]+)" fill="(#\w+)" fill-opacity', svg)
    assert len(circles) == 2  # 1,000 communities in one place are one dot, the two in Khatlon another
    assert float(circles[0][0]) != float(circles[1][0]) and circles[0][1] != circles[1][1]
    assert "1,002 communities" in svg and "http" not in svg.replace("http://www.w3.org/2000/svg", "")


def test_the_report_page_shows_the_map_of_its_communities(client, departures, personas):
    client.force_login(personas.coordinator)
    page = client.get(f"/reports/rounds/{departures.number}/").content.decode()
    assert 'aria-label="Map of the assessed communities"' in page and "communities</text>" in page


def test_the_map_draws_the_country_outline_with_a_legend_and_axis_labels_that_fit():
    import re

    from bma.exports.svg import LEGEND_CHAR_WIDTH, country_rings, points_map

    long_name = "Ноҳияҳои тобеи ҷумҳурӣ (Districts of Republican Subordination)"
    points = [(38.56, 68.77, "TJ-RR"), (40.28, 69.62, "TJ-SU")]
    svg = points_map(points, labels={"TJ-RR": long_name, "TJ-SU": "Вилояти Суғд"})
    assert len(country_rings()) >= 1 and '<polygon class="outline"' in svg  # shipped file, nothing fetched
    width = float(re.search(r'<svg[^>]* width="([\d.]+)"', svg).group(1))
    frame = re.search(r'<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"', svg).groups()
    left, top, frame_w, frame_h = (float(v) for v in frame)
    # The legend's names, in the language given, end inside the picture.
    for x, text in re.findall(r'<text x="([\d.]+)" y="[\d.]+">([^<]+)</text>', svg):
        assert float(x) + len(text) * LEGEND_CHAR_WIDTH <= width, text
    assert long_name in svg
    # Every grid label and the whole outline lie inside the frame.
    for x, y in re.findall(r'<text x="([\d.]+)" y="([\d.]+)" fill="#777">', svg):
        assert left <= float(x) <= left + frame_w and top <= float(y) <= top + frame_h
    for points_attr in re.findall(r'<polygon class="outline" points="([^"]+)"', svg):
        for pair in points_attr.split():
            x, y = (float(v) for v in pair.split(","))
            assert left <= x <= left + frame_w and top <= y <= top + frame_h
