"""The operator command line (python -m core.cli)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from core import cli
from core.db import Database
from core.domain import Role
from core.errors import AuthenticationError
from core.models import AuditEvent, Counsellor, ReferenceSnapshot
from core.services import accounts

PASSWORD = "clinic-admin-pass-42"
CREATE_BOSS = [
    "create-user",
    "--username",
    "Boss",
    "--display-name",
    "Clinic Boss",
    "--role",
    "admin",
]


@pytest.fixture
def database_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.delenv("MEND_DEMO", raising=False)
    monkeypatch.delenv("MEND_NEW_PASSWORD", raising=False)
    return url


@pytest.fixture
def opened(database_url: str) -> Iterator[Database]:
    db = Database.from_url(database_url)
    yield db
    db.dispose()


def _usernames(db: Database) -> list[str]:
    with db.read() as session:
        return list(session.scalars(select(Counsellor.username).order_by(Counsellor.username)))


def test_create_user_makes_an_admin_who_can_log_in(
    database_url: str,
    opened: Database,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("MEND_NEW_PASSWORD", PASSWORD)

    assert cli.main(CREATE_BOSS) == 0

    assert "Created admin account 'boss'." in capsys.readouterr().out
    actor = accounts.authenticate(opened, "boss", PASSWORD)
    assert actor.role is Role.ADMIN
    assert actor.display_name == "Clinic Boss"
    # The operator chose this password, so no forced change at first login.
    assert accounts.must_change_password(opened, actor) is False
    with opened.read() as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "account_created")
        ).one()
    assert event.actor_username == "system"
    assert event.actor_id is None


def test_create_user_refuses_a_demo_password_outside_demo_mode(
    opened: Database, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MEND_NEW_PASSWORD", "counsel-demo-1")

    assert cli.main(CREATE_BOSS) == 2

    assert "published demo password" in capsys.readouterr().err
    assert _usernames(opened) == []


def test_create_user_accepts_a_demo_password_in_demo_mode(
    opened: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEND_DEMO", "1")
    monkeypatch.setenv("MEND_NEW_PASSWORD", "oversee-demo-pass")

    assert cli.main(CREATE_BOSS) == 0
    assert accounts.authenticate(opened, "boss", "oversee-demo-pass").role is Role.ADMIN


def test_create_user_refuses_a_taken_username(
    opened: Database, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MEND_NEW_PASSWORD", PASSWORD)
    assert cli.main(CREATE_BOSS) == 0
    capsys.readouterr()

    assert cli.main(CREATE_BOSS) == 2
    assert "already taken" in capsys.readouterr().err
    assert _usernames(opened) == ["boss"]


def test_create_user_reports_invalid_input_readably(
    opened: Database, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MEND_NEW_PASSWORD", "short")

    assert cli.main(CREATE_BOSS) == 2

    err = capsys.readouterr().err
    assert err.startswith("Error: ")
    assert "Password is too short" in err
    assert "Traceback" not in err
    assert _usernames(opened) == []


def test_create_user_asks_twice_and_refuses_different_passwords(
    opened: Database, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = iter([PASSWORD, PASSWORD + "-typo"])
    monkeypatch.setattr(cli.getpass, "getpass", lambda prompt="": next(answers))

    assert cli.main(CREATE_BOSS) == 2

    assert "differ" in capsys.readouterr().err
    assert _usernames(opened) == []


def test_create_user_reads_a_typed_password(
    opened: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli.getpass, "getpass", lambda prompt="": PASSWORD)

    assert cli.main([*CREATE_BOSS[:-1], "counsellor"]) == 0

    actor = accounts.authenticate(opened, "boss", PASSWORD)
    assert actor.role is Role.COUNSELLOR
    with pytest.raises(AuthenticationError):
        accounts.authenticate(opened, "boss", "something-else")


def test_create_user_refuses_an_unknown_role(database_url: str) -> None:
    with pytest.raises(SystemExit) as caught:
        cli.main([*CREATE_BOSS[:-1], "owner"])
    assert caught.value.code == 2


def test_init_db_on_an_empty_database_explains_the_next_step(
    opened: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["init-db"]) == 0

    out = capsys.readouterr().out
    assert "Database schema is current" in out
    assert "No accounts yet" in out
    assert "python -m core.cli create-user --username admin" in out
    assert "--role admin" in out
    assert _usernames(opened) == []


def test_init_db_is_quiet_about_accounts_once_there_are_some(
    opened: Database, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MEND_NEW_PASSWORD", PASSWORD)
    assert cli.main(CREATE_BOSS) == 0
    capsys.readouterr()

    assert cli.main(["init-db"]) == 0
    assert "create-user" not in capsys.readouterr().out


def test_init_db_refuses_demo_data_outside_demo_mode(
    opened: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["init-db", "--demo-if-empty", "--couples", "2"]) == 1
    assert "set MEND_DEMO=1" in capsys.readouterr().out
    assert _usernames(opened) == []


def test_init_db_loads_demo_data_in_demo_mode_only_once(
    opened: Database, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MEND_DEMO", "1")

    assert cli.main(["init-db", "--demo-if-empty", "--couples", "2", "--seed", "5"]) == 0
    assert "demo caseload of 2 couples" in capsys.readouterr().out
    assert _usernames(opened) == ["admin", "counsellor1", "counsellor2", "supervisor"]

    assert cli.main(["init-db", "--demo-if-empty", "--couples", "2"]) == 0
    assert "loaded" not in capsys.readouterr().out
    assert len(_usernames(opened)) == 4


def test_a_command_is_required(database_url: str) -> None:
    with pytest.raises(SystemExit) as caught:
        cli.main([])
    assert caught.value.code == 2


def test_refresh_reference_stores_a_scheduled_snapshot_on_either_engine(
    db: Database, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """What cron runs: each call appends one snapshot, by the system, reason "schedule"."""
    monkeypatch.setenv("DATABASE_URL", db.engine.url.render_as_string(hide_password=False))

    assert cli.main(["refresh-reference"]) == 0
    assert "Stored reference snapshot #1 from 0 ratings of 0 couples" in capsys.readouterr().out
    assert cli.main(["refresh-reference"]) == 0
    assert "snapshot #2" in capsys.readouterr().out
    with db.read() as session:
        rows = session.execute(
            select(ReferenceSnapshot.reason, ReferenceSnapshot.computed_by_id).order_by(
                ReferenceSnapshot.id
            )
        ).all()
        actions = session.scalars(select(AuditEvent.action)).all()
    assert [tuple(row) for row in rows] == [("schedule", None), ("schedule", None)]
    assert actions == ["reference_computed", "reference_computed"]


def test_refresh_reference_is_listed_in_the_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    assert "refresh-reference" in capsys.readouterr().out


def test_init_db_stores_the_first_start_snapshot_once(
    opened: Database, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MEND_DEMO", "1")
    assert cli.main(["init-db", "--demo-if-empty", "--couples", "2"]) == 0
    assert "reference in force is snapshot #1" in capsys.readouterr().out
    assert cli.main(["init-db"]) == 0  # a restart keeps the snapshot in force
    assert "reference in force is snapshot #1" in capsys.readouterr().out
    with opened.read() as session:
        rows = session.execute(select(ReferenceSnapshot.reason, ReferenceSnapshot.n_couples))
        assert [tuple(row) for row in rows] == [("first start", 2)]
