"""The app's PostgreSQL role (core.app_role, `python -m core.cli grant-app-role`): it owns
nothing, so it cannot empty, drop, edit or delete the audit log, yet the app works."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.exc import DBAPIError

from core import app_role, cli
from core.db import Database, upgrade_schema
from core.services import audit, couples
from tests.conftest import Team, intake_form


@pytest.fixture
def app_db(db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    """The test database reached as a fresh role granted by the CLI (SET ROLE on every
    connection, as a login role would arrive)."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("roles are PostgreSQL's")
    role = f"mend_app_{uuid.uuid4().hex[:8]}"
    url = db.engine.url.render_as_string(hide_password=False)
    with db.engine.begin() as connection:
        connection.execute(text(f'CREATE ROLE "{role}" NOLOGIN'))
    monkeypatch.setenv("DATABASE_URL", url)
    assert cli.main(["grant-app-role", role]) == 0
    engine = create_engine(url)

    @event.listens_for(engine, "connect")
    def _as_app(dbapi_connection: Any, _record: Any) -> None:
        with dbapi_connection.cursor() as cursor:
            cursor.execute(f'SET ROLE "{role}"')
        dbapi_connection.commit()

    try:
        yield Database(engine)
    finally:
        engine.dispose()
        with db.engine.begin() as connection:
            connection.execute(text(f'DROP OWNED BY "{role}"'))
            connection.execute(text(f'DROP ROLE "{role}"'))


@pytest.mark.parametrize(
    "sql",
    [
        "TRUNCATE audit_events",
        "DROP TABLE audit_events",
        "UPDATE audit_events SET detail = ''",
        "DELETE FROM audit_events",
        "ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only",
        "CREATE TABLE shadow (id integer)",
        "DELETE FROM addenda",
        "TRUNCATE couples CASCADE",
        "UPDATE reference_snapshots SET reason = ''",
        "DROP TABLE couples CASCADE",
    ],
)
def test_the_app_role_cannot_empty_drop_or_edit(app_db: Database, team: Team, sql: str) -> None:
    refused = pytest.raises(DBAPIError, match=r"permission denied|must be owner")
    with refused, app_db.engine.begin() as connection:
        connection.execute(text(sql))


def test_the_app_role_runs_the_app(app_db: Database, team: Team) -> None:
    upgrade_schema(app_db.engine)  # the app's start-up check: current, nothing to do
    made = couples.create_couple(app_db, team.alice, intake_form())
    assert couples.get_couple(app_db, team.alice, made.id).case_code == made.case_code
    with app_db.engine.connect() as connection:
        owner = connection.execute(
            text(
                "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' "
                "AND tableowner = current_user"
            )
        ).scalar_one()
    assert owner == 0
    assert audit.verify_chain(app_db).intact


def test_a_name_that_is_not_plain_is_refused() -> None:
    with pytest.raises(ValueError, match="not a plain PostgreSQL name"):
        app_role.grant_statements('app"; DROP TABLE couples; --', "mend", [])
    statements = app_role.grant_statements("mend_app", "mend", ["audit_events", "couples"])
    assert 'GRANT SELECT, INSERT ON TABLE "audit_events" TO "mend_app"' in statements
    assert 'GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE "couples" TO "mend_app"' in statements
    assert not any("TRUNCATE" in s or (" ALL ON" in s and "GRANT" in s) for s in statements)
