"""A small coded project built straight through the store, shared by the export and REFI tests."""
from __future__ import annotations

import hashlib

from models import Case, Code, Document, Memo, Segment

from coding.coders import get_coder
from coding.codings import set_coding

GOV, MEASURE = "Strong governance", "Measuring value & success"
CATEGORIES = ("Processes", "Tools/Devices", "Behaviours/Attitudes")

TEXT_A = (
    "Interviewer: What makes it work?\n"
    "OS1, R1: We agreed clear roles early on. Everyone knew who owned what. The 50% target was hard.\n"
    "Interviewer: Any tools?\n"
    "OS1, R1: A weekly governance meeting with the client keeps us honest. We also share a scorecard_v2 "
    "with \"traffic lights\" & notes.\n"
    "OS1, R1: Openness both ways matters most; no surprises, ever.\n"
)
TEXT_B = (
    "Interviewer: And measuring value?\n"
    "C1, R1: The KPIs are revisited every quarter. We look at value forward, not only cost back.\n"
    "C1, R1: Honestly, commitment from the top is what makes the governance stick.\n"
)


def _segments(text: str) -> list[tuple[int, int, str | None]]:
    """(start, end, respondent) of each line after its speaker label."""
    out, pos = [], 0
    for line in text.splitlines(keepends=True):
        label, _, rest = line.partition(": ")
        start = pos + len(label) + 2
        end = pos + len(line.rstrip("\n"))
        who = None if label == "Interviewer" else label.replace(", ", "-")
        out.append((start, end, who))
        pos += len(line)
    return out


def build_project(db) -> dict:
    """Two documents, two respondents, a 2-theme × 3-category codebook plus a flat code, two coders."""
    ids: dict = {"seg": {}, "code": {}}
    with db.session("test") as s:
        cases = {
            "OS1-R1": Case(code="OS1-R1", attributes={"side": "supplier", "sector": "IT outsourcing", "stage": "1"}),
            "C1-R1": Case(code="C1-R1", attributes={"side": "client", "sector": "financial services", "stage": "1"}),
        }
        s.add_all(cases.values())
        pos = 0
        for theme, color in ((GOV, "#1f77b4"), (MEASURE, "#ff7f0e")):
            t = Code(name=theme, codable=False, color=color, position=pos, description=f"About {theme}.",
                     keywords=["governance"] if theme == GOV else ["KPI", "value"])
            s.add(t)
            s.flush()
            ids["code"][theme] = t.id
            pos += 1
            for cat in CATEGORIES:
                c = Code(name=cat, parent_id=t.id, position=pos,
                         keywords={"Processes": ["roles", "revisited"], "Tools/Devices": ["meeting", "scorecard"],
                                   "Behaviours/Attitudes": ["openness", "commitment"]}[cat])
                s.add(c)
                s.flush()
                ids["code"][(theme, cat)] = c.id
                pos += 1
        flat = Code(name="Other", position=pos, inclusion="anything else", examples=["a", "b"])
        s.add(flat)
        s.flush()
        ids["code"]["Other"] = flat.id
        for name, text, case in (("OS1_R1_interview", TEXT_A, "OS1-R1"), ("C1_R1_interview", TEXT_B, "C1-R1")):
            doc = Document(name=name, source_filename=name + ".txt", content_hash=hashlib.sha256(text.encode()).hexdigest(),
                           text=text, unit="turn",
                           case=cases[case])
            s.add(doc)
            s.flush()
            ids[name] = doc.id
            for i, (a, b, who) in enumerate(_segments(text)):
                seg = Segment(document_id=doc.id, position=i, start_offset=a, end_offset=b, text=text[a:b],
                              speaker=who, case_id=cases[who].id if who else None, is_interviewer=who is None)
                s.add(seg)
                s.flush()
                ids["seg"][(name, i)] = seg.id
        get_coder(s, "alice")
        get_coder(s, "bob")
        c = ids["code"]
        sg = ids["seg"]
        A, B = "OS1_R1_interview", "C1_R1_interview"
        # alice
        set_coding(s, sg[(A, 1)], c[(GOV, "Processes")], "alice", confidence=0.9)
        set_coding(s, sg[(A, 3)], c[(GOV, "Tools/Devices")], "alice", label="Weekly governance meeting", starred=True)
        set_coding(s, sg[(A, 4)], c[(GOV, "Behaviours/Attitudes")], "alice", confidence=0.4)
        set_coding(s, sg[(B, 2)], c[(GOV, "Behaviours/Attitudes")], "alice", confidence=0.8)
        set_coding(s, sg[(B, 1)], c[(MEASURE, "Processes")], "alice", confidence=0.7)
        set_coding(s, sg[(B, 1)], c[(MEASURE, "Tools/Devices")], "alice", status="rejected")
        # bob (double coding, partly different)
        set_coding(s, sg[(A, 1)], c[(GOV, "Processes")], "bob")
        set_coding(s, sg[(A, 3)], c[(MEASURE, "Tools/Devices")], "bob", label="Scorecard with traffic lights")
        set_coding(s, sg[(B, 2)], c["Other"], "bob")
        # the machine's suggestion must never show in tables
        set_coding(s, sg[(A, 4)], c[(MEASURE, "Processes")], "model", status="suggested", source="model", score=0.99)
        s.add(Memo(text="Roles come up in every interview.", coder=get_coder(s, "alice"), code_id=c[(GOV, "Processes")]))
        s.add(Memo(text="Check the 50% figure.", coder=get_coder(s, "bob"), segment_id=sg[(A, 1)], document_id=ids[A]))
        s.add(Memo(text="Long interview, good rapport.", coder=get_coder(s, "alice"), document_id=ids[B]))
    return ids
