"""Store speed on the embedded SQLite file (issue 3 targets).

- saving one assessment (draft + audit row, one transaction): median and 99th percentile, target
  p99 < 20 ms; beside it the floor of one raw sqlite3 INSERT + COMMIT on the same file;
- loading one subject's full timeline with 1,000,000 assessments in the database: target < 50 ms;
  beside it the same query forced to scan without the index;
- importing a 100,000-row referral register with `insats referrals import`: target < 15 s; beside
  it the floor of raw executemany inserts of the same rows.
"""

from __future__ import annotations

import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from store import Actor, make_engine, transaction, upgrade
from store.cases import create_subject, save_draft, timeline
from store.models import Assessment

from ._timing import line

ROOT = Path(__file__).resolve().parents[1]


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def run(n_assessments: int = 1_000_000, n_subjects: int = 10_000, saves: int = 1_000,
        register_rows: int = 100_000) -> dict:
    os.environ.setdefault("INSATS_SECRET_KEY", "benchmark-secret-key-0123456789-abcdefghijklmnop")
    actor = Actor("bench", "assessor", {1})  # the default team the migrations create
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/insats.sqlite"
        engine = make_engine(url)
        upgrade(engine)
        with transaction(engine) as s:
            subject = create_subject(s, actor)
            draft_id = save_draft(s, actor, subject, "savry-like", occasion="follow-up", assessed_on=date(2026, 1, 1),
                                  ratings={}).id
        timings = []
        levels = ("L", "M", "H")
        for i in range(saves):  # the autosave: each rating click saves the one open draft
            start = time.perf_counter()
            with transaction(engine) as s:
                draft = s.get(Assessment, draft_id)
                save_draft(s, actor, draft.subject, "savry-like", occasion="follow-up", assessed_on=date(2026, 1, 1),
                           ratings={"H1": levels[i % 3], "S1": "M", "P1": "P"}, draft=draft, revision=draft.revision)
            timings.append((time.perf_counter() - start) * 1000)
        raw = sqlite3.connect(f"{tmp}/raw.sqlite", isolation_level=None)
        raw.execute("PRAGMA journal_mode=WAL")
        raw.execute("PRAGMA synchronous=NORMAL")
        raw.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, subject_id INT, ratings TEXT)")
        floor = []
        for _ in range(saves):
            start = time.perf_counter()
            raw.execute("BEGIN IMMEDIATE")
            raw.execute("INSERT INTO t (subject_id, ratings) VALUES (?, ?)", (1, '{"H1": "H"}'))
            raw.execute("COMMIT")
            floor.append((time.perf_counter() - start) * 1000)
        raw.close()
        median, p99 = statistics.median(timings), _percentile(timings, 0.99)
        print(f"Saving one assessment (draft + audit row, own transaction), {saves} saves, SQLite file")
        line("median / p99", f"{median:.2f} ms / {p99:.2f} ms  (target p99 < 20 ms)")
        line("floor: raw sqlite3 INSERT + COMMIT, median / p99",
             f"{statistics.median(floor):.2f} ms / {_percentile(floor, 0.99):.2f} ms")
        line("save median / floor median", f"{median / statistics.median(floor):.1f}x")

        print(f"\nOne subject's timeline with {n_assessments:,} assessments in the database")
        _seed_assessments(engine.url.database, n_assessments, n_subjects)
        with transaction(engine) as s:
            target = create_subject(s, actor)
            for i in range(6):  # one open draft per form and occasion: six drafts over forms and occasions
                form, ratings = ("ester-like", {"B1": "R1"}) if i < 4 else ("savry-like", {"H1": "L"})
                save_draft(s, actor, target, form, occasion=("baseline", "follow-up", "closing", "other")[i % 4],
                           assessed_on=date(2026, 1 + i, 1), ratings=ratings)
        runs = []
        for _ in range(30):
            start = time.perf_counter()
            with transaction(engine) as s:
                events = timeline(s, actor, target)
            runs.append((time.perf_counter() - start) * 1000)
        scan_conn = sqlite3.connect(engine.url.database)
        start = time.perf_counter()
        scan_conn.execute("SELECT * FROM assessments WHERE subject_id + 0 = ?", (target.id,)).fetchall()
        scan_ms = (time.perf_counter() - start) * 1000
        scan_conn.close()
        timeline_ms = statistics.median(runs)
        line(f"timeline ({len(events)} events), median of 30", f"{timeline_ms:.1f} ms  (target < 50 ms)")
        line("baseline: the same assessments by a full scan (no index)", f"{scan_ms:.0f} ms")
        line("speed-up of the indexed timeline over the scan", f"{scan_ms / timeline_ms:.0f}x")
        engine.dispose()

        print(f"\nImporting a {register_rows:,}-row referral register (`insats referrals import`, new process)")
        register = Path(tmp) / "register.csv"
        rows = ["case_code,source,received_on,suitable,decided_on,asked_on,answer,answered_on"]
        rows += [f"SIG-{i:07d},polis,2025-{1 + i % 12:02d}-{1 + i % 28:02d},ja,2025-{1 + i % 12:02d}-28,,,"
                 for i in range(register_rows)]
        register.write_text("\n".join(rows) + "\n")
        env = dict(os.environ, INSATS_DATABASE_URL=f"sqlite:///{tmp}/import.sqlite", PYTHONPATH=str(ROOT))
        subprocess.run([sys.executable, "-m", "cli", "db", "upgrade"], env=env, check=True, capture_output=True)
        subprocess.run([sys.executable, "-m", "cli", "users", "add", "bench", "--name", "Bench", "--role", "admin",
                        "--role", "intake", "--team", "Standard", "--password-stdin"], env=env, check=True,
                       capture_output=True, input=b"benchmark-password-0123\n")
        env["INSATS_USER"] = "bench"  # the import acts as a named user, as every CLI write does
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "cli", "referrals", "import", str(register)], env=env, check=True,
                       capture_output=True)
        import_s = time.perf_counter() - start
        floor_conn = sqlite3.connect(f"{tmp}/floor.sqlite")
        floor_conn.execute("CREATE TABLE r (id INTEGER PRIMARY KEY, code TEXT, source TEXT, received TEXT, ok INT)")
        start = time.perf_counter()
        floor_conn.executemany("INSERT INTO r (code, source, received, ok) VALUES (?, ?, ?, ?)",
                               [(f"SIG-{i:07d}", "polis", "2026-01-01", 1) for i in range(register_rows)])
        floor_conn.commit()
        floor_s = time.perf_counter() - start
        floor_conn.close()
        line("import, end to end (validation, subjects, referrals, audit)", f"{import_s:.1f} s  (target < 15 s)")
        line("floor: raw executemany of the referral rows only", f"{floor_s:.2f} s")
    return {"save_median_ms": median, "save_p99_ms": p99, "timeline_ms": timeline_ms, "scan_ms": scan_ms,
            "import_100k_s": import_s}


def _seed_assessments(path: str, n: int, subjects: int) -> None:
    """Bulk-load synthetic assessments with raw sqlite3 (setup, not measured)."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous=OFF")
    conn.executemany("INSERT INTO subjects (case_code, synthetic) VALUES (?, 1)",
                     [(f"B-{i:07d}",) for i in range(subjects)])
    first = conn.execute("SELECT min(id) FROM subjects WHERE case_code LIKE 'B-%'").fetchone()[0]
    ratings = json.dumps({"B1": "R1", "KA1": "S1"})
    batch = 100_000
    for start in range(0, n, batch):
        conn.executemany(
            "INSERT INTO assessments (subject_id, instrument_id, instrument_version, definition_hash, occasion, "
            "assessed_on, rater, ratings, status, version) VALUES (?, 'ester-like', '1.0.0', 'x', 'follow-up', "
            "'2026-01-01', 'bench', ?, 'final', 1)",
            [(first + (i % subjects), ratings) for i in range(start, min(n, start + batch))],
        )
    conn.commit()
    conn.close()
