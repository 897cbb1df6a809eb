"""How fast are counts, top three, co-occurrence and agreement on a large project?

Builds a synthetic project in a temporary SQLite file: 50,000 segments in 500 interviews
(one respondent each), 60 codes (12 themes × 4 categories + the 12 themes), 3 coders who
each code every interview from a shared "truth" with independent noise (~1.5 codes per
segment each), and times each analysis function (best of 3 runs, after one warm-up).
Target: every function under 1 s. Prints best wall and CPU time of --runs calls.

    .venv/bin/python bench/analysis_speed.py [--segments 50000] [--runs 3]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from coding import agreement, counting  # noqa: E402
from models import Case, Code, Coder, Coding, Document, Project, Segment, open_database  # noqa: E402

TOP3 = "In your opinion, what are the top three things that make an outsourcing relationship work really well?"


def build(db, n_segments: int, n_docs: int = 500, themes: int = 12, per_theme: int = 4, seed: int = 1) -> dict:
    rng = np.random.default_rng(seed)
    per_doc = n_segments // n_docs
    t = {c.__name__: c.__table__ for c in (Case, Code, Coder, Coding, Document, Project, Segment)}
    with db.engine.begin() as conn:
        conn.execute(insert(Project.__table__), [{"id": 1, "name": "bench", "blind": False, "top3_pattern": "top three"}])
        conn.execute(insert(t["Case"]), [{"id": i + 1, "code": f"R{i + 1}", "attributes": {"side": "supplier" if i % 2 else "client"}}
                                         for i in range(n_docs)])
        conn.execute(insert(t["Document"]), [{"id": i + 1, "name": f"doc{i + 1}", "source_filename": f"doc{i + 1}.txt",
                                              "content_hash": f"{i + 1:064d}", "text": "x" * (per_doc * 10), "unit": "turn",
                                              "case_id": i + 1} for i in range(n_docs)])
        seg_rows = []
        for i in range(n_segments):
            d, p = i // per_doc + 1, i % per_doc
            seg_rows.append({"id": i + 1, "document_id": d, "position": p, "start_offset": p * 10, "end_offset": p * 10 + 9,
                             "text": f"segment {i}", "question": TOP3 if p % 20 == 1 else f"question {p % 7}",
                             "case_id": d, "is_interviewer": False, "top3_flag": False})
        conn.execute(insert(t["Segment"]), seg_rows)
        code_rows, leaf = [], []
        for th in range(themes):
            tid = th + 1
            code_rows.append({"id": tid, "parent_id": None, "name": f"Theme {th + 1}", "position": th, "codable": False})
        for th in range(themes):
            for c in range(per_theme):
                cid = themes + th * per_theme + c + 1
                code_rows.append({"id": cid, "parent_id": th + 1, "name": f"Category {c + 1}", "position": c, "codable": True})
                leaf.append(cid)
        conn.execute(insert(t["Code"]), [{**r, "description": "", "inclusion": "", "exclusion": "", "examples": [],
                                          "keywords": []} for r in code_rows])
        coders = ["alice", "bob", "carol"]
        conn.execute(insert(t["Coder"]), [{"id": i + 1, "name": n, "role": "coder"} for i, n in enumerate(coders)])
        # shared truth: ~1.5 leaf codes per segment, each coder keeps a true code with p=.85 and adds a stray one with p=.1
        n_true = rng.poisson(1.3, n_segments).clip(0, 4) + (rng.random(n_segments) < 0.2)
        truth_seg = np.repeat(np.arange(1, n_segments + 1), n_true)
        truth_code = rng.choice(leaf, size=truth_seg.size)
        codings = []
        for c in range(len(coders)):
            keep = rng.random(truth_seg.size) < 0.85
            stray = rng.random(n_segments) < 0.1
            segs = np.concatenate([truth_seg[keep], np.nonzero(stray)[0] + 1])
            codes = np.concatenate([truth_code[keep], rng.choice(leaf, size=int(stray.sum()))])
            pairs = np.unique(np.stack([segs, codes], axis=1), axis=0)
            codings += [{"segment_id": int(sg), "code_id": int(cd), "coder_id": c + 1, "status": "confirmed",
                         "source": "human", "version": 1, "starred": False} for sg, cd in pairs]
        conn.execute(insert(t["Coding"]), codings)
    return {"segments": n_segments, "codes": len(code_rows), "coders": 3, "codings": len(codings), "documents": n_docs}


def timed(fn, runs: int) -> tuple[float, float, object]:
    """Best wall time and best CPU time of `runs` calls, after one warm-up (imports, query plans, file cache)."""
    fn()
    walls, cpus, out = [], [], None
    for _ in range(runs):
        w, c = time.perf_counter(), time.process_time()
        out = fn()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return min(walls), min(cpus), out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--segments", type=int, default=50_000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = open_database(Path(tmp) / "bench.db")
        t0 = time.perf_counter()
        size = build(db, args.segments)
        print(f"built {size} in {time.perf_counter() - t0:.1f} s")
        three = ["alice", "bob", "carol"]
        cases = {
            "confirmed_codings (union)": lambda s: counting.confirmed_codings(s),
            "frequencies": lambda s: counting.frequencies(s),
            "frequencies --consensus": lambda s: counting.frequencies(s, consensus=True),
            "attribute_split side": lambda s: counting.attribute_split(s, "side"),
            "top_three (theme)": lambda s: counting.top_three(s),
            "top_three (code)": lambda s: counting.top_three(s, level="code"),
            "cooccurrence (theme)": lambda s: counting.cooccurrence(s),
            "cooccurrence (code)": lambda s: counting.cooccurrence(s, level="code"),
            "code_segments (a theme)": lambda s: counting.code_segments(s, 1),
            "agreement (3 coders)": lambda s: agreement.agreement(s, three),
            "disagreements (2 coders)": lambda s: agreement.disagreements(s, three[:2]),
        }
        results = []
        with db.session() as s:
            for name, fn in cases.items():
                wall, cpu, out = timed(lambda: fn(s), args.runs)
                n = out.get("units") if isinstance(out, dict) else len(out)
                results.append((name, wall, cpu, n))
        db.dispose()
    width = max(len(r[0]) for r in results)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (wall time suffers when others run)")
    print(f"{'function'.ljust(width)}  {'wall s':>7}  {'cpu s':>6}  {'wall/1 s':>8}  rows/units")
    for name, wall, cpu, n in results:
        print(f"{name.ljust(width)}  {wall:7.3f}  {cpu:6.3f}  {wall / 1.0:8.2f}  {n}")
    worst_wall, worst_cpu = max(r[1] for r in results), max(r[2] for r in results)
    print(f"slowest: wall {worst_wall:.3f} s, cpu {worst_cpu:.3f} s; median wall "
          f"{statistics.median(r[1] for r in results):.3f} s; "
          f"{'all under' if worst_wall < 1 else 'NOT all under'} the 1 s target (wall)")


if __name__ == "__main__":
    main()
