"""/talks: help, search with the database's full-text engine, and usage for unknown words."""

from __future__ import annotations

from handlers.ids import Command
from tests.helpers import all_text, response_to, shares, wait_until


def _share(sandbox, text, user="U_AMIRA"):
    before = len(shares(sandbox.sessions))
    sandbox.sim.command("/share", text, user=user)
    wait_until(lambda: len(shares(sandbox.sessions)) > before and shares(sandbox.sessions)[-1].message_ts)


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
    reply, _ = sandbox.sim.command("/talks", "frobnicate now")
    answer = reply.json()
    assert answer["response_type"] == "ephemeral"
    assert "I don't know `/talks frobnicate`" in answer["text"] and "/talks help" in answer["text"]


def test_search_ranks_the_best_match_first_and_answers_only_the_asker(sandbox):
    _share(sandbox, "Texting parents the night before doubled homework club attendance #attendance")
    _share(sandbox, "Breakfast club improved attendance")
    _share(sandbox, "Peer mentors for transition to secondary school")
    sandbox.sim.command("/collab", "Partner wanted to improve attendance of young carers", user="U_CHLOE")
    sandbox.slack.wait_for("chat.postMessage", count=4)
    _, url = sandbox.sim.command("/talks", "search homework attendance")
    answer = response_to(sandbox.slack, url).args
    assert answer["response_type"] == "ephemeral"
    shown = all_text(answer["blocks"])
    assert "3 best matches" in shown
    assert shown.index("homework club") < shown.index("Breakfast club")
    assert "young carers" in shown and "Peer mentors" not in shown


def test_search_finds_word_forms_and_prefixes(sandbox):
    _share(sandbox, "Mentoring circles for young carers")
    _, url = sandbox.sim.command("/talks", "search mentor")
    assert "Mentoring circles" in all_text(response_to(sandbox.slack, url).args["blocks"])


def test_search_only_sees_its_own_workspace(sandbox):
    _share(sandbox, "Attendance texts in our workspace")
    sandbox.sim.team_id = "T_OTHER"
    _, url = sandbox.sim.command("/talks", "search attendance")
    assert "Nothing found" in all_text(response_to(sandbox.slack, url).args["blocks"])


def test_search_with_query_syntax_characters_is_harmless(sandbox):
    _share(sandbox, "Attendance texts")
    for words in ('"attendance', "attendance AND (", "NEAR(* ^", "'; DROP TABLE shares; --", "!!! ???"):
        _, url = sandbox.sim.command("/talks", f"search {words}")
        assert response_to(sandbox.slack, url).args["response_type"] == "ephemeral"
    assert len(shares(sandbox.sessions)) == 1


def test_search_with_no_words_asks_what_to_look_for(sandbox):
    reply, _ = sandbox.sim.command("/talks", "search")
    assert "What should I look for?" in reply.json()["text"]
