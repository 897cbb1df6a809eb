"""How fast does the workbench draw on a big project? Page renders and an accept click, through AppTest.

Builds a synthetic project in a temporary SQLite file by bulk insert: 10,000 segments in 10
interviews (one of 5,000 segments, nine of ~555), the shipped 7 × 3 codebook, ten respondents
with a side attribute, three model suggestions on every segment (30,000 rows) and two coders
(alice, bob) who each confirmed a code on ~30% of the segments. Then, with
streamlit.testing.v1.AppTest running app.py as coder alice:

* cold: each page drawn (median of 3) with empty query caches (st.cache_data cleared), the worst case
  right after a write invalidates them;
* warm: the same page drawn again (median of 3) (what a widget change on it costs);
* accept: clicking "✓ Accept" on a suggestion of the 5,000-segment document (median of 9).

Targets: every page under 1.5 s, an accept click under 300 ms. Times are seconds of wall clock
for AppTest's full script run (the browser's fragment rerun of one segment does less work).

    .venv/bin/python bench/ui_speed.py [--segments 10000] [--clicks 9] [--runs 3]
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
from sqlalchemy import func, insert, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from codebooks import load_shipped  # noqa: E402
from coding.codebook_store import import_codebook  # noqa: E402
from models import Case, Code, Coder, Coding, Document, Segment, open_database  # noqa: E402

TOP3 = "In your opinion, what are the top three things that make an outsourcing relationship work really well?"
PAGES = ["ui/project_page.py", "ui/codebook_page.py", "ui/code_page.py", "ui/analyse_page.py",
         "ui/agreement_page.py", "ui/export_page.py"]
PAGE_TARGET, ACCEPT_TARGET = 1.5, 0.3


def _sentences() -> list[str]:
    text = " ".join((ROOT / "corpus" / "demo" / n).read_text(encoding="utf-8")
                    for n in ("OS1_R1_interview.txt", "C1_R1_interview.txt", "OS2_R1_interview.txt"))
    return [s.strip() for s in text.replace("\n", " ").split(". ") if len(s.strip()) > 40]


def build(db, n_segments: int, seed: int = 1) -> dict:  # noqa: ANN001
    """Bulk-insert the synthetic project (the engine's per-row paths are not what is measured here)."""
    rng = np.random.default_rng(seed)
    with db.session("bench") as s:
        import_codebook(s, load_shipped("outsourcing-success-factors"))
        leaf = [i for i, p in s.execute(select(Code.id, Code.parent_id)) if p is not None]
    sentences = _sentences()
    big = n_segments // 2
    sizes = [big] + [len(a) for a in np.array_split(np.arange(n_segments - big), 9)]
    with db.engine.begin() as conn:
        conn.execute(insert(Case.__table__), [
            {"id": i + 1, "code": f"{'OS' if i % 2 else 'C'}{i // 2 + 1}-R1",
             "attributes": {"side": "supplier" if i % 2 else "client", "stage": str(1 + i % 2)}} for i in range(10)])
        seg_rows, seg_id = [], 0
        for d, size in enumerate(sizes):
            conn.execute(insert(Document.__table__), [{
                "id": d + 1, "name": f"{'A' if d == 0 else 'B'}{d:02d}_interview", "source_filename": f"i{d}.txt",
                "content_hash": f"{d + 1:064d}", "text": "x", "unit": "turn", "case_id": d + 1}])
            for p in range(size):
                seg_id += 1
                interviewer = p % 2 == 0
                text = sentences[seg_id % len(sentences)] + "."
                seg_rows.append({
                    "id": seg_id, "document_id": d + 1, "position": p, "start_offset": p * 300,
                    "end_offset": p * 300 + len(text), "text": text, "speaker": "Interviewer" if interviewer else "R1",
                    "question": None if interviewer else (TOP3 if p % 40 == 1 else f"Question {p // 2}"),
                    "case_id": None if interviewer else d + 1, "is_interviewer": interviewer, "top3_flag": False})
        conn.execute(insert(Segment.__table__), seg_rows)
        conn.execute(insert(Coder.__table__), [{"id": 1, "name": "model", "role": "model"},
                                               {"id": 2, "name": "alice", "role": "coder"},
                                               {"id": 3, "name": "bob", "role": "coder"}])
        answers = np.array([r["id"] for r in seg_rows if not r["is_interviewer"]])
        codings = []
        for sid in answers:
            for rank, code in enumerate(rng.choice(leaf, size=3, replace=False)):
                conf = float(round(0.8 - 0.2 * rank - 0.1 * rng.random(), 3))
                codings.append({"segment_id": int(sid), "code_id": int(code), "coder_id": 1, "status": "suggested",
                                "source": "model", "score": conf / 2, "confidence": conf,
                                "reason": "shares: governance, meetings", "version": 1, "starred": False})
        for coder in (2, 3):
            chosen = answers[rng.random(answers.size) < 0.6]
            for sid in chosen:
                codings.append({"segment_id": int(sid), "code_id": int(rng.choice(leaf)), "coder_id": coder,
                                "status": "confirmed", "source": "human", "score": None, "confidence": None,
                                "reason": None, "version": 1, "starred": False})
        conn.execute(insert(Coding.__table__), codings)
    with db.session() as s:
        counts = {"segments": s.scalar(select(func.count()).select_from(Segment)),
                  "codings": s.scalar(select(func.count()).select_from(Coding)),
                  "documents": len(sizes), "largest document": big}
    return counts


def timed(fn) -> float:  # noqa: ANN001
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--segments", type=int, default=10_000)
    ap.add_argument("--clicks", type=int, default=9)
    ap.add_argument("--runs", type=int, default=3, help="cold and warm renders per page (median reported)")
    args = ap.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    with tempfile.TemporaryDirectory(prefix="cocode-ui-bench-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        db = open_database(url)
        t0 = time.perf_counter()
        info = build(db, args.segments)
        print(f"built {info} in {time.perf_counter() - t0:.1f} s")
        os.environ["COCODE_DB"] = url
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        at.session_state["coder"] = "alice"
        first = timed(at.run)  # imports, schema check, first queries
        for page in PAGES:  # warm the imports of every page once
            at.switch_page(page).run()
        rows = []
        for page in PAGES:
            colds, warms = [], []
            for _ in range(args.runs):
                at.switch_page(PAGES[0]).run()
                st.cache_data.clear()
                colds.append(timed(lambda: at.switch_page(page).run()))
                if at.exception:
                    raise SystemExit(f"{page}: {at.exception[0].value}")
                warms.append(timed(at.run))
            rows.append((page, statistics.median(colds), statistics.median(warms)))
        at.switch_page("ui/code_page.py").run()
        clicks = []
        for _ in range(args.clicks):
            button = next(b for b in at.button if b.key and b.key.startswith("acc_"))
            clicks.append(timed(lambda: button.click().run()))
            if at.exception:
                raise SystemExit(f"accept: {at.exception[0].value}")
        with db.session() as s:
            accepted = s.scalar(select(func.count()).select_from(Coding).join(Coder)
                                .where(Coder.name == "alice", Coding.source == "model"))
        db.dispose()

    print(f"\nfirst script run (imports, schema check): {first:.2f} s")
    print(f"{'page':28} {'cold s':>8} {'warm s':>8}  target < {PAGE_TARGET} s")
    ok = True
    for page, cold, warm in rows:
        flag = "ok" if cold < PAGE_TARGET else "SLOW"
        ok &= cold < PAGE_TARGET
        print(f"{page:28} {cold:8.3f} {warm:8.3f}  {flag}")
    med = statistics.median(clicks)
    ok &= med < ACCEPT_TARGET
    print(f"accept click (median of {len(clicks)}, {accepted} accepted): {med * 1000:.0f} ms "
          f"(min {min(clicks) * 1000:.0f}, max {max(clicks) * 1000:.0f})  target < {ACCEPT_TARGET * 1000:.0f} ms  "
          f"{'ok' if med < ACCEPT_TARGET else 'SLOW'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
