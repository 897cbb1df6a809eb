"""Regenerate tests/data/cocode-schema-0001.db: a small project saved by schema revision 0001.

Why raw SQL and not the ORM: the ORM always speaks the newest schema; an old database must be
written the way Cocode 0001 wrote it, so later migrations are tested against real old rows.
Run from the repository root:  .venv/bin/python tests/data/make_old_db.py
"""
from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

OUT = Path(__file__).with_name("cocode-schema-0001.db")
AT = "2026-11-20 10:00:00.000000"

DOCS = {
    "OS1_R1": ("OS1-R1", [
        ("Interviewer", "What are the top three things that make an outsourcing relationship work really well?", True),
        ("OS1, R1", "Clear governance, with a steering group that meets every month.", False),
        ("OS1, R1", "Trust, and being open about problems before they become surprises.", False),
    ]),
    "C3_R1": ("C3-R1", [
        ("Q", "How do you measure the value of the partnership?", True),
        ("C3, R1", "A balanced scorecard and a yearly satisfaction survey of our users.", False),
        ("C3, R1", "We look at the value they bring next year, not only the cost last year.", False),
    ]),
}
CODES = [  # (id, parent_id, name)
    (1, None, "Strong governance"), (2, 1, "Processes"), (3, 1, "Tools / Devices"),
    (4, None, "Mutual trust and confidence"), (5, None, "Measuring value and success"),
]
CODINGS = [  # (segment position key, code id, coder id, status, source, score, label)
    (("OS1_R1", 1), 1, 1, "confirmed", "human", None, "steering group"),
    (("OS1_R1", 1), 3, 2, "suggested", "model", 0.71, None),
    (("OS1_R1", 2), 4, 1, "confirmed", "model", 0.64, "openness about problems"),
    (("C3_R1", 1), 5, 1, "confirmed", "human", None, "scorecard"),
    (("C3_R1", 2), 5, 2, "rejected", "model", 0.33, None),
]


def make(path: Path = OUT) -> Path:
    from alembic import command
    from sqlalchemy import create_engine

    from models.db import _alembic_config

    path.unlink(missing_ok=True)
    engine = create_engine(f"sqlite:///{path}")
    cfg = _alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
    engine.dispose()

    con = sqlite3.connect(path)
    audit: list[tuple] = []

    def ev(action: str, entity: str, eid: int, before: dict | None, after: dict | None) -> None:
        audit.append((AT, "alice", action, entity, eid,
                      None if before is None else json.dumps(before), None if after is None else json.dumps(after)))

    con.execute("INSERT INTO project (id, name, description, blind, top3_pattern, created_at) "
                "VALUES (1, 'Outsourcing partnerships (schema 0001)', 'old file', 0, 'top three', ?)", (AT,))
    con.executemany("INSERT INTO coder (id, name, role, created_at) VALUES (?, ?, ?, ?)",
                    [(1, "alice", "coder", AT), (2, "model", "model", AT)])
    for cid, parent, name in CODES:
        con.execute("INSERT INTO code (id, parent_id, name, description, inclusion, exclusion, examples, keywords, "
                    "codable, position, updated_at) VALUES (?, ?, ?, '', '', '', '[]', '[]', 1, ?, ?)",
                    (cid, parent, name, cid, AT))
        ev("create", "code", cid, None, {"id": cid, "parent_id": parent, "name": name})
    seg_ids: dict[tuple[str, int], int] = {}
    seg_id = 0
    for doc_id, (name, (case, turns)) in enumerate(DOCS.items(), start=1):
        con.execute("INSERT INTO respondent (id, code, attributes) VALUES (?, ?, ?)",
                    (doc_id, case, json.dumps({"side": "supplier" if case.startswith("OS") else "client"})))
        lines = [f"{speaker}: {said}" for speaker, said, _ in turns]
        text = "\n\n".join(lines)
        con.execute("INSERT INTO document (id, name, source_filename, content_hash, text, unit, case_id, imported_at) "
                    "VALUES (?, ?, ?, ?, ?, 'turn', ?, ?)", (doc_id, name, f"{name}.txt", f"{doc_id:064d}", text, doc_id, AT))
        ev("create", "document", doc_id, None, {"id": doc_id, "name": name})
        offset = 0
        for pos, (line, (speaker, _, interviewer)) in enumerate(zip(lines, turns)):
            seg_id += 1
            con.execute("INSERT INTO segment (id, document_id, position, start_offset, end_offset, text, speaker, "
                        "case_id, is_interviewer, top3_flag) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0)",
                        (seg_id, doc_id, pos, offset, offset + len(line), line, speaker,
                         None if interviewer else doc_id, int(interviewer)))
            seg_ids[(name, pos)] = seg_id
            offset += len(line) + 2
    for coding_id, (key, code_id, coder_id, status, source, score, label) in enumerate(CODINGS, start=1):
        row = {"id": coding_id, "segment_id": seg_ids[key], "code_id": code_id, "coder_id": coder_id,
               "status": status, "source": source, "score": score, "label": label, "starred": False, "version": 1}
        con.execute("INSERT INTO coding (id, segment_id, code_id, coder_id, status, source, score, label, starred, "
                    "version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, 1, ?, ?)",
                    (coding_id, seg_ids[key], code_id, coder_id, status, source, score, label, AT, AT))
        ev("create", "coding", coding_id, None, row)
    con.execute("INSERT INTO memo (id, coder_id, document_id, text, created_at, updated_at) VALUES (1, 1, 1, ?, ?, ?)",
                ("Governance answers cluster in the first half.", AT, AT))
    con.executemany("INSERT INTO audit_event (at, actor, action, entity, entity_id, before, after) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)", audit)
    con.commit()
    con.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
    con.execute("VACUUM")
    con.close()
    return path


if __name__ == "__main__":
    print(make())
