"""docker-compose.yaml is valid, mounts what exists, and runs only real Airflow commands.

No container engine runs here, so the file is checked by a real Compose implementation
that needs none: Debian's ``docker-compose`` (``config`` interpolates the variables from an
env file, validates against its bundled Compose schema and prints the resolved file). The
commands of the Airflow services are then parsed by Airflow's own CLI parser.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from local_stack.config import REPO_ROOT

COMPOSE = shutil.which("docker-compose")
ENV_FILE = REPO_ROOT / ".env.example"
AIRFLOW_SERVICES = {
    "airflow-apiserver": ["api-server"],
    "airflow-scheduler": ["scheduler"],
    "airflow-dag-processor": ["dag-processor"],
    "airflow-triggerer": ["triggerer"],
    "airflow-worker": ["celery", "worker"],
}
# .env.example leaves secrets empty on purpose; the check fills them like a user would.
TEST_SECRETS = {"POSTGRES_PASSWORD": "compose-check", "AIRFLOW_JWT_SECRET": "compose-check-secret"}


def _config(tmp_path: Path, *profiles: str, shell_env: dict[str, str] | None = None) -> dict:
    """``docker-compose config`` from a clean shell (plus ``shell_env``): only the env file counts."""
    if COMPOSE is None:
        if os.environ.get("NBA_REQUIRE_COMPOSE") == "1":
            pytest.fail("NBA_REQUIRE_COMPOSE=1 but docker-compose is not installed")
        pytest.skip("needs Debian's docker-compose (apt-get install docker-compose); .ci/run installs it")
    env_file = tmp_path / "compose.env"
    lines = ENV_FILE.read_text().splitlines()
    env_file.write_text(
        "\n".join(
            f"{line.split('=')[0]}={TEST_SECRETS[line.split('=')[0]]}"
            if line.split("=")[0] in TEST_SECRETS
            else line
            for line in lines
        )
    )
    command = [COMPOSE, "--project-directory", str(REPO_ROOT), "--env-file", str(env_file)]
    command += [arg for profile in profiles for arg in ("--profile", profile)]
    clean = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), **(shell_env or {})}
    done = subprocess.run(
        [*command, "-f", str(REPO_ROOT / "docker-compose.yaml"), "config"],
        capture_output=True,
        text=True,
        env=clean,
    )
    assert done.returncode == 0, done.stderr
    return yaml.safe_load(done.stdout)


@pytest.fixture(scope="module")
def resolved(tmp_path_factory) -> dict:
    return _config(tmp_path_factory.mktemp("compose"))


def test_the_compose_file_validates_with_and_without_the_emulator_profile(resolved, tmp_path):
    assert set(AIRFLOW_SERVICES) | {"postgres", "redis", "airflow-init"} <= set(resolved["services"])
    assert resolved["services"]["bigquery-emulator"]["profiles"] == ["emulator"], "the emulator is opt-in"
    assert all("profiles" not in s for n, s in resolved["services"].items() if n != "bigquery-emulator")
    emulator_host, storage_host = "http://bigquery-emulator:9050", "bigquery-emulator:9060"
    shell = {"BIGQUERY_EMULATOR_HOST": emulator_host, "NBA_STORAGE_READ_ENDPOINT": storage_host}
    with_emulator = _config(tmp_path, "emulator", shell_env=shell)
    assert "bigquery-emulator" in with_emulator["services"]
    for name in AIRFLOW_SERVICES:
        env = with_emulator["services"][name]["environment"]
        assert env["BIGQUERY_EMULATOR_HOST"] == emulator_host
        assert env["NBA_STORAGE_READ_ENDPOINT"] == storage_host, "Arrow reads need the gRPC port"


def test_it_is_the_celery_topology_on_postgres_and_redis(resolved):
    for name in AIRFLOW_SERVICES:
        env = resolved["services"][name]["environment"]
        assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor", name
        assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql+psycopg2://"), name
        assert (
            env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://")
            and "@redis:6379" in env["AIRFLOW__CELERY__BROKER_URL"]
        ), name
        assert env["NBA_DEFERRABLE"] == "true", name
        # null = passed through from the shell only when set there: real BigQuery by default
        assert env.get("BIGQUERY_EMULATOR_HOST") is None, "real BigQuery unless the emulator is asked for"
        assert env.get("NBA_STORAGE_READ_ENDPOINT") is None, name


def test_every_mounted_path_exists(resolved):
    mounts = []
    for name, service in resolved["services"].items():
        for volume in service.get("volumes", []):
            source = volume["source"] if isinstance(volume, dict) else volume.split(":")[0]
            if source.startswith("/"):  # a bind mount; named volumes have bare names
                mounts.append((name, Path(source)))
    assert {p.relative_to(REPO_ROOT).as_posix() for _, p in mounts} >= {"dags", "plugins", "include"}
    missing = [(name, str(path)) for name, path in mounts if not path.exists()]
    assert not missing


def _argv(command) -> list[str]:
    return shlex.split(command) if isinstance(command, str) else list(command)


def test_every_service_command_is_a_real_airflow_command(resolved, monkeypatch):
    monkeypatch.setenv("AIRFLOW__CORE__EXECUTOR", "CeleryExecutor")  # the `celery` commands exist only then
    from airflow.cli.cli_parser import get_parser

    parser = get_parser()
    for name, expected in AIRFLOW_SERVICES.items():
        service = resolved["services"][name]
        assert _argv(service["command"]) == expected, name
        parser.parse_args(expected)  # SystemExit on an unknown command
        health = service["healthcheck"]["test"]
        if health[0] == "CMD-SHELL" and health[1].startswith("airflow "):
            parser.parse_args(
                shlex.split(health[1].replace("$${HOSTNAME}", "host").replace("${HOSTNAME}", "host"))[1:]
            )
    init = resolved["services"]["airflow-init"]
    script = _argv(init["command"])[-1]
    airflow_calls = [line for line in script.splitlines() if "/entrypoint airflow" in line]
    assert any("pools import" in line for line in airflow_calls), "airflow-init creates the DML pools"
    for airflow_call in airflow_calls:
        parser.parse_args(shlex.split(airflow_call.split("/entrypoint airflow", 1)[1]))


def test_no_secret_is_committed_in_the_example_env():
    for line in ENV_FILE.read_text().splitlines():
        key, _, value = line.partition("=")
        if key in TEST_SECRETS or key == "AIRFLOW_FERNET_KEY":
            assert value == "", f"{key} must be empty in .env.example"
