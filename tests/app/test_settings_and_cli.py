"""Settings, production safety and the command line."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from app.cli import main
from app.runtime import Runtime
from app.settings import Mode, Settings, SettingsError
from tests.conftest import ROOT


def test_defaults(monkeypatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("ENERGY_PORTAL_DATABASE_URL", "ENERGY_PORTAL_DATA_DIR", "ENERGY_PORTAL_MODE"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings(_env_file=None)
    assert settings.mode.value == "development"
    assert (
        settings.resolved_database_url
        == f"sqlite+aiosqlite:///{(tmp_path / 'var' / 'energy-portal.sqlite3')}"
    )
    assert str(settings.cutover_date) == "2019-10-01"
    assert str(settings.full_invoice_details_from) == "2020-04-01"


def test_environment_variables(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("ENERGY_PORTAL_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ENERGY_PORTAL_CUTOVER_DATE", "2019-09-01")
    monkeypatch.setenv("ENERGY_PORTAL_DATABASE_URL", "postgresql+asyncpg://u@h/db")
    settings = Settings()
    assert settings.data_dir == tmp_path
    assert str(settings.cutover_date) == "2019-09-01"
    assert settings.resolved_database_url == "postgresql+asyncpg://u@h/db"


def test_development_key_is_generated_once_and_kept(tmp_path) -> None:
    settings = Settings(data_dir=tmp_path)
    key = settings.signing_key()
    assert len(key) >= 32
    assert Settings(data_dir=tmp_path).signing_key() == key
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_production_requires_a_secret_key(tmp_path) -> None:
    with pytest.raises(SettingsError):
        Settings(mode="production", data_dir=tmp_path).check_for_production()
    with pytest.raises(SettingsError):
        Settings(mode="production", data_dir=tmp_path, secret_key="short").check_for_production()
    Settings(mode="production", data_dir=tmp_path, secret_key="k" * 40).check_for_production()


async def test_production_refuses_to_start_with_demo_users(runtime) -> None:
    settings = runtime.settings.model_copy(
        update={"mode": Mode.PRODUCTION, "secret_key": SecretStr("k" * 40)}
    )
    with pytest.raises(SettingsError, match="demo users"):
        await Runtime.start(settings)


async def test_production_starts_on_a_database_without_demo_users(tmp_path) -> None:
    settings = Settings(
        mode="production",
        data_dir=tmp_path,
        secret_key="k" * 40,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'prod.sqlite3'}",
    )
    runtime = await Runtime.start(settings)
    await runtime.close()


def test_export_schema_writes_the_sdl(tmp_path, capsys) -> None:
    out = tmp_path / "schema.graphql"
    assert main(["export-schema", "--output", str(out)]) == 0
    assert out.read_text() == (ROOT / "schema.graphql").read_text()


def test_migrate_creates_the_tables(monkeypatch, tmp_path) -> None:
    import sqlite3

    monkeypatch.setenv("ENERGY_PORTAL_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("ENERGY_PORTAL_DATABASE_URL", raising=False)
    assert main(["migrate"]) == 0
    tables = {
        r[0]
        for r in sqlite3.connect(tmp_path / "energy-portal.sqlite3").execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'"
        )
    }
    assert {"users", "customers", "contracts", "invoices", "meter_readings", "alembic_version"} <= tables


async def test_migrations_match_the_tables(runtime) -> None:
    """The Alembic revisions create exactly what the SQLModel tables declare."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from domain.tables import metadata

    def diff(sync_conn):
        context = MigrationContext.configure(sync_conn, opts={"compare_type": False})
        return compare_metadata(context, metadata)

    async with runtime.engine.connect() as conn:
        differences = await conn.run_sync(diff)
    assert differences == []
