"""The command line: python -m db ..."""

import argparse
import os
import re
import shutil
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


def _one_error_line(err: str) -> str:
    """The message of a failed command: exactly one line, starting with Error, no traceback."""
    lines = [line for line in err.splitlines() if line.strip()]
    assert "Traceback" not in err
    assert lines and lines[-1].startswith("Error"), err
    return lines[-1]


@pytest.mark.parametrize("args", [
    ["backup", "--output", "{tmp}/copy.db"],
    ["verify-audit"],
    ["seed", "--demo"],
    ["create-user", "--username", "ines", "--password", "long-enough-pass", "--roles", "admin"],
])
def test_commands_refuse_a_missing_sqlite_database_and_create_nothing(tmp_path, capsys, args):
    missing = tmp_path / "nowhere" / "app.db"
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    assert cli(["--url", f"sqlite:///{missing}", *args]) == 1
    assert f"no database at {missing}" in _one_error_line(capsys.readouterr().err)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", ["verify-audit", "seed --demo"])
def test_commands_refuse_a_database_without_tables(tmp_path, capsys, command):
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    assert cli([*command.split(), "--url", f"sqlite:///{empty}"]) == 1
    assert "run `python -m db upgrade` first" in _one_error_line(capsys.readouterr().err)


def test_upgrade_creates_a_new_database_showing_each_migration(tmp_path, capsys):
    from db import migrate

    new = tmp_path / "new" / "app.db"
    assert cli(["upgrade", "--url", f"sqlite:///{new}"]) == 0
    out, err = capsys.readouterr()
    assert f"schema {migrate.head_revision()}" in out
    steps = re.findall(r"\[(\d+)/(\d+)\] upgrade", err)
    assert steps and [int(n) for n, _ in steps] == list(range(1, len(steps) + 1))
    assert {int(total) for _, total in steps} == {len(steps)}
    assert cli(["verify-audit", "--url", f"sqlite:///{new}"]) == 0


@pytest.mark.parametrize(("url", "message"), [
    ("not a url", "--url is not a usable database URL"),
    ("postgresql+psycopg://x:y@127.0.0.1:port/db", "--url is not a usable database URL"),
    ("oracle://x:y@host/db", "--url is not a usable database URL"),
    ("sqlite://", "in-memory SQLite database"),
])
def test_a_bad_url_is_one_clear_line(capsys, url, message):
    assert cli(["--url", url, "verify-audit"]) == 1
    assert message in _one_error_line(capsys.readouterr().err)


def test_a_bad_database_url_names_where_it_came_from(capsys, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "not a url")
    assert cli(["verify-audit"]) == 1
    assert "DATABASE_URL is not a usable database URL" in _one_error_line(
        capsys.readouterr().err)


@pytest.mark.parametrize("command", ["verify-audit", "backup", "upgrade"])
def test_unreachable_server_is_one_line_without_the_password(tmp_path, capsys, command):
    url = "postgresql+psycopg://lcd:s3cret-pw@127.0.0.1:1/lcd"
    extra = ["--output", str(tmp_path / "copy.dump")] if command == "backup" else []
    if command == "backup" and not shutil.which("pg_dump"):
        pytest.skip("needs pg_dump")
    assert cli([command, "--url", url, *extra]) == 1
    err = capsys.readouterr().err
    assert "cannot use the database" in _one_error_line(err)
    assert "s3cret-pw" not in err
    assert list(tmp_path.iterdir()) == []


FAKE_PG_DUMP = """#!/bin/sh
printf '%s\\n' "$@" > "$RECORD/argv"
printf '%s' "$PGPASSWORD" > "$RECORD/password"
for a in "$@"; do case "$a" in --file=*) printf 'half a dump' > "${a#--file=}";; esac; done
echo 'pg_dump: dumping contents of table "public.users"' >&2
echo 'pg_dump: dumping contents of table "public.votes"' >&2
if [ "$FAIL" = 1 ]; then
  echo 'pg_dump: error: query failed: SSL SYSCALL error: EOF detected' >&2
  echo '	server closed the connection unexpectedly' >&2
  exit 1
fi
"""


@pytest.mark.parametrize("fail", [True, False])
def test_pg_dump_gets_the_password_privately_and_a_failure_leaves_no_file(
        tmp_path, capsys, monkeypatch, fail):
    """pg_dump (a fake one first on PATH) gets the password in PGPASSWORD, never on its command
    line; when it fails, one line says so and neither the backup nor a partial file is left."""
    import db.__main__ as cli_module

    bin_dir, record, out_dir = tmp_path / "bin", tmp_path / "record", tmp_path / "backups"
    bin_dir.mkdir()
    record.mkdir()
    (bin_dir / "pg_dump").write_text(FAKE_PG_DUMP)
    (bin_dir / "pg_dump").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("RECORD", str(record))
    monkeypatch.setenv("FAIL", "1" if fail else "0")
    monkeypatch.setattr(cli_module, "_pg_table_count", lambda _db: 2)  # no server needed
    url = "postgresql+psycopg://lcd:s3cret-pw@127.0.0.1:1/lcd"

    code = cli(["backup", "--url", url, "--output", str(out_dir / "app.dump")])
    err = capsys.readouterr().err
    argv = (record / "argv").read_text()
    assert "s3cret-pw" not in argv and "--dbname=postgresql://lcd@127.0.0.1:1/lcd" in argv
    assert (record / "password").read_text() == "s3cret-pw"
    if fail:
        assert code == 1
        line = _one_error_line(err)
        assert "pg_dump failed (query failed: SSL SYSCALL error" in line
        assert "server closed the connection unexpectedly" in line
        assert list(out_dir.iterdir()) == []
    else:
        assert code == 0
        assert "2/2" in err
        assert [p.name for p in out_dir.iterdir()] == ["app.dump"]
        assert (out_dir / "app.dump").read_text() == "half a dump"


def test_url_may_come_after_the_command_and_wins(db, tmp_path, capsys):
    missing = f"sqlite:///{tmp_path / 'nowhere.db'}"
    assert cli(["verify-audit", "--url", db.url]) == 0
    assert cli(["--url", missing, "verify-audit", "--url", db.url]) == 0
    assert cli(["--url", db.url, "verify-audit", "--url", missing]) == 1
    # Without --url: DATABASE_URL, which the db fixture points at the test's database.
    assert cli(["verify-audit"]) == 0
    assert capsys.readouterr().out.count("Audit trail intact") == 3


COMMANDS_WITH_A_DATABASE = ["upgrade", "seed", "create-user", "backup", "verify-audit"]


@pytest.mark.parametrize("command", COMMANDS_WITH_A_DATABASE)
def test_help_of_each_command_describes_url(capsys, command):
    with pytest.raises(SystemExit) as exit_:
        cli([command, "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert "--url URL" in out and "$DATABASE_URL" in out


def test_every_command_and_option_has_help():
    from db.__main__ import build_parser

    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, sub in commands.choices.items():
        assert sub.description, name
        for action in sub._actions:
            assert action.help, f"{name} {action.option_strings}"
        has_url = any("--url" in a.option_strings for a in sub._actions)
        assert has_url == (name in COMMANDS_WITH_A_DATABASE), name
