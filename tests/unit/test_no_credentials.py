"""No credential is committed: every tracked file is scanned for the shapes secrets take."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from local_stack.config import REPO_ROOT

SECRET_SHAPES = {
    "private key": re.compile(r"-----BEGIN (?:RSA |EC |OPENSSH |ENCRYPTED )?PRIVATE KEY-----"),
    "service-account key": re.compile(r'"private_key"\s*:\s*"-----BEGIN'),
    "Google API key": re.compile(r"AIza[0-9A-Za-z_\-]{35}"),
    "Google OAuth token": re.compile(r"ya29\.[0-9A-Za-z_\-]{20,}"),
    "AWS access key": re.compile(r"\bAKIA[0-9A-Z]{16}\b"),
    "Slack token": re.compile(r"\bxox[abposr]-[0-9A-Za-z-]{10,}"),
    "Slack webhook": re.compile(r"https://hooks\.slack\.com/services/T[0-9A-Z]+/B[0-9A-Z]+/[0-9A-Za-z]+"),
    "JWT": re.compile(r"\beyJ[0-9A-Za-z_-]{10,}\.eyJ[0-9A-Za-z_-]{10,}\.[0-9A-Za-z_-]{10,}"),
    "password in a URL": re.compile(
        r"\b(?:postgres(?:ql)?|mysql|redis|amqp)(?:\+\w+)?://[^:/@\s${}]+:[^@/\s${}]{3,}@"
    ),
}
# Files that must never be committed at all, whatever they hold.
FORBIDDEN_NAMES = re.compile(r"(^|/)(\.env|passwords\.json|.*-sa\.json|credentials\.json|.*\.pem|.*\.p12)$")


def _tracked_files() -> list[str]:
    git = shutil.which("git")
    if git is None:
        pytest.skip("git is not installed")
    done = subprocess.run([git, "ls-files"], cwd=REPO_ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip("not a git checkout")
    return [line for line in done.stdout.splitlines() if line]


def test_no_tracked_file_holds_a_credential():
    found = []
    for name in _tracked_files():
        path = REPO_ROOT / name
        if not path.is_file() or path.stat().st_size > 2_000_000:
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # binary (the screenshot)
        for shape, pattern in SECRET_SHAPES.items():
            for match in pattern.finditer(text):
                found.append(f"{name}: {shape}: {match.group(0)[:24]}…")
    assert not found, "credentials committed:\n" + "\n".join(found)


def test_no_credential_file_is_tracked():
    assert [n for n in _tracked_files() if FORBIDDEN_NAMES.search(n)] == []


# Assembled at run time so that this file itself holds none of the shapes it scans for.
@pytest.mark.parametrize(
    "leak",
    [
        "-----BEGIN " + "PRIVATE KEY-----",
        "AKIA" + "ABCDEFGHIJKLMNOP",
        "postgresql+psycopg2://airflow:" + "hunter2@db/airflow",
        "xoxb" + "-1234567890-abcdefghij",
    ],
)
def test_the_scan_recognises_what_it_looks_for(leak):
    assert any(p.search(leak) for p in SECRET_SHAPES.values())
