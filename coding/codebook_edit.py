"""Editing the project's code tree: add, rename, move, update, merge and delete codes.

Why in the engine and not in the workbench: a merge moves other people's codings and a
delete removes them, so the rules (no duplicate sibling names, no cycles, one coding per
segment × code × coder after a merge, ask before destroying codings) must hold whoever
edits, and every change must pass through the ORM so the audit trail records it.
"""
from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from codebooks.model import LIST_SEP, PATH_SEPARATORS
from models import Code, Coding, Memo

from .errors import CocodeError

EDITABLE = ("description", "inclusion", "exclusion", "examples", "keywords", "color", "codable")
_COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")
# A status says how much a row tells: a person's confirmation beats a pending suggestion beats a rejection.
_RANK = {"confirmed": 3, "suggested": 2, "rejected": 1}


def _code(s: Session, code_id: int) -> Code:
    code = s.get(Code, code_id)
    if code is None:
        raise CocodeError(f"code {code_id} does not exist (it may have been deleted; reload)")
    return code


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise CocodeError("a code needs a name")
    for sep in PATH_SEPARATORS:
        if sep.strip() in name:
            raise CocodeError(f"code name {name!r} may not contain {sep.strip()!r} (it separates code paths)")
    if len(name) > 200:
        raise CocodeError("a code name may have at most 200 characters")
    return name


def _check_sibling(s: Session, parent_id: int | None, name: str, exclude: int | None = None) -> None:
    q = select(Code.id).where(Code.parent_id.is_(None) if parent_id is None else Code.parent_id == parent_id)
    q = q.where(func.lower(Code.name) == name.lower())
    for other in s.scalars(q):
        if other != exclude:
            where = "at the top level" if parent_id is None else f"under {_code(s, parent_id).name!r}"
            raise CocodeError(f"a code named {name!r} already exists {where}")


def _fields(fields: dict[str, Any]) -> dict[str, Any]:
    """Check the editable fields so the codebook can still be exported to YAML, CSV and .qdc."""
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise CocodeError(f"unknown code field(s): {', '.join(sorted(unknown))}")
    out = dict(fields)
    for key in ("description", "inclusion", "exclusion"):
        if key in out:
            out[key] = (out[key] or "").strip()
    for key in ("examples", "keywords"):
        if key in out:
            items = out[key]
            if isinstance(items, str):
                items = items.splitlines() if key == "examples" else items.split(",")
            items = [str(i).strip() for i in items if str(i).strip()]
            bad = [i for i in items if LIST_SEP in i]
            if bad:
                raise CocodeError(f"{key} may not contain {LIST_SEP!r}: {bad[0]!r}")
            out[key] = items
    if "color" in out:
        color = (out["color"] or "").strip() or None
        if color is not None and not _COLOR.match(color):
            raise CocodeError(f"colour {color!r} is not of the form #RRGGBB")
        out["color"] = color.upper() if color else None
    if "codable" in out:
        out["codable"] = bool(out["codable"])
    return out


def _next_position(s: Session, parent_id: int | None) -> int:
    q = select(func.max(Code.position))
    q = q.where(Code.parent_id.is_(None) if parent_id is None else Code.parent_id == parent_id)
    return (s.scalar(q) or 0) + 1


def descendants(s: Session, code_id: int) -> list[int]:
    """Ids of every code below `code_id` (not itself), children before grandchildren."""
    rows = s.execute(select(Code.id, Code.parent_id)).all()
    kids: dict[int | None, list[int]] = {}
    for cid, pid in rows:
        kids.setdefault(pid, []).append(cid)
    out: list[int] = []
    frontier = [code_id]
    while frontier:
        nxt = [k for c in frontier for k in kids.get(c, [])]
        out.extend(nxt)
        frontier = nxt
    return out


def add_code(s: Session, name: str, parent_id: int | None = None, **fields: Any) -> Code:
    """A new code at the end of its siblings."""
    name = _clean_name(name)
    if parent_id is not None:
        _code(s, parent_id)
    _check_sibling(s, parent_id, name)
    code = Code(name=name, parent_id=parent_id, position=_next_position(s, parent_id), **_fields(fields))
    s.add(code)
    s.flush()
    return code


def rename_code(s: Session, code_id: int, name: str) -> Code:
    code = _code(s, code_id)
    name = _clean_name(name)
    _check_sibling(s, code.parent_id, name, exclude=code.id)
    code.name = name
    s.flush()
    return code


def update_code(s: Session, code_id: int, **fields: Any) -> Code:
    """Change description, inclusion/exclusion, examples, keywords, colour or codable."""
    code = _code(s, code_id)
    for key, value in _fields(fields).items():
        if getattr(code, key) != value:
            setattr(code, key, value)
    s.flush()
    return code


def move_code(s: Session, code_id: int, parent_id: int | None) -> Code:
    """Put a code (with its subtree) under another parent, or at the top level with None."""
    code = _code(s, code_id)
    if parent_id is not None:
        _code(s, parent_id)
        if parent_id == code_id or parent_id in descendants(s, code_id):
            raise CocodeError(f"cannot move {code.name!r} under itself or one of its own sub-codes")
    if parent_id == code.parent_id:
        return code
    _check_sibling(s, parent_id, code.name, exclude=code.id)
    code.parent_id = parent_id
    code.position = _next_position(s, parent_id)
    s.flush()
    s.expire(code, ["parent", "children"])
    return code


def delete_impact(s: Session, code_id: int) -> dict[str, int]:
    """What deleting a code would destroy: itself and its sub-codes, their codings and memos."""
    _code(s, code_id)
    ids = [code_id, *descendants(s, code_id)]
    codings = s.scalar(select(func.count()).select_from(Coding).where(Coding.code_id.in_(ids))) or 0
    confirmed = s.scalar(
        select(func.count()).select_from(Coding).where(Coding.code_id.in_(ids), Coding.status == "confirmed")
    ) or 0
    memos = s.scalar(select(func.count()).select_from(Memo).where(Memo.code_id.in_(ids))) or 0
    return {"codes": len(ids), "codings": codings, "confirmed": confirmed, "memos": memos}


def delete_code(s: Session, code_id: int, *, confirm: bool = False) -> dict[str, int]:
    """Delete a code and its subtree. A code that carries codings is only deleted with confirm=True."""
    impact = delete_impact(s, code_id)
    if impact["codings"] and not confirm:
        raise CocodeError(
            f"code {_code(s, code_id).name!r} has {impact['codings']} coding(s) "
            f"({impact['confirmed']} confirmed); confirm to delete them too"
        )
    ids = [code_id, *descendants(s, code_id)]
    # row by row through the ORM so the audit trail records every coding, memo and code removed
    for row in s.scalars(select(Coding).where(Coding.code_id.in_(ids))):
        s.delete(row)
    for memo in s.scalars(select(Memo).where(Memo.code_id.in_(ids))):
        s.delete(memo)
    s.flush()
    for cid in reversed(ids):  # leaves first, so no parent disappears under a child
        s.delete(_code(s, cid))
        s.flush()
    return impact


def merge_codes(s: Session, source_id: int, target_id: int) -> dict[str, int]:
    """Fold `source` into `target`: its codings, memos and sub-codes move over, then it is deleted.

    Where a coder already has a row for the same segment on the target, one row is kept: the
    more decisive status wins (confirmed > suggested > rejected; for equal status the higher
    score), a star or an item label on either survives.
    """
    if source_id == target_id:
        raise CocodeError("a code cannot be merged into itself")
    source, target = _code(s, source_id), _code(s, target_id)
    if target_id in descendants(s, source_id):
        raise CocodeError(f"cannot merge {source.name!r} into its own sub-code {target.name!r}")
    report = {"moved": 0, "merged": 0, "memos": 0, "subcodes": 0}
    existing = {(c.segment_id, c.coder_id): c for c in s.scalars(select(Coding).where(Coding.code_id == target_id))}
    for row in list(s.scalars(select(Coding).where(Coding.code_id == source_id))):
        kept = existing.get((row.segment_id, row.coder_id))
        if kept is None:
            row.code_id = target_id
            existing[(row.segment_id, row.coder_id)] = row
            report["moved"] += 1
            continue
        better = (_RANK.get(row.status, 0), row.score or 0.0) > (_RANK.get(kept.status, 0), kept.score or 0.0)
        if better:
            for key in ("status", "source", "score", "confidence", "reason"):
                setattr(kept, key, getattr(row, key))
        kept.starred = bool(kept.starred or row.starred)
        kept.label = kept.label or row.label
        s.delete(row)
        report["merged"] += 1
    s.flush()  # deletions before moves of the same key
    for memo in s.scalars(select(Memo).where(Memo.code_id == source_id)):
        memo.code_id = target_id
        report["memos"] += 1
    for child in list(s.scalars(select(Code).where(Code.parent_id == source_id))):
        twin = s.scalar(select(Code).where(Code.parent_id == target_id, func.lower(Code.name) == child.name.lower()))
        if twin is not None:
            sub = merge_codes(s, child.id, twin.id)
            for key in report:
                report[key] += sub[key]
        else:
            child.parent_id = target_id
            child.position = _next_position(s, target_id)
            s.flush()
            report["subcodes"] += 1
    s.flush()
    s.expire(source, ["children"])
    s.delete(source)
    s.flush()
    s.expire(target, ["children"])
    return report


def code_tree(s: Session) -> list[dict[str, Any]]:
    """Every code as a row in tree order (depth-first, siblings by position) with its coding count,
    so a screen can draw the tree without its own queries."""
    from .codebook_store import code_paths, display_path

    rows = list(s.scalars(select(Code)))
    counts = dict(
        s.execute(
            select(Coding.code_id, func.count()).where(Coding.status == "confirmed").group_by(Coding.code_id)
        ).all()
    )
    paths = code_paths(s)
    kids: dict[int | None, list[Code]] = {}
    for r in rows:
        kids.setdefault(r.parent_id, []).append(r)
    out: list[dict[str, Any]] = []

    def walk(parent: int | None, depth: int) -> None:
        for r in sorted(kids.get(parent, []), key=lambda c: (c.position, c.id)):
            out.append({
                "id": r.id, "name": r.name, "parent_id": r.parent_id, "depth": depth,
                "path": display_path(paths[r.id]), "description": r.description or "",
                "inclusion": r.inclusion or "", "exclusion": r.exclusion or "",
                "examples": list(r.examples or []), "keywords": list(r.keywords or []),
                "color": r.color, "codable": r.codable, "confirmed": counts.get(r.id, 0),
            })
            walk(r.id, depth + 1)

    walk(None, 0)
    return out
