"""The container, checked without a Docker engine: the Dockerfile, compose.yaml and the entrypoint agree with each
other and with the app, and the entrypoint, run as a plain script, refuses or serves as it would in the image."""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from bot.cli import DEFAULT_PORT, build_parser
from tests.helpers import free_port, healthy, wait_until

ROOT = Path(__file__).resolve().parent.parent
ENTRYPOINT = ROOT / "docker" / "entrypoint.sh"
PACKAGES = ("bot", "domain", "handlers", "storage")


def dockerfile() -> list[tuple[str, str]]:
    """The Dockerfile's instructions, (INSTRUCTION, arguments), continuation lines joined and comments dropped."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        pending += line.rstrip().removesuffix("\\").strip() + " "
        if not line.rstrip().endswith("\\"):
            keyword, _, rest = pending.strip().partition(" ")
            instructions.append((keyword.upper(), rest.strip()))
            pending = ""
    return instructions


def only(keyword: str) -> str:
    found = [rest for word, rest in dockerfile() if word == keyword]
    assert len(found) == 1, (keyword, found)
    return found[0]


def exec_form(arguments: str) -> list[str]:
    return yaml.safe_load(arguments)  # a JSON array, which YAML reads too


def compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


# ---- the Dockerfile and compose.yaml ----------------------------------------------------------------------


def test_the_image_is_small_python_with_what_weasyprint_needs():
    assert only("FROM") == "python:3.11-slim"
    installed = " ".join(rest for word, rest in dockerfile() if word == "RUN" and "apt-get install" in rest)
    for package in ("libpango-1.0-0", "libpangoft2-1.0-0", "fonts-dejavu-core"):
        assert package in installed.split()
    assert "--no-install-recommends" in installed and "rm -rf /var/lib/apt/lists/*" in installed


def test_the_image_installs_every_package_the_project_declares():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    declared = {name.rstrip("*") for name in project["tool"]["setuptools"]["packages"]["find"]["include"]}
    sources = {source for word, rest in dockerfile() if word == "COPY" for source in exec_form_or_words(rest)[:-1]}
    assert declared == set(PACKAGES) and declared <= sources
    assert {"pyproject.toml", project["project"]["readme"], *project["project"]["license-files"]} <= sources
    assert any(word == "RUN" and "pip install ." in rest for word, rest in dockerfile())


def exec_form_or_words(arguments: str) -> list[str]:
    return [word for word in shlex.split(arguments) if not word.startswith("--")]


def test_the_image_runs_as_a_user_without_privileges():
    user = only("USER")
    assert user not in ("root", "0") and not user.startswith("0:")
    steps = [shlex.split(step) for word, rest in dockerfile() if word == "RUN" for step in rest.split("&&")]
    (useradd,) = [step for step in steps if step[0] == "useradd"]
    assert useradd[-1] == user and "--system" in useradd
    (data,) = [step for step in steps if step[:2] == ["install", "--directory"]]  # a volume for SQLite, theirs
    assert data[-1] == "/data" and f"--owner={user}" in data
    assert [word for word, _ in dockerfile()].index("USER") > max(
        i for i, (word, rest) in enumerate(dockerfile()) if word == "RUN"
    )  # nothing runs as root after it


def test_the_entrypoint_is_the_script_copied_in_and_serves_after_migrating_by_default():
    (copied,) = [rest for word, rest in dockerfile() if word == "COPY" and "docker/entrypoint.sh" in rest]
    source, destination = exec_form_or_words(copied)
    assert source == "docker/entrypoint.sh" and "--chmod=0755" in copied
    assert exec_form(only("ENTRYPOINT")) == [Path(destination).name]  # on PATH: /usr/local/bin
    assert Path(destination).parent == Path("/usr/local/bin")
    arguments = exec_form(only("CMD"))
    assert arguments == ["serve", "--migrate"] == compose()["services"]["app"]["command"]
    parsed = build_parser().parse_args(arguments)  # what the image runs is a command the app has
    assert parsed.migrate and parsed.port == DEFAULT_PORT
    assert os.access(ENTRYPOINT, os.X_OK) and ENTRYPOINT.read_text().startswith("#!/bin/sh\n")


def test_one_port_everywhere_and_the_healthcheck_asks_healthz_on_it():
    assert only("EXPOSE") == str(DEFAULT_PORT)
    health = only("HEALTHCHECK")
    command = exec_form(health.split(" CMD ", 1)[1])
    assert command[:2] == ["python", "-c"]
    assert f"http://127.0.0.1:{DEFAULT_PORT}/healthz" in command[2]
    assert re.search(r"--timeout=(\d+)s", health) and "--start-period=" in health
    app = compose()["services"]["app"]
    assert [mapping.rsplit(":", 1)[1] for mapping in app["ports"]] == [str(DEFAULT_PORT)]


def test_compose_starts_postgresql_first_and_gives_the_app_a_url_to_it():
    services = compose()["services"]
    app, db = services["app"], services["db"]
    assert app["build"] == "." and app["depends_on"] == {"db": {"condition": "service_healthy"}}
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    url = urlsplit(app["environment"]["DATABASE_URL"])
    assert url.scheme == "postgresql" and url.hostname == "db" and url.port == 5432
    assert url.username == db["environment"]["POSTGRES_USER"] and url.path == "/" + db["environment"]["POSTGRES_DB"]
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"):  # compose itself refuses to start without them
        assert app["environment"][name].startswith("${" + name + ":?")
    assert db["environment"]["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?")
    assert any(volume.endswith(":/var/lib/postgresql/data") for volume in db["volumes"])


def test_the_build_context_leaves_out_local_databases_and_secrets_but_not_the_app():
    ignored = [line for line in (ROOT / ".dockerignore").read_text().splitlines() if line and line[0] != "#"]
    for pattern in (".git", ".venv", ".env", "*.sqlite3", "**/__pycache__"):
        assert pattern in ignored
    for needed in (*PACKAGES, "pyproject.toml", "README.md", "LICENSE", "docker"):
        assert needed not in ignored


# ---- the entrypoint, outside Docker -----------------------------------------------------------------------


def entrypoint_env(**settings: str) -> dict[str, str]:
    """No app settings, and programme-talks on PATH as in the image."""
    mine = ("SLACK_", "DATABASE_URL", "PROGRAMME_TALKS_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(mine)}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env | settings


@pytest.mark.parametrize(
    ("arguments", "settings", "missing"),
    [
        ([], {}, "DATABASE_URL, SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET are"),
        (["serve", "--migrate"], {"SLACK_BOT_TOKEN": "xoxb-1"}, "DATABASE_URL and SLACK_SIGNING_SECRET are"),
        (["run-due"], {"SLACK_SIGNING_SECRET": "s"}, "DATABASE_URL and SLACK_BOT_TOKEN are"),
        (["migrate"], {"SLACK_BOT_TOKEN": "xoxb-1"}, "DATABASE_URL is"),
    ],
)
def test_the_entrypoint_names_every_missing_variable_in_one_sentence(arguments, settings, missing):
    result = subprocess.run(
        ["sh", str(ENTRYPOINT), *arguments], env=entrypoint_env(**settings), capture_output=True, text=True, timeout=10
    )
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == (
        f"programme-talks: {missing} not set: give the container every variable it needs (compose.yaml reads them "
        "from .env; the README's Configuration table says what each is).\n"
    )


def test_the_entrypoint_leaves_the_rest_to_programme_talks(tmp_path):
    env = entrypoint_env(
        DATABASE_URL=f"sqlite:///{tmp_path}/talks.sqlite3", SLACK_BOT_TOKEN="xoxp-1", SLACK_SIGNING_SECRET="s" * 32
    )
    result = subprocess.run(["sh", str(ENTRYPOINT), "serve"], env=env, capture_output=True, text=True, timeout=20)
    assert result.returncode == 2
    assert result.stderr.startswith("programme-talks: SLACK_BOT_TOKEN is a user token (xoxp-...)")


def test_the_entrypoint_serves_when_configured_and_its_healthcheck_passes(tmp_path):
    port = free_port()
    env = entrypoint_env(
        DATABASE_URL=f"sqlite:///{tmp_path}/talks.sqlite3",
        SLACK_BOT_TOKEN="xoxb-1234-5678-abcdefghijkl",
        SLACK_SIGNING_SECRET="8f14e45fceea167a5a36dedd4bea2543",
        SLACK_API_URL="http://127.0.0.1:1/api/",
    )
    arguments = ["serve", "--migrate", "--host", "127.0.0.1", "--port", str(port), "--no-scheduler"]
    server = subprocess.Popen(
        ["sh", str(ENTRYPOINT), *arguments],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        wait_until(lambda: healthy(f"http://127.0.0.1:{port}"), timeout=30)
        probe = exec_form(only("HEALTHCHECK").split(" CMD ", 1)[1])[2].replace(str(DEFAULT_PORT), str(port))
        assert subprocess.run([sys.executable, "-c", probe], timeout=10).returncode == 0
        os.kill(server.pid, signal.SIGTERM)  # exec'd: the signal reaches programme-talks itself, not a shell
        output, _ = server.communicate(timeout=30)
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
    assert server.returncode == 0, output
    assert "serving Slack on http://127.0.0.1:" in output
    assert subprocess.run([sys.executable, "-c", probe], capture_output=True, timeout=10).returncode != 0
