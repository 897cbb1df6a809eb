"""Moving codebooks between files (codebooks/) and the project database (models/)."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from codebooks.model import SEP, Codebook
from codebooks.model import Code as BookCode
from models import Code, Coding, Project

from .errors import CocodeError


def code_paths(s: Session) -> dict[int, tuple[str, ...]]:
    """id -> full path of every code, computed in one query."""
    rows = s.execute(select(Code.id, Code.parent_id, Code.name)).all()
    parent = {r.id: r.parent_id for r in rows}
    name = {r.id: r.name for r in rows}
    out: dict[int, tuple[str, ...]] = {}

    def path(i: int) -> tuple[str, ...]:
        if i not in out:
            p = parent[i]
            out[i] = (path(p) if p is not None else ()) + (name[i],)
        return out[i]

    for i in name:
        path(i)
    return out


def display_path(path: tuple[str, ...]) -> str:
    return SEP.join(path)


def find_code(s: Session, ref: str | int) -> Code:
    """A code by id, full path ('A › B' or 'A > B') or unique name."""
    if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
        code = s.get(Code, int(ref))
        if code is None:
            raise CocodeError(f"no code with id {ref}")
        return code
    wanted = tuple(p.strip() for p in ref.replace(" > ", SEP).split(SEP.strip()))
    wanted = tuple(p for p in wanted if p)
    paths = code_paths(s)
    exact = [i for i, p in paths.items() if p == wanted]
    if exact:
        return s.get(Code, exact[0])  # type: ignore[return-value]
    by_name = [i for i, p in paths.items() if len(wanted) == 1 and p[-1].casefold() == wanted[0].casefold()]
    if len(by_name) == 1:
        return s.get(Code, by_name[0])  # type: ignore[return-value]
    if len(by_name) > 1:
        options = ", ".join(display_path(paths[i]) for i in by_name[:5])
        raise CocodeError(f"code name {ref!r} is ambiguous; use its path, one of: {options}")
    raise CocodeError(f"no code {ref!r} in the codebook")


@dataclass
class CodebookImport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0


def import_codebook(s: Session, book: Codebook) -> CodebookImport:
    """Merge a codebook into the project by path: new codes are added, existing ones updated in place
    (so their codings and cached embeddings of unchanged text stay valid)."""
    book.validate()
    report = CodebookImport()
    by_path = {p: s.get(Code, i) for i, p in code_paths(s).items()}
    next_pos = (s.scalar(select(func.max(Code.position))) or 0) + 1
    for c in book.codes:
        parent = by_path.get(c.parent) if c.parent else None
        if c.parent and parent is None:
            raise CocodeError(f"codebook {book.name!r}: parent {display_path(c.parent)!r} of {c.name!r} is missing")
        fields = dict(
            description=c.description, inclusion=c.inclusion, exclusion=c.exclusion,
            examples=list(c.examples), keywords=list(c.keywords), color=c.color, codable=c.codable,
        )
        row = by_path.get(c.path)
        if row is None:
            row = Code(name=c.name, parent=parent, position=next_pos, guid=c.guid, **fields)
            next_pos += 1
            s.add(row)
            s.flush()
            by_path[c.path] = row
            report.added += 1
            continue
        changed = False
        for key, value in fields.items():
            if getattr(row, key) != value:
                setattr(row, key, value)
                changed = True
        if c.guid and not row.guid:
            row.guid = c.guid
        report.updated += changed
        report.unchanged += not changed
    project = s.scalar(select(Project))
    if project is not None and project.name == "Cocode project" and book.name:
        project.description = project.description or f"Codebook: {book.name}"
    return report


def export_codebook(s: Session, name: str | None = None) -> Codebook:
    paths = code_paths(s)
    rows = list(s.scalars(select(Code)))
    # parents before children, siblings in their saved order: sort by the path of positions
    pos = {r.id: r.position for r in rows}
    parent = {r.id: r.parent_id for r in rows}

    def key(i: int | None) -> tuple[int, ...]:
        chain: list[tuple[int, int]] = []
        while i is not None:
            chain.append((pos[i], i))
            i = parent[i]
        return tuple(x for pair in reversed(chain) for x in pair)

    rows.sort(key=lambda r: key(r.id))
    codes = [
        BookCode(
            name=r.name, parent=paths[r.id][:-1], description=r.description or "", inclusion=r.inclusion or "",
            exclusion=r.exclusion or "", examples=list(r.examples or []), keywords=list(r.keywords or []),
            color=r.color, codable=r.codable, guid=r.guid,
        )
        for r in rows
    ]
    if not codes:
        raise CocodeError("the project has no codes yet; import a codebook first (cocode codebook import FILE)")
    project = s.scalar(select(Project))
    return Codebook(name=name or (project.name if project else "Cocode codebook"), codes=codes)


def codings_count(s: Session, code_id: int) -> int:
    return s.scalar(select(func.count()).select_from(Coding).where(Coding.code_id == code_id)) or 0
