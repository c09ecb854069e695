"""Direct tests of the local Slack Web API stand-in, driven through slack_sdk's own clients."""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot.devkit.local_slack import LocalSlack

TOKEN = "xoxb-test-secret-123"


@pytest.fixture
def slack() -> Iterator[LocalSlack]:
    with LocalSlack() as stand_in:
        yield stand_in


@pytest.fixture
def client(slack: LocalSlack) -> WebClient:
    return WebClient(base_url=slack.url, token=TOKEN)


def section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def test_url_ends_with_a_slash_for_web_client() -> None:
    with LocalSlack() as slack:
        assert slack.url.startswith("http://127.0.0.1:")
        assert slack.url.endswith("/api/")


def test_auth_test_names_the_bot_and_team(client: WebClient) -> None:
    response = client.auth_test()

    assert response["user_id"] == "UBOT"
    assert response["team_id"] == "T0001"


def test_post_message_is_recorded_and_stored(slack: LocalSlack, client: WebClient) -> None:
    response = client.chat_postMessage(channel="C1", text="Hello", blocks=[section("Hello")])

    call = slack.wait_for("chat.postMessage")[0]
    assert call.args["channel"] == "C1"
    assert call.args["blocks"] == [section("Hello")]
    assert "link_names" not in call.args
    assert call.status == 200
    assert call.response["ts"] == response["ts"]
    assert slack.messages("C1") == [{"ts": response["ts"], "text": "Hello", "blocks": [section("Hello")]}]


def test_timestamps_are_unique_and_increasing(client: WebClient) -> None:
    before = time.time()
    stamps = [client.chat_postMessage(channel="C1", text=str(n))["ts"] for n in range(3)]
    after = time.time()

    assert stamps == sorted(stamps)
    assert len(set(stamps)) == 3
    assert all(float(ts) >= 1_700_000_000 for ts in stamps)
    # Bounds, not values: a timestamp is the moment of posting, which only the clock knows.
    assert all(before <= float(ts) <= after + 0.001 for ts in stamps)


def test_form_encoded_blocks_are_decoded(slack: LocalSlack, client: WebClient) -> None:
    client.api_call("chat.postMessage", params={"channel": "C1", "blocks": json.dumps([section("Hi")])})

    assert slack.calls_to("chat.postMessage")[0].args["blocks"] == [section("Hi")]


def test_thread_replies_keep_their_thread(slack: LocalSlack, client: WebClient) -> None:
    parent = client.chat_postMessage(channel="C1", text="Parent")["ts"]
    client.chat_postMessage(channel="C1", text="Reply", thread_ts=parent)

    assert slack.messages("C1")[1]["thread_ts"] == parent


def test_update_and_delete_change_the_stored_messages(slack: LocalSlack, client: WebClient) -> None:
    first = client.chat_postMessage(channel="C1", text="First")["ts"]
    second = client.chat_postMessage(channel="C1", text="Second")["ts"]

    client.chat_update(channel="C1", ts=first, text="First, edited")
    client.chat_delete(channel="C1", ts=second)

    assert [message["text"] for message in slack.messages("C1")] == ["First, edited"]
    with pytest.raises(SlackApiError) as raised:
        client.chat_update(channel="C1", ts=second, text="Gone")
    assert raised.value.response["error"] == "message_not_found"


def test_permalink_is_built_from_channel_and_ts(client: WebClient) -> None:
    response = client.chat_getPermalink(channel="C1", message_ts="1700000000.000100")

    assert response["permalink"] == "https://example.slack.com/archives/C1/p1700000000000100"


def test_failing_with_an_error_answers_once_and_is_recorded(slack: LocalSlack, client: WebClient) -> None:
    slack.fail("chat.postMessage", error="not_in_channel")

    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="C1", text="Hello")
    client.chat_postMessage(channel="C1", text="Hello again")

    assert raised.value.response.status_code == 200
    assert raised.value.response["error"] == "not_in_channel"
    assert [call.response["ok"] for call in slack.calls_to("chat.postMessage")] == [False, True]
    assert [message["text"] for message in slack.messages("C1")] == ["Hello again"]


def test_failing_only_calls_that_match_where(slack: LocalSlack, client: WebClient) -> None:
    slack.fail("chat.postMessage", error="channel_not_found", where=lambda args: args["channel"] == "C2")

    client.chat_postMessage(channel="C1", text="Fine")
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel="C2", text="Refused")


def test_rate_limit_fault_answers_429_with_retry_after(client: WebClient, slack: LocalSlack) -> None:
    slack.fail("chat.postMessage", status=429, retry_after=1)

    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="C1", text="Hello")

    assert raised.value.response.status_code == 429
    assert raised.value.response.headers["Retry-After"] == "1"
    assert raised.value.response["error"] == "ratelimited"
    assert slack.calls_to("chat.postMessage")[0].status == 429


def test_server_error_fault_answers_500(slack: LocalSlack, client: WebClient) -> None:
    slack.fail("users.info", status=500, times=2)

    for _ in range(2):
        with pytest.raises(SlackApiError) as raised:
            client.users_info(user="U1")
        assert raised.value.response.status_code == 500
        assert raised.value.response["error"] == "internal_error"
    assert client.users_info(user="U1")["ok"]


def test_clear_forgets_calls_and_faults(slack: LocalSlack, client: WebClient) -> None:
    client.auth_test()
    slack.fail("auth.test", error="invalid_auth")

    slack.clear()

    assert slack.calls == []
    assert client.auth_test()["ok"]


def test_wait_for_times_out_naming_the_calls_seen(slack: LocalSlack, client: WebClient) -> None:
    client.auth_test()
    client.chat_postMessage(channel="C1", text="Hello")

    with pytest.raises(AssertionError, match=r"chat\.postMessage.*auth\.test x1, chat\.postMessage x1"):
        slack.wait_for("chat.postMessage", where=lambda call: call.args["channel"] == "C2", timeout=0.05)


def test_wait_for_returns_calls_made_from_another_thread(slack: LocalSlack, client: WebClient) -> None:
    threading.Timer(0.05, lambda: client.chat_postMessage(channel="C1", text="Later")).start()

    calls = slack.wait_for("chat.postMessage", timeout=2)

    assert calls[0].args["text"] == "Later"


def test_assert_no_call_fails_when_a_matching_call_arrived(slack: LocalSlack, client: WebClient) -> None:
    client.chat_postMessage(channel="C1", text="Hello")

    slack.assert_no_call("chat.postMessage", where=lambda call: call.args["channel"] == "C2", within=0.05)
    with pytest.raises(AssertionError, match=r"expected no call to chat\.postMessage"):
        slack.assert_no_call("chat.postMessage", within=0.05)


def test_response_url_posts_are_recorded(slack: LocalSlack) -> None:
    url = slack.response_url()

    response = WebhookClient(url).send(text="Thanks", replace_original=True)

    assert response.status_code == 200
    assert response.body == "ok"
    call = slack.wait_for("response_url")[0]
    assert call.args == {"text": "Thanks", "replace_original": True, "url": url}


def test_each_response_url_is_fresh(slack: LocalSlack) -> None:
    assert slack.response_url() != slack.response_url()


def test_files_upload_v2_round_trips_the_content(slack: LocalSlack, client: WebClient) -> None:
    response = client.files_upload_v2(
        channel="C1", filename="notes.csv", content="a,b\n1,2\n", title="Notes", initial_comment="Here"
    )

    assert response["file"]["title"] == "Notes"
    file_id = response["file"]["id"]
    assert slack.uploaded_files() == [
        {"id": file_id, "title": "Notes", "filename": "notes.csv", "content": b"a,b\n1,2\n", "channel_id": "C1"}
    ]
    assert slack.calls_to("files.completeUploadExternal")[0].args["initial_comment"] == "Here"


def test_fifty_one_blocks_are_invalid(slack: LocalSlack, client: WebClient) -> None:
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="C1", text="Many", blocks=[section(str(n)) for n in range(51)])

    assert raised.value.response["error"] == "invalid_blocks"
    assert slack.messages("C1") == []


def test_long_section_and_header_text_is_invalid(client: WebClient) -> None:
    for block in (section("x" * 3001), {"type": "header", "text": {"type": "plain_text", "text": "x" * 151}}):
        with pytest.raises(SlackApiError) as raised:
            client.chat_postMessage(channel="C1", text="Long", blocks=[block])
        assert raised.value.response["error"] == "invalid_blocks"


def test_text_over_forty_thousand_characters_is_too_long(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="C1", text="x" * 40001)

    assert raised.value.response["error"] == "msg_too_long"


def test_rate_limit_mode_refuses_a_quick_second_post_to_the_same_channel_only() -> None:
    with LocalSlack(posts_per_second_per_channel=1) as slack:
        client = WebClient(base_url=slack.url, token=TOKEN)
        client.chat_postMessage(channel="C1", text="One")
        client.chat_postMessage(channel="C2", text="One")

        with pytest.raises(SlackApiError) as raised:
            client.chat_postMessage(channel="C1", text="Two")

    assert raised.value.response.status_code == 429
    assert int(raised.value.response.headers["Retry-After"]) >= 1
    # The second post came well within the second since the first: wait out the rest of it, rounded up to 1.
    assert raised.value.response.headers["Retry-After"] == "1"
    assert [len(slack.messages(channel)) for channel in ("C1", "C2")] == [1, 1]


def test_token_never_appears_in_recorded_calls(slack: LocalSlack, client: WebClient) -> None:
    client.chat_postMessage(channel="C1", text="Hello")
    client.api_call("users.info", params={"user": "U1", "token": TOKEN})

    assert TOKEN not in repr(slack.calls)


def test_a_call_without_a_token_is_not_authed(slack: LocalSlack) -> None:
    with pytest.raises(SlackApiError) as raised:
        WebClient(base_url=slack.url).auth_test()

    assert raised.value.response["error"] == "not_authed"


def test_registered_channels_refuse_posts_like_slack(slack: LocalSlack, client: WebClient) -> None:
    slack.add_channel("C1", name="old", is_archived=True)
    slack.add_channel("C2", name="quiet", bot_is_member=False)

    errors = []
    for channel in ("C1", "C2"):
        with pytest.raises(SlackApiError) as raised:
            client.chat_postMessage(channel=channel, text="Hello")
        errors.append(raised.value.response["error"])

    assert errors == ["is_archived", "not_in_channel"]


def test_joining_a_public_channel_lets_the_bot_post(slack: LocalSlack, client: WebClient) -> None:
    slack.add_channel("C2", name="quiet", bot_is_member=False)

    client.conversations_join(channel="C2")
    client.chat_postMessage(channel="C2", text="Hello")

    assert client.conversations_info(channel="C2")["channel"]["is_member"]


def test_joining_a_private_channel_is_not_supported(slack: LocalSlack, client: WebClient) -> None:
    slack.add_channel("C3", name="secret", is_private=True, bot_is_member=False)

    with pytest.raises(SlackApiError) as raised:
        client.conversations_join(channel="C3")

    assert raised.value.response["error"] == "method_not_supported_for_channel_type"


def test_unregistered_channels_and_users_get_defaults(client: WebClient) -> None:
    channel = client.conversations_info(channel="C9")["channel"]
    user = client.users_info(user="U9")["user"]

    assert (channel["name"], channel["is_private"], channel["is_member"]) == ("c9", False, True)
    assert (user["id"], user["is_admin"]) == ("U9", False)


def test_registered_users_are_described() -> None:
    with LocalSlack(users={"U2": {"name": "bo"}}) as slack:
        slack.add_user("U1", name="Ann", is_admin=True, tz="Europe/Paris")
        client = WebClient(base_url=slack.url, token=TOKEN)
        ann = client.users_info(user="U1")["user"]
        bo = client.users_info(user="U2")["user"]

    assert (ann["real_name"], ann["is_admin"], ann["tz"]) == ("Ann", True, "Europe/Paris")
    assert bo["name"] == "bo"


def test_opening_a_dm_gives_a_deterministic_id(client: WebClient) -> None:
    assert client.conversations_open(users="U1")["channel"]["id"] == "DU1"


def test_views_open_needs_a_trigger_id(client: WebClient) -> None:
    view = {"type": "modal", "title": {"type": "plain_text", "text": "Share"}, "blocks": [section("Hi")]}

    opened = client.views_open(trigger_id="1.2.3", view=view)["view"]
    with pytest.raises(SlackApiError) as raised:
        client.api_call("views.open", json={"view": view})

    assert opened["id"].startswith("V")
    assert opened["blocks"] == [section("Hi")]
    assert raised.value.response["error"] == "invalid_trigger_id"


def test_unknown_methods_answer_ok_and_are_recorded(slack: LocalSlack, client: WebClient) -> None:
    assert client.api_call("bookmarks.add", params={"channel_id": "C1"})["ok"]
    assert slack.calls_to("bookmarks.add")[0].args == {"channel_id": "C1"}


def test_requests_on_one_kept_alive_connection_are_all_answered(slack: LocalSlack) -> None:
    host, port = slack.url.split("//")[1].split("/")[0].split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=2)
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}

    answers = []
    for _ in range(3):
        connection.request("POST", "/api/auth.test", body=b"{}", headers=headers)
        answers.append(json.loads(connection.getresponse().read())["ok"])
    connection.close()

    assert answers == [True, True, True]
    assert slack.requests_seen == 3


def test_concurrent_posts_are_all_recorded(slack: LocalSlack, client: WebClient) -> None:
    threads = [
        threading.Thread(target=client.chat_postMessage, kwargs={"channel": f"C{n}", "text": "Hi"}) for n in range(20)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(slack.wait_for("chat.postMessage", count=20)) == 20


def test_history_returns_the_newest_messages_first_with_metadata_only_when_asked(client: WebClient) -> None:
    marked = {"event_type": "programme_talks_post", "event_payload": {"key": "job:1:posted"}}
    first = client.chat_postMessage(channel="C1", text="first", metadata=marked)
    second = client.chat_postMessage(channel="C1", text="second")
    client.chat_postMessage(channel="U_AMIRA", text="a direct message", metadata=marked)
    page = client.conversations_history(channel="C1", include_all_metadata=True, limit=1)
    assert [m["text"] for m in page["messages"]] == ["second"] and page["has_more"] is True
    rest = client.conversations_history(
        channel="C1", include_all_metadata=True, cursor=page["response_metadata"]["next_cursor"]
    )
    assert [(m["text"], m.get("metadata")) for m in rest["messages"]] == [("first", marked)]
    plain = client.conversations_history(channel="C1")
    assert [("metadata" in m) for m in plain["messages"]] == [False, False]
    newer = client.conversations_history(channel="C1", oldest=first["ts"])
    assert [m["ts"] for m in newer["messages"]] == [second["ts"]]
    dm = client.conversations_open(users="U_AMIRA")["channel"]["id"]
    assert [m["text"] for m in client.conversations_history(channel=dm)["messages"]] == ["a direct message"]
