"""``energy-portal record-temperatures``: the entry of the job that feeds daily temperatures."""

from __future__ import annotations

import sqlite3

import pytest

from app.cli import main


def test_record_temperatures_stores_and_replaces_a_day(monkeypatch, tmp_path, capsys) -> None:
    monkeypatch.setenv("ENERGY_PORTAL_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("ENERGY_PORTAL_DATABASE_URL", raising=False)
    assert main(["migrate"]) == 0
    db = tmp_path / "energy-portal.sqlite3"
    with sqlite3.connect(db) as conn:
        conn.execute("INSERT INTO grid_operators (id, name, service_url) VALUES (1, 'A', 'x'), (2, 'B', 'y')")
    assert main(["record-temperatures", "--date", "2026-01-15", "1=-12.35", "2=0"]) == 0
    assert main(["record-temperatures", "--date", "2026-01-15", "1=-11"]) == 0
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT grid_operator_id, local_date, mean_tenths_c FROM daily_temperatures"
        ).fetchall()
    assert sorted(rows) == [(1, "2026-01-15", -110), (2, "2026-01-15", 0)]
    assert "1 daily mean temperatures stored for 2026-01-15" in capsys.readouterr().out
    # an unknown grid operator is refused and stores nothing
    assert main(["record-temperatures", "--date", "2026-01-16", "1=-3", "99=-3"]) == 1
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM daily_temperatures").fetchone() == (2,)
    for bad in ("x=1", "1=warm", "1=80"):
        with pytest.raises(SystemExit) as exited:
            main(["record-temperatures", "--date", "2026-01-16", bad])
        assert exited.value.code == 2
