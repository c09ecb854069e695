"""Many workspaces: installing through OAuth (and every way it can fail), tokens at rest and their rotation, a
workspace removing the app, and erasing what it left."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from cryptography.fernet import Fernet
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select, update

from bot.cli import main
from bot.clients import NotInstalled, OneWorkspace
from bot.config import ConfigError, Settings
from bot.delivery.retention import erase_uninstalled_workspaces
from bot.devkit.sandbox import CLIENT_ID, CLIENT_SECRET, SIGNING_SECRET, Sandbox
from bot.devkit.simulate import Browser, SlackSimulator
from bot.installations import Cipher, Installations, check_stored_tokens
from handlers.context import job_name
from handlers.ids import Scope
from handlers.shares.commands import save_and_post_share
from storage import installations as store
from storage import jobs as jobs_store
from storage.models import Installation, OAuthState, QueuedJob, Share
from tests.helpers import count, free_port, response_to, wait_until

ALPHA, BETA = "TALPHA1", "TBETA22"
KEY = Fernet.generate_key().decode()
CHANNEL, AMIRA = "C_PRACTICE", "U_AMIRA"


@pytest.fixture
def many(database_url, clock):
    """The app serving many workspaces, installed through OAuth; tokens kept encrypted."""
    with Sandbox(database_url, clock=clock, migrate_schema=False, oauth=True, secret_key=KEY) as running:
        yield running


@pytest.fixture
def rotating(database_url, clock):
    """As `many`, with Slack rotating tokens (they expire; a refresh token renews them once)."""
    with Sandbox(database_url, clock=clock, migrate_schema=False, oauth=True, rotate_tokens=True) as running:
        yield running


def installation(sandbox, team_id: str) -> Installation | None:
    with sandbox.sessions() as session:
        return session.get(Installation, team_id)


def share(sim: SlackSimulator, sandbox, words: str) -> None:
    reply, _ = sim.command("/share", words, user=AMIRA, channel=CHANNEL)
    assert reply.status == 200
    wait_until(lambda: any(words[:20] in (m.get("text") or "") for m in messages(sandbox, sim.team_id)))


def messages(sandbox, team_id: str, channel: str = CHANNEL) -> list[dict]:
    return sandbox.slack.messages(channel, team_id=team_id)


def started(sandbox, team_id: str) -> tuple[Browser, str]:
    """Open the install page and press Add to Slack: the browser, and the address Slack sends it back to."""
    sandbox.slack.workspaces.get(team_id) or sandbox.slack.add_workspace(team_id, "Workspace")
    browser = Browser()
    page = browser.get(f"{sandbox.url}/slack/install?team={team_id}")
    return browser, browser.get(page.link("http")).location


# ---- installing ---------------------------------------------------------------------------------------------------


def test_an_admin_installs_the_app_and_the_workspace_is_served_with_its_own_token_kept_encrypted(many):
    many.slack.add_workspace(ALPHA, "Alpha Youth & Family <Trust>")
    browser = Browser()
    page = browser.get(f"{many.url}/slack/install?team={ALPHA}")
    asked = parse_qs(urlsplit(page.link("http")).query)
    assert (
        page.status == 200
        and "Add to Slack" in page.body
        and "slack-app-oauth-state" in browser.cookies[urlsplit(many.url).netloc]
    )
    assert asked["client_id"] == [CLIENT_ID] and asked["team"] == [ALPHA]
    assert set(asked["scope"][0].split(",")) == {str(scope) for scope in Scope}
    assert asked.get("user_scope", [""]) == [""]  # bot-only: no person's token is asked for

    done = browser.follow(browser.get(page.link("http")))

    assert done.status == 200
    assert "Programme Talks is now in <strong>Alpha Youth &amp; Family &lt;Trust&gt;</strong>" in done.body
    [exchange] = many.slack.calls_to("oauth.v2.access")
    assert exchange.args["client_id"] == CLIENT_ID and exchange.args["client_secret"] == CLIENT_SECRET
    row = installation(many, ALPHA)
    [token] = many.slack.tokens_of(ALPHA)
    assert row.bot_user_id == f"UBOT{ALPHA}" and row.installed_by == "U_INSTALLER" and row.uninstalled_at is None
    assert set(row.bot_scopes.split(",")) == {str(scope) for scope in Scope}
    assert row.encrypted and token not in row.bot_token and Cipher(KEY).open(row.bot_token, encrypted=True) == token

    sim = SlackSimulator(many.url, SIGNING_SECRET, many.slack, team_id=ALPHA, bot_user_id=row.bot_user_id)
    share(sim, many, "Texting parents the night before doubled attendance")
    posts = many.slack.calls_to("chat.postMessage")
    assert [call.team_id for call in posts] == [ALPHA]
    assert many.slack.messages(CHANNEL) == []  # nothing reached the stand-in's first workspace


def test_cancelling_on_slacks_page_installs_nothing_and_says_how_to_start_again(many):
    many.slack.install_answer = "deny"
    many.slack.add_workspace(ALPHA, "Alpha")

    page = many.install_page(ALPHA)

    assert page.status == 200
    assert "You cancelled on Slack's page, so nothing was installed." in page.body
    assert 'href="/slack/install"' in page.body
    assert many.slack.calls_to("oauth.v2.access") == [] and installation(many, ALPHA) is None


def test_an_install_link_used_twice_is_refused_the_second_time_and_changes_nothing(many):
    browser, back = started(many, ALPHA)
    assert "is installed" in browser.get(back).body

    again = browser.get(back)

    assert again.status >= 400 and "This install link has been used" in again.body
    assert 'href="/slack/install"' in again.body
    assert len(many.slack.calls_to("oauth.v2.access")) == 1
    assert count(many.sessions, Installation) == 1


def test_an_expired_install_link_says_so_and_installs_nothing(many):
    browser, back = started(many, ALPHA)
    with many.sessions.begin() as session:
        session.execute(update(OAuthState).values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)))

    page = browser.get(back)

    assert page.status >= 400 and "This install link has expired" in page.body and "10 minutes" in page.body
    assert many.slack.calls_to("oauth.v2.access") == [] and installation(many, ALPHA) is None


def test_a_state_this_server_never_issued_is_refused(many):
    page = Browser().get(f"{many.url}/slack/oauth_redirect?code=made-up&state=made-up")

    assert page.status >= 400 and "This isn't an install link from here" in page.body
    assert many.slack.calls_to("oauth.v2.access") == [] and count(many.sessions, Installation) == 0


def test_an_install_finished_in_another_browser_asks_for_one_browser(many):
    _browser, back = started(many, ALPHA)

    page = Browser().get(back)

    assert page.status >= 400 and "Start the install in one browser" in page.body
    assert many.slack.calls_to("oauth.v2.access") == [] and installation(many, ALPHA) is None


def test_a_code_slack_refuses_installs_nothing(many):
    browser, back = started(many, ALPHA)
    many.slack.fail("oauth.v2.access", error="invalid_code")

    page = browser.get(back)

    assert page.status >= 400 and "Slack didn't accept the install's code" in page.body
    assert installation(many, ALPHA) is None


def test_an_installation_that_cannot_be_kept_is_revoked_at_slack_so_nothing_is_half_installed(many):
    many.slack.org_wide = True  # an organisation-wide install, which the app does not take
    browser, back = started(many, ALPHA)

    page = browser.get(back)

    assert page.status == 500 and "could not record the installation, so it undid it" in page.body
    [revoked] = many.slack.calls_to("auth.revoke")
    assert revoked.team_id == ALPHA and many.slack.tokens_of(ALPHA) == []
    assert count(many.sessions, Installation) == 0


def test_install_links_expired_a_day_ago_are_deleted_as_new_ones_are_issued(many):
    now = dt.datetime.now(dt.UTC)
    with many.sessions.begin() as session:
        store.add_oauth_state(
            session, state="old", now=now - dt.timedelta(days=3), expires_at=now - dt.timedelta(days=2)
        )
        store.add_oauth_state(
            session, state="recent", now=now - dt.timedelta(hours=2), expires_at=now - dt.timedelta(hours=1)
        )

    Browser().get(f"{many.url}/slack/install")

    with many.sessions() as session:
        kept = set(session.scalars(select(OAuthState.state)))
    assert "old" not in kept and "recent" in kept and len(kept) == 2


def test_one_workspace_over_http_offers_no_install_pages(sandbox):
    assert Browser().get(f"{sandbox.url}/slack/install").status == 404
    assert Browser().get(f"{sandbox.url}/slack/oauth_redirect?code=x&state=y").status == 404


# ---- a workspace without the app ------------------------------------------------------------------------------


def test_a_workspace_that_never_installed_the_app_is_told_so_and_nothing_changes(many):
    stranger = SlackSimulator(many.url, SIGNING_SECRET, many.slack, team_id="TSTRANGE")

    reply, url = stranger.command("/share", "Our breakfast club is full every day", user=AMIRA, channel=CHANNEL)

    assert reply.status == 200
    assert response_to(many.slack, url).args["text"] == (
        "Programme Talks isn't installed in this workspace (it may have been removed), so nothing was done. "
        "A workspace admin can install it again."
    )
    assert count(many.sessions, Share) == 0 and count(many.sessions, QueuedJob) == 0
    many.slack.assert_no_call("chat.postMessage")


# ---- tokens at rest -----------------------------------------------------------------------------------------------


def test_tokens_saved_without_a_key_are_encrypted_once_one_is_set(database_url, clock):
    with Sandbox(database_url, clock=clock, migrate_schema=False, oauth=True) as plain:
        plain.install(ALPHA, "Alpha")
        [token] = plain.slack.tokens_of(ALPHA)
        assert installation(plain, ALPHA).bot_token == token  # no key: kept as it is

        assert check_stored_tokens(plain.sessions, Cipher(KEY)) == 1

        row = installation(plain, ALPHA)
        assert row.encrypted and token not in row.bot_token
        assert Installations(plain.settings, plain.sessions, cipher=Cipher(KEY)).authorized(ALPHA).token == token


@pytest.mark.parametrize(
    ("key", "said"),
    [
        (
            None,
            "the database holds Slack tokens encrypted with a key, but PROGRAMME_TALKS_SECRET_KEY is not set: set it "
            "to the key they were saved with.",
        ),
        (
            Fernet.generate_key().decode(),
            "PROGRAMME_TALKS_SECRET_KEY does not open the Slack tokens in the database: set it to the key they were "
            "saved with (a new key goes first, followed by a comma and the old one).",
        ),
    ],
    ids=["no-key", "a-wrong-key"],
)
def test_a_missing_or_wrong_key_for_encrypted_tokens_stops_serve_in_one_sentence(many, monkeypatch, capsys, key, said):
    many.install(ALPHA, "Alpha")
    for name, value in {
        "SLACK_CLIENT_ID": CLIENT_ID,
        "SLACK_CLIENT_SECRET": CLIENT_SECRET,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "DATABASE_URL": many.settings.database_url,
        "SLACK_API_URL": many.slack.url,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    if key:
        monkeypatch.setenv("PROGRAMME_TALKS_SECRET_KEY", key)
    else:
        monkeypatch.delenv("PROGRAMME_TALKS_SECRET_KEY", raising=False)

    assert main(["serve", "--host", "127.0.0.1", "--port", str(free_port())]) == 2

    assert capsys.readouterr().err.splitlines()[-1] == f"programme-talks: {said}"  # (after the test's own log)


def test_both_install_modes_at_once_or_half_of_oauth_is_one_sentence():
    with pytest.raises(ConfigError, match=r"^SLACK_BOT_TOKEN and SLACK_CLIENT_ID are both set: for one workspace"):
        Settings.from_env({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_CLIENT_ID": "1.2", "SLACK_SIGNING_SECRET": "s"})
    with pytest.raises(ConfigError) as missing:
        Settings.from_env({"SLACK_CLIENT_ID": "1.2"})
    assert str(missing.value) == (
        "SLACK_CLIENT_SECRET and SLACK_SIGNING_SECRET are not set: copy the Client Secret from your Slack app's Basic "
        "Information page, and the Signing Secret from your Slack app's Basic Information page."
    )
    with pytest.raises(ConfigError, match=r"^PROGRAMME_TALKS_SECRET_KEY is not a key the app can use"):
        Settings.from_env({"PROGRAMME_TALKS_SECRET_KEY": "hunter2"}, require_slack=False).check(slack=True)
    with pytest.raises(ConfigError, match=r"^PROGRAMME_TALKS_KEEP_UNINSTALLED_DAYS is 'soon'"):
        Settings.from_env({"PROGRAMME_TALKS_KEEP_UNINSTALLED_DAYS": "soon"}, require_slack=False)
    settings = Settings.from_env(
        {
            "SLACK_CLIENT_ID": "1.2",
            "SLACK_CLIENT_SECRET": "shh-secret",
            "SLACK_SIGNING_SECRET": "s",
            "PROGRAMME_TALKS_SECRET_KEY": KEY,
        }
    )
    assert settings.oauth and "shh-secret" not in repr(settings) and KEY not in repr(settings)
    assert "shh-secret" in settings.secrets() and KEY in settings.secrets()


# ---- token rotation -----------------------------------------------------------------------------------------------


def due_soon(sandbox, team_id: str, minutes: int = 5) -> None:
    """The stored token expires in a few minutes: within the two hours before expiry when it is refreshed."""
    with sandbox.sessions.begin() as session:
        session.execute(
            update(Installation)
            .where(Installation.team_id == team_id)
            .values(bot_token_expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=minutes))
        )


def refreshes(sandbox) -> list:
    return [c for c in sandbox.slack.calls_to("oauth.v2.access") if c.args.get("grant_type") == "refresh_token"]


def test_a_token_due_to_expire_is_refreshed_before_a_request_and_its_refresh_token_is_spent(rotating):
    sim = rotating.install(ALPHA, "Alpha")
    [old] = rotating.slack.tokens_of(ALPHA)
    spent = installation(rotating, ALPHA).bot_refresh_token
    due_soon(rotating, ALPHA)

    share(sim, rotating, "Peer mentors for Year 7 transition")

    assert len(refreshes(rotating)) == 1
    assert refreshes(rotating)[0].args["refresh_token"] == spent
    row = installation(rotating, ALPHA)
    assert row.bot_token != old and row.bot_refresh_token != spent
    assert row.bot_token_expires_at > dt.datetime.now(dt.UTC) + dt.timedelta(hours=11)
    assert row.bot_token in rotating.slack.tokens_of(ALPHA)
    share(sim, rotating, "Walking bus to school")  # the new token is used as it is: no second refresh
    assert len(refreshes(rotating)) == 1
    with pytest.raises(SlackApiError, match="invalid_refresh_token"):  # Slack revoked it as it was used
        WebClient(base_url=rotating.slack.url).oauth_v2_access(
            client_id=CLIENT_ID, client_secret=CLIENT_SECRET, grant_type="refresh_token", refresh_token=spent
        )


def test_work_outside_any_request_refreshes_an_expired_token_first(rotating):
    rotating.install(ALPHA, "Alpha")
    rotating.slack.expire_tokens(ALPHA)  # Slack refuses it now
    due_soon(rotating, ALPHA, minutes=0)

    client = Installations(rotating.settings, rotating.sessions).client_for(ALPHA)  # as the job runner asks

    assert client.chat_postMessage(channel=CHANNEL, text="Digest")["ok"]
    assert len(refreshes(rotating)) == 1


@pytest.mark.parametrize("expired", [False, True], ids=["still-good", "expired"])
def test_processes_refreshing_at_once_spend_the_refresh_token_once(rotating, expired):
    rotating.install(ALPHA, "Alpha")
    if expired:
        rotating.slack.expire_tokens(ALPHA)
    due_soon(rotating, ALPHA, minutes=0 if expired else 5)
    processes = [Installations(rotating.settings, rotating.sessions) for _ in range(2)]  # each with its own lease name
    got: list[str] = []
    failed: list[BaseException] = []

    def use(installations: Installations) -> None:
        try:
            got.append(installations.authorized(ALPHA).token)
        except BaseException as error:
            failed.append(error)

    threads = [threading.Thread(target=use, args=(processes[i % 2],)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)

    assert failed == [] and len(got) == 8
    assert len(refreshes(rotating)) == 1
    working = set(rotating.slack.tokens_of(ALPHA))
    assert set(got) <= working
    if expired:  # nobody may use the old one: everyone waited for the new
        assert set(got) == {installation(rotating, ALPHA).bot_token}


def test_a_refresh_slack_refuses_keeps_the_token_while_it_works_and_then_says_not_installed(rotating):
    rotating.install(ALPHA, "Alpha")
    due_soon(rotating, ALPHA)
    rotating.slack.fail("oauth.v2.access", error="invalid_refresh_token", times=2)
    installations = Installations(rotating.settings, rotating.sessions)

    assert installations.authorized(ALPHA).token in rotating.slack.tokens_of(ALPHA)  # still good for minutes

    due_soon(rotating, ALPHA, minutes=0)
    with pytest.raises(Exception, match="would not refresh"):
        installations.authorized(ALPHA)


# ---- removing the app ---------------------------------------------------------------------------------------------


def uninstalled(sim: SlackSimulator, kind: str = "app_uninstalled", **event) -> None:
    """Slack tells the app (Bolt acknowledges an event at once and hands it to its listener)."""
    reply = sim.event({"type": kind, **event})
    assert reply.status == 200


def stays_installed(sandbox, team_id: str, within: float = 0.5) -> bool:
    """Whether the workspace is still not marked uninstalled after its events have had `within` seconds."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if installation(sandbox, team_id).uninstalled_at is not None:
            return False
        time.sleep(0.02)
    return True


def marked(sandbox, team_id: str) -> Installation:
    return wait_until(lambda: (row := installation(sandbox, team_id)) and row.uninstalled_at is not None and row)


def queue_share_job(sandbox, team_id: str, words: str) -> int:
    """A job for the workspace, waiting in the outbox as a crash would leave it."""
    command = {"team_id": team_id, "user_id": AMIRA, "channel_id": CHANNEL, "text": words, "response_url": ""}
    with sandbox.sessions.begin() as session:
        return jobs_store.add_job(
            session,
            team_id=team_id,
            name=job_name(save_and_post_share),
            key=f"test:{words}",
            args=[command, words],
            now=dt.datetime.now(dt.UTC),
        )


def test_app_uninstalled_marks_the_workspace_at_once_drops_its_jobs_and_keeps_its_data(many):
    alpha, beta = many.install(ALPHA, "Alpha"), many.install(BETA, "Beta")
    share(alpha, many, "Texting parents the night before")
    many.slack.uninstall(ALPHA)

    uninstalled(alpha)

    row = marked(many, ALPHA)
    assert row.bot_token is None and row.bot_refresh_token is None
    assert count(many.sessions, Share) == 1  # kept, so a reinstall restores it
    with pytest.raises(NotInstalled):
        Installations(many.settings, many.sessions).client_for(ALPHA)
    many.slack.clear()
    job = queue_share_job(many, ALPHA, "A job left waiting for Alpha")
    many.background.notify(job)
    wait_until(lambda: _status(many, job) == "done")
    many.slack.assert_no_call("chat.postMessage")
    _, url = alpha.command("/share", "After removing the app", user=AMIRA, channel=CHANNEL)
    assert "isn't installed in this workspace" in response_to(many.slack, url).args["text"]
    share(beta, many, "Beta goes on as before")  # the other workspace is untouched


def _status(sandbox, job_id: int) -> str:
    with sandbox.sessions() as session:
        return session.scalar(select(QueuedJob.status).where(QueuedJob.id == job_id))


def test_tokens_revoked_marks_it_only_when_the_bots_token_is_revoked(many):
    alpha = many.install(ALPHA, "Alpha")

    uninstalled(alpha, "tokens_revoked", tokens={"oauth": ["U_SOMEONE"]})
    assert stays_installed(many, ALPHA)  # a person's token: the app keeps none, so nothing changes

    uninstalled(alpha, "tokens_revoked", tokens={"bot": [f"UBOT{ALPHA}"]})
    assert marked(many, ALPHA).bot_token is None


def talks(sim: SlackSimulator, sandbox, words: str, *, user: str = AMIRA) -> str:
    _, url = sim.command("/talks", words, user=user, channel=CHANNEL)
    return response_to(sandbox.slack, url).args["text"]


def test_installing_again_restores_the_workspace_with_its_data(many):
    alpha = many.install(ALPHA, "Alpha")
    many.slack.add_user("U_PRIYA", is_admin=True, team_id=ALPHA)
    assert talks(alpha, many, "champion <@U_BEN>", user="U_PRIYA").startswith("✅ <@U_BEN> is now a champion.")
    share(alpha, many, "Breakfast club for Year 7")
    many.slack.uninstall(ALPHA)
    uninstalled(alpha)
    marked(many, ALPHA)

    alpha = many.install(ALPHA, "Alpha")

    assert installation(many, ALPHA).uninstalled_at is None
    assert talks(alpha, many, "champions") == "Champions in Programme Talks: <@U_BEN>."
    assert count(many.sessions, Share) == 1


def test_a_late_retry_of_app_uninstalled_after_a_reinstall_changes_nothing(many):
    removed_at = int(dt.datetime.now(dt.UTC).timestamp()) - 60  # when the workspace removed the app
    many.install(ALPHA, "Alpha")
    many.slack.uninstall(ALPHA)
    alpha = many.install(ALPHA, "Alpha")  # installed again since: the retry below arrives after that

    _retry_of_app_uninstalled(alpha, removed_at)

    assert stays_installed(many, ALPHA)


def _retry_of_app_uninstalled(sim: SlackSimulator, event_time: int) -> None:
    body = {
        "token": "unused",
        "team_id": sim.team_id,
        "api_app_id": "A0001",
        "event": {"type": "app_uninstalled"},
        "type": "event_callback",
        "event_id": f"EvLATE{event_time}",
        "event_time": event_time,
        "authorizations": [{"team_id": sim.team_id, "user_id": sim.bot_user_id, "is_bot": True}],
    }
    headers = {"X-Slack-Retry-Num": "2", "X-Slack-Retry-Reason": "http_timeout"}
    reply = sim.post(json.dumps(body).encode(), "application/json", headers)
    assert reply.status == 200


def test_a_workspace_is_erased_once_its_days_are_up_and_not_before(many):
    alpha, beta = many.install(ALPHA, "Alpha"), many.install(BETA, "Beta")
    share(alpha, many, "Alpha's practice")
    share(beta, many, "Beta's practice")
    many.slack.uninstall(ALPHA)
    uninstalled(alpha)
    gone_at = marked(many, ALPHA).uninstalled_at
    keep = dt.timedelta(days=30)

    assert erase_uninstalled_workspaces(many.sessions, now=gone_at + dt.timedelta(days=29), keep=keep) == []
    [(team_id, erased)] = erase_uninstalled_workspaces(many.sessions, now=gone_at + dt.timedelta(days=31), keep=keep)

    assert team_id == ALPHA and erased["shares"] == 1 and erased["installations"] == 1
    with many.sessions() as session:
        assert store.count_workspace_rows(session, team_id=ALPHA) == {}
        left = store.count_workspace_rows(session, team_id=BETA)
    assert left["shares"] == 1 and left["installations"] == 1


def test_erase_workspace_asks_for_yes_then_erases_every_row_and_removes_the_app_there(many, monkeypatch, capsys):
    alpha, beta = many.install(ALPHA, "Alpha"), many.install(BETA, "Beta")
    share(alpha, many, "Alpha's practice")
    share(beta, many, "Beta's practice")
    for name, value in {
        "SLACK_CLIENT_ID": CLIENT_ID,
        "SLACK_CLIENT_SECRET": CLIENT_SECRET,
        "DATABASE_URL": many.settings.database_url,
        "SLACK_API_URL": many.slack.url,
        "PROGRAMME_TALKS_SECRET_KEY": KEY,
    }.items():
        monkeypatch.setenv(name, value)

    assert main(["erase-workspace", ALPHA]) == 2
    said = capsys.readouterr().out
    assert f"Workspace {ALPHA} has " in said and "  shares: 1\n" in said and "  installations: 1\n" in said
    assert said.endswith(
        f"Nothing was erased. To erase them all, for good: programme-talks erase-workspace {ALPHA} --yes\n"
    )
    assert installation(many, ALPHA) is not None and many.slack.calls_to("auth.revoke") == []

    assert main(["erase-workspace", ALPHA, "--yes"]) == 0

    said = capsys.readouterr().out
    assert "Revoked its bot token at Slack: the app is no longer in that workspace." in said
    assert "Erased " in said and f"of workspace {ALPHA}." in said
    assert many.slack.tokens_of(ALPHA) == [] and many.slack.tokens_of(BETA) != []
    with many.sessions() as session:
        assert store.count_workspace_rows(session, team_id=ALPHA) == {}
        assert store.count_workspace_rows(session, team_id=BETA)["shares"] == 1
    assert main(["erase-workspace", ALPHA, "--yes"]) == 0
    assert capsys.readouterr().out == f"Workspace {ALPHA} has nothing in this database: nothing to erase.\n"
    with pytest.raises(SystemExit) as refused:
        main(["erase-workspace", "alpha"])
    assert refused.value.code == 2 and "'alpha' is not a workspace id" in capsys.readouterr().err


def test_one_workspace_removing_the_app_drops_its_jobs_until_a_working_token_is_set(sandbox):
    sandbox.slack.revoke("xoxb-local-sandbox-token")  # removing the app revokes SLACK_BOT_TOKEN
    uninstalled(sandbox.sim)
    marked(sandbox, "T0001")

    job = queue_share_job(sandbox, "T0001", "Waiting when the app was removed")
    sandbox.background.notify(job)
    wait_until(lambda: _status(sandbox, job) == "done")
    sandbox.slack.assert_no_call("chat.postMessage")

    reinstalled = WebClient(base_url=sandbox.slack.url, token="xoxb-a-new-token-after-reinstalling")
    assert OneWorkspace(reinstalled, sandbox.sessions).client_for("T0001") is reinstalled
    assert installation(sandbox, "T0001").uninstalled_at is None  # its data was kept: posting resumes


def test_erase_uninstalled_erases_only_workspaces_gone_longer_than_they_are_kept(many, monkeypatch, capsys):
    alpha, beta = many.install(ALPHA, "Alpha"), many.install(BETA, "Beta")
    for sim in (alpha, beta):
        share(sim, many, f"{sim.team_id} practice")
        many.slack.uninstall(sim.team_id)
        uninstalled(sim)
        marked(many, sim.team_id)
    with many.sessions.begin() as session:  # Alpha removed the app 31 days ago, Beta just now
        session.execute(
            update(Installation)
            .where(Installation.team_id == ALPHA)
            .values(uninstalled_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=31))
        )
    monkeypatch.setenv("DATABASE_URL", many.settings.database_url)

    assert main(["erase-uninstalled"]) == 0

    assert capsys.readouterr().out.startswith(f"Erased workspace {ALPHA} (")
    with many.sessions() as session:
        assert store.count_workspace_rows(session, team_id=ALPHA) == {}
        assert store.count_workspace_rows(session, team_id=BETA)["shares"] == 1
    monkeypatch.setenv("PROGRAMME_TALKS_KEEP_UNINSTALLED_DAYS", "45")
    assert main(["erase-uninstalled"]) == 0
    assert capsys.readouterr().out == "No workspace removed the app more than 45 days ago: nothing to erase.\n"


def test_a_new_key_put_first_encrypts_every_token_again_at_start_so_the_old_one_can_go(many):
    many.install(ALPHA, "Alpha")
    [token] = many.slack.tokens_of(ALPHA)
    new = Fernet.generate_key().decode()

    assert check_stored_tokens(many.sessions, Cipher(f"{new},{KEY}")) == 1

    row = installation(many, ALPHA)
    assert Cipher(new).open(row.bot_token, encrypted=True) == token
    with pytest.raises(ConfigError, match="does not open the Slack tokens"):
        Cipher(KEY).open(row.bot_token, encrypted=True)


# ---- scheduled delivery ------------------------------------------------------------------------------------------


def test_scheduled_digests_go_with_each_workspaces_own_token_and_none_where_the_app_was_removed(
    many, monkeypatch, capsys
):
    alpha, beta = many.install(ALPHA, "Alpha"), many.install(BETA, "Beta")
    for sim in (alpha, beta):
        many.slack.add_user("U_PRIYA", name="Priya", is_admin=True, team_id=sim.team_id)
        _, url = sim.command("/talks", "digest here weekly mon 09:00", user="U_PRIYA", channel=CHANNEL)
        assert response_to(many.slack, url).args["text"].startswith("✅")
        share(sim, many, f"{sim.team_id} walking bus to school")
    many.slack.uninstall(BETA)
    uninstalled(beta)
    marked(many, BETA)
    many.slack.clear()
    for name, value in {
        "SLACK_CLIENT_ID": CLIENT_ID,
        "SLACK_CLIENT_SECRET": CLIENT_SECRET,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "PROGRAMME_TALKS_SECRET_KEY": KEY,
        "DATABASE_URL": many.settings.database_url,
        "SLACK_API_URL": many.slack.url,
    }.items():
        monkeypatch.setenv(name, value)

    assert main(["run-due", "--at", "2026-11-30T09:00"]) == 0

    out = capsys.readouterr().out
    assert out.splitlines()[1:] == [f"  posted digest to {CHANNEL} 2026-11-30T09:00"]
    [digest] = many.slack.calls_to("chat.postMessage")
    assert digest.team_id == ALPHA and f"{ALPHA} walking bus" in json.dumps(digest.args)

    with many.sessions.begin() as session:  # Beta removed the app 31 days before the next run
        session.execute(
            update(Installation)
            .where(Installation.team_id == BETA)
            .values(uninstalled_at=dt.datetime(2026, 11, 6, tzinfo=dt.UTC))
        )
    assert main(["run-due", "--at", "2026-12-07T09:00"]) == 0
    assert f"erased workspace {BETA}: it removed Programme Talks more than 30 days ago" in capsys.readouterr().out
    with many.sessions() as session:
        assert store.count_workspace_rows(session, team_id=BETA) == {}
        assert store.count_workspace_rows(session, team_id=ALPHA)["shares"] == 1
