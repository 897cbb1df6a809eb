"""Counting on a small hand-built study whose every number is worked out in the comments."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from coding import counting
from coding.adjudication import resolve
from coding.codings import set_coding
from coding.errors import CocodeError
from models import Case, Code, Document, Segment

TOP3_Q = "In your opinion, what are the top three things that make an outsourcing relationship work really well?"
GOV_Q = "Tell me about governance"


def build_study(s) -> dict:
    """Respondents, documents, codes and codings (alice, and bob on one document).

    Codebook: Governance › {Processes, Tools}; Trust › Processes; Value (flat).
    Each document: 0 interviewer turn, 1 answer to the top-three question, 2 answer on governance, 3 other.
    """
    people = [("OS1-R1", "supplier"), ("OS1-R2", "supplier"), ("C1-R1", "client"), ("C2-R1", "client"),
              ("OS2-R1", "supplier"), ("C3-R1", "client"), ("X-R9", "client")]  # X-R9 was never interviewed
    case = {}
    for code, side in people:
        case[code] = Case(code=code, attributes={"side": side, "stage": 1})
    s.add_all(case.values())
    gov, trust, value = Code(name="Governance", position=1), Code(name="Trust", position=2), Code(name="Value", position=3)
    s.add_all([gov, trust, value])
    s.flush()
    gp, gt = Code(name="Processes", parent=gov, position=1), Code(name="Tools", parent=gov, position=2)
    tp = Code(name="Processes", parent=trust, position=1)
    s.add_all([gp, gt, tp])
    s.flush()
    seg: dict[str, list[int]] = {}
    for name, who in [("doc0a", "OS1-R1"), ("doc0b", "OS1-R1"), ("os1r2", "OS1-R2"), ("c1", "C1-R1"), ("c2", "C2-R1"),
                      ("os2", "OS2-R1"), ("c3", "C3-R1"), ("anon", None)]:
        d = Document(name=name, source_filename=f"{name}.txt", content_hash=f"h-{name}", text="x" * 80,
                     case_id=case[who].id if who else None)
        s.add(d)
        s.flush()
        rows = [Segment(document_id=d.id, position=i, start_offset=i * 20, end_offset=i * 20 + 19, text=f"{name} says {i}",
                        question=[None, TOP3_Q, GOV_Q, "Anything else?"][i], is_interviewer=i == 0,
                        case_id=case[who].id if (who and i) else None) for i in range(4)]
        s.add_all(rows)
        s.flush()
        seg[name] = [r.id for r in rows]
    s.get(Segment, seg["c2"][2]).top3_flag = True  # a coder flagged this governance answer as a top-three answer
    ids = {"gov": gov.id, "trust": trust.id, "value": value.id, "gp": gp.id, "gt": gt.id, "tp": tp.id}
    plan = [
        ("doc0a", 1, ["gp", "gt", "tp"]), ("doc0a", 2, ["gp"]), ("doc0b", 1, ["gp"]),
        ("os1r2", 1, ["tp"]), ("os1r2", 3, ["gt"]),
        ("c1", 1, ["gt", "value"]), ("c2", 2, ["value"]), ("c2", 3, ["tp"]),
        ("os2", 2, ["gp"]), ("anon", 1, ["gp"]),
    ]
    for doc, pos, codes in plan:
        for c in codes:
            set_coding(s, seg[doc][pos], ids[c], "alice")
    set_coding(s, seg["os2"][1], ids["value"], "bob")
    return {"seg": seg, **ids}


@pytest.fixture
def study(db):
    with db.session("builder") as s:
        info = build_study(s)
    return db, info


def _row(df: pd.DataFrame, code_id: int) -> pd.Series:
    return df.set_index("code_id").loc[code_id]


def test_frequencies_roll_up_without_double_counting(study):
    db, ids = study
    with db.session() as s:
        f = counting.frequencies(s)
    # tree order: parents before their children, siblings by position
    assert f["code"].tolist() == ["Governance", "Governance › Processes", "Governance › Tools",
                                  "Trust", "Trust › Processes", "Value"]
    gp = _row(f, ids["gp"])  # doc0a s1+s2, doc0b s1, os2 s2, anon s1; respondents OS1-R1, OS2-R1, anon's document
    assert (gp.segments, gp.documents, gp.respondents, gp.depth) == (5, 4, 3, 1)
    gov = _row(f, ids["gov"])  # GP's 5 + os1r2 s3 + c1 s1; doc0a s1 carries both children but is one segment
    assert (gov.segments, gov.documents, gov.respondents, gov.direct_segments) == (7, 6, 5, 0)
    assert _row(f, ids["trust"]).segments == 3 and _row(f, ids["trust"]).respondents == 3
    assert _row(f, ids["value"]).segments == 3  # bob's coding is in the union
    assert tuple(_row(f, ids["gt"]).path) == ("Governance", "Tools")
    with db.session() as s:
        alice = counting.frequencies(s, coder="alice")
        bob = counting.frequencies(s, coder="bob")
    assert _row(alice, ids["value"]).segments == 2
    assert _row(bob, ids["value"]).segments == 1 and _row(bob, ids["gov"]).segments == 0


def test_attribute_split_counts_and_shares(study):
    db, ids = study
    with db.session() as s:
        a = counting.attribute_split(s, "side")
        with pytest.raises(CocodeError, match="no respondent has the attribute 'sector'"):
            counting.attribute_split(s, "sector")
    gov = a[a["code_id"] == ids["gov"]].set_index("group")
    # interviewed: suppliers OS1-R1, OS1-R2, OS2-R1; clients C1-R1, C2-R1, C3-R1 (X-R9 never interviewed); anon has no case
    assert gov["group_size"].to_dict() == {"(missing)": 1, "client": 3, "supplier": 3}
    assert gov["respondents"].to_dict() == {"(missing)": 1, "client": 1, "supplier": 3}
    assert gov.loc["client", "share"] == pytest.approx(1 / 3) and gov.loc["supplier", "share"] == 1.0
    value = a[a["code_id"] == ids["value"]].set_index("group")
    assert value.loc["client", "respondents"] == 2 and value.loc["supplier", "respondents"] == 1
    assert value.loc["client", "segments"] == 2
    assert len(a) == 6 * 3  # every code × group, zeros included
    assert list(a.columns) == ["code_id", "code", "group", "respondents", "group_size", "share", "segments"]


def test_top_three_theme_level_ranks_ties_by_overall_respondents(study):
    db, ids = study
    with db.session() as s:
        t = counting.top_three(s, threshold=3)
        default = counting.top_three(s)
    # top-three answers: every s1 (question matches) and c2 s2 (flagged).
    # Governance: OS1-R1 (twice, across two documents: once), C1-R1, anon -> 3; overall 5
    # Value: C1-R1, C2-R1 (flagged), OS2-R1 (bob) -> 3; overall 3.   Trust: OS1-R1, OS1-R2 -> 2
    assert t[["code", "top3_respondents", "overall_respondents", "rank", "dominant"]].values.tolist() == [
        ["Governance", 3, 5, 1, True], ["Value", 3, 3, 2, True], ["Trust", 2, 3, 3, False]]
    assert not default["dominant"].any()  # the study's threshold is 4
    assert t.attrs["top3_segments"] == 7


def test_top_three_code_level_shared_ranks_and_patterns(study):
    db, ids = study
    with db.session() as s:
        t = counting.top_three(s, level="code")
        gov_q = counting.top_three(s, pattern="GOVERNANCE")
        broken = counting.top_three(s, pattern="top three (")  # not a regex: taken literally, matches nothing
        with pytest.raises(CocodeError, match="level"):
            counting.top_three(s, level="category")
    assert t[["code", "top3_respondents", "rank"]].values.tolist() == [
        ["Value", 3, 1], ["Governance › Processes", 2, 2], ["Governance › Tools", 2, 2], ["Trust › Processes", 2, 2],
        ["Governance", 0, 5], ["Trust", 0, 5]]
    # pattern on the governance question: doc0a s2 (OS1-R1), os2 s2 (OS2-R1), c2 s2 (flagged, Value)
    g = gov_q.set_index("code")
    assert g.loc["Governance", "top3_respondents"] == 2 and g.loc["Value", "top3_respondents"] == 1
    assert broken.set_index("code")["top3_respondents"].to_dict() == {"Value": 1, "Governance": 0, "Trust": 0}


def test_top_three_uses_the_project_pattern(study):
    db, ids = study
    with db.session() as s:
        from coding.project import get_project

        get_project(s).top3_pattern = "about governance"
    with db.session() as s:
        t = counting.top_three(s).set_index("code")
    assert t.loc["Governance", "top3_respondents"] == 2


def test_cooccurrence_theme_and_code_level(study):
    db, ids = study
    with db.session() as s:
        th = counting.cooccurrence(s)
        co = counting.cooccurrence(s, level="code")
    # themes together on one segment: doc0a s1 (Governance, Trust) and c1 s1 (Governance, Value)
    pairs = {(r.code_a, r.code_b): (r.segments, r.respondents, r.jaccard) for r in th.itertuples()}
    assert pairs == {("Governance", "Trust"): (1, 1, pytest.approx(1 / 9)),
                     ("Governance", "Value"): (1, 1, pytest.approx(1 / 9))}
    cp = {frozenset((r.code_a_id, r.code_b_id)): (r.segments, r.jaccard) for r in co.itertuples()}
    assert len(cp) == len(co)  # each pair once
    assert cp[frozenset((ids["gp"], ids["gt"]))] == (1, pytest.approx(1 / 7))  # 5 + 3 − 1 segments with either
    assert set(cp) == {frozenset(p) for p in [(ids["gp"], ids["gt"]), (ids["gp"], ids["tp"]), (ids["gt"], ids["tp"]),
                                              (ids["gt"], ids["value"])]}
    m = counting.cooccurrence_matrix(co)
    assert (m.values == m.values.T).all() and np.diag(m.values).sum() == 0
    assert m.loc["Governance › Tools", "Value"] == 1 and m.loc["Value", "Governance › Tools"] == 1
    assert counting.cooccurrence_matrix(th, "jaccard").loc["Trust", "Governance"] == pytest.approx(1 / 9)


def test_code_segments_lists_children_and_exact_codes(study):
    db, ids = study
    with db.session() as s:
        segs = counting.code_segments(s, ids["gov"])
        with pytest.raises(CocodeError):
            counting.code_segments(s, 9999)
    assert len(segs) == 7
    first = segs.set_index("segment_id").loc[ids["seg"]["doc0a"][1]]
    assert first["codes"] == ["Governance › Processes", "Governance › Tools"]
    assert first["respondent"] == "OS1-R1" and first["document"] == "doc0a"
    assert pd.isna(segs.set_index("segment_id").loc[ids["seg"]["anon"][1], "respondent"])  # no case known


def test_consensus_view_unanimity_and_adjudication(study):
    db, ids = study
    seg = ids["seg"]
    with db.session() as s:
        plain = counting.confirmed_codings(s, consensus=True)
    # os2 was seen by alice and bob, who agree on nothing there: neither coding counts yet; elsewhere alice alone counts
    keys = set(zip(plain["segment_id"], plain["code_id"]))
    assert (seg["os2"][1], ids["value"]) not in keys and (seg["os2"][2], ids["gp"]) not in keys
    # alice made 13 codings, bob 1 (all 14 distinct); the two in os2 wait for adjudication
    assert (seg["doc0a"][2], ids["gp"]) in keys and len(keys) == 12
    with db.session("sup") as s:
        resolve(s, seg["os2"][1], ids["value"], True, "sup")
        resolve(s, seg["doc0a"][2], ids["gp"], False, "sup")  # the supervisor overrules alice
        set_coding(s, seg["os2"][2], ids["gp"], "bob")  # bob now agrees with alice
    with db.session() as s:
        settled = counting.confirmed_codings(s, consensus=True)
        f = counting.frequencies(s, consensus=True)
        union = counting.confirmed_codings(s)
    keys = set(zip(settled["segment_id"], settled["code_id"]))
    assert (seg["os2"][1], ids["value"]) in keys and (seg["os2"][2], ids["gp"]) in keys
    assert (seg["doc0a"][2], ids["gp"]) not in keys and len(keys) == 12 + 2 - 1
    assert _row(f, ids["gp"]).segments == 4
    assert len(union) == 14  # the union ignores the consensus coder; bob's new coding duplicates alice's
    assert list(settled.columns) == ["segment_id", "code_id", "document_id", "case_id"]
    with db.session() as s, pytest.raises(CocodeError, match="either"):
        counting.confirmed_codings(s, coder="alice", consensus=True)
    with db.session() as s, pytest.raises(CocodeError, match="no coder named"):
        counting.frequencies(s, coder="zed")


def test_empty_project_gives_empty_tables(db):
    with db.session() as s:
        assert counting.frequencies(s).empty
        assert counting.cooccurrence(s).empty
        assert counting.top_three(s).empty
        assert counting.confirmed_codings(s).empty
