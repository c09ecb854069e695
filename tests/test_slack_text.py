import pytest

from domain.slack_text import DIVIDER, render_blocks, to_plain, to_terminal

USERS = {"U1": "Jo Smith", "U2": "@amir", "S1": "safeguarding-leads"}
CHANNELS = {"C1": "practice-sharing", "C2": "#youth-work"}
BOLD, UNBOLD, ITALIC, UNITALIC, STRIKE, UNSTRIKE = "\x1b[1m", "\x1b[22m", "\x1b[3m", "\x1b[23m", "\x1b[9m", "\x1b[29m"


def plain(mrkdwn: str) -> str:
    return to_plain(mrkdwn, users=USERS, channels=CHANNELS)


def terminal(mrkdwn: str, color: bool = True) -> str:
    return to_terminal(mrkdwn, users=USERS, channels=CHANNELS, color=color)


def render(*blocks: dict, color: bool = False) -> str:
    return "\n".join(render_blocks(list(blocks), users=USERS, channels=CHANNELS, color=color))


def mrkdwn(text: str) -> dict:
    return {"type": "mrkdwn", "text": text}


def plain_text(text: str) -> dict:
    return {"type": "plain_text", "text": text}


def button(label: str, **extra: str) -> dict:
    return {"type": "button", "text": plain_text(label), "action_id": label.lower(), **extra}


# Mentions, channels and broadcasts


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("<@U1>", "@Jo Smith"),
        ("<@U1|jo>", "@Jo Smith"),  # the name we know beats the label Slack sent
        ("<@U2>", "@amir"),  # a name already written with @ gets no second one
        ("<@U9|sam>", "@sam"),
        ("<@U9|@sam>", "@sam"),
        ("<@U9>", "@someone"),
        ("<@W123>", "@someone"),
        ("<#C1>", "#practice-sharing"),
        ("<#C1|old-name>", "#practice-sharing"),
        ("<#C2>", "#youth-work"),
        ("<#C9|leaders>", "#leaders"),
        ("<#C9>", "#channel"),
        ("<!here>", "@here"),
        ("<!here|here>", "@here"),
        ("<!channel>", "@channel"),
        ("<!everyone>", "@everyone"),
        ("<!subteam^S1>", "@safeguarding-leads"),
        ("<!subteam^S9|@team>", "@team"),
        ("<!subteam^S9>", "@group"),
    ],
)
def test_mentions_read_as_names(text: str, words: str) -> None:
    assert plain(text) == words


def test_a_mention_in_a_sentence_reads_naturally() -> None:
    assert plain("Thanks <@U1>, can you share this in <#C1|practice-sharing>? cc <!here>") == (
        "Thanks @Jo Smith, can you share this in #practice-sharing? cc @here"
    )


def test_a_date_reads_as_its_fallback() -> None:
    assert plain("Meet on <!date^1798761600^{date_long}|Friday 1 January 2027>.") == "Meet on Friday 1 January 2027."
    assert plain("<!date^1798761600^{date_short}^https://x.org/cal|1 Jan>") == "1 Jan"


def test_a_date_without_a_fallback_reads_as_its_moment_in_utc() -> None:
    assert plain("<!date^1798761600^{date}>") == "01 January 2027 00:00 UTC"
    assert plain("<!date^soon^{date}>") == "a date"


# Links


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("<https://x.org/guide|the guide>", "the guide (https://x.org/guide)"),
        ("<https://x.org/guide>", "https://x.org/guide"),
        ("<http://example.com|example.com>", "example.com"),  # what Slack makes of a typed "example.com"
        ("<https://www.gov.uk/|www.gov.uk>", "www.gov.uk"),
        ("<https://x.org/a_b_c|https://x.org/a_b_c>", "https://x.org/a_b_c"),
        ("<mailto:jo@school.org.uk|jo@school.org.uk>", "jo@school.org.uk"),
        ("<mailto:jo@school.org.uk|Email Jo>", "Email Jo (jo@school.org.uk)"),
        ("<mailto:jo@school.org.uk>", "jo@school.org.uk"),
        ("<https://x.org/?a=1&amp;b=2|Q &amp; A>", "Q & A (https://x.org/?a=1&b=2)"),
    ],
)
def test_links_read_as_their_words_with_the_address_after(text: str, words: str) -> None:
    assert plain(text) == words


def test_formatting_characters_inside_a_link_are_left_alone() -> None:
    assert plain("see <https://x.org/*a*/_b_/~c~|*not bold* in a label>") == (
        "see *not bold* in a label (https://x.org/*a*/_b_/~c~)"
    )
    assert plain("see https://x.org/_draft_/page and _this_") == "see https://x.org/_draft_/page and this"


def test_angle_brackets_that_are_not_slack_forms_are_kept() -> None:
    assert plain("<not a link>") == "<not a link>"


# Formatting


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("*bold*", "bold"),
        ("_italic_", "italic"),
        ("~struck~", "struck"),
        ("`code`", "code"),
        ("*two words*", "two words"),
        ("a *bold* word, an _italic_ one.", "a bold word, an italic one."),
        ("(*aside*)", "(aside)"),
        ("*_bold italic_*", "bold italic"),
        ("_*italic bold*_", "italic bold"),
        ("*b*", "b"),
        ("*bold <@U1>*", "bold @Jo Smith"),
        ("_see <https://x.org|this>_", "see this (https://x.org)"),
    ],
)
def test_formatting_markers_are_removed(text: str, words: str) -> None:
    assert plain(text) == words


@pytest.mark.parametrize(
    "text",
    [
        "5*3 = 15",
        "2 * 3 * 4",
        "a*b*c",
        "my_var_name and snake_case",
        "__init__",
        "file_name_",
        "~5 people, ~10 staff",
        "* not bold *",
        "_ not italic _",
        "*no close",
        "price*",
        "* a list item",
        "**",
        "*bold\nacross lines*",
    ],
)
def test_markers_that_are_not_formatting_stay_as_typed(text: str) -> None:
    assert plain(text) == text


def test_inline_code_keeps_its_text_exactly() -> None:
    assert plain("run `make *all* _now_` then *stop*") == "run make *all* _now_ then stop"
    assert plain("`a &lt; b &amp;&amp; c`") == "a < b && c"
    assert plain("`<@U1>` is how a mention looks") == "<@U1> is how a mention looks"


def test_a_code_block_is_kept_as_its_text() -> None:
    text = "Try this:\n```\nif score &lt; 5:\n    *flag* = _true_\n&gt; not a quote\n```\nThen *run* it."
    assert plain(text) == "Try this:\nif score < 5:\n    *flag* = _true_\n> not a quote\nThen run it."
    assert plain("inline ```x = 1``` block") == "inline x = 1 block"


def test_an_unclosed_code_fence_is_left_as_typed() -> None:
    assert plain("```not closed") == "```not closed"


# Quotes and entities


def test_quote_lines_lose_their_marker() -> None:
    text = "&gt; Children first, always.\n&gt;A second line\nMy reply &gt; theirs"
    assert plain(text) == "Children first, always.\nA second line\nMy reply > theirs"
    assert plain("&gt;&gt;&gt; A whole quote\nto the end") == "A whole quote\nto the end"
    assert plain("> written by an app") == "written by an app"


def test_a_quote_keeps_its_formatting_rules() -> None:
    assert plain("&gt; *Key point:* listen first") == "Key point: listen first"


def test_entities_are_unescaped_last_and_once() -> None:
    assert plain("Fish &amp; chips &lt;3 &gt;_&lt;") == "Fish & chips <3 >_<"
    assert plain("&amp;lt; is how you write &lt;") == "&lt; is how you write <"
    assert plain("&amp;amp;") == "&amp;"
    assert plain("&quot;left&quot; &nbsp;") == "&quot;left&quot; &nbsp;"


def test_an_entity_never_becomes_a_mention_or_link() -> None:
    assert plain("&lt;@U1&gt; and &lt;https://x.org|x&gt;") == "<@U1> and <https://x.org|x>"


def test_a_whole_message_reads_naturally() -> None:
    text = (
        "*Transition mentoring* :tada:\n"
        "&gt; Year 7s paired with _trained_ Year 10s\n"
        "Notes: <https://docs.example.org/t?id=4&amp;v=2|our write-up> (thanks <@U1|jo>!)\n"
        "Questions to <mailto:team@school.org.uk|team@school.org.uk> or <#C1>"
    )
    assert plain(text) == (
        "Transition mentoring :tada:\n"
        "Year 7s paired with trained Year 10s\n"
        "Notes: our write-up (https://docs.example.org/t?id=4&v=2) (thanks @Jo Smith!)\n"
        "Questions to team@school.org.uk or #practice-sharing"
    )


def test_control_characters_are_dropped_but_lines_and_tabs_kept() -> None:
    assert plain("red\x1b[31m alert\x07\r\nnext\tline") == "red[31m alert\nnext\tline"


# For a terminal


def test_bold_italic_and_strike_are_ansi_styles_in_colour() -> None:
    assert terminal("*bold* _italic_ ~gone~") == f"{BOLD}bold{UNBOLD} {ITALIC}italic{UNITALIC} {STRIKE}gone{UNSTRIKE}"


def test_nested_styles_close_in_order() -> None:
    assert terminal("*_both_*") == f"{BOLD}{ITALIC}both{UNITALIC}{UNBOLD}"


def test_without_colour_the_terminal_reads_like_plain_words() -> None:
    text = "*Hi* <@U1>, _see_ <https://x.org|the guide> &amp; `code`"
    assert terminal(text, color=False) == plain(text) == "Hi @Jo Smith, see the guide (https://x.org) & code"


def test_a_quote_is_drawn_behind_a_bar_in_a_terminal() -> None:
    text = "Amira wrote:\n&gt; Children first, *always*.\n&gt;\n&gt; Second paragraph\nMy reply &gt; theirs"
    assert terminal(text, color=False) == (
        "Amira wrote:\n▎ Children first, always.\n▎\n▎ Second paragraph\nMy reply > theirs"
    )
    assert terminal("Before\n&gt;&gt;&gt; All of\nthe rest", color=False) == "Before\n▎ All of\n▎ the rest"
    assert terminal("&gt; *Key*", color=True) == f"▎ {BOLD}Key{UNBOLD}"


def test_list_items_are_indented_in_a_terminal_and_kept_as_typed_in_plain_words() -> None:
    text = "Two questions:\n• What can we share?\n- a dash\n* a star\n1. first\n12) twelfth\n•not an item"
    assert terminal(text, color=False) == (
        "Two questions:\n  • What can we share?\n  - a dash\n  * a star\n  1. first\n  12) twelfth\n•not an item"
    )
    assert plain(text) == text
    assert terminal("&gt; • quoted item", color=False) == "▎   • quoted item"


def test_code_is_not_read_as_a_quote_or_a_list_in_a_terminal() -> None:
    assert terminal("```\n&gt; not a quote\n- not an item\n```", color=False) == "> not a quote\n- not an item"


def test_common_emoji_are_drawn_in_a_terminal_and_others_stay_as_typed() -> None:
    text = "Well done :tada: :clap::+1: :star: :custom-team-logo: at 10:30:45 `:tada:`"
    assert terminal(text, color=False) == "Well done 🎉 👏👍 ⭐ :custom-team-logo: at 10:30:45 :tada:"
    assert plain(text) == "Well done :tada: :clap::+1: :star: :custom-team-logo: at 10:30:45 :tada:"


def test_a_link_to_a_slack_message_shows_only_its_words_in_a_terminal() -> None:
    permalink = "https://example.slack.com/archives/C_PRACTICE/p1795984207714015"
    text = f"_Shared by <@U1> · 27 Nov · <{permalink}|open>_ and <https://x.org/guide|the guide>"
    assert terminal(text, color=False) == "Shared by @Jo Smith · 27 Nov · open and the guide (https://x.org/guide)"
    assert plain(text) == f"Shared by @Jo Smith · 27 Nov · open ({permalink}) and the guide (https://x.org/guide)"
    assert terminal(f"<{permalink}>", color=False) == permalink  # no words to show instead
    assert terminal("<https://slack.com/archives/x|about> <https://x.slack.com/help|help>", color=False) == (
        "about (https://slack.com/archives/x) help (https://x.slack.com/help)"
    )


def test_terminal_links_mentions_and_entities_read_as_words() -> None:
    assert terminal("<https://x.org|guide> for <@U1> &lt;3") == "guide (https://x.org) for @Jo Smith <3"


def test_text_can_never_send_its_own_escape_codes_to_a_terminal() -> None:
    shown = terminal("\x1b]0;pwned\x07 *ok* \x9b2J")
    assert shown == f"]0;pwned {BOLD}ok{UNBOLD} 2J"
    assert shown.count("\x1b") == 2


def test_markers_that_are_not_formatting_get_no_style() -> None:
    assert terminal("5*3 and snake_case_name") == "5*3 and snake_case_name"


# Block Kit


def test_a_header_is_framed_without_colour_and_bold_with_it() -> None:
    header = {"type": "header", "text": plain_text("Practice share")}
    assert render(header) == "== Practice share =="
    assert render(header, color=True) == f"{BOLD}Practice share{UNBOLD}"


def test_section_text_is_read_as_mrkdwn_and_plain_text_as_typed() -> None:
    assert render({"type": "section", "text": mrkdwn("*Hello* <@U1>")}) == "Hello @Jo Smith"
    assert render({"type": "section", "text": plain_text("*Hello* <@U1>")}) == "*Hello* <@U1>"
    assert render({"type": "section", "text": mrkdwn("*Hi*")}, color=True) == f"{BOLD}Hi{UNBOLD}"


def test_section_fields_each_take_a_line() -> None:
    section = {
        "type": "section",
        "text": mrkdwn("Details"),
        "fields": [mrkdwn("*Area:*\nLeeds"), mrkdwn("*Age range:* 11–16")],
    }
    assert render(section) == "Details\nArea:\nLeeds\nAge range: 11–16"


def test_a_section_accessory_follows_its_first_line() -> None:
    section = {"type": "section", "text": mrkdwn("*Peer mentors*\nYear 7 transition"), "accessory": button("Open")}
    assert render(section) == "Peer mentors  [Open]\nYear 7 transition"
    overflow = {"type": "overflow", "action_id": "more", "options": []}
    assert render({"type": "section", "fields": [mrkdwn("a")], "accessory": overflow}) == "a  [⋯]"
    assert render({"type": "section", "accessory": button("Only")}) == "[Only]"


def test_context_elements_share_an_indented_line() -> None:
    context = {
        "type": "context",
        "elements": [
            {"type": "image", "image_url": "https://x.org/a.png", "alt_text": "Jo's photo"},
            mrkdwn("Shared by <@U1>"),
            plain_text("2 days ago"),
        ],
    }
    assert render(context) == "   [Jo's photo]  Shared by @Jo Smith  2 days ago"


def test_actions_are_buttons_and_menus_in_brackets() -> None:
    actions = {
        "type": "actions",
        "elements": [
            button("Offer help", style="primary"),
            button("Report", style="danger"),
            {"type": "overflow", "action_id": "more", "options": []},
            {"type": "static_select", "action_id": "tag", "placeholder": plain_text("Tag")},
            {"type": "users_select", "action_id": "who", "initial_user": "U1"},
            {"type": "datepicker", "action_id": "when", "initial_date": "2027-01-04"},
        ],
    }
    assert render(actions) == "   [Offer help] [Report] [⋯] [Tag ▾] [@Jo Smith ▾] [2027-01-04 ▾]"


def test_primary_and_danger_buttons_are_coloured_in_colour() -> None:
    actions = {"type": "actions", "elements": [button("Go", style="primary"), button("Stop", style="danger")]}
    assert render(actions, color=True) == "   \x1b[32m[Go]\x1b[39m \x1b[31m[Stop]\x1b[39m"


def test_a_divider_is_a_rule() -> None:
    assert render({"type": "divider"}) == DIVIDER == "─" * 40


def test_an_input_is_its_label_and_a_blank() -> None:
    title = {"type": "input", "label": plain_text("Title"), "element": {"type": "plain_text_input"}}
    assert render(title) == "Title: ____"
    optional = {**title, "optional": True, "hint": plain_text("Keep it short")}
    assert render(optional) == "Title (optional): ____\n   Keep it short"
    filled = {**title, "element": {"type": "plain_text_input", "initial_value": "Peer mentors"}}
    assert render(filled) == "Title: Peer mentors"
    lines = {**title, "element": {"type": "plain_text_input", "initial_value": "Year 9 mentors\n\nmet Year 7s"}}
    assert render(lines) == "Title: Year 9 mentors\n\n       met Year 7s"
    here = {"type": "input", "label": plain_text("Post in"), "element": {"type": "conversations_select"}}
    assert render(here) == "Post in: ____"
    here["element"]["default_to_current_conversation"] = True
    assert render(here) == "Post in: this channel"
    chosen = {
        "type": "input",
        "label": plain_text("Tags"),
        "element": {
            "type": "multi_static_select",
            "initial_options": [{"text": plain_text("transition"), "value": "t"}, {"text": plain_text("SEND")}],
        },
    }
    assert render(chosen) == "Tags: transition, SEND"


def test_an_image_is_shown_by_its_alt_text() -> None:
    image = {"type": "image", "image_url": "https://x.org/chart.png", "alt_text": "Attendance chart"}
    assert render(image) == "[image: Attendance chart]"


def test_an_unknown_block_is_named_not_dropped() -> None:
    assert render({"type": "video", "title": plain_text("Intro")}) == "[video]"


def test_a_message_renders_block_by_block() -> None:
    blocks = [
        {"type": "header", "text": plain_text("💡 Peer mentors for Year 7 transition")},
        {"type": "section", "text": mrkdwn("Shared by <@U1> in <#C1>\n&gt; It _really_ helped")},
        {"type": "divider"},
        {"type": "actions", "elements": [button("Offer help"), button("Save")]},
    ]
    assert render_blocks(blocks, users=USERS, channels=CHANNELS, color=False) == [
        "== 💡 Peer mentors for Year 7 transition ==",
        "Shared by @Jo Smith in #practice-sharing",
        "▎ It really helped",
        DIVIDER,
        "   [Offer help] [Save]",
    ]


def test_plain_text_shows_common_emoji_unless_it_asks_for_none() -> None:
    assert render({"type": "header", "text": plain_text(":bulb: Practice share")}) == "== 💡 Practice share =="
    assert render({"type": "header", "text": {**plain_text(":bulb: as typed"), "emoji": False}}) == (
        "== :bulb: as typed =="
    )


def test_plain_text_in_blocks_cannot_send_escape_codes() -> None:
    assert render({"type": "header", "text": plain_text("\x1b[2JTitle")}) == "== [2JTitle =="
