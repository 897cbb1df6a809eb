"""Load: N simulated coders accept and reject suggestions on one project database at the same time.

Each coder is its own process (as each workbench is), looks at a segment's suggestion, then
accepts or rejects it in its own transaction. Reports actions per second over the run and the
latency of an accept (the write transaction, commit included): p50 / p95 / max.
Target (issue 7): 8 coders, p95 accept under 100 ms, on SQLite and on PostgreSQL.

    .venv/bin/python bench/load.py                     # SQLite, and PostgreSQL if COCODE_TEST_PG is set
    .venv/bin/python bench/load.py --coders 8 --actions 300 --pg postgresql+psycopg://user:pw@host/db

For PostgreSQL a scratch database is created beside the one named (and dropped afterwards).
"""
from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SEGMENTS, CODES = 120, 5
TARGET_P95_MS = 100.0


def setup(url: str, coders: int) -> dict:
    """A project with one document, SEGMENTS segments and a model suggestion for every segment × code."""
    from coding.coders import get_coder
    from models import Code, Coding, Document, Segment, open_database

    db = open_database(url)
    with db.session("setup") as s:
        parts = [f"Answer {i}: we meet every week and trust each other." for i in range(SEGMENTS)]
        text = "\n".join(parts)
        doc = Document(name="load", source_filename="load.txt", content_hash="l" * 64, text=text)
        s.add(doc)
        s.flush()
        pos, segs = 0, []
        for i, part in enumerate(parts):
            segs.append(Segment(document_id=doc.id, position=i, start_offset=pos, end_offset=pos + len(part), text=part))
            pos += len(part) + 1
        codes = [Code(name=f"Factor {j}") for j in range(CODES)]
        s.add_all(segs + codes)
        s.flush()
        model = get_coder(s, "model")
        for w in range(coders):
            get_coder(s, f"coder{w}")
        s.add_all(Coding(segment_id=g.id, code_id=c.id, coder_id=model.id, status="suggested", source="model",
                         score=0.6) for g in segs for c in codes)
        ids = {"segments": [g.id for g in segs], "codes": [c.id for c in codes]}
    db.dispose()
    return ids


def coder(url: str, w: int, actions: int, ids: dict, barrier, out: str, think: float) -> None:  # type: ignore[no-untyped-def]
    from coding.codings import accept_suggestion, find_coding, reject_suggestion
    from coding.errors import ConflictError
    from models import open_database

    rnd = random.Random(w)
    db = open_database(url)
    me = f"coder{w}"
    accept_ms: list[float] = []
    reject_ms: list[float] = []
    conflicts = 0
    barrier.wait()
    t0 = time.perf_counter()
    for _ in range(actions):
        if think:
            time.sleep(rnd.uniform(0.5, 1.5) * think)  # reading the segment before deciding
        seg, code = rnd.choice(ids["segments"]), rnd.choice(ids["codes"])
        with db.session() as s:  # the coder looks at the segment
            row = find_coding(s, seg, code, me)
            seen = row.version if row is not None else 0
        accept = rnd.random() < 0.6
        start = time.perf_counter()
        try:
            with db.session(me) as s:
                (accept_suggestion if accept else reject_suggestion)(s, seg, code, me, expected_version=seen)
        except ConflictError:
            conflicts += 1
        (accept_ms if accept else reject_ms).append((time.perf_counter() - start) * 1000)
    elapsed = time.perf_counter() - t0
    db.dispose()
    Path(out).write_text(json.dumps({"accept_ms": accept_ms, "reject_ms": reject_ms, "conflicts": conflicts,
                                     "elapsed": elapsed}))


def p(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def run(url: str, coders: int, actions: int, think: float = 0.0) -> dict:
    ids = setup(url, coders)
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(coders + 1)
    with tempfile.TemporaryDirectory() as tmp:
        outs = [Path(tmp) / f"c{w}.json" for w in range(coders)]
        procs = [ctx.Process(target=coder, args=(url, w, actions, ids, barrier, str(outs[w]), think)) for w in range(coders)]
        for proc in procs:
            proc.start()
        barrier.wait()  # every coder has started and opened the database
        t0 = time.perf_counter()
        for proc in procs:
            proc.join()
        wall = time.perf_counter() - t0
        if any(proc.exitcode for proc in procs):
            raise SystemExit(f"a coder process failed: {[proc.exitcode for proc in procs]}")
        logs = [json.loads(o.read_text()) for o in outs]
    accepts = [x for log in logs for x in log["accept_ms"]]
    total = sum(len(log["accept_ms"]) + len(log["reject_ms"]) for log in logs)
    return {
        "coders": coders, "actions": total, "seconds": round(wall, 2), "actions_per_s": round(total / wall, 1),
        "accept_p50_ms": round(statistics.median(accepts), 1), "accept_p95_ms": round(p(accepts, 0.95), 1),
        "accept_max_ms": round(max(accepts), 1), "conflicts": sum(log["conflicts"] for log in logs),
    }


def scratch_pg(url: str):  # type: ignore[no-untyped-def]
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    base = make_url(url)
    name = f"{base.database}_load_{os.getpid()}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return base.set(database=name).render_as_string(hide_password=False), drop


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--coders", type=int, default=8)
    ap.add_argument("--actions", type=int, default=300, help="actions per coder")
    ap.add_argument("--pg", default=os.environ.get("COCODE_TEST_PG"), help="PostgreSQL URL (default $COCODE_TEST_PG)")
    ap.add_argument("--no-sqlite", action="store_true")
    ap.add_argument("--think", type=float, default=0.0,
                    help="seconds each coder reads a segment before deciding (0: back-to-back, a stress test)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    results = []
    load_before = os.getloadavg()[0]
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            results.append({"db": "sqlite", **run(f"sqlite:///{tmp}/load.db", args.coders, args.actions, args.think)})
    if args.pg:
        url, drop = scratch_pg(args.pg)
        try:
            results.append({"db": "postgresql", **run(url, args.coders, args.actions, args.think)})
        finally:
            drop()
    else:
        print("(PostgreSQL skipped: set COCODE_TEST_PG or pass --pg URL)", file=sys.stderr)
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(f"load: {args.coders} coders x {args.actions} accept/reject actions each, think {args.think}s, "
          f"cpus={os.cpu_count()}, machine load average before/after {load_before:.1f}/{os.getloadavg()[0]:.1f}")
    print(f"{'db':<11}{'actions/s':>10}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'conflicts':>10}  target p95<{TARGET_P95_MS:.0f}ms")
    for r in results:
        ok = "ok" if r["accept_p95_ms"] < TARGET_P95_MS else "MISSED"
        print(f"{r['db']:<11}{r['actions_per_s']:>10}{r['accept_p50_ms']:>9}{r['accept_p95_ms']:>9}"
              f"{r['accept_max_ms']:>9}{r['conflicts']:>10}  {ok}")


if __name__ == "__main__":
    main()
