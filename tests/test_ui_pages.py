"""The workbench through Streamlit's AppTest: every page renders, and the main actions (import, accept,
reject, add a code, edit the codebook, adjudicate, download) change the project as they should."""
from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from codebooks import load_shipped
from coding.codebook_store import code_paths, find_code, import_codebook
from coding.codings import find_coding, set_coding
from coding.ingest import import_cases, ingest
from coding.project import set_blind
from conftest import DEMO, ROOT
from models import Code, Memo, Segment, open_database

streamlit_testing = pytest.importorskip("streamlit.testing.v1")
AppTest = streamlit_testing.AppTest

APP = str(ROOT / "app.py")
PAGES = ["ui/project_page.py", "ui/codebook_page.py", "ui/code_page.py", "ui/analyse_page.py",
         "ui/agreement_page.py", "ui/export_page.py", "ui/audit_page.py"]
NASTY = ("Interviewer: What are the top three things that make it work?\n\n"
         "R1: <script>alert('x')</script> Trust is **first** ![leak](http://example.invalid/t.png) "
         "[click](javascript:alert(1)) :red[governance] $x^2$\n")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict:
    """Two demo transcripts, the shipped codebook, respondents, two model suggestions and bob's codes."""
    url = f"sqlite:///{tmp_path / 'ui.db'}"
    db = open_database(url)
    with db.session("setup") as s:
        import_codebook(s, load_shipped("outsourcing-success-factors"))
        ingest(s, [DEMO / "OS1_R1_interview.txt", DEMO / "C1_R1_interview.txt"], "turn")
        import_cases(s, DEMO / "respondents.csv")
        segs = list(s.scalars(select(Segment.id).join(Segment.document)
                              .where(Segment.is_interviewer.is_(False)).order_by(Segment.document_id, Segment.position)))
        trust, gov = find_code(s, "Mutual trust and confidence"), find_code(s, "Strong governance")
        first = segs[0]
        set_coding(s, first, trust.id, "model", status="suggested", score=0.61, confidence=0.83, reason="speaks of trust")
        set_coding(s, first, gov.id, "model", status="suggested", score=0.42, confidence=0.55, reason="meetings")
        set_coding(s, segs[1], gov.id, "bob")
        set_coding(s, segs[1], trust.id, "alice")
        ids = {"first": first, "second": segs[1], "trust": trust.id, "gov": gov.id,
               "doc": s.get(Segment, first).document_id}
    db.dispose()
    monkeypatch.setenv("COCODE_DB", url)
    return {"url": url, **ids}


def app(coder: str | None = "alice", doc: int | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    if coder:
        at.session_state["coder"] = coder
    if doc is not None:
        at.session_state["code_doc"] = doc  # the document the Code page opens on
    return at.run()


def on(at: AppTest, page: str) -> AppTest:
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def texts(at: AppTest) -> str:
    return "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption])


def db(project: dict):
    return open_database(project["url"])


def test_every_page_renders_without_an_exception(project):
    at = app()
    assert not at.exception
    docs = at.dataframe[0].value
    assert list(docs["name"]) == ["C1_R1_interview", "OS1_R1_interview"]
    assert set(docs["respondent"]) == {"C1-R1", "OS1-R1"}
    for page in PAGES[1:]:
        on(at, page)
    on(at, "ui/codebook_page.py")
    tree = at.dataframe[0].value
    assert "Strong governance" in " ".join(tree["Code"])


def test_import_through_the_upload_widget_reports_each_file(project):
    at = app()
    uploader = at.file_uploader(key="transcripts")
    uploader.set_value([
        ("OS2_R1_interview.txt", (DEMO / "OS2_R1_interview.txt").read_bytes(), "text/plain"),
        ("broken.docx", b"this is not a zip file", "application/octet-stream"),
        ("OS1_R1_interview.txt", (DEMO / "OS1_R1_interview.txt").read_bytes(), "text/plain"),
    ])
    at.button[[b.label for b in at.button].index("Import")].click().run()
    assert not at.exception
    assert any("Imported 1 transcript" in s.value and "OS2_R1_interview" in s.value for s in at.success)
    assert any(e.value.startswith("broken.docx:") for e in at.error)
    assert any("OS1_R1_interview.txt: already imported" in w.value for w in at.warning)
    assert "OS2_R1_interview" in list(at.dataframe[0].value["name"])


def test_accept_and_reject_a_suggestion_with_one_click_each(project):
    at = on(app(doc=project["doc"]), "ui/code_page.py")
    first, trust, gov = project["first"], project["trust"], project["gov"]
    assert f"acc_{first}_{trust}" in [b.key for b in at.button]
    assert "speaks of trust" in texts(at)
    at.button(key=f"acc_{first}_{trust}").click().run()
    assert not at.exception
    at.button(key=f"rej_{first}_{gov}").click().run()
    database = db(project)
    with database.session() as s:
        assert find_coding(s, first, trust, "alice").status == "confirmed"
        assert find_coding(s, first, gov, "alice").status == "rejected"
        assert find_coding(s, first, trust, "model").status == "suggested"  # the machine's row stays its own
    database.dispose()
    keys = [b.key for b in at.button]
    assert f"acc_{first}_{trust}" not in keys and f"rej_{first}_{gov}" not in keys
    assert any("Mutual trust and confidence" in h.proto.body for h in at.get("html"))
    assert "You rejected: Strong governance" in texts(at)


def test_filters_window_and_next_uncoded(project):
    at = on(app(doc=project["doc"]), "ui/code_page.py")
    at.segmented_control(key="code_show").set_value("suggested").run()
    assert [b.key for b in at.button if b.key and b.key.startswith("acc_")] == [
        f"acc_{project['first']}_{project['trust']}", f"acc_{project['first']}_{project['gov']}"]
    at.segmented_control(key="code_show").set_value("all").run()
    at.selectbox(key="page_size").set_value(1).run()
    assert len([m for m in at.markdown if re.match(r"#\d+ · ", m.value)]) == 1  # one segment at a time
    at.button(key="next_uncoded").click().run()  # segment 0 is uncoded, segment 1 coded by alice: jump past it
    assert at.session_state["code_offset"] == 2
    at.button(key="prev_page").click().run()
    assert at.session_state["code_offset"] == 1
    assert "Segments 2–2 of" in texts(at)


def test_add_a_code_by_search_flag_star_label_and_memo(project):
    at = on(app(doc=project["doc"]), "ui/code_page.py")
    first, gov = project["first"], project["gov"]
    at.selectbox(key=f"add_{first}").set_value(gov).run()
    assert not at.exception
    at.checkbox(key=f"top3_{first}").check().run()
    database = db(project)
    with database.session() as s:
        row = find_coding(s, first, gov, "alice")
        assert row.status == "confirmed" and row.source == "human"
        assert s.get(Segment, first).top3_flag
        coding_id = row.id
    at.text_input(key=f"label_{coding_id}").input("weekly ops review")
    at.checkbox(key=f"star_{coding_id}").check()
    at.button(key=f"save_{coding_id}").click().run()
    at.text_area(key=f"memo_{first}").input("Compare with C1's view of governance")
    at.button(key=f"memo_btn_{first}").click().run()
    assert not at.exception
    with database.session() as s:
        row = find_coding(s, first, gov, "alice")
        assert row.label == "weekly ops review" and row.starred
        memo = s.scalar(select(Memo))
        assert memo.text == "Compare with C1's view of governance" and memo.segment_id == first
    database.dispose()
    assert "★ Strong governance — weekly ops review" in " ".join(h.proto.body for h in at.get("html"))


def test_transcript_text_is_never_rendered_as_html_or_markdown(project, tmp_path):
    nasty = tmp_path / "ZZ_nasty.txt"
    nasty.write_text(NASTY, encoding="utf-8")
    database = db(project)
    with database.session() as s:
        ingest(s, [nasty], "turn")
        doc_id = s.scalar(select(Segment.document_id).where(Segment.text.contains("<script>")))
    database.dispose()
    at = app()
    at.session_state["code_doc"] = doc_id
    at = on(at, "ui/code_page.py")
    shown = [m for m in at.markdown if "script" in m.value]
    assert shown, "the segment text is on the page"
    for m in shown:
        assert not m.proto.allow_html
        assert "<script>" not in m.value and "\\<script\\>" in m.value
        assert "![leak]" not in m.value and "\\!\\[leak\\]" in m.value
        assert "\\*\\*first\\*\\*" in m.value and "\\:red\\[" in m.value and "\\$x\\^2\\$" in m.value
        assert re.search(r"(?<!\\)[*_\[\]()$<>!:`]", m.value) is None  # no markup character left unescaped
    assert not any("script" in h.proto.body for h in at.get("html"))


def test_blind_mode_shows_only_own_codings(project):
    at = on(app(doc=project["doc"]), "ui/code_page.py")
    assert "Also coded by bob: Strong governance" in texts(at)
    database = db(project)
    with database.session() as s:
        set_blind(s, True)
    database.dispose()
    at = on(app(doc=project["doc"]), "ui/code_page.py")
    assert "bob" not in texts(at)
    assert any("Blind phase" in c.value for c in at.sidebar.caption)


def test_codebook_add_rename_merge_and_delete_with_confirmation(project):
    at = on(app(), "ui/codebook_page.py")
    at.text_input(key="new_code_name").input("Cultural fit")
    at.button[[b.label for b in at.button].index("Add code")].click().run()
    assert not at.exception
    database = db(project)
    with database.session() as s:
        new_id = find_code(s, "Cultural fit").id
        trust = project["trust"]
    at.selectbox(key="merge_source").set_value(new_id)
    at.selectbox(key="merge_target").set_value(trust).run()
    at.button(key="merge_btn").click().run()
    assert not at.exception
    with database.session() as s:
        assert "Cultural fit" not in {p[-1] for p in code_paths(s).values()}
    gov = project["gov"]
    at.selectbox(key="delete_code").set_value(gov).run()
    assert any("coding(s)" in w.value for w in at.warning)
    assert at.button(key="delete_btn").disabled  # asks first: codings would go
    at.checkbox(key="delete_confirm").check().run()
    at.button(key="delete_btn").click().run()
    assert not at.exception
    with database.session() as s:
        assert s.get(Code, gov) is None
    database.dispose()


def test_load_a_second_codebook_and_see_counts_on_analyse(project):
    at = on(app(), "ui/codebook_page.py")
    at.selectbox(key="shipped_book").set_value("co-creation-barriers").run()
    at.button(key="load_shipped").click().run()
    assert not at.exception
    assert "Lack of trust" in " ".join(at.dataframe[0].value["Code"])
    at = on(at, "ui/analyse_page.py")
    freq = at.dataframe[0].value
    counts = dict(zip(freq["code"], freq["segments"]))
    assert counts["Mutual trust and confidence"] == 1 and counts["Strong governance"] == 1
    at.selectbox(key="segments_code").set_value(project["trust"]).run()
    assert "1 segment(s) coded 'Mutual trust and confidence'." in texts(at)


def test_supervisor_adjudicates_a_disagreement(project):
    at = app("carol")  # unknown yet: becomes a coder when added as supervisor below
    at.text_input(key="new_coder_name").input("carol")
    at.radio(key="new_coder_role").set_value("supervisor")
    at.button(key="add_coder").click().run()
    assert at.session_state["coder"] == "carol"
    at = on(at, "ui/agreement_page.py")
    assert at.multiselect(key="agree_coders").value == ["alice", "bob"]
    assert [m.label for m in at.metric][0].startswith("Krippendorff")
    second, gov = project["second"], project["gov"]
    at.button(key=f"yes_{second}_{gov}").click().run()
    assert not at.exception
    database = db(project)
    with database.session() as s:
        decided = find_coding(s, second, gov, "consensus")
        assert decided.status == "confirmed" and decided.source == "adjudication"
    database.dispose()
    assert f"yes_{second}_{gov}" not in [b.key for b in at.button]  # settled ones are hidden
    at.button(key="phase_btn").click().run()  # start the blind phase
    assert any("Blind phase" in c.value for c in at.sidebar.caption)


def test_non_supervisor_cannot_adjudicate(project):
    at = on(app("alice"), "ui/agreement_page.py")
    assert not [b for b in at.button if b.key and b.key.startswith("yes_")]
    assert at.button(key="phase_btn").disabled


def test_export_page_offers_every_download_and_the_files_are_real(project):
    at = on(app(), "ui/export_page.py")
    keys = {b.key for b in at.get("download_button")}
    assert {"dl_themes_md", "dl_themes_docx", "dl_themes_xlsx", "dl_bundle", "dl_qdpx", "dl_cb.yaml"} <= keys
    from ui.downloads import bundle_bytes, codebook_bytes, qdpx_bytes, table_bytes, themes_bytes

    md = themes_bytes(project["url"], "md").decode()
    assert "Mutual trust and confidence" in md
    with zipfile.ZipFile(io.BytesIO(bundle_bytes(project["url"]))) as zf:
        assert "tables/themes.docx" in zf.namelist()
    with zipfile.ZipFile(io.BytesIO(qdpx_bytes(project["url"]))) as zf:
        assert "project.qde" in zf.namelist()
    assert b"Strong governance" in codebook_bytes(project["url"], ".yaml")
    freq = table_bytes(project["url"], "frequencies", "csv").decode("utf-8-sig").splitlines()
    assert freq[0].startswith("Code,") and "Strong governance,0,1,1,1,1" in freq


def test_blind_phase_hides_other_coders_counts_from_coders_not_supervisors(project):
    database = db(project)
    with database.session() as s:
        set_blind(s, True)
        from coding.coders import get_coder

        get_coder(s, "carol", role="supervisor")
    database.dispose()
    at = on(app("alice"), "ui/analyse_page.py")
    assert not [sb for sb in at.selectbox if sb.key == "analyse_view"]  # no choice of whose coding
    freq = at.dataframe[0].value
    counts = dict(zip(freq["code"], freq["segments"]))
    assert counts["Mutual trust and confidence"] == 1 and counts["Strong governance"] == 0  # bob's is hidden
    at = on(at, "ui/agreement_page.py")
    assert not at.metric and any("only supervisors" in i.value for i in at.info)
    at = on(app("carol"), "ui/agreement_page.py")
    assert at.metric and at.button(key="phase_btn").label == "End blind phase"


def test_export_without_respondent_sides_leaves_out_only_the_split(project, tmp_path):
    url = f"sqlite:///{tmp_path / 'bare.db'}"
    database = open_database(url)
    with database.session() as s:
        import_codebook(s, load_shipped("outsourcing-success-factors"))
        ingest(s, [DEMO / "OS1_R1_interview.txt"], "turn")
    database.dispose()
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["db_url"] = url
    at = on(at.run(), "ui/export_page.py")
    buttons = {b.key: b for b in at.get("download_button")}
    assert buttons["dl_split_by_side"].disabled
    assert not buttons["dl_bundle"].disabled and not buttons["dl_frequencies"].disabled
    assert not buttons["dl_themes_md"].disabled and not buttons["dl_qdpx"].disabled
    assert any("side" in i.value for i in at.info)


def test_audit_page_lists_who_changed_what(project):
    at = on(app("alice"), "ui/audit_page.py")
    frame = at.dataframe[0].value
    # The fixture's writes were made as "setup": bob's and alice's codings and the model's suggestions.
    assert {"create"} <= set(frame["action"]) and "coding" in set(frame["what"])
    assert (frame["who"] == "setup").all()
    at.selectbox(key="audit_entity").select("document").run()
    frame = at.dataframe[0].value
    assert set(frame["what"]) == {"document"} and len(frame) == 2
