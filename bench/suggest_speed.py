"""Suggestion speed on a synthetic corpus of distinct segments, all numbers from one run.

    .venv/bin/python bench/suggest_speed.py            # 10,000 segments
    .venv/bin/python bench/suggest_speed.py --n 5000

Texts: the respondents' sentences of the ten demo interviews and the ci-claims claims, each
also in variants with a short lead-in or tail, de-duplicated, until N distinct texts exist.
Measures: raw SentenceTransformer.encode of exactly those texts; a cold `suggest` over the
project (empty embedding cache; store=True, i.e. what `cocode suggest` does minus model
loading); a warm re-run with nothing changed (same process; and with the per-process memos
cleared, as a new process would see it); re-ranking after one new confirmation (store=False,
and store=True). Peak memory: resident set size (ru_maxrss) of the whole process.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bench._datasets import DEMO, SHARED  # noqa: E402

LEADS = ["", "Honestly, ", "In our case, ", "To be fair, ", "I think ", "From my side, ", "Looking back, ",
         "In practice, ", "As a rule, ", "Frankly, ", "On the client side, ", "On the supplier side, "]
TAILS = ["", " That's how it works for us.", " It took us a while to get there.", " Both sides see it that way."]


def corpus_texts(n: int) -> list[str]:
    from corpus import read_transcript

    base: list[str] = []
    for p in sorted(DEMO.iterdir()):
        if p.suffix in (".txt", ".docx", ".vtt") and p.name[0].isupper():
            t = read_transcript(p, unit="sentence")
            base += [t.text[s.start:s.end].strip() for s in t.segments if not s.is_interviewer]
    claims = json.loads((SHARED / "datasets" / "ci-claims" / "02_dataset_gold_CI.json").read_text())
    base += [c["input"]["claim"].capitalize() for c in claims]
    base = [b for b in dict.fromkeys(base) if len(b) > 15]
    rng = random.Random(0)
    out: dict[str, None] = {}
    for tail in TAILS:
        for lead in LEADS:
            for b in base:
                out[lead + (b[0].lower() + b[1:] if lead else b) + tail] = None
    texts = list(out)
    rng.shuffle(texts)
    if len(texts) < n:
        raise SystemExit(f"only {len(texts)} distinct texts available")
    return texts[:n]


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=5_000)
    ap.add_argument("--rerank-n", type=int, default=10_000,
                    help="grow the project to this many segments for the re-rank timing; the added segments get "
                         "cached vectors synthesised from encoded ones (timing only, nothing is encoded)")
    args = ap.parse_args()

    from codebooks import load_shipped
    from coding import rules, suggest as suggest_mod
    from coding.codebook_store import import_codebook
    from coding.embeddings import load_model
    from coding.suggest import suggest
    from models import Document, Segment, open_database

    texts = corpus_texts(args.n)
    model = load_model()
    print(f"{len(texts)} distinct segments, mean {sum(map(len, texts)) / len(texts):.0f} chars; "
          f"device {model.device}; torch threads {__import__('torch').get_num_threads()}")
    model.encode(["warm-up"] * 8)  # first-call overhead is not what we compare
    print(f"after model load: peak RSS {peak_mib():.0f} MiB")

    with tempfile.TemporaryDirectory() as tmp:
        db = open_database(f"sqlite:///{Path(tmp) / 'speed.db'}")
        with db.session("bench") as s:
            import_codebook(s, load_shipped("outsourcing-success-factors"))
            per_doc = 500
            for d in range(0, len(texts), per_doc):
                chunk = texts[d : d + per_doc]
                doc = Document(name=f"doc{d // per_doc:03d}", source_filename=f"doc{d}.txt",
                               content_hash=f"{d:064d}", text="\n".join(chunk))
                s.add(doc)
                s.flush()
                pos, rows = 0, []
                for k, t in enumerate(chunk):
                    rows.append(dict(document_id=doc.id, position=k, start_offset=pos, end_offset=pos + len(t), text=t,
                                     is_interviewer=False, top3_flag=False))
                    pos += len(t) + 1
                s.execute(Segment.__table__.insert(), rows)

        t0, c0 = time.perf_counter(), time.process_time()
        model.encode(texts, batch_size=64, normalize_embeddings=True, convert_to_numpy=True)
        raw, raw_cpu = time.perf_counter() - t0, time.process_time() - c0
        print(f"raw encode            {raw:8.2f} s   ({len(texts) / raw:.0f} texts/s)   cpu {raw_cpu:.1f} s   "
              f"peak RSS {peak_mib():.0f} MiB")

        t0, c0 = time.perf_counter(), time.process_time()
        with db.session("bench") as s:
            res = suggest(s, model, store=True)
        cold, cold_cpu = time.perf_counter() - t0, time.process_time() - c0
        n_sug = sum(len(r["suggestions"]) for r in res)
        t0, c0 = time.perf_counter(), time.process_time()
        model.encode(texts, batch_size=64, normalize_embeddings=True, convert_to_numpy=True)
        raw2, raw2_cpu = time.perf_counter() - t0, time.process_time() - c0
        print(f"raw encode, again     {raw2:8.2f} s   cpu {raw2_cpu:.1f} s   (after the cold run: the machine is shared)")
        raw, raw_cpu = (raw + raw2) / 2, (raw_cpu + raw2_cpu) / 2
        print(f"cold suggest cpu      {cold_cpu:8.2f} s   ratio to mean raw cpu {cold_cpu / raw_cpu:.3f} (target <= 1.15)")
        print(f"cold suggest          {cold:8.2f} s   wall ratio to mean raw {cold / raw:.3f}   "
              f"{n_sug} suggestions stored   peak RSS {peak_mib():.0f} MiB")

        t0 = time.perf_counter()
        with db.session("bench") as s:
            suggest(s, model, store=True)
        warm = time.perf_counter() - t0
        print(f"warm re-run           {warm:8.2f} s   {cold / warm:.1f}x faster than cold (target >= 20x)")

        rules._MEMO.clear()
        rules._ORTH_CONTENT.clear()
        rules._ORTH_LEMMA.clear()
        suggest_mod._RULES.clear()
        suggest_mod._LR_CACHE.clear()
        suggest_mod._JOINT_CACHE.clear()
        suggest_mod._quote.cache_clear()
        t0 = time.perf_counter()
        with db.session("bench") as s:
            suggest(s, model, store=True)
        fresh = time.perf_counter() - t0
        print(f"warm, memos cleared   {fresh:8.2f} s   {cold / fresh:.1f}x faster than cold (as a new process)")

        t = rerank_after_confirmation(db, model, res[0], "alice", document="doc000")
        rerank, rerank_store, rerank_doc, calls = t["rerank"], t["rerank_store"], t["rerank_doc"], t["encode_calls"]
        print(f"re-rank after 1 confirmation, {len(texts)} segments: {rerank:.2f} s (store=False, target < 1 s); "
              f"{rerank_store:.2f} s with store=True; one 500-segment document {rerank_doc:.2f} s; "
              f"encode calls {calls}")
        if args.rerank_n > len(texts):
            rerank_grown(db, model, texts, corpus_texts(args.rerank_n)[len(texts):])
        print(f"peak RSS {peak_mib():.0f} MiB")
        db.dispose()


def rerank_grown(db, model, texts: list[str], extra: list[str]) -> None:  # type: ignore[no-untyped-def]
    """Re-rank timing on a bigger project without encoding it: new segments get perturbed cached vectors."""
    import numpy as np

    from coding.embeddings import cached_vectors, embedding_dim, model_id, text_hash
    from coding.suggest import suggest
    from models import Document, Embedding, Segment

    mid, dim = model_id(model), embedding_dim(model)
    rng = np.random.default_rng(0)
    with db.session("bench") as s:
        known = cached_vectors(s, mid, [text_hash(t) for t in texts])
        pool = np.vstack(list(known.values()))
        vecs = pool[rng.integers(0, len(pool), len(extra))] + rng.normal(0, 0.02, (len(extra), dim)).astype(np.float32)
        vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
        s.execute(Embedding.__table__.insert(), [
            {"model_id": mid, "text_hash": text_hash(t), "dim": dim, "vector": v.astype(np.float32).tobytes()}
            for t, v in zip(extra, vecs)])
        doc = Document(name="grown", source_filename="grown.txt", content_hash="g" * 64, text="\n".join(extra))
        s.add(doc)
        s.flush()
        pos, rows = 0, []
        for k, t in enumerate(extra):
            rows.append(dict(document_id=doc.id, position=k, start_offset=pos, end_offset=pos + len(t), text=t,
                             is_interviewer=False, top3_flag=False))
            pos += len(t) + 1
        s.execute(Segment.__table__.insert(), rows)
    with db.session("bench") as s:
        res = suggest(s, model, store=True)
    total = len(texts) + len(extra)
    t = rerank_after_confirmation(db, model, res[-1], "bob")
    rerank, rerank_store = t["rerank"], t["rerank_store"]
    print(f"re-rank after 1 confirmation, {total} segments: {rerank:.2f} s (store=False, target < 1 s); "
          f"{rerank_store:.2f} s with store=True; encode calls {t['encode_calls']}")


def rerank_after_confirmation(db, model, result: dict, coder: str, document: str | None = None) -> dict:  # type: ignore[no-untyped-def]
    """Confirm one segment's best suggestion as `coder`, then time re-ranking (nothing may be re-encoded:
    model.encode calls are counted)."""
    from coding.codings import set_coding
    from coding.suggest import suggest

    out: dict = {}
    calls = {"n": 0}
    inner = model.encode

    def counting(*a, **k):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        return inner(*a, **k)

    with db.session("bench") as s:
        set_coding(s, result["segment_id"], result["suggestions"][0]["code_id"], coder)
        model.encode = counting
        try:
            for key, kwargs in (("rerank", {"store": False}), ("rerank_store", {"store": True}),
                                ("rerank_doc", {"store": True, "document": document})):
                if key == "rerank_doc" and document is None:
                    continue
                t0 = time.perf_counter()
                suggest(s, model, **kwargs)
                out[key] = time.perf_counter() - t0
        finally:
            del model.encode
    out["encode_calls"] = calls["n"]
    return out


if __name__ == "__main__":
    main()
