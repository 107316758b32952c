"""The command line: python -m db ..."""

import sqlite3
import subprocess
import sys

import pytest

from db import audit, users
from db.__main__ import main as cli
from tests.conftest import ROOT


def test_help_lists_every_command():
    out = subprocess.run([sys.executable, "-m", "db", "--help"], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout
    for command in ("upgrade", "seed", "create-user", "backup", "verify-audit"):
        assert command in out


def test_upgrade_is_idempotent(db, capsys):
    assert cli(["--url", db.url, "upgrade"]) == 0
    from db import migrate

    assert f"schema {migrate.head_revision()}" in capsys.readouterr().out


def test_create_user_then_sign_in_credentials(db, capsys):
    code = cli(["--url", db.url, "create-user", "--username", "ines", "--password",
                "long-enough-pass", "--roles", "learner,trainer", "--name", "Ines Duarte"])
    assert code == 0
    assert "Created ines" in capsys.readouterr().out
    with db.read() as s:
        cred = users.login_account(s, "ines")
    assert cred["roles"] == ["learner", "trainer"]
    assert users.check_password("long-enough-pass", cred["password"])


@pytest.mark.parametrize(("args", "message"), [
    (["--password", "short", "--roles", "learner"], "Error in password"),
    (["--password", "long-enough-pass", "--roles", "wizard"], "Unknown role: wizard"),
])
def test_create_user_refuses_bad_input(db, capsys, args, message):
    assert cli(["--url", db.url, "create-user", "--username", "ines", *args]) == 1
    assert message in capsys.readouterr().err
    with db.read() as s:
        assert users.login_account(s, "ines") is None


def test_unreachable_database_is_a_clear_error(capsys):
    code = cli(["--url", "postgresql+psycopg://x:y@127.0.0.1:1/none", "verify-audit"])
    assert code == 1
    assert "cannot use the database" in capsys.readouterr().err


def test_sqlite_backup_restores_the_same_rows(db, tmp_path, capsys):
    if not db.is_sqlite:
        pytest.skip("the PostgreSQL backup is pg_dump's; see the README for its restore")
    for name in ("anna", "ben"):
        cli(["--url", db.url, "create-user", "--username", name, "--password",
             "long-enough-pass", "--roles", "learner"])
    out = tmp_path / "copy.db"
    assert cli(["--url", db.url, "backup", "--output", str(out)]) == 0
    original = sqlite3.connect(db.url.split("///", 1)[1])
    copy = sqlite3.connect(out)
    query = "SELECT id, username, password_hash FROM users ORDER BY id"
    assert original.execute(query).fetchall() == copy.execute(query).fetchall()
    assert cli(["--url", f"sqlite:///{out}", "verify-audit"]) == 0
    assert "2 records" in capsys.readouterr().out
    from db.session import Database

    with Database(f"sqlite:///{out}").read() as s:
        assert audit.verify(s).checked == 2
