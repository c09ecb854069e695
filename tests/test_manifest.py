"""app.yaml, the Slack app manifest, matches what the code handles, both ways."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from handlers.ids import Action, Command, Scope, Shortcut, SlackEvent, View

ROOT = Path(__file__).parent.parent
MANIFEST = yaml.safe_load((ROOT / "app.yaml").read_text())
SOCKET_MANIFEST = yaml.safe_load((ROOT / "app.socket-mode.yaml").read_text())  # for a server Slack can't reach

# For every Slack id the app answers, the test that drives it through signed HTTP with a realistic payload and
# asserts its effect: what the person sees (the ack, or what reached Slack) and what was stored. Where one id does
# more than one thing (a menu's options, a button shown in two places), each is named.
PROVEN_BY: dict[Command | Action | View | SlackEvent | Shortcut, str | tuple[str, ...]] = {
    Command.SHARE: "test_share.py::test_quick_share_is_acknowledged_stored_and_posted_with_tags_and_link",
    Command.COLLAB: "test_collab.py::test_quick_request_is_stored_with_its_deadline_and_posted_with_an_offer_button",
    Command.TALKS: "test_roles.py::test_admin_appoints_a_champion_who_is_stored_told_what_it_means_and_listed",
    Command.AGREEMENT: (
        "test_agreements.py::test_an_agreement_written_in_two_steps_is_posted_and_agreed_once_every_slack_party_confirms"
    ),
    Command.EVENT: (
        "test_meetups.py::test_event_with_invitations_is_posted_in_the_channel_and_sent_to_invited_people_and_channels"
    ),
    Action.MANAGE_SHARE: (
        "test_share.py::test_author_can_edit_their_share_and_the_posted_message_changes",
        "test_share.py::test_author_can_delete_their_share_after_confirming",
        "test_concerns.py::test_reporting_a_share_hides_it_in_the_channel_digest_and_search_and_asks_champions_and_admins",
    ),
    Action.RETRY_POST: (
        "test_share.py::test_share_in_a_private_channel_is_kept_and_explains_how_to_invite_then_posts_on_retry"
    ),
    Action.OFFER_HELP: "test_collab.py::test_offering_help_tells_the_requester_and_updates_the_request",
    Action.RESOLVE_REQUEST: "test_collab.py::test_requester_marks_it_resolved_and_the_message_shows_it_without_buttons",
    Action.OPEN_SHARE_MODAL: (
        "test_home.py::test_share_practice_on_the_home_tab_opens_the_share_form_asking_where_and_posts_there",
        "test_home.py::test_share_practice_on_the_help_message_opens_the_share_form_for_that_channel_and_posts_there",
    ),
    Action.OPEN_COLLAB_MODAL: (
        "test_home.py::test_ask_for_collaboration_on_the_home_tab_opens_the_request_form_asking_where_and_posts_there",
        "test_home.py::test_ask_for_collaboration_on_the_help_message_opens_the_request_form_for_that_channel_and_posts_there",
    ),
    Action.CONFIRM_AGREEMENT: (
        "test_agreements.py::test_an_agreement_written_in_two_steps_is_posted_and_agreed_once_every_slack_party_confirms"
    ),
    Action.PROPOSE_CHANGE: (
        "test_agreements.py::test_a_change_by_a_party_returns_it_to_draft_keeps_version_one_and_asks_the_others_again"
    ),
    Action.RECORD_REVIEW: (
        "test_reviews.py::test_recording_a_review_from_a_nudge_stops_that_dates_nudges_and_schedules_the_next"
    ),
    Action.MEETUP_GOING: "test_meetups.py::test_going_switching_and_taking_back_keep_every_copy_current",
    Action.MEETUP_INTERESTED: "test_meetups.py::test_going_switching_and_taking_back_keep_every_copy_current",
    View.SHARE: "test_share.py::test_share_form_opens_and_submitting_it_stores_and_posts",
    View.EDIT_SHARE: "test_share.py::test_author_can_edit_their_share_and_the_posted_message_changes",
    View.DELETE_SHARE: "test_share.py::test_author_can_delete_their_share_after_confirming",
    View.COLLAB: "test_collab.py::test_request_form_posts_with_a_chosen_deadline",
    View.AGREEMENT_PARTIES: (
        "test_agreements.py::test_an_agreement_written_in_two_steps_is_posted_and_agreed_once_every_slack_party_confirms"
    ),
    View.AGREEMENT_DETAILS: (
        "test_agreements.py::test_an_agreement_written_in_two_steps_is_posted_and_agreed_once_every_slack_party_confirms"
    ),
    View.AGREEMENT_CHANGE: (
        "test_agreements.py::test_a_change_by_a_party_returns_it_to_draft_keeps_version_one_and_asks_the_others_again"
    ),
    View.AGREEMENT_REVIEW: (
        "test_reviews.py::test_recording_a_review_from_a_nudge_stops_that_dates_nudges_and_schedules_the_next"
    ),
    View.MEETUP: (
        "test_meetups.py::test_event_with_invitations_is_posted_in_the_channel_and_sent_to_invited_people_and_channels"
    ),
    SlackEvent.APP_HOME_OPENED: (
        "test_home.py::test_a_first_visit_welcomes_in_three_lines_with_buttons_to_share_ask_agree_and_invite",
        "test_home.py::test_home_shows_your_open_requests_with_their_offers_what_you_offered_on_agreements_and_events",
    ),
    SlackEvent.REACTION_ADDED: "test_highlights.py::test_leader_star_on_a_share_makes_it_a_highlight_credited_to_them",
    SlackEvent.REACTION_REMOVED: "test_highlights.py::test_leader_removing_their_star_takes_the_highlight_back",
    SlackEvent.APP_UNINSTALLED: (
        "test_oauth.py::test_app_uninstalled_marks_the_workspace_at_once_drops_its_jobs_and_keeps_its_data",
        "test_oauth.py::test_one_workspace_removing_the_app_drops_its_jobs_until_a_working_token_is_set",
    ),
    SlackEvent.TOKENS_REVOKED: "test_oauth.py::test_tokens_revoked_marks_it_only_when_the_bots_token_is_revoked",
    Action.EDIT_FLAGGED: (
        "test_personal_data_check.py::test_edit_opens_the_share_form_with_their_words_and_what_was_found_and_the_changed_share_posts_once",
        "test_personal_data_check.py::test_edit_opens_the_request_form_with_the_request_and_its_date",
    ),
    Action.POST_FLAGGED: (
        "test_personal_data_check.py::test_posting_it_anyway_saves_and_posts_it_and_records_the_override_with_the_kinds_found",
        "test_personal_data_check.py::test_in_strict_mode_flagged_words_are_given_back_and_cannot_be_posted_anyway",
    ),
    Action.REPORT_CONCERN: (
        "test_concerns.py::test_a_reported_request_is_hidden_and_then_restored",
        "test_concerns.py::test_a_reported_agreement_summary_is_hidden_and_then_restored",
        "test_concerns.py::test_a_reported_event_is_hidden_in_every_channel_and_invitation_and_deleting_it_removes_them",
    ),
    Action.RESTORE_REPORTED: (
        "test_concerns.py::test_a_champion_restores_a_reported_share_and_it_shows_again_everywhere",
        "test_concerns.py::test_someone_who_is_not_a_champion_or_admin_pressing_restore_is_told_kindly_and_nothing_changes",
    ),
    Action.DELETE_REPORTED: "test_concerns.py::test_an_admin_deletes_a_reported_share_and_its_message_goes",
    View.ERASE_PERSON: (
        "test_erasure.py::test_erase_me_names_what_goes_then_no_row_anywhere_holds_their_id_or_their_words",
        "test_erasure.py::test_an_admin_erases_someone_who_has_left_and_only_their_data_goes",
    ),
    View.ERASE_WORKSPACE: (
        "test_erasure.py::test_an_admin_erases_the_whole_workspace_after_typing_its_name_and_other_workspaces_keep_theirs"
    ),
    # Home tab, capturing from a message, and credit (handlers.home, handlers.capture)
    Action.OPEN_AGREEMENT_MODAL: (
        "test_home.py::test_write_an_agreement_on_the_home_tab_opens_the_agreement_form_with_its_writer_as_a_party"
    ),
    Action.OPEN_MEETUP_MODAL: (
        "test_home.py::test_invite_to_an_event_on_the_home_tab_opens_the_event_form_and_posts_the_event_where_chosen"
    ),
    Action.ACCEPT_CREDIT: "test_capture.py::test_someone_elses_message_is_credited_only_once_they_accept",
    Action.DECLINE_CREDIT: "test_capture.py::test_no_thanks_means_nobody_is_named_and_a_second_answer_changes_nothing",
    View.CAPTURE_SHARE: (
        "test_capture.py::test_sharing_your_own_message_posts_it_keeps_the_link_and_credits_you_under_it",
        "test_capture.py::test_a_captured_message_naming_a_child_is_shown_again_before_anything_is_saved",
    ),
    View.CAPTURE_REQUEST: "test_capture.py::test_a_request_from_a_reply_in_a_thread_keeps_the_replys_link",
    Shortcut.SHARE_MESSAGE: (
        "test_capture.py::test_share_as_practice_opens_the_share_form_with_the_messages_words_names_and_link"
    ),
    Shortcut.ASK_FROM_MESSAGE: (
        "test_capture.py::test_ask_for_collaboration_opens_the_request_form_with_the_messages_words"
    ),
    # The two questions before team meetings (handlers.prompts)
    Action.CAPTURE_REPLIES: (
        "test_prompts.py::test_capture_replies_asks_each_person_who_replied_skips_bots_and_asks_nobody_twice"
    ),
    Action.SHARE_REPLY: (
        "test_prompts.py::test_share_it_posts_the_reply_as_its_authors_share_in_the_prompts_channel_once",
        "test_prompts.py::test_a_reply_naming_a_child_opens_the_form_with_what_was_found_and_nothing_is_saved",
    ),
    Action.DECLINE_REPLY: "test_prompts.py::test_no_thanks_shares_nothing_and_only_the_replys_author_can_answer",
    # The newsletter (handlers.newsletter)
    Action.NEWSLETTER_EDIT_INTRO: (
        "test_newsletter_flow.py::test_the_introduction_is_kept_shown_in_the_draft_and_refused_with_personal_data"
    ),
    Action.NEWSLETTER_PUBLISH: (
        "test_newsletter_flow.py::test_publishing_posts_every_item_within_slacks_limits_with_charts_and_a_canvas",
        "test_newsletter_flow.py::test_staff_can_neither_draft_nor_publish_and_nothing_changes",
    ),
    Action.NEWSLETTER_DOWNLOAD: (
        "test_newsletter_flow.py::test_download_sends_the_champion_html_with_every_section_and_its_charts_and_markdown"
    ),
    Action.NEWSLETTER_SHOW: (
        "test_newsletter_flow.py::test_a_scheduled_newsletter_is_drafted_for_each_champion_and_never_published"
    ),
    View.NEWSLETTER_INTRO: (
        "test_newsletter_flow.py::test_the_introduction_is_kept_shown_in_the_draft_and_refused_with_personal_data"
    ),
    View.NEWSLETTER_PUBLISH: (
        "test_newsletter_flow.py::test_publishing_posts_every_item_within_slacks_limits_with_charts_and_a_canvas",
        "test_newsletter_flow.py::test_staff_can_neither_draft_nor_publish_and_nothing_changes",
    ),
    # A workspace's calendar (handlers.calendar)
    View.CALENDAR_IMPORT: (
        "test_calendar.py::test_an_ics_calendar_of_term_dates_becomes_closed_days_and_is_removed_by_its_name",
        "test_calendar.py::test_a_file_that_is_not_a_calendar_is_answered_kindly_and_nothing_changes",
    ),
    # Partnerships (handlers.partnerships)
    Action.PARTNERS_SHARE: "test_partnerships.py::test_the_button_on_a_posted_share_shares_it_for_its_author_alone",
    Action.PARTNERS_WITHDRAW: (
        "test_partnerships_reach.py::test_withdrawing_takes_it_out_of_partners_digests_and_search_at_once",
        "test_partnerships_reach.py::test_nobody_else_may_withdraw_and_nothing_changes",
    ),
    Action.PARTNER_OFFER: (
        "test_partnerships_reach.py::test_i_can_help_tells_the_requester_in_their_own_workspace_who_offered_and_from_where"
    ),
    Action.PARTNER_REPLY: (
        "test_partnerships_reach.py::test_reply_notes_pass_between_organisations_each_in_the_others_own_workspace"
    ),
    View.PARTNERS_SHARE: "test_partnerships.py::test_the_button_on_a_posted_share_shares_it_for_its_author_alone",
    View.PARTNER_OFFER: (
        "test_partnerships_reach.py::test_i_can_help_tells_the_requester_in_their_own_workspace_who_offered_and_from_where"
    ),
    View.PARTNER_REPLY: (
        "test_partnerships_reach.py::test_reply_notes_pass_between_organisations_each_in_the_others_own_workspace"
    ),
}


def test_manifest_commands_are_exactly_the_commands_in_code():
    declared = {c["command"] for c in MANIFEST["features"]["slash_commands"]}
    assert declared == {c.value for c in Command}


def test_manifest_shortcuts_are_exactly_the_message_shortcuts_in_code():
    declared = MANIFEST["features"]["shortcuts"]
    assert {(s["callback_id"], s["type"]) for s in declared} == {(s.value, "message") for s in Shortcut}


def test_manifest_events_are_exactly_the_events_in_code():
    assert set(MANIFEST["settings"]["event_subscriptions"]["bot_events"]) == {e.value for e in SlackEvent}


def test_manifest_bot_scopes_are_exactly_those_an_oauth_install_asks_for():
    assert MANIFEST["oauth_config"]["scopes"]["bot"] == [scope.value for scope in Scope]
    assert "user" not in MANIFEST["oauth_config"]["scopes"]  # bot-only


def test_the_socket_mode_manifest_is_app_yaml_with_socket_mode_on_and_no_request_urls():
    assert SOCKET_MANIFEST["settings"]["socket_mode_enabled"] is True
    assert "url" not in str(SOCKET_MANIFEST).replace("_url_", "")  # no request URL anywhere: Slack can't reach it
    assert SOCKET_MANIFEST["oauth_config"] == {"scopes": MANIFEST["oauth_config"]["scopes"]}
    assert SOCKET_MANIFEST["settings"]["event_subscriptions"] == {
        "bot_events": MANIFEST["settings"]["event_subscriptions"]["bot_events"]
    }
    assert SOCKET_MANIFEST["settings"]["interactivity"] == {"is_enabled": True}
    commands = [{k: v for k, v in c.items() if k != "url"} for c in MANIFEST["features"]["slash_commands"]]
    assert SOCKET_MANIFEST["features"]["slash_commands"] == commands
    assert {k: v for k, v in SOCKET_MANIFEST["features"].items() if k != "slash_commands"} == {
        k: v for k, v in MANIFEST["features"].items() if k != "slash_commands"
    }
    assert SOCKET_MANIFEST["display_information"] == MANIFEST["display_information"]


def test_every_request_url_ends_in_slack_events():
    urls = [c["url"] for c in MANIFEST["features"]["slash_commands"]]
    urls += [
        MANIFEST["settings"]["event_subscriptions"]["request_url"],
        MANIFEST["settings"]["interactivity"]["request_url"],
    ]
    # The host is each deployment's own (app.yaml says to replace it); the path is the app's.
    assert [urlsplit(url).path for url in urls] == ["/slack/events"] * (len(Command) + 2)
    assert MANIFEST["settings"]["interactivity"]["is_enabled"] is True


# The code handles every identifier it declares: Slack's request for each is answered, not 404.


@pytest.mark.parametrize("command", list(Command))
def test_every_command_in_the_manifest_has_a_listener(sandbox, command):
    reply, _ = sandbox.sim.command(command.value, "help")
    assert reply.status == 200


@pytest.mark.parametrize("action", list(Action))
def test_every_action_has_a_listener(sandbox, action):
    message = {
        "ts": "1.0",
        "blocks": [
            {
                "type": "actions",
                "block_id": "b",
                "elements": [
                    {
                        "type": "button",
                        "action_id": action.value,
                        "value": "share:999999",
                        "text": {"type": "plain_text", "text": "x"},
                    }
                ],
            }
        ],
    }
    if action is Action.MANAGE_SHARE:
        message["blocks"][0]["elements"][0] = {
            "type": "overflow",
            "action_id": action.value,
            "options": [{"value": "edit:999999", "text": {"type": "plain_text", "text": "Edit"}}],
        }
    reply, _ = sandbox.sim.click(message, action.value, user="U_AMIRA", channel="C_PRACTICE")
    assert reply.status == 200


@pytest.mark.parametrize("view", list(View))
def test_every_modal_has_a_submission_listener(sandbox, view):
    reply = sandbox.sim.submit(
        {"type": "modal", "callback_id": view.value, "blocks": [], "private_metadata": "{}"}, {}, user="U_AMIRA"
    )
    assert reply.status == 200


@pytest.mark.parametrize("shortcut", list(Shortcut))
def test_every_message_shortcut_has_a_listener(sandbox, shortcut):
    reply, _ = sandbox.sim.shortcut({"text": "x"}, shortcut.value, user="U_AMIRA", channel="C_PRACTICE")
    assert reply.status == 200


@pytest.mark.parametrize("event", list(SlackEvent))
def test_every_subscribed_event_has_a_listener(sandbox, event):
    reply = sandbox.sim.event({"type": event.value, "user": "U_AMIRA", "tab": "home", "event_ts": "1.0"})
    assert reply.status == 200


# Every id is proven to work, not only answered: a new id without a test that proves it fails here.


def test_every_slack_id_in_the_code_has_a_test_that_proves_its_listener_works():
    every = [*Command, *Action, *View, *SlackEvent, *Shortcut]
    assert len(set(every)) == len(every)  # no two kinds of id share a value, so one table can hold them all
    assert [repr(ident) for ident in every if ident not in PROVEN_BY] == []
    assert len(PROVEN_BY) == len(every)


def _proving_tests() -> set[str]:
    return {name for names in PROVEN_BY.values() for name in ((names,) if isinstance(names, str) else names)}


def test_every_proving_test_named_in_the_table_is_one_pytest_collects():
    files = sorted({f"tests/{name.split('::')[0]}" for name in _proving_tests()})
    listed = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *files],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert listed.returncode == 0, listed.stdout + listed.stderr
    collected = {re.sub(r"\[.*\]$", "", line.removeprefix("tests/")) for line in listed.stdout.splitlines()}
    assert _proving_tests() - collected == set()
