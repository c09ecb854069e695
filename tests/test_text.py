"""Pure text handling: escaping, quick-share parsing, deadlines and personal-data checks."""

from __future__ import annotations

import datetime as dt

import pytest

from domain import text as t


def test_escape_neutralises_everything_slack_gives_meaning_to():
    assert t.escape("<!here> & <@U1> <https://x|y>") == "&lt;!here&gt; &amp; &lt;@U1&gt; &lt;https://x|y&gt;"
    assert t.unescape(t.escape("a < b & c > d")) == "a < b & c > d"


def test_quick_share_finds_tags_and_links_and_undoes_slack_link_markup():
    quick = t.parse_quick_share("Walking bus #Attendance #parents #attendance <https://example.org/a|guide> done.")
    assert quick.tags == ("attendance", "parents")
    assert quick.links == ("https://example.org/a",)
    assert "guide" not in quick.body


def test_html_entities_and_channel_names_are_not_tags():
    assert t.find_tags("Tom &#39; and C#") == ()


def test_form_tags_are_normalised():
    assert t.parse_tags("SEN, Youth voice #mentoring,, ") == ("sen", "youth-voice", "mentoring")


@pytest.mark.parametrize("value", ["example.org", "javascript:alert(1)", "https://a b", "https://x|y"])
def test_form_links_must_be_plain_web_addresses(value):
    with pytest.raises(ValueError, match="https://"):
        t.clean_link(value)


def test_blank_form_link_is_none():
    assert t.clean_link("  ") is None


@pytest.mark.parametrize(
    ("text", "needed_by"),
    [
        ("Hall needed by 2026-12-15", dt.date(2026, 12, 15)),
        ("Hall needed by 15 December", dt.date(2026, 12, 15)),
        ("Hall needed by 3rd March", dt.date(2027, 3, 3)),
        ("Hall needed by 15 Jan 2027.", dt.date(2027, 1, 15)),
        ("Hall needed by 31 February", None),
        ("Hall needed by Friday", None),
    ],
)
def test_a_trailing_by_date_becomes_the_deadline(text, needed_by):
    request = t.parse_quick_request(text, today=dt.date(2026, 11, 27))
    assert request.needed_by == needed_by
    assert request.body == ("Hall needed" if needed_by else text)


def test_shorten_cuts_at_a_word_with_an_ellipsis():
    assert t.shorten("one two three four", 10) == "one two…"
    assert t.shorten("short", 10) == "short"
