"""The in-memory codebook: a tree of codes kept as a flat, parent-first list.

Codes are identified by their *path* (theme name, then category name, ...), not by
their name alone, because category names such as "Processes" repeat under every theme.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field

from corpus.errors import InputError

SEP = " › "
"""Separator used to display a code path ("Strong governance › Processes")."""

PATH_SEPARATORS = (" › ", " > ")
"""Separators accepted when a path is written as text. "/" is NOT one: names like
"Tools/Devices" contain it."""
_PATH_SPLIT = re.compile(r" [›>] ")
_NAME_BREAKS_PATH = re.compile(r" [›>]")

LIST_SEP = "|"
"""Separates examples and keywords in CSV and in folded REFI descriptions, so it may not
occur inside one example or keyword."""

_COLOR = re.compile(r"#[0-9A-Fa-f]{6}")
_GUID = re.compile(
    r"([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})"
    r"|(\{[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\})"
)
_GUID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://cocode.invalid/refi-qda/code")


def parse_path(text: str) -> tuple[str, ...]:
    """Split a written code path ("A › B" or "A > B") into its parts; "" gives ()."""
    text = text.strip()
    if not text:
        return ()
    return tuple(part.strip() for part in _PATH_SPLIT.split(text))


def stable_guid(path: tuple[str, ...]) -> str:
    """A REFI-QDA guid derived from the code path, so repeated exports agree."""
    return str(uuid.uuid5(_GUID_NAMESPACE, "\x1f".join(path)))


def tree_order(codes: list["Code"]) -> list["Code"]:
    """Codes in tree order (each parent followed by its whole subtree), siblings kept in the
    order given. This is the order nested formats (YAML, REFI) produce, so readers of flat
    formats use it too. Codes whose parent is absent go last, for validation to report."""
    children: dict[tuple[str, ...], list[Code]] = {}
    for code in codes:
        children.setdefault(code.parent, []).append(code)
    ordered: list[Code] = []
    stack = list(reversed(children.get((), [])))
    seen: set[int] = set()
    while stack:
        code = stack.pop()
        if id(code) in seen:
            continue
        seen.add(id(code))
        ordered.append(code)
        stack.extend(reversed(children.get(code.path, [])))
    ordered.extend(code for code in codes if id(code) not in seen)
    return ordered


@dataclass
class Code:
    """One code. `parent` is the parent's path, () for a top-level code."""

    name: str
    parent: tuple[str, ...] = ()
    description: str = ""
    inclusion: str = ""
    exclusion: str = ""
    examples: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    color: str | None = None
    codable: bool = True
    guid: str | None = None

    @property
    def path(self) -> tuple[str, ...]:
        return self.parent + (self.name,)

    @property
    def display(self) -> str:
        return SEP.join(self.path)

    @property
    def qda_guid(self) -> str:
        """The guid to export: the known one, else one derived from the path."""
        return self.guid or stable_guid(self.path)


@dataclass
class Codebook:
    """A named list of codes, parents always before their children."""

    name: str
    codes: list[Code]
    description: str = ""

    def by_path(self) -> dict[tuple[str, ...], Code]:
        return {code.path: code for code in self.codes}

    def children(self, path: tuple[str, ...]) -> list[Code]:
        """Direct children of `path` in codebook order; () gives the top-level codes."""
        path = tuple(path)
        return [code for code in self.codes if code.parent == path]

    def resolve(self, ref: str) -> Code:
        """Find a code from text a person typed: a path ("A › B" / "A > B") or a unique name.

        Raises KeyError with a readable message when nothing or more than one code matches.
        """
        path = parse_path(ref)
        found = self.by_path().get(path)
        if found is not None:
            return found
        if len(path) == 1:
            named = [code for code in self.codes if code.name == path[0]]
            if len(named) == 1:
                return named[0]
            if named:
                options = ", ".join(repr(code.display) for code in named)
                raise KeyError(f"code name {ref!r} is ambiguous: use one of {options}")
        raise KeyError(f"no code {ref!r} in codebook {self.name!r}")

    def validate(self, source: str | None = None) -> None:
        """Raise InputError (naming `source`, else the codebook) for the first problem found."""
        where = str(source) if source is not None else (self.name or "codebook")

        def fail(problem: str) -> None:
            raise InputError(where, problem)

        if not isinstance(self.name, str):
            fail("codebook name must be text")
        if not self.codes:
            fail("has no codes")
        seen: dict[tuple[str, ...], int] = {}
        guids: dict[str, str] = {}
        for number, code in enumerate(self.codes, start=1):
            label = f"code {number}"
            if not isinstance(code, Code):
                fail(f"{label} is not a Code")
            if not isinstance(code.name, str) or not code.name.strip():
                fail(f"{label} has an empty name")
            label = f"code {code.display!r}"
            if code.name != code.name.strip() or "\n" in code.name or "\r" in code.name:
                fail(f"{label}: a name may not have line breaks or surrounding spaces")
            if _NAME_BREAKS_PATH.search(code.name):
                # " > " or a trailing " >" would make written paths split in the wrong place.
                fail(f"{label}: a name may not contain ' ›' or ' >' (they separate path parts)")
            if not isinstance(code.parent, tuple) or not all(
                isinstance(p, str) and p.strip() for p in code.parent
            ):
                fail(f"{label} has a malformed parent path {code.parent!r}")
            # Parents must come first; this also makes a cycle impossible to express.
            if code.parent and code.parent not in seen:
                if any(c.path == code.parent for c in self.codes):
                    fail(f"{label} comes before its parent {SEP.join(code.parent)!r}")
                fail(f"{label} has a missing parent {SEP.join(code.parent)!r}")
            if code.path in seen:
                kind = "top-level name" if not code.parent else "path"
                fail(f"duplicate {kind} {code.display!r} (codes {seen[code.path]} and {number})")
            seen[code.path] = number
            for attr in ("description", "inclusion", "exclusion"):
                if not isinstance(getattr(code, attr), str):
                    fail(f"{label}: {attr} must be text")
            for attr in ("examples", "keywords"):
                items = getattr(code, attr)
                if not isinstance(items, list):
                    fail(f"{label}: {attr} must be a list")
                for item in items:
                    if not isinstance(item, str) or not item.strip():
                        fail(f"{label}: {attr} must be non-empty text items")
                    if LIST_SEP in item or "\n" in item or "\r" in item:
                        fail(f"{label}: an item of {attr} contains '|' or a line break: {item!r}")
            if code.color is not None and (
                not isinstance(code.color, str) or not _COLOR.fullmatch(code.color)
            ):
                fail(f"{label} has a bad colour {code.color!r} (expected #RRGGBB)")
            if not isinstance(code.codable, bool):
                fail(f"{label}: codable must be true or false")
            if code.guid is not None and (
                not isinstance(code.guid, str) or not _GUID.fullmatch(code.guid)
            ):
                fail(f"{label} has a malformed guid {code.guid!r}")
            guid = code.qda_guid.strip("{}").lower()
            if guid in guids:
                fail(f"{label} has the same guid as {guids[guid]!r}")
            guids[guid] = code.display
