"""The bundled demo project: fictional interviews, the success-factor codebook, and a little
double coding by two fictional coders so every page has something to show on first start."""
from __future__ import annotations

import csv
import re
from pathlib import Path

from sqlalchemy import func, select

from codebooks import load_shipped
from models import Database, Document, Segment

from .codebook_store import find_code, import_codebook
from .coders import get_coder
from .codings import set_coding
from .ingest import import_cases, ingest
from .project import get_project

DEMO_DIR = Path(__file__).resolve().parents[1] / "corpus" / "demo"
TRANSCRIPT_SUFFIXES = (".txt", ".docx", ".vtt")


def demo_files() -> list[Path]:
    return sorted(p for p in DEMO_DIR.iterdir() if p.suffix in TRANSCRIPT_SUFFIXES and p.name[0].isupper())


def _top3_answers(s, respondent: str) -> list[int]:
    """Segments of this respondent that answer the top-three question (the first answer and any follow-up turns
    until the next question that is not a 'third?'-style prompt)."""
    from models import Case

    rows = s.execute(
        select(Segment.id, Segment.question).join(Case, Case.id == Segment.case_id)
        .where(Case.code == respondent, Segment.is_interviewer.is_(False))
        .order_by(Segment.document_id, Segment.position)
    ).all()
    out: list[int] = []
    for seg_id, question in rows:
        q = (question or "").lower()
        if "top three" in q or (out and re.search(r"\bthird\b", q)):
            out.append(seg_id)
        elif out:
            break
    return out


def seed_double_coding(s) -> int:
    """Two fictional coders code the top-three answers of six respondents (corpus/demo/demo_codings.csv)."""
    n = 0
    with open(DEMO_DIR / "demo_codings.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            segs = _top3_answers(s, row["respondent"])
            if not segs:
                continue
            code = find_code(s, row["code"])
            set_coding(s, segs[0], code.id, row["coder"], status="confirmed", source="human")
            n += 1
    for seg_id in {sid for r in ("OS1-R1", "C1-R1", "OS2-R1", "C2-R1", "OS3-R1", "C3-R1") for sid in _top3_answers(s, r)[:1]}:
        s.get(Segment, seg_id).top3_flag = True
    return n


def build_demo(db: Database, *, force: bool = False, suggest: bool = True) -> str:
    """Load the demo into an empty project (idempotent: an existing project is left as it is)."""
    with db.session("demo") as s:
        if not force and s.scalar(select(func.count()).select_from(Document)):
            return f"demo project already loaded in {db.url}"
        project = get_project(s)
        project.name = "Outsourcing partnerships (demo)"
        import_codebook(s, load_shipped("outsourcing-success-factors"))
        report = ingest(s, demo_files(), "turn")
        import_cases(s, DEMO_DIR / "respondents.csv")
        seeded = seed_double_coding(s)
        get_coder(s, "sam", role="supervisor")  # the demo's supervisor, who settles alice's and bob's disagreements
    summary = f"demo project: {len(report.imported)} transcripts, {report.segments} segments, {seeded} demo codings"
    if suggest:
        try:
            from .embeddings import load_model
            from .suggest import suggest as run_suggest
        except ImportError:  # pragma: no cover - suggestion engine not installed
            return summary
        model = load_model()
        with db.session("model") as s:
            rows = run_suggest(s, model, top_k=3, store=True)
        summary += f", suggestions for {len(rows)} segments"
    return summary
