"""Charts: real PNGs of the stated size, in the Okabe-Ito palette, with alt text that states the numbers."""

from __future__ import annotations

import base64
import datetime as dt
import io
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from PIL import Image

from domain import charts as c
from domain.charts import MonthFigures, PartnerCredit

ROOT = Path(__file__).resolve().parent.parent


def png_size(png: bytes) -> tuple[int, int]:
    """(width, height) from the IHDR chunk, after checking the signature, every chunk's CRC and the IEND."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    at, chunks, size = 8, [], (0, 0)
    while at < len(png):
        (length,) = struct.unpack(">I", png[at : at + 4])
        kind, data = png[at + 4 : at + 8], png[at + 8 : at + 8 + length]
        (crc,) = struct.unpack(">I", png[at + 8 + length : at + 12 + length])
        assert zlib.crc32(kind + data) == crc, f"bad CRC in {kind!r}"
        if kind == b"IHDR":
            size = struct.unpack(">II", data[:8])
        chunks.append(kind)
        at += 12 + length
    assert chunks[0] == b"IHDR" and chunks[-1] == b"IEND" and b"IDAT" in chunks
    return size


def year_of_months(shares_from: int = 4, shares_to: int = 19) -> list[MonthFigures]:
    """December 2025 to November 2026: shares rising steadily, requests falling, a gap in the median."""
    firsts = [dt.date(2025, 12, 1)] + [dt.date(2026, m, 1) for m in range(1, 12)]
    step = (shares_to - shares_from) / 11
    return [
        MonthFigures(
            month=first,
            shares=round(shares_from + i * step),
            requests=8 - i // 2,
            offers=5,
            resolved=i % 3,
            median_days_to_help=None if i in (1, 4) else 6 - i * 0.5,
            agreements_started=1 if i % 4 == 0 else 0,
            agreements_ended=1 if i == 11 else 0,
            reviews_on_time=2,
            reviews_late=1 if i in (3, 7) else 0,
        )
        for i, first in enumerate(firsts)
    ]


def colours(png: bytes) -> set[tuple[int, int, int]]:
    image = Image.open(io.BytesIO(png)).convert("RGB")
    return {colour for _, colour in image.getcolors(maxcolors=1 << 20)}


def rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


@pytest.mark.parametrize(
    "chart",
    [
        lambda: c.activity_chart(year_of_months()),
        lambda: c.time_to_help_chart(year_of_months()),
        lambda: c.agreements_chart(year_of_months()),
        lambda: c.partner_credit_chart([PartnerCredit("Riverside Trust", 5)]),
        lambda: c.activity_chart([]),
        lambda: c.time_to_help_chart([]),
        lambda: c.agreements_chart([]),
        lambda: c.partner_credit_chart([]),
    ],
    ids=["activity", "time", "agreements", "partners", "activity-empty", "time-empty", "agreements-empty", "none"],
)
def test_every_chart_is_a_valid_png_of_the_stated_size_with_alt_text(chart):
    made = chart()
    assert (made.width, made.height) == (c.WIDTH, c.HEIGHT) == (1200, 600)
    assert png_size(made.png) == (1200, 600)
    assert made.title.lower() in made.alt_text.lower()
    # A bound for every chart at once: its alt text says more than its title (each chart's words: tests below).
    assert len(made.alt_text) > len(made.title) + 20


def test_activity_alt_text_states_the_numbers_in_words():
    alt = c.activity_chart(year_of_months(4, 19)).alt_text
    assert alt.startswith("Activity per month, December 2025 to November 2026: shares rose from 4 to 19 (")
    total = sum(m.shares for m in year_of_months(4, 19))
    assert f"({total} in all, most in November 2026 with 19)" in alt
    assert "requests fell from 8 to 3" in alt
    assert "offers of help stayed at 5 a month (60 in all)" in alt


def test_activity_chart_draws_each_series_in_its_okabe_ito_colour():
    seen = colours(c.activity_chart(year_of_months()).png)
    for colour in (c.BLUE, c.ORANGE, c.GREEN, c.VERMILLION):
        assert rgb(colour) in seen


def test_a_single_month_is_described_without_a_trend():
    alt = c.activity_chart([MonthFigures(dt.date(2026, 11, 1), shares=3, requests=1)]).alt_text
    assert alt == (
        "Activity per month, November 2026: 3 shares; 1 request; no offers of help; no collaborations resolved."
    )


def test_no_months_or_only_zeros_give_a_chart_that_says_there_is_nothing_yet():
    zeros = [MonthFigures(dt.date(2026, m, 1)) for m in range(1, 4)]
    for chart in (c.activity_chart([]), c.activity_chart(zeros)):
        assert "nothing to show yet" in chart.alt_text
        assert png_size(chart.png) == (1200, 600)
    assert c.activity_chart(zeros).alt_text.startswith("Activity per month, January 2026 to March 2026: nothing")


def test_time_to_help_names_the_months_when_no_request_found_help():
    alt = c.time_to_help_chart(year_of_months()).alt_text
    assert alt.startswith("Median days for a request to find help, December 2025 to November 2026: ")
    assert "6 days in December 2025 and 0.5 days in November 2026" in alt
    assert "quickest 0.5 days in November 2026, slowest 6 days in December 2025" in alt
    assert alt.endswith("no request found help in January 2026 and April 2026.")


def test_time_to_help_with_no_median_at_all_is_empty():
    months = [MonthFigures(dt.date(2026, 10, 1), requests=3), MonthFigures(dt.date(2026, 11, 1), requests=2)]
    assert "nothing to show yet. No request has found help yet." in c.time_to_help_chart(months).alt_text


def test_agreements_alt_text_totals_started_ended_and_reviews():
    alt = c.agreements_chart(year_of_months()).alt_text
    assert "3 agreements started and 1 ended; 24 reviews on time and 2 late" in alt
    assert "most agreements started in December 2025 (1)" in alt


def test_partner_chart_lists_the_most_credited_first_and_groups_the_rest():
    partners = [PartnerCredit(f"Org {i:02d}", 1) for i in range(12)] + [
        PartnerCredit("Riverside Trust", 9),
        PartnerCredit("Northside Youth Service", 4),
        PartnerCredit("Never credited", 0),
    ]
    alt = c.partner_credit_chart(partners).alt_text
    assert alt.startswith("Credit across partner organisations: Riverside Trust 9, Northside Youth Service 4, Org 00 1")
    # Nine bars by name (Riverside, Northside and seven Orgs), the tenth for the five others.
    assert "Org 06 1, and 5 more organisations with 5 credits between them" in alt
    assert alt.endswith("(25 credits across 14 organisations).")


def test_partner_names_are_drawn_as_typed_not_as_maths():
    chart = c.partner_credit_chart([PartnerCredit(r"Fund $\frac{1}{$ for youth", 2)])
    assert png_size(chart.png) == (1200, 600)
    assert r"Fund $\frac{1}{$ for youth 2" in chart.alt_text


def test_data_uri_carries_the_png():
    chart = c.partner_credit_chart([PartnerCredit("Riverside Trust", 2)])
    prefix = "data:image/png;base64,"
    assert chart.data_uri.startswith(prefix)
    assert base64.b64decode(chart.data_uri[len(prefix) :]) == chart.png


def test_standard_charts_are_keyed_as_the_documents_expect():
    made = c.standard_charts(year_of_months(), [PartnerCredit("Riverside Trust", 2)])
    assert list(made) == [c.ACTIVITY, c.TIME_TO_HELP, c.AGREEMENTS, c.PARTNERS]


def test_importing_the_module_does_not_import_matplotlib():
    code = "import sys, domain.charts; print('matplotlib' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
