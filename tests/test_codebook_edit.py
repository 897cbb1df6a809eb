"""Editing the code tree: add, rename, move, update, merge (codings follow, duplicates folded) and
delete (refused while codings exist unless confirmed); every change leaves an audit event."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from codebooks import load_shipped
from coding.codebook_edit import (  # noqa: I001
    add_code,
    code_tree,
    delete_code,
    delete_impact,
    merge_codes,
    move_code,
    rename_code,
    update_code,
)
from coding.codebook_store import code_paths, export_codebook, find_code, import_codebook
from coding.codings import find_coding, set_coding
from coding.errors import CocodeError
from coding.ingest import ingest
from coding.memos import add_memo, delete_memo, edit_memo, memos_for
from coding.segment_view import code_colors, data_version, segment_details, segment_ids
from models import AuditEvent, Code, Coding, Memo, Segment
from conftest import DEMO


@pytest.fixture
def project(db):
    with db.session("tester") as s:
        import_codebook(s, load_shipped("outsourcing-success-factors"))
        ingest(s, [DEMO / "OS1_R1_interview.txt"], "turn")
    return db


def _segs(s, n=3) -> list[int]:
    return list(s.scalars(select(Segment.id).where(Segment.is_interviewer.is_(False)).order_by(Segment.position).limit(n)))


def test_add_rename_update_and_move(project):
    with project.session("alice") as s:
        theme = add_code(s, "Cultural fit", description="Shared values", keywords="culture, values", color="#aa00cc")
        child = add_code(s, "Rituals", parent_id=theme.id)
        assert code_paths(s)[child.id] == ("Cultural fit", "Rituals")
        assert theme.keywords == ["culture", "values"] and theme.color == "#AA00CC"
        with pytest.raises(CocodeError, match="already exists"):
            add_code(s, "cultural FIT")
        with pytest.raises(CocodeError, match="may not contain"):
            add_code(s, "A › B")
        with pytest.raises(CocodeError, match="#RRGGBB"):
            update_code(s, theme.id, color="purple")
        rename_code(s, theme.id, "Cultural alignment")
        update_code(s, theme.id, examples=["We think alike", "Same values"], codable=False)
        governance = find_code(s, "Strong governance")
        move_code(s, child.id, governance.id)
        assert code_paths(s)[child.id] == ("Strong governance", "Rituals")
        with pytest.raises(CocodeError, match="under itself"):
            move_code(s, governance.id, child.id)
        move_code(s, child.id, None)
        assert code_paths(s)[child.id] == ("Rituals",)
        # the edited codebook still exports and validates
        book = export_codebook(s)
        assert book.by_path()[("Cultural alignment",)].examples == ["We think alike", "Same values"]
        actions = {(e.action, e.entity_id) for e in s.scalars(select(AuditEvent).where(AuditEvent.entity == "code"))}
        assert ("update", theme.id) in actions and ("create", child.id) in actions


def test_move_refuses_a_sibling_name_clash(project):
    with project.session("alice") as s:
        a = add_code(s, "Alpha")
        add_code(s, "Processes", parent_id=a.id)
        loose = add_code(s, "Processes")
        with pytest.raises(CocodeError, match="already exists under 'Alpha'"):
            move_code(s, loose.id, a.id)


def test_merge_moves_codings_and_folds_duplicates(project):
    with project.session("alice") as s:
        src = add_code(s, "Trust (old)")
        dst = find_code(s, "Mutual trust and confidence")
        s1, s2, s3 = _segs(s)
        set_coding(s, s1, src.id, "alice", label="crisis support", starred=True)  # only on source: moves
        set_coding(s, s2, src.id, "alice")  # on both: one row remains
        set_coding(s, s2, dst.id, "alice", status="rejected")
        set_coding(s, s3, src.id, "model", status="suggested", score=0.4)
        set_coding(s, s3, dst.id, "model", status="suggested", score=0.7)
        add_memo(s, "was a separate code", "alice", code_id=src.id)
        report = merge_codes(s, src.id, dst.id)
        assert report == {"moved": 1, "merged": 2, "memos": 1, "subcodes": 0}
        assert s.get(Code, src.id) is None
        moved = find_coding(s, s1, dst.id, "alice")
        assert moved.status == "confirmed" and moved.label == "crisis support" and moved.starred
        assert find_coding(s, s2, dst.id, "alice").status == "confirmed"  # confirmation beats rejection
        assert find_coding(s, s3, dst.id, "model").score == pytest.approx(0.7)  # higher score kept
        assert s.scalar(select(func.count()).select_from(Coding).where(Coding.code_id == src.id)) == 0
        assert s.scalar(select(Memo.code_id)) == dst.id


def test_merge_folds_subtrees_with_the_same_names(project):
    with project.session("alice") as s:
        gov = find_code(s, "Strong governance")
        copy = add_code(s, "Governance (copy)")
        kids_before = {p[-1] for cid, p in code_paths(s).items() if p[:-1] == ("Strong governance",)}
        twin_name = sorted(kids_before)[0]
        twin = add_code(s, twin_name, parent_id=copy.id)
        extra = add_code(s, "Extra", parent_id=copy.id)
        seg = _segs(s, 1)[0]
        set_coding(s, seg, twin.id, "bob")
        report = merge_codes(s, copy.id, gov.id)
        assert report["subcodes"] == 1 and report["moved"] == 1
        assert code_paths(s)[extra.id] == ("Strong governance", "Extra")
        real_twin = find_code(s, f"Strong governance › {twin_name}")
        assert find_coding(s, seg, real_twin.id, "bob") is not None
        with pytest.raises(CocodeError, match="into itself"):
            merge_codes(s, gov.id, gov.id)
        with pytest.raises(CocodeError, match="own sub-code"):
            merge_codes(s, gov.id, extra.id)


def test_delete_asks_first_when_codings_exist(project):
    with project.session("alice") as s:
        gov = find_code(s, "Strong governance")
        n_kids = sum(1 for p in code_paths(s).values() if p[0] == "Strong governance") - 1
        child = next(c for c, p in code_paths(s).items() if p[:-1] == ("Strong governance",))
        seg = _segs(s, 1)[0]
        set_coding(s, seg, child, "alice")
        add_memo(s, "why", "alice", code_id=child)
        impact = delete_impact(s, gov.id)
        assert impact == {"codes": n_kids + 1, "codings": 1, "confirmed": 1, "memos": 1}
        with pytest.raises(CocodeError, match="confirm"):
            delete_code(s, gov.id)
        assert s.get(Code, gov.id) is not None
        delete_code(s, gov.id, confirm=True)
        assert not any(p[0] == "Strong governance" for p in code_paths(s).values())
        assert s.scalar(select(func.count()).select_from(Coding)) == 0
        deleted = s.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "delete", AuditEvent.entity.in_(("code", "coding"))))
        assert deleted == n_kids + 2
        empty = add_code(s, "Empty")
        delete_code(s, empty.id)  # no codings: no question asked
        assert s.get(Code, empty.id) is None


def test_code_tree_is_depth_first_with_counts(project):
    with project.session("alice") as s:
        seg = _segs(s, 1)[0]
        gov = find_code(s, "Strong governance")
        set_coding(s, seg, gov.id, "alice")
        tree = code_tree(s)
        assert len(tree) == s.scalar(select(func.count()).select_from(Code))
        first = tree[0]
        assert first["depth"] == 0 and tree[1]["parent_id"] == first["id"]
        assert next(r for r in tree if r["id"] == gov.id)["confirmed"] == 1
        for i, row in enumerate(tree):  # every child comes after its parent
            if row["parent_id"] is not None:
                assert any(r["id"] == row["parent_id"] for r in tree[:i])


def test_memos_are_attributed_and_only_the_author_edits(project):
    with project.session("alice") as s:
        seg = _segs(s, 1)[0]
        memo = add_memo(s, "  interesting contrast with C1  ", "alice", segment_id=seg)
        add_memo(s, "bob's view", "bob", segment_id=seg)
        assert memo.text == "interesting contrast with C1" and memo.document_id is not None
        assert [m["coder"] for m in memos_for(s, segment_id=seg)] == ["alice", "bob"]
        assert [m["text"] for m in memos_for(s, segment_id=seg, coder="bob")] == ["bob's view"]
        with pytest.raises(CocodeError, match="belongs to alice"):
            edit_memo(s, memo.id, "hijack", "bob")
        edit_memo(s, memo.id, "revised", "alice")
        with pytest.raises(CocodeError, match="some text"):
            add_memo(s, "  ", "alice", segment_id=seg)
        with pytest.raises(CocodeError, match="belongs to"):
            add_memo(s, "floating", "alice")
        delete_memo(s, memo.id, "alice")
        assert [m["text"] for m in memos_for(s, segment_id=seg)] == ["bob's view"]


def test_segment_view_filters_and_blind_mode(project):
    with project.session("alice") as s:
        doc_id = s.scalar(select(Segment.document_id))
        s1, s2, s3 = _segs(s)
        gov, trust = find_code(s, "Strong governance"), find_code(s, "Mutual trust and confidence")
        set_coding(s, s1, gov.id, "alice")
        set_coding(s, s2, trust.id, "model", status="suggested", score=0.5, confidence=0.9, reason="mentions trust")
        set_coding(s, s3, gov.id, "model", status="suggested", score=0.3, confidence=0.2)
        set_coding(s, s3, gov.id, "bob")
        all_ids = segment_ids(s, doc_id, "alice")
        assert all_ids[:3] == [s1, s2, s3]
        assert s1 not in segment_ids(s, doc_id, "alice", show="uncoded")
        assert segment_ids(s, doc_id, "alice", show="coded") == [s1]
        assert segment_ids(s, doc_id, "alice", show="suggested") == [s2, s3]
        assert segment_ids(s, doc_id, "alice", min_confidence=0.5) == [s2]
        assert segment_ids(s, doc_id, "alice", code_id=gov.id) == [s1, s3]
        set_coding(s, s3, gov.id, "alice", status="rejected")  # decided: no longer pending
        assert segment_ids(s, doc_id, "alice", show="suggested") == [s2]
        before = data_version(s)
        set_coding(s, s2, trust.id, "alice")
        assert data_version(s) > before
        blind = segment_details(s, [s3, s2], "alice", blind=True)
        assert [r["segment_id"] for r in blind] == [s3, s2]
        assert blind[0]["others"] == [] and blind[0]["mine"][0]["status"] == "rejected"
        assert blind[1]["suggestions"][0]["decision"] == "confirmed"
        assert blind[1]["suggestions"][0]["reason"] == "mentions trust"
        open_view = segment_details(s, [s3], "alice", blind=False)
        assert [(o["coder"], o["path"]) for o in open_view[0]["others"]] == [("bob", "Strong governance")]
        plain = add_code(s, "Uncoloured", parent_id=gov.id)
        colors = code_colors(s)
        assert gov.color and colors[plain.id] == gov.color  # inherited from the theme
