"""agreement() and disagreements() on real stores (SQLite and PostgreSQL), checked against independent computations."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import krippendorff
import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score

from coding.agreement import agreement, disagreements
from coding.codings import set_coding
from coding.codings_io import import_codings
from coding.errors import CocodeError
from models import Code, Document, Segment

from conftest import SHARED

CI = SHARED / "datasets" / "ci-claims"


def _doc(s, name: str, n: int, interviewer: set[int] = frozenset()) -> list[int]:
    text = "".join(f"segment {i:03d}. " for i in range(n))
    d = Document(name=name, source_filename=f"{name}.txt", content_hash=f"hash-{name}", text=text)
    s.add(d)
    s.flush()
    segs = [Segment(document_id=d.id, position=i, start_offset=i * 13, end_offset=i * 13 + 12, text=f"segment {i:03d}.",
                    is_interviewer=i in interviewer) for i in range(n)]
    s.add_all(segs)
    s.flush()
    return [x.id for x in segs]


# --- the two real annotators of the CI-claims study ----------------------------------------------


def _annotations(path: Path) -> dict[str, str]:
    """Claim id -> code, read straight from the annotation sheet (rows numbered in column 1)."""
    with path.open(encoding="utf-8-sig", newline="") as f:
        return {r[1]: r[3].strip() for r in csv.reader(f) if r and r[0].strip().isdigit()}


def _taxonomy() -> dict[str, str]:
    gold = json.loads((CI / "02_dataset_gold_CI.json").read_text(encoding="utf-8"))
    return {g["labels"]["code"]: g["labels"]["theme"] for g in gold}


def test_ci_claims_two_annotators_match_independent_computation(db, tmp_path):
    ann1, ann2 = _annotations(CI / "human_annotator_1.csv"), _annotations(CI / "human_annotator_2.csv")
    claims = sorted(ann1)
    assert len(claims) == 113 and set(ann2) == set(claims)
    theme_of = _taxonomy()
    with db.session("importer") as s:
        seg_ids = _doc(s, "ci-claims", len(claims))
        seg_of = dict(zip(claims, seg_ids))
        themes = {}
        for i, theme in enumerate(sorted(set(theme_of.values()))):
            themes[theme] = Code(name=theme, codable=False, position=i)
        s.add_all(themes.values())
        s.flush()
        for i, (code, theme) in enumerate(sorted(theme_of.items())):
            s.add(Code(name=code, parent_id=themes[theme].id, position=i))
        s.flush()
        for who, ann in (("annotator1", ann1), ("annotator2", ann2)):
            path = tmp_path / f"{who}.csv"
            with path.open("w", newline="", encoding="utf-8") as f:
                w = csv.writer(f)
                w.writerow(["segment_id", "code"])
                w.writerows((seg_of[c], f"{theme_of[ann[c]]} › {ann[c]}") for c in claims)
            assert import_codings(s, path, who) == 113
    with db.session() as s:
        report = agreement(s, ["annotator1", "annotator2"])
    json.dumps(report, allow_nan=False)
    assert report["units"] == 113 and report["excluded_units"] == 0
    assert len(report["per_code"]) == 31  # the 31 codes; themes are not codable

    # independent computation from the CSVs: one binary variable per code over the 113 claims
    a_all, b_all = [], []
    for row in report["per_code"]:
        code = row["code"].split(" › ")[1]
        a = np.array([ann1[c] == code for c in claims], dtype=int)
        b = np.array([ann2[c] == code for c in claims], dtype=int)
        a_all.append(a)
        b_all.append(b)
        assert row["percent_agreement"] == pytest.approx(np.mean(a == b))
        assert row["cohen_kappa"]["annotator1|annotator2"] == pytest.approx(cohen_kappa_score(a, b))
        assert row["krippendorff_alpha"] == pytest.approx(
            krippendorff.alpha(reliability_data=np.vstack([a, b]), level_of_measurement="nominal"))
        pi = (a.mean() + b.mean()) / 2
        pe = 2 * pi * (1 - pi)
        assert row["gwet_ac1"] == pytest.approx((np.mean(a == b) - pe) / (1 - pe))
        assert row["applied"] == {"annotator1": a.sum(), "annotator2": b.sum()}
    a, b = np.concatenate(a_all), np.concatenate(b_all)
    pooled = report["pooled"]["pooled"]
    assert pooled["decisions"] == 113 * 31
    assert pooled["cohen_kappa"]["annotator1|annotator2"] == pytest.approx(cohen_kappa_score(a, b))
    assert pooled["krippendorff_alpha"] == pytest.approx(
        krippendorff.alpha(reliability_data=np.vstack([a, b]), level_of_measurement="nominal"))
    macro = report["pooled"]["macro"]
    assert macro["krippendorff_alpha"] == pytest.approx(np.mean([r["krippendorff_alpha"] for r in report["per_code"]]))

    with db.session() as s:
        diffs = disagreements(s, ["annotator1", "annotator2"])
    differing = [c for c in claims if ann1[c] != ann2[c]]
    assert len(differing) == 6  # 107 of 113 claims got the same code
    # each differing claim is two disagreements: the code one annotator chose and the other's
    assert len(diffs) == 2 * len(differing)
    assert {d["segment_id"] for d in diffs} == {seg_of[c] for c in differing}
    for d in diffs:
        claim = claims[seg_ids.index(d["segment_id"])]
        code = d["code"].split(" › ")[1]
        expected = [w for w, ann in (("annotator1", ann1), ("annotator2", ann2)) if ann[claim] == code]
        assert d["applied_by"] == expected and len(d["not_applied_by"]) == 1


# --- edge cases ----------------------------------------------------------------------------------


def _edge_project(s):
    """Two documents; alice codes both, bob only the first; codes: unused, everywhere, sometimes."""
    d1 = _doc(s, "d1", 6, interviewer={0})
    d2 = _doc(s, "d2", 4)
    unused, everywhere, sometimes = Code(name="Unused", position=1), Code(name="Everywhere", position=2), Code(name="Sometimes", position=3)
    s.add_all([unused, everywhere, sometimes])
    s.flush()
    for seg in d1[1:]:
        set_coding(s, seg, everywhere.id, "alice")
        set_coding(s, seg, everywhere.id, "bob")
    for seg in d2:
        set_coding(s, seg, everywhere.id, "alice")
    set_coding(s, d1[1], sometimes.id, "alice")
    set_coding(s, d1[1], sometimes.id, "bob")
    set_coding(s, d1[2], sometimes.id, "alice")
    set_coding(s, d1[3], sometimes.id, "bob", status="rejected")
    set_coding(s, d2[0], sometimes.id, "alice")
    return d1, d2, unused.id, everywhere.id, sometimes.id


def test_edge_cases_unused_code_code_everywhere_and_missing_document(db):
    with db.session("t") as s:
        d1, d2, unused, everywhere, sometimes = _edge_project(s)
    with db.session() as s:
        r = agreement(s, ["alice", "bob"])
    json.dumps(r, allow_nan=False)  # valid JSON: no NaN anywhere
    # d1 minus its interviewer turn is seen by both; d2 only by alice
    assert r["units"] == 5 and r["excluded_units"] == 4
    by = {p["code_id"]: p for p in r["per_code"]}
    u = by[unused]
    assert u["krippendorff_alpha"] is None and u["cohen_kappa"] == {"alice|bob": None}
    assert u["verdict"] == "undefined" and "nobody applied" in u["note"]
    assert u["percent_agreement"] == 1.0 and u["n_positive"] == 0
    e = by[everywhere]
    assert e["krippendorff_alpha"] is None and e["cohen_kappa"]["alice|bob"] is None
    assert e["verdict"] == "undefined" and "every coder applied" in e["note"]
    m = by[sometimes]
    # alice: 1 1 0 0 0 on d1's units; bob: 1 0 0 0 0 -> independent values
    a, b = np.array([1, 1, 0, 0, 0]), np.array([1, 0, 0, 0, 0])
    assert m["cohen_kappa"]["alice|bob"] == pytest.approx(cohen_kappa_score(a, b))
    assert m["percent_agreement"] == pytest.approx(0.8)
    assert m["krippendorff_alpha"] == pytest.approx(krippendorff.alpha(reliability_data=[a, b], level_of_measurement="nominal"))
    assert m["note"] is None
    assert r["pooled"]["macro"]["codes_defined"] == 1


def test_three_coders_alpha_uses_partly_seen_documents(db):
    with db.session("t") as s:
        d1 = _doc(s, "d1", 8)
        d2 = _doc(s, "d2", 8)
        code = Code(name="Trust")
        s.add(code)
        s.flush()
        rng = np.random.default_rng(3)
        truth = {c: rng.random(16) < 0.4 for c in ("alice", "bob", "carol")}
        for who, flags in truth.items():
            docs = d1 + d2 if who != "carol" else d1  # carol never opened d2
            for seg, f in zip(d1 + d2, flags):
                if seg in docs:
                    set_coding(s, seg, code.id, who, status="confirmed" if f else "rejected")
    with db.session() as s:
        r = agreement(s, ["alice", "bob", "carol"])
    m = np.array([truth[c].astype(float) for c in ("alice", "bob", "carol")])
    m[2, 8:] = np.nan
    row = r["per_code"][0]
    assert r["units"] == 8 and r["alpha_units"] == 16 and r["excluded_units"] == 8
    assert row["krippendorff_alpha"] == pytest.approx(krippendorff.alpha(reliability_data=m, level_of_measurement="nominal"))
    assert set(row["cohen_kappa"]) == {"alice|bob", "alice|carol", "bob|carol"}
    for pair, v in row["cohen_kappa"].items():
        x, y = pair.split("|")
        ref = cohen_kappa_score(truth[x][:8], truth[y][:8])
        assert (v is None and np.isnan(ref)) or v == pytest.approx(ref)


def test_model_suggestions_count_as_the_machines_codings_and_documents_filter(db):
    with db.session("t") as s:
        d1 = _doc(s, "d1", 4)
        _doc(s, "d2", 4)
        code = Code(name="Trust")
        s.add(code)
        s.flush()
        for seg in d1[:2]:
            set_coding(s, seg, code.id, "model", status="suggested", source="model", score=0.8)
        set_coding(s, d1[0], code.id, "alice")
        set_coding(s, d1[2], code.id, "alice", status="rejected")
    with db.session() as s:
        r = agreement(s, ["alice", "model"], documents=["d1"])
        assert r["units"] == 4 and r["excluded_units"] == 0
        assert r["per_code"][0]["applied"] == {"alice": 1, "model": 2}
        assert r["per_code"][0]["percent_agreement"] == pytest.approx(0.75)
        diffs = disagreements(s, ["alice", "model"])
        assert [(d["segment_id"], d["applied_by"], d["not_applied_by"]) for d in diffs] == [(d1[1], ["model"], ["alice"])]
        with pytest.raises(CocodeError, match="two or more"):
            agreement(s, ["alice"])
        with pytest.raises(CocodeError, match="no coder named 'zed'"):
            agreement(s, ["alice", "zed"])
