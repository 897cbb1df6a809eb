"""Suggestion quality on a labelled set: zero-shot accuracy, a learning curve, calibration.

    .venv/bin/python bench/suggest_quality.py ../shared/datasets/ci-claims
    .venv/bin/python bench/suggest_quality.py demo

Zero-shot: top-1 / top-3 accuracy and macro-F1 of the top-1 code with no human decision.
Learning curve: for 10%, 25%, 50% of the labelled segments (5 seeds), a simulated coder works
through them in random order exactly as in the UI: ask `suggest` for the segment's top 3,
accept the right ones (coding.codings.accept_suggestion), reject the wrong ones shown
(reject_suggestion), and code any gold code that was not shown (set_coding). Accuracy is
then measured on the remaining segments, with ECE of the top-3 confidences.
`--no-reject` simulates a coder who only accepts.
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bench._datasets import Item, LabelledSet, load  # noqa: E402

CODER = "bench-coder"


def build(ds: LabelledSet, path: Path, model) -> list[Item]:  # type: ignore[no-untyped-def]
    from coding.codebook_store import import_codebook
    from coding.suggest import suggest
    from models import Document, Segment, open_database

    db = open_database(f"sqlite:///{path}")
    with db.session("bench") as s:
        import_codebook(s, ds.codebook)
        if ds.setup is not None:
            items = ds.setup(s)
        else:
            items = list(ds.items)
            text = "\n".join(i.text for i in items)
            doc = Document(name=ds.name, source_filename=ds.name, content_hash="b" * 64, text=text)
            s.add(doc)
            s.flush()
            pos = 0
            rows = []
            for k, it in enumerate(items):
                rows.append(dict(document_id=doc.id, position=k, start_offset=pos, end_offset=pos + len(it.text),
                                 text=it.text, is_interviewer=False, top3_flag=False))
                pos += len(it.text) + 1
            s.execute(Segment.__table__.insert(), rows)
            ids = [r[0] for r in s.execute(Segment.__table__.select().order_by(Segment.position)).all()]
            for it, sid in zip(items, ids):
                it.segment_id = sid
        suggest(s, model, store=False)  # warms the embedding cache
    db.dispose()
    return items


def level_of(ds: LabelledSet, path: str) -> tuple[str, ...]:
    parts = tuple(path.split(" \u203a "))
    return parts[:1] if ds.level == "theme" else parts


def ranked(ds: LabelledSet, suggestions: list[dict]) -> list[tuple[tuple[str, ...], float]]:
    out, seen = [], set()
    for sug in suggestions:
        key = level_of(ds, sug["path"])
        if key not in seen:
            seen.add(key)
            out.append((key, sug["confidence"], sug["score"]))
    return out


def gold_of(ds: LabelledSet, it: Item) -> set[tuple[str, ...]]:
    return {g[:1] if ds.level == "theme" else g for g in it.gold}


def evaluate(ds: LabelledSet, items: list[Item], results: list[dict]) -> dict[str, float]:
    from sklearn.metrics import f1_score
    from sklearn.preprocessing import MultiLabelBinarizer

    from coding.calibration import expected_calibration_error

    by_seg = {r["segment_id"]: r for r in results}
    top1 = top3 = rec3 = 0.0
    conf, raw, right, golds, preds = [], [], [], [], []
    for it in items:
        gold = gold_of(ds, it)
        rank = ranked(ds, by_seg[it.segment_id]["suggestions"])
        keys = [k for k, _, _ in rank]
        top1 += bool(keys) and keys[0] in gold
        top3 += any(k in gold for k in keys[:3])
        rec3 += len(gold & set(keys[:3])) / len(gold)
        for k, c, sc in rank[:3]:
            conf.append(c)
            raw.append(sc)
            right.append(k in gold)
        golds.append(gold)
        preds.append({keys[0]} if keys else set())
    n = len(items)
    mlb = MultiLabelBinarizer()
    mlb.fit(golds + preds)
    labels = [i for i, c in enumerate(mlb.classes_) if any(c in g for g in golds)]
    f1 = f1_score(mlb.transform(golds), mlb.transform(preds), average="macro", labels=labels, zero_division=0)
    conf_a, right_a = np.array(conf), np.array(right)
    hi = conf_a >= 0.7
    return {"top1": top1 / n, "top3": top3 / n, "recall3": rec3 / n, "macro_f1": float(f1),
            "ece": expected_calibration_error(conf_a, right_a), "n": n,
            "shown_hi": int(hi.sum()), "right_hi": float(right_a[hi].mean()) if hi.any() else float("nan"),
            "raw": raw, "right": right}


def code_ids(s) -> dict[tuple[str, ...], int]:  # type: ignore[no-untyped-def]
    from coding.codebook_store import code_paths

    return {p: i for i, p in code_paths(s).items()}


def run_curve(ds: LabelledSet, base: Path, items: list[Item], model, fraction: float, seed: int,  # type: ignore[no-untyped-def]
              reject: bool) -> dict[str, float]:
    from coding.codings import accept_suggestion, reject_suggestion, set_coding
    from coding.suggest import suggest
    from models import open_database
    from models.db import backup_sqlite

    work = base.with_name(f"run-{fraction}-{seed}.db")
    if work.exists():
        work.unlink()
    backup_sqlite(base, work)
    db = open_database(f"sqlite:///{work}")
    rng = random.Random(seed)
    order = items[:]
    rng.shuffle(order)
    k = max(1, round(fraction * len(items)))
    train, test = order[:k], order[k:]
    with db.session(CODER) as s:
        ids = code_ids(s)
        for it in train:
            shown = suggest(s, model, segment_ids=[it.segment_id], top_k=3, store=True)[0]["suggestions"]
            gold = gold_of(ds, it)
            covered = set()
            for sug in shown:
                key = level_of(ds, sug["path"])
                if key in gold:
                    accept_suggestion(s, it.segment_id, sug["code_id"], CODER)
                    covered.add(key)
                elif reject:
                    reject_suggestion(s, it.segment_id, sug["code_id"], CODER)
            for g in gold - covered:
                set_coding(s, it.segment_id, ids[g], CODER)
        results = suggest(s, model, segment_ids=[it.segment_id for it in test], top_k=10, store=False, min_confidence=0.0)
    db.dispose()
    work.unlink()
    return evaluate(ds, test, results)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dataset", help="ci-claims folder, 'demo', or a folder with codebook.* + labels.csv")
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--fractions", default="0.1,0.25,0.5")
    ap.add_argument("--no-reject", action="store_true", help="the simulated coder only accepts, never rejects")
    args = ap.parse_args()

    from coding.calibration import PRIOR_A, PRIOR_B
    from coding.embeddings import load_model
    from coding.suggest import suggest
    from models import open_database

    ds = load(args.dataset)
    model = load_model()
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "base.db"
        items = build(ds, base, model)
        db = open_database(f"sqlite:///{base}")
        with db.session("bench") as s:
            zero = suggest(s, model, segment_ids=[i.segment_id for i in items], top_k=10, store=False, min_confidence=0.0)
        db.dispose()
        zs = evaluate(ds, items, zero)
        print(f"dataset {ds.name}: {len(items)} labelled segments, level {ds.level}, "
              f"{'accept+reject' if not args.no_reject else 'accept only'} coder")
        print(f"zero-shot      top1 {zs['top1']:.3f}  top3 {zs['top3']:.3f}  recall@3 {zs['recall3']:.3f}  "
              f"macro-F1 {zs['macro_f1']:.3f}  ECE {zs['ece']:.3f}  (conf>=0.7: {zs['shown_hi']} shown, "
              f"{zs['right_hi']:.2f} right)")
        from sklearn.linear_model import LogisticRegression

        fit = LogisticRegression(C=1e6).fit(np.array(zs["raw"])[:, None], np.array(zs["right"]))
        print(f"zero-shot logistic fit of P(right | score) on the top 3: A {fit.coef_[0][0]:.2f}  B {fit.intercept_[0]:.2f} "
              f"(coding.calibration prior: A {PRIOR_A}  B {PRIOR_B})")
        for frac in [float(f) for f in args.fractions.split(",")]:
            runs = [run_curve(ds, base, items, model, frac, seed, not args.no_reject) for seed in range(args.seeds)]
            mean = {k: float(np.nanmean([r[k] for r in runs])) for k in ("top1", "top3", "recall3", "macro_f1", "ece",
                                                                           "right_hi")}
            sd = float(np.std([r["top1"] for r in runs]))
            shown_hi = sum(r["shown_hi"] for r in runs)
            print(f"{int(frac * 100):>3d}% confirmed top1 {mean['top1']:.3f}±{sd:.3f}  top3 {mean['top3']:.3f}  "
                  f"recall@3 {mean['recall3']:.3f}  macro-F1 {mean['macro_f1']:.3f}  ECE {mean['ece']:.3f}  "
                  f"(conf>=0.7: {shown_hi} shown, {mean['right_hi']:.2f} right)  [test n={runs[0]['n']}]")
    print(f"elapsed {time.perf_counter() - t0:.1f}s")


if __name__ == "__main__":
    main()
