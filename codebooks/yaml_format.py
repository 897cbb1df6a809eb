"""YAML codebooks: the format people write by hand, so children nest under their parent."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from corpus.errors import InputError

from .fields import clean_color, clean_text, decode, read_bytes
from .model import Code, Codebook

CODE_KEYS = (
    "name", "description", "inclusion", "exclusion", "examples", "keywords",
    "color", "codable", "guid", "children",
)
MAX_CODES = 50_000
"""YAML aliases can repeat a subtree many times over; no real codebook comes near this."""


def read_yaml(path: Path) -> Codebook:
    text = decode(read_bytes(path), path)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(path, f"is not valid YAML{where}: {problem}") from None
    except RecursionError:
        raise InputError(path, "is nested too deeply to be a codebook") from None
    return codebook_from_data(data, path)


def codebook_from_data(data: Any, path: Path) -> Codebook:
    """Build a codebook from parsed YAML; a bare list is taken as the list of codes."""
    if data is None:
        raise InputError(path, "has no codes")
    if isinstance(data, list):
        data = {"codes": data}
    if not isinstance(data, dict):
        raise InputError(path, "must be a mapping with 'name', 'description' and 'codes'")
    unknown = [str(k) for k in data if k not in ("name", "description", "codes")]
    if unknown:
        raise InputError(path, f"unknown top-level key(s): {', '.join(unknown)}")
    name = _text(data.get("name"), path, "codebook name") or path.stem
    description = _text(data.get("description"), path, "codebook description")
    raw_codes = data.get("codes")
    if raw_codes is None or raw_codes == []:
        raise InputError(path, "has no codes")
    codes: list[Code] = []
    _collect(raw_codes, (), codes, path)
    codebook = Codebook(name=name, codes=codes, description=description)
    codebook.validate(str(path))
    return codebook


def _collect(items: Any, parent: tuple[str, ...], out: list[Code], path: Path) -> None:
    where = " › ".join(parent) if parent else "top level"
    if not isinstance(items, list):
        raise InputError(path, f"codes under {where} must be a list")
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise InputError(path, f"code {number} under {where} must be a mapping with a 'name'")
        unknown = [str(k) for k in item if k not in CODE_KEYS]
        if unknown:
            raise InputError(
                path, f"code {number} under {where} has unknown key(s): {', '.join(unknown)}"
            )
        name = _text(item.get("name"), path, f"name of code {number} under {where}")
        if not name:
            raise InputError(path, f"code {number} under {where} has an empty name")
        label = f"code {' › '.join(parent + (name,))!r}"
        codable = item.get("codable", True)
        if not isinstance(codable, bool):
            raise InputError(path, f"{label}: codable must be true or false")
        code = Code(
            name=name,
            parent=parent,
            description=_text(item.get("description"), path, f"{label} description"),
            inclusion=_text(item.get("inclusion"), path, f"{label} inclusion"),
            exclusion=_text(item.get("exclusion"), path, f"{label} exclusion"),
            examples=_text_list(item.get("examples"), path, f"{label} examples"),
            keywords=_text_list(item.get("keywords"), path, f"{label} keywords"),
            color=clean_color(_text(item.get("color"), path, f"{label} color (quote it)")),
            codable=codable,
            guid=_text(item.get("guid"), path, f"{label} guid") or None,
        )
        out.append(code)
        if len(out) > MAX_CODES:
            raise InputError(path, f"has more than {MAX_CODES} codes; not a codebook")
        children = item.get("children")
        if children is not None:
            _collect(children, code.path, out, path)


def _text(value: Any, path: Path, what: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InputError(path, f"{what} must be text, got {type(value).__name__} (quote it)")
    return clean_text(value)


def _text_list(value: Any, path: Path, what: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise InputError(path, f"{what} must be a list of text")
    return [t for t in (_text(v, path, what) for v in value) if t]


class _Dumper(yaml.SafeDumper):
    """Writes multi-line text as literal blocks so hand editing stays pleasant."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


def codebook_to_data(codebook: Codebook) -> dict[str, Any]:
    nodes: dict[tuple[str, ...], dict[str, Any]] = {}
    top: list[dict[str, Any]] = []
    for code in codebook.codes:
        node: dict[str, Any] = {"name": code.name}
        for key in ("description", "inclusion", "exclusion"):
            if getattr(code, key):
                node[key] = getattr(code, key)
        for key in ("examples", "keywords"):
            if getattr(code, key):
                node[key] = list(getattr(code, key))
        if code.color:
            node["color"] = code.color
        if not code.codable:
            node["codable"] = False
        if code.guid:
            node["guid"] = code.guid
        nodes[code.path] = node
        if code.parent:
            nodes[code.parent].setdefault("children", []).append(node)
        else:
            top.append(node)
    data: dict[str, Any] = {"name": codebook.name}
    if codebook.description:
        data["description"] = codebook.description
    data["codes"] = top
    return data


def write_yaml(codebook: Codebook, path: Path) -> None:
    text = yaml.dump(
        codebook_to_data(codebook), Dumper=_Dumper, sort_keys=False,
        allow_unicode=True, width=100,
    )
    path.write_text(text, encoding="utf-8")
