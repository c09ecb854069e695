"""/talks: help, search with the database's full-text engine, and usage for unknown words."""

from __future__ import annotations

from handlers.ids import Command
from tests.helpers import all_text, requests, response_to, shares, wait_until


def _share(sandbox, text, user="U_AMIRA"):
    before = len(shares(sandbox.sessions))
    sandbox.sim.command("/share", text, user=user)
    wait_until(lambda: len(shares(sandbox.sessions)) == before + 1 and shares(sandbox.sessions)[-1].permalink)


def test_help_explains_every_command_with_examples(sandbox):
    reply, _ = sandbox.sim.command("/talks", "help")
    shown = all_text(reply.json()["blocks"])
    for command in Command:
        assert f"`{command.value}" in shown
    assert "What collaborative opportunities are there?" in shown
    assert "Is there an opportunity to share any best practice?" in shown


def test_talks_alone_shows_help_and_an_unknown_word_shows_usage(sandbox):
    reply, _ = sandbox.sim.command("/talks", "")
    assert "/talks search" in all_text(reply.json()["blocks"])
    assert reply.json() == sandbox.sim.command("/talks", "help")[0].json()  # the same help, whole
    reply, _ = sandbox.sim.command("/talks", "frobnicate now")
    answer = reply.json()
    assert answer["response_type"] == "ephemeral"
    assert answer["text"] == (
        "I don't know `/talks frobnicate`. Try `/talks search &lt;words&gt;` to find shares and requests, "
        "or `/talks help` to see everything I can do."
    )


def test_search_ranks_the_best_match_first_and_answers_only_the_asker(sandbox):
    _share(sandbox, "Texting parents the night before doubled homework club attendance #attendance")
    _share(sandbox, "Breakfast club improved attendance")
    _share(sandbox, "Peer mentors for transition to secondary school")
    sandbox.sim.command("/collab", "Partner wanted to improve attendance of young carers", user="U_CHLOE")
    sandbox.slack.wait_for("chat.postMessage", count=4)
    wait_until(lambda: requests(sandbox.sessions) and requests(sandbox.sessions)[0].permalink)  # posted, linked
    _, url = sandbox.sim.command("/talks", "search homework attendance")
    answer = response_to(sandbox.slack, url).args
    assert answer["response_type"] == "ephemeral"
    shown = all_text(answer["blocks"])
    assert "3 best matches" in shown
    assert shown.index("homework club") < shown.index("Breakfast club")
    assert "young carers" in shown and "Peer mentors" not in shown
    homework, breakfast, _ = shares(sandbox.sessions)
    [carers] = requests(sandbox.sessions)
    heading, best, *others = [b["text"]["text"] for b in answer["blocks"] if b["type"] == "section"]
    assert heading == "*3 best matches for “homework attendance”*"
    assert best == (
        "💡 Texting parents the night before doubled homework club attendance\n#attendance\n"  # the tag once
        f"_Shared by <@U_AMIRA> · 27 November 2026 · <{homework.permalink}|open>_"
    )
    # Which of the other two ranks higher is the full-text engine's call (SQLite's and PostgreSQL's differ).
    assert sorted(others) == [
        "💡 Breakfast club improved attendance\n"
        f"_Shared by <@U_AMIRA> · 27 November 2026 · <{breakfast.permalink}|open>_",
        "🤝 Partner wanted to improve attendance of young carers\n"
        f"_Asked by <@U_CHLOE> · 27 November 2026 · 0 offers · <{carers.permalink}|open>_",
    ]


def test_search_finds_word_forms_and_prefixes(sandbox):
    _share(sandbox, "Mentoring circles for young carers")
    _, url = sandbox.sim.command("/talks", "search mentor")
    [share] = shares(sandbox.sessions)
    assert all_text(response_to(sandbox.slack, url).args["blocks"]) == (
        "*1 best match for “mentor”*\n"
        f"💡 Mentoring circles for young carers\n_Shared by <@U_AMIRA> · 27 November 2026 · <{share.permalink}|open>_"
    )


def test_search_only_sees_its_own_workspace(sandbox):
    _share(sandbox, "Attendance texts in our workspace")
    sandbox.sim.team_id = "T_OTHER"
    _, url = sandbox.sim.command("/talks", "search attendance")
    assert all_text(response_to(sandbox.slack, url).args["blocks"]) == (
        "Nothing found for “attendance”. Try fewer or different words, or be the first: `/share` what works for you."
    )


def test_search_with_query_syntax_characters_is_harmless(sandbox):
    _share(sandbox, "Attendance texts")
    for words in ('"attendance', "attendance AND (", "NEAR(* ^", "'; DROP TABLE shares; --", "!!! ???"):
        _, url = sandbox.sim.command("/talks", f"search {words}")
        assert response_to(sandbox.slack, url).args["response_type"] == "ephemeral"
    assert len(shares(sandbox.sessions)) == 1


def test_search_with_no_words_asks_what_to_look_for(sandbox):
    reply, _ = sandbox.sim.command("/talks", "search")
    assert reply.json() == {
        "text": "What should I look for? For example: `/talks search attendance parents`",
        "response_type": "ephemeral",
    }
