"""Code suggestions end to end on small real projects with the real embedding model.

Each test builds its own tiny project (a few segments, a three-code codebook), so what
is asserted is behaviour of the ranking, the store and the cache, not of a fixture.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from sqlalchemy import func, select

from codebooks import Code as BookCode
from codebooks import Codebook
from coding.codebook_store import find_code, import_codebook
from coding.codings import accept_suggestion, find_coding, reject_suggestion, set_coding
from coding.embeddings import embed_texts
from coding.errors import CocodeError
from coding.suggest import suggest, suggestions_for
from models import Coder, Coding, Document, Embedding, Segment

from conftest import ROOT

BOOK = Codebook(
    name="tiny",
    codes=[
        BookCode(name="Trust", description="Relying on the partner, confidence in each other, sharing sensitive information.",
                 examples=["We trust them completely.", "You have to be able to rely on each other."]),
        BookCode(name="Measurement", description="KPIs, SLAs, scorecards and satisfaction surveys that measure the service.",
                 examples=["The KPIs are reviewed every month."], keywords=["scorecard"]),
        BookCode(name="Innovation", description="New ideas, continuous improvement, innovation workshops.",
                 examples=["They bring us new ideas every quarter."]),
    ],
)

TEXTS = [
    "Honestly it comes down to trust; we rely on them with our most sensitive data.",
    "We track twelve service levels and the dashboard goes to the board each month.",
    "Their team ran a workshop that produced three new ideas for automating claims.",
    "   \n\t ",
    "We have a balanced scorecards review with the account director.",
    "Confidence in each other took years to build.",
    "The weather was lovely on the day of the site visit.",
]


def make_project(s, texts=TEXTS, book=BOOK, interviewer=()):
    if book is not None:
        import_codebook(s, book)
    doc = Document(name="doc1", source_filename="doc1.txt", content_hash="h" * 64, text="\n".join(texts))
    s.add(doc)
    s.flush()
    pos = 0
    ids = []
    for i, t in enumerate(texts):
        seg = Segment(document_id=doc.id, position=i, start_offset=pos, end_offset=pos + max(1, len(t)), text=t,
                      is_interviewer=i in interviewer)
        s.add(seg)
        s.flush()
        ids.append(seg.id)
        pos += len(t) + 1
    return ids


class Counter:
    """Wraps model.encode to count how many texts are really encoded."""

    def __init__(self, model):
        self.model, self.inner, self.texts, self.calls = model, model.encode, 0, 0

    def __call__(self, texts, *args, **kwargs):
        self.calls += 1
        self.texts += len(texts)
        return self.inner(texts, *args, **kwargs)


@pytest.fixture
def counting(embedder, monkeypatch):
    counter = Counter(embedder)
    monkeypatch.setattr(embedder, "encode", counter)
    return counter


def by_id(results):
    return {r["segment_id"]: r for r in results}


def score_of(results, seg_id, path):
    for sug in by_id(results)[seg_id]["suggestions"]:
        if sug["path"] == path:
            return sug["score"]
    return None


def test_json_contract_keys_types_and_order(sqlite_db, embedder):
    with sqlite_db.session("t") as s:
        ids = make_project(s)
        results = suggest(s, embedder, top_k=3)
    assert [r["segment_id"] for r in results] == [i for i, t in zip(ids, TEXTS) if t.strip()]
    for r in results:
        assert {"segment_id", "document", "respondent", "start", "end", "text", "suggestions"} <= set(r)
        assert isinstance(r["segment_id"], int) and r["document"] == "doc1" and isinstance(r["text"], str)
        assert isinstance(r["start"], int) and r["end"] > r["start"]
        assert len(r["suggestions"]) <= 3
        scores = [sug["score"] for sug in r["suggestions"]]
        assert scores == sorted(scores, reverse=True)
        for sug in r["suggestions"]:
            assert {"code", "path", "score", "confidence", "reason"} <= set(sug)
            assert isinstance(sug["score"], float) and 0.0 <= sug["confidence"] <= 1.0
            assert sug["reason"] and isinstance(sug["code"], str)
    json.dumps(results)  # plain JSON types only
    top = {r["segment_id"]: (r["suggestions"] or [{"code": None}])[0]["code"] for r in results}
    assert top[ids[0]] == "Trust" and top[ids[1]] == "Measurement" and top[ids[2]] == "Innovation"


def test_whitespace_and_interviewer_segments_are_skipped_and_not_embedded(sqlite_db, counting):
    with sqlite_db.session("t") as s:
        ids = make_project(s, interviewer={5})
        results = suggest(s, counting.model, top_k=2)
    returned = {r["segment_id"] for r in results}
    assert ids[3] not in returned and ids[5] not in returned
    with sqlite_db.session() as s:
        n_cached = s.scalar(select(func.count()).select_from(Embedding))
    # 5 codable segments + 3 code descriptions + 4 examples; the blank and interviewer turns are never encoded
    assert counting.texts == n_cached == 5 + 3 + 4


def test_second_run_encodes_nothing_and_only_new_text_is_encoded(sqlite_db, counting):
    with sqlite_db.session("t") as s:
        make_project(s)
        first = suggest(s, counting.model)
    assert counting.calls >= 1
    calls, texts = counting.calls, counting.texts
    with sqlite_db.session("t") as s:
        second = suggest(s, counting.model)
    assert counting.calls == calls and counting.texts == texts
    assert second == first
    with sqlite_db.session("t") as s:
        vecs = embed_texts(s, counting.model, [TEXTS[0], "A sentence nobody has seen.", TEXTS[0]])
    assert counting.texts == texts + 1
    assert vecs.dtype == np.float32 and vecs.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(vecs[0], vecs[2])


def test_cache_tolerates_rows_inserted_meanwhile(sqlite_db, embedder):
    from coding.embeddings import _store, model_id, text_hash

    mid = model_id(embedder)
    with sqlite_db.session() as s:
        s.execute(Embedding.__table__.insert(), [{"model_id": mid, "text_hash": text_hash("a"), "dim": 1,
                                                  "vector": np.ones(1, np.float32).tobytes()}])
        _store(s, mid, [
            {"model_id": mid, "text_hash": text_hash("a"), "dim": 1, "vector": np.zeros(1, np.float32).tobytes()},
            {"model_id": mid, "text_hash": text_hash("b"), "dim": 1, "vector": np.zeros(1, np.float32).tobytes()},
        ])
    with sqlite_db.session() as s:
        rows = dict(s.execute(select(Embedding.text_hash, Embedding.vector)).all())
    assert np.frombuffer(rows[text_hash("a")], np.float32)[0] == 1.0  # the first writer's row is kept
    assert text_hash("b") in rows


def test_confirmations_pull_ranking_towards_a_code_and_rejections_push_down(sqlite_db, embedder):
    texts = [
        "Every Friday the two managers have coffee and talk through the week.",
        "On Fridays our managers meet informally over coffee to go through things.",
        "The managers sit down each Friday afternoon over a coffee.",
        "A Friday coffee between the managers is where we sort things out.",
    ]
    with sqlite_db.session("t") as s:
        ids = make_project(s, texts + TEXTS)
        before = suggest(s, embedder, top_k=3, min_confidence=0.0, store=False)
        trust = find_code(s, "Trust").id
        for seg in ids[:3]:
            set_coding(s, seg, trust, "alice")
        after = suggest(s, embedder, top_k=3, min_confidence=0.0, store=False)
    target = ids[3]
    assert by_id(after)[target]["suggestions"][0]["code"] == "Trust"
    assert score_of(after, target, "Trust") > score_of(before, target, "Trust")
    assert "like confirmed" in by_id(after)[target]["suggestions"][0]["reason"]
    # confirmed codes are not suggested again for the segment they were confirmed on
    assert all(s_["code"] != "Trust" for s_ in by_id(after)[ids[0]]["suggestions"])

    with sqlite_db.session("t") as s:
        meas = find_code(s, "Measurement").id
        base = score_of(suggest(s, embedder, top_k=3, min_confidence=0.0, store=False), target, "Measurement")
        for seg in ids[:3]:
            set_coding(s, seg, meas, "alice", status="rejected")
        pushed = score_of(suggest(s, embedder, top_k=3, min_confidence=0.0, store=False), target, "Measurement")
    assert base is not None and (pushed is None or pushed < base)


def test_joint_model_starts_with_one_confirmation_on_two_codes_and_pulls_towards_them(sqlite_db, embedder):
    """One confirmation for each of two codes is enough for the joint model; a segment like the
    one confirmed for Innovation moves towards Innovation and away from the other code."""
    from coding import suggest as mod

    texts = [
        "Every Friday the two managers have coffee and talk through the week.",
        "The managers sit down each Friday afternoon over a coffee.",
        "We track twelve service levels and the dashboard goes to the board each month.",
    ]
    with sqlite_db.session("t") as s:
        ids = make_project(s, texts + TEXTS)
        before = suggest(s, embedder, top_k=3, min_confidence=0.0, store=False)
        mod._JOINT_CACHE.clear()
        set_coding(s, ids[0], find_code(s, "Innovation").id, "alice")
        assert not mod._JOINT_CACHE  # nothing fitted yet...
        suggest(s, embedder, top_k=3, min_confidence=0.0, store=False)
        assert not mod._JOINT_CACHE  # ...with one confirmed code
        set_coding(s, ids[2], find_code(s, "Measurement").id, "alice")
        after = suggest(s, embedder, top_k=3, min_confidence=0.0, store=False)
    assert len(mod._JOINT_CACHE) == 1  # two codes with one confirmation each: the joint model is on
    target = ids[1]
    assert score_of(after, target, "Innovation") > score_of(before, target, "Innovation")
    gap_before = score_of(before, target, "Innovation") - score_of(before, target, "Measurement")
    gap_after = score_of(after, target, "Innovation") - score_of(after, target, "Measurement")
    assert gap_after > gap_before


def test_fit_joint_learns_clusters_and_rejections_against_a_flat_prior():
    """Unit check of the softmax-with-offset fit: two clusters confirmed for codes 0 and 1, a
    rejection of code 2 near cluster 0; a new point near cluster 0 is pushed to code 0, away from 2."""
    from coding.suggest import fit_joint

    rng = np.random.default_rng(0)
    a, b = np.eye(8)[0], np.eye(8)[1]
    Xt = np.vstack([a + 0.1 * rng.normal(size=8) for _ in range(2)] + [b + 0.1 * rng.normal(size=8) for _ in range(2)]
                   + [a + 0.1 * rng.normal(size=8)])
    prior = np.zeros((5, 3))
    T = np.array([[1, 0, 0], [1, 0, 0], [0, 1, 0], [0, 1, 0], [0, 0, 0]], float)
    R = np.zeros((5, 3))
    R[4, 2] = 1
    W, bias = fit_joint(Xt, prior, T, R)
    adj = a @ W.T + bias
    assert adj[0] > adj[1] and adj[0] > adj[2]
    adj_b = b @ W.T + bias
    assert adj_b[1] > adj_b[0]
    # with no decisions at all the model learns nothing: the prior alone ranks
    W0, b0 = fit_joint(Xt, prior, np.zeros((5, 3)), np.zeros((5, 3)))
    assert np.allclose(W0, 0) and np.allclose(b0, 0)


def test_classifier_takes_over_with_many_confirmations(sqlite_db, embedder):
    """With LR_MIN+ confirmations per code the learned evidence dominates the description."""
    from coding import suggest as mod

    weather = [f"The weather on visit {i} was {w}." for i, w in enumerate(
        ["sunny", "rainy", "windy", "cold", "warm", "foggy", "snowy", "mild", "humid", "dry"])]
    fridays = [f"Meeting {i}: we reviewed the {w} figures together." for i, w in enumerate(
        ["sales", "cost", "volume", "ticket", "uptime", "backlog", "defect", "churn", "margin", "staffing"])]
    probe = "The weather at the depot was grey and drizzly."
    with sqlite_db.session("t") as s:
        ids = make_project(s, weather + fridays + [probe])
        innov = find_code(s, "Innovation").id
        meas = find_code(s, "Measurement").id
        for seg in ids[:10]:
            set_coding(s, seg, innov, "alice")
        for seg in ids[10:20]:
            set_coding(s, seg, meas, "alice")
        mod._LR_CACHE.clear()
        results = suggest(s, embedder, top_k=1, min_confidence=0.0, store=False)
    assert len(mod._LR_CACHE) == 2  # one classifier per code with enough confirmations
    assert by_id(results)[ids[-1]]["suggestions"][0]["code"] == "Innovation"


def test_store_never_touches_human_codings_and_replaces_model_rows(db, embedder):
    with db.session("t") as s:
        ids = make_project(s)
        trust = find_code(s, "Trust").id
        meas = find_code(s, "Measurement").id
        human = set_coding(s, ids[0], meas, "alice", status="rejected")
        human2 = set_coding(s, ids[1], trust, "bob", label="keep me")
        snapshot = {(c.id, c.status, c.source, c.version, c.label) for c in (human, human2)}
        suggest(s, embedder, top_k=3, min_confidence=0.0)
    with db.session("t") as s:
        model = s.scalar(select(Coder).where(Coder.name == "model"))
        assert model.role == "model"
        rows = s.scalars(select(Coding).where(Coding.coder_id == model.id)).all()
        assert rows and all(r.status == "suggested" and r.source in ("model", "rule") for r in rows)
        assert (ids[0], meas) not in {(r.segment_id, r.code_id) for r in rows}
        assert (ids[1], trust) not in {(r.segment_id, r.code_id) for r in rows}
        assert len([r for r in rows if r.segment_id == ids[2]]) == 3
        suggest(s, embedder, top_k=1, min_confidence=0.0)
    with db.session() as s:
        model_rows = s.scalars(select(Coding).join(Coder).where(Coder.name == "model")).all()
        per_seg = {}
        for r in model_rows:
            per_seg[r.segment_id] = per_seg.get(r.segment_id, 0) + 1
        assert max(per_seg.values()) == 1
        humans = s.scalars(select(Coding).join(Coder).where(Coder.name.in_(["alice", "bob"]))).all()
        assert {(c.id, c.status, c.source, c.version, c.label) for c in humans} == snapshot


def test_accepting_keeps_the_model_row_and_suggestions_for_hides_decided(sqlite_db, embedder):
    with sqlite_db.session("t") as s:
        ids = make_project(s)
        suggest(s, embedder, top_k=3, min_confidence=0.0)
        shown = suggestions_for(s, ids[0])
        assert [d["score"] for d in shown] == sorted((d["score"] for d in shown), reverse=True)
        best, second = shown[0], shown[1]
        accept_suggestion(s, ids[0], best["code_id"], "alice")
        reject_suggestion(s, ids[0], second["code_id"], "alice")
        left = suggestions_for(s, ids[0])
        assert {d["code_id"] for d in left} == {d["code_id"] for d in shown} - {best["code_id"], second["code_id"]}
        suggest(s, embedder, top_k=3, min_confidence=0.0)
        mine = find_coding(s, ids[0], best["code_id"], "alice")
        assert mine.status == "confirmed" and mine.score == best["score"]
        assert find_coding(s, ids[0], best["code_id"], "model") is not None  # what the machine said is kept


def test_keyword_rules_give_source_rule(sqlite_db, embedder):
    with sqlite_db.session("t") as s:
        ids = make_project(s)
        results = suggest(s, embedder, top_k=3, min_confidence=0.0)
    sugs = {x["code"]: x for x in by_id(results)[ids[4]]["suggestions"]}
    assert sugs["Measurement"]["source"] == "rule"
    assert "keyword" in sugs["Measurement"]["reason"] and "scorecard" in sugs["Measurement"]["reason"]
    assert all(x["source"] == "model" for x in by_id(results)[ids[0]]["suggestions"])


def test_one_tokenisation_pass_gives_what_the_full_spacy_pipeline_gives():
    """Lemmas and keyword hits come from one tokenisation per text (lemmas looked up per distinct word,
    prefix keywords per distinct token); they must equal what the lemmatizer pipeline and spaCy's
    REGEX Matcher give, irregular forms, case and repeated texts included."""
    from spacy.matcher import Matcher

    from coding import rules

    first = "The meetings went well; we were escalating issues quickly."
    texts = [first, "Escalation? ESCALATED twice, Meetings!", "They don't trust the scorecards, well-known problem.",
             "nothing here", first]
    rules._MEMO.clear()
    rules._ORTH_CONTENT.clear()
    keywords = {1: ["meeting", "go"], 2: ["escalat*", "Scorecard"], 3: ["well-known", "trust*"]}
    kr = rules.KeywordRules(keywords)
    lemmas, hits = rules.analyse(texts, kr)

    pipe = rules.nlp()
    assert "lemmatizer" in pipe.pipe_names
    expected_lemmas = []
    prefix = Matcher(pipe.vocab)
    for cid, kws in keywords.items():
        for i, kw in enumerate(kws):
            if kw.endswith("*"):
                prefix.add(f"{cid}:{i}", [[{"LOWER": {"REGEX": f"^{kw[:-1].lower()}"}}]])
    expected_hits = []
    for doc in pipe.pipe(texts):
        words = set()
        for tok in doc:
            low = tok.lower_
            if tok.is_alpha and len(low) >= 3 and low not in rules.STOP and (tok.lemma_ or low).lower() not in rules.STOP:
                words.add((tok.lemma_ or low).lower())
        expected_lemmas.append(frozenset(words))
        found = {}
        for matcher in (kr.lower, kr.lemma, prefix):
            for match_id, _, _ in matcher(doc):
                cid, kw = kr._label[pipe.vocab.strings[match_id]]
                if kw not in found.setdefault(cid, []):
                    found[cid].append(kw)
        expected_hits.append(found)
    assert lemmas == expected_lemmas
    assert "meeting" in lemmas[0] and "escalate" in lemmas[0] and "go" not in lemmas[0]  # "went" -> "go", a stop word
    assert hits == expected_hits
    # "meetings" hits "meeting" and "went" hits "go", both through lemmas
    assert hits[0] == {1: ["meeting", "go"], 2: ["escalat*"]} and hits[3] == {}
    assert rules.content_lemmas(texts) == expected_lemmas and kr.match(texts) == expected_hits  # memoised path


def test_tree_codebook_suggests_leaves_with_their_theme_and_never_parent_and_child(sqlite_db, embedder):
    from codebooks import load_shipped

    texts = ["We have a monthly service review and a quarterly steering committee with the executives.",
             "I trust them; they supported us through the outage without asking about the contract."]
    with sqlite_db.session("t") as s:
        make_project(s, texts, book=load_shipped("outsourcing-success-factors"))
        results = suggest(s, embedder, top_k=3, min_confidence=0.0)
    for r in results:
        paths = [x["path"] for x in r["suggestions"]]
        for p in paths:
            assert not any(q != p and q.startswith(p + " \u203a ") for q in paths)
        for x in r["suggestions"]:
            if " \u203a " in x["path"]:
                assert "theme: " + x["path"].split(" \u203a ")[0] in x["reason"]
    assert results[0]["suggestions"][0]["path"].startswith("Strong governance")
    assert results[1]["suggestions"][0]["path"].startswith("Mutual trust")


def test_no_code_applies_when_nothing_clears_the_threshold(sqlite_db, embedder):
    with sqlite_db.session("t") as s:
        ids = make_project(s)
        results = suggest(s, embedder, min_confidence=0.99)
    assert all(r["suggestions"] == [] for r in results)
    assert ids[6] in by_id(results)


def test_empty_codebook_is_a_clear_error(sqlite_db, embedder):
    with sqlite_db.session("t") as s:
        make_project(s, book=None)
        with pytest.raises(CocodeError, match="codebook is empty"):
            suggest(s, embedder)


def test_missing_or_unreadable_model_path_names_it(tmp_path, monkeypatch):
    from coding.embeddings import load_model, model_path

    monkeypatch.setenv("COCODE_MODEL", str(tmp_path / "no-such-model"))
    assert model_path() == str(tmp_path / "no-such-model")
    with pytest.raises(CocodeError, match="no-such-model"):
        load_model(model_path())
    empty = tmp_path / "empty-model"
    empty.mkdir()
    with pytest.raises(CocodeError, match="empty-model"):
        load_model(str(empty))


def test_cli_reports_missing_model_in_one_line(tmp_path):
    db = tmp_path / "p.db"
    env = {**os.environ, "COCODE_MODEL": str(tmp_path / "gone")}
    cmd = [sys.executable, "-m", "coding.cli", "--db", str(db)]
    subprocess.run([*cmd, "codebook", "import", ROOT / "codebooks" / "data" / "co-creation-barriers.yaml"],
                   check=True, capture_output=True, env=env, cwd=ROOT)
    proc = subprocess.run([*cmd, "suggest", "--json"], capture_output=True, text=True, env=env, cwd=ROOT)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [f"cocode: error: embedding model not found: {tmp_path / 'gone'} "
                                                "(set COCODE_MODEL to a sentence-transformers folder)"]
    empty = subprocess.run([sys.executable, "-m", "coding.cli", "--db", str(tmp_path / "e.db"), "suggest"],
                           capture_output=True, text=True, cwd=ROOT)
    assert empty.returncode == 2 and "codebook is empty" in empty.stderr


def test_bulk_stored_suggestions_each_have_their_create_event_in_the_same_transaction(db, embedder):
    """Suggestions are inserted in bulk (not through the ORM), so the audit events are written by
    the store itself: one "create" per new row, with the same payload the ORM hook gives a coding."""
    from models import AuditEvent

    with db.session("t") as s:
        ids = make_project(s)
        human = set_coding(s, ids[0], find_code(s, "Trust").id, "alice")  # an ORM-written coding, for its payload
        human_id = human.id
    with db.session("runner") as s:
        suggest(s, embedder, top_k=3, min_confidence=0.0)
    with db.session() as s:
        model = s.scalar(select(Coder.id).where(Coder.name == "model"))
        rows = s.scalars(select(Coding).where(Coding.coder_id == model)).all()
        events = s.scalars(select(AuditEvent).where(AuditEvent.entity == "coding", AuditEvent.action == "create")).all()
        by_entity = {}
        for e in events:
            by_entity.setdefault(e.entity_id, []).append(e)
        orm_keys = set(by_entity[human_id][0].after)
        assert len(rows) >= 10
        for r in rows:
            (e,) = by_entity[r.id]
            assert e.actor == "runner" and e.before is None
            assert set(e.after) == orm_keys
            assert (e.after["id"], e.after["segment_id"], e.after["code_id"], e.after["coder_id"]) == (
                r.id, r.segment_id, r.code_id, model)
            assert (e.after["status"], e.after["source"], e.after["score"], e.after["confidence"], e.after["reason"],
                    e.after["version"], e.after["starred"]) == (
                "suggested", r.source, r.score, r.confidence, r.reason, 1, False)
            assert r.version == 1
        n_events = len(events)
    # the rows and their events share the transaction: a failure afterwards leaves neither
    with pytest.raises(RuntimeError):
        with db.session("runner") as s:
            s.execute(Coding.__table__.delete().where(Coding.coder_id == model))
            suggest(s, embedder, top_k=3, min_confidence=0.0)
            raise RuntimeError("boom")
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.entity == "coding", AuditEvent.action == "create")) == n_events
        assert s.scalar(select(func.count()).select_from(Coding).where(Coding.coder_id == model)) == len(rows)
