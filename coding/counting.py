"""Counting coded segments: frequencies, attribute splits, the "top three" ranking, co-occurrence.

Which codings count ("confirmed" view), one rule for every function here:

- default (``coder=None, consensus=False``): the union of the confirmed codings of all
  human coders (roles coder and supervisor), one row per (segment, code) however many
  coders applied it. "Somebody coded it" — the working view while coding is in progress.
- ``coder="alice"``: that coder's confirmed codings only. For the machine (role model) its
  suggestions count as its codings, so the model can be counted like a person.
- ``consensus=True``: the settled view for a paper. Where the supervisor adjudicated a
  (segment, code) (coder "consensus"), that decision wins, applied or rejected. Elsewhere a
  code counts when every human coder who has seen the document (has any coding in it)
  confirmed it: a singly-coded document counts as its coder coded it, and an open
  disagreement in a double-coded document counts only once adjudicated.

A respondent is the segment's case, else its document's case, else the document itself
(one interview, one respondent), so counts stay honest when respondents were not imported.
Parent codes roll up their descendants: a segment coded with two children of a theme is
one segment of that theme.

All functions read with one SQL query and aggregate with pandas, never a loop over rows.
"""
from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import and_, func, or_, select, union_all
from sqlalchemy.orm import Session, aliased

from codebooks.model import SEP
from models import Case, Code, Coder, Coding, Document, Segment

from .coders import CONSENSUS
from .errors import CocodeError
from .project import get_project

HUMAN_ROLES = ("coder", "supervisor")
LEVELS = ("theme", "code")


# --- the codebook as frames -------------------------------------------------------------------


def code_tree(s: Session) -> pd.DataFrame:
    """Every code, indexed by id: parent_id, name, path (tuple), code ("A › B"), depth, top_id, order (tree order)."""
    rows = s.execute(select(Code.id, Code.parent_id, Code.name, Code.position, Code.codable)).all()
    parent = {r.id: r.parent_id for r in rows}
    name = {r.id: r.name for r in rows}
    pos = {r.id: r.position for r in rows}
    chain: dict[int, tuple[int, ...]] = {}

    def ids(i: int) -> tuple[int, ...]:
        if i not in chain:
            p = parent[i]
            chain[i] = (ids(p) if p is not None else ()) + (i,)
        return chain[i]

    data = []
    for r in rows:
        c = ids(r.id)
        path = tuple(name[x] for x in c)
        data.append({
            "code_id": r.id, "parent_id": r.parent_id, "name": r.name, "path": path, "code": SEP.join(path),
            "depth": len(c) - 1, "top_id": c[0], "codable": bool(r.codable),
            "sort_key": tuple(v for x in c for v in (pos[x], x)),
        })
    df = pd.DataFrame(data, columns=["code_id", "parent_id", "name", "path", "code", "depth", "top_id", "codable", "sort_key"])
    df = df.sort_values("sort_key", kind="stable").reset_index(drop=True)
    df["order"] = np.arange(len(df))
    df["parent_id"] = df["parent_id"].astype("Int64")
    return df.drop(columns="sort_key").set_index("code_id", drop=False)


def ancestors(tree: pd.DataFrame) -> pd.DataFrame:
    """Long frame (code_id, ancestor_id) with every code its own ancestor: the roll-up map."""
    parent = tree["parent_id"].to_dict()
    pairs = []
    for cid in tree.index:
        a: Any = cid
        while a is not None and not pd.isna(a):
            pairs.append((cid, int(a)))
            a = parent.get(a)
    return pd.DataFrame(pairs, columns=["code_id", "ancestor_id"])


def descendants(tree: pd.DataFrame, code_id: int) -> list[int]:
    anc = ancestors(tree)
    return anc.loc[anc["ancestor_id"] == code_id, "code_id"].tolist()


# --- which codings count ----------------------------------------------------------------------


def read_frame(s: Session, stmt: Any, columns: list[str]) -> pd.DataFrame:
    """Run a Core select on the session's connection straight through the DB driver into pandas.

    Why not s.execute(): building a SQLAlchemy Row per result row costs more than the query
    itself at 100,000+ rows; the driver's plain tuples go into a DataFrame several times faster.
    """
    s.flush()  # what s.execute() would autoflush
    conn = s.connection()
    compiled = stmt.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    params: Any = compiled.construct_params()
    if compiled.positional:
        params = tuple(params[k] for k in compiled.positiontup)
    cursor = conn.connection.driver_connection.cursor()
    try:
        cursor.execute(str(compiled), params)
        rows = cursor.fetchall()
    finally:
        cursor.close()
    return pd.DataFrame.from_records(rows, columns=columns)


def _coder_role(s: Session, name: str) -> str:
    role = s.scalar(select(Coder.role).where(Coder.name == name))
    if role is None:
        known = ", ".join(s.scalars(select(Coder.name).order_by(Coder.name))) or "none yet"
        raise CocodeError(f"no coder named {name!r} (coders: {known})")
    return role


def coded_frame(s: Session, coder: str | None = None, consensus: bool = False, *, extra: bool = False) -> pd.DataFrame:
    """The (segment, code) pairs that count under the module's rule, with document_id, case_id, respondent.

    respondent is an integer key: the case id, or minus the document id where no case is known.
    `extra` adds the segment's question and top3_flag (for the top-three count).
    """
    if coder is not None and consensus:
        raise CocodeError("choose either one coder or the consensus view, not both")
    case_id = func.coalesce(Segment.case_id, Document.case_id)
    cols: list[Any] = [Coding.segment_id, Coding.code_id, Segment.document_id, case_id]
    names = ["segment_id", "code_id", "document_id", "case_id"]
    if extra:
        cols += [Segment.question, Segment.top3_flag]
        names += ["question", "top3_flag"]
    base = (
        select(*cols)
        .join(Coder, Coder.id == Coding.coder_id)
        .join(Segment, Segment.id == Coding.segment_id)
        .join(Document, Document.id == Segment.document_id)
    )
    if consensus:
        df = read_frame(s, _consensus_query(cols), names)
    else:
        if coder is not None:
            role = _coder_role(s, coder)
            applied = Coding.status == "confirmed"
            if role == "model":
                applied = or_(applied, Coding.status == "suggested")
            q = base.where(Coder.name == coder, applied)
        else:
            q = base.where(Coder.role.in_(HUMAN_ROLES), Coding.status == "confirmed").distinct()
        df = read_frame(s, q, names)
    df = df.drop_duplicates(["segment_id", "code_id"]).reset_index(drop=True)
    for col in ("segment_id", "code_id", "document_id"):
        df[col] = df[col].astype("int64")
    df["case_id"] = df["case_id"].astype("Int64")
    df["respondent"] = df["case_id"].fillna(-df["document_id"]).astype("int64")
    if extra:
        df["top3_flag"] = df["top3_flag"].fillna(False).astype(bool)
    return df


def _consensus_query(cols: list[Any]) -> Any:
    """One SQL query for the consensus view: adjudicated decisions win; elsewhere a (segment, code)
    counts when the human coders confirming it are all the human coders who saw the document."""
    human = Coder.role.in_(HUMAN_ROLES)
    seen = (
        select(Segment.document_id.label("document_id"), func.count(func.distinct(Coding.coder_id)).label("n"))
        .join(Coding, Coding.segment_id == Segment.id).join(Coder, Coder.id == Coding.coder_id)
        .where(human).group_by(Segment.document_id).subquery("seen")
    )
    votes = (
        select(Coding.segment_id.label("segment_id"), Coding.code_id.label("code_id"),
               func.count(func.distinct(Coding.coder_id)).label("v"))
        .join(Coder, Coder.id == Coding.coder_id)
        .where(human, Coding.status == "confirmed").group_by(Coding.segment_id, Coding.code_id).subquery("votes")
    )
    cons = aliased(Coding, name="cons")
    cons_coder = aliased(Coder, name="cons_coder")
    decided = (
        select(cons.id).join(cons_coder, cons_coder.id == cons.coder_id)
        .where(cons_coder.role == "consensus", cons.segment_id == votes.c.segment_id, cons.code_id == votes.c.code_id,
               cons.status.in_(("confirmed", "rejected")))
    )
    agreed_cols = [votes.c.segment_id, votes.c.code_id, *cols[2:]]
    agreed = (
        select(*agreed_cols)
        .select_from(votes)
        .join(Segment, Segment.id == votes.c.segment_id)
        .join(Document, Document.id == Segment.document_id)
        .join(seen, seen.c.document_id == Segment.document_id)
        .where(votes.c.v >= seen.c.n, ~decided.exists())
    )
    adjudicated = (
        select(*cols)
        .join(Coder, Coder.id == Coding.coder_id)
        .join(Segment, Segment.id == Coding.segment_id)
        .join(Document, Document.id == Segment.document_id)
        .where(Coder.role == "consensus", Coding.status == "confirmed")
    )
    return union_all(agreed, adjudicated)


def confirmed_codings(s: Session, coder: str | None = None, consensus: bool = False) -> pd.DataFrame:
    """One row per (segment, code) that counts (see the module docstring): segment_id, code_id, document_id, case_id."""
    return coded_frame(s, coder, consensus)[["segment_id", "code_id", "document_id", "case_id"]]


def _rolled(df: pd.DataFrame, tree: pd.DataFrame) -> pd.DataFrame:
    """Each coded segment once under its code and once under every ancestor."""
    x = df.merge(ancestors(tree), on="code_id")
    return x.drop_duplicates(["ancestor_id", "segment_id"])


# --- frequencies -------------------------------------------------------------------------------


def frequencies(s: Session, coder: str | None = None, consensus: bool = False) -> pd.DataFrame:
    """Per code, in tree order: segments, documents, distinct respondents (parents roll up children),
    plus direct_segments coded with exactly that code."""
    tree = code_tree(s)
    df = coded_frame(s, coder, consensus)
    x = _rolled(df, tree)
    g = x.groupby("ancestor_id").agg(
        segments=("segment_id", "size"), documents=("document_id", "nunique"), respondents=("respondent", "nunique"))
    direct = df.groupby("code_id")["segment_id"].nunique().rename("direct_segments")
    out = tree[["code_id", "path", "code", "parent_id", "depth"]].join(g).join(direct)
    for col in ("segments", "documents", "respondents", "direct_segments"):
        out[col] = out[col].fillna(0).astype("int64")
    return out.reset_index(drop=True)


# --- split by a respondent attribute ---------------------------------------------------------


def _group_label(v: Any) -> str:
    return "(missing)" if v is None or (isinstance(v, float) and np.isnan(v)) or str(v).strip() == "" else str(v)


def _respondent_groups(s: Session, attribute: str) -> pd.DataFrame:
    """Interviewed respondents (key as in coded_frame) and their value of `attribute`."""
    cases = s.execute(select(Case.id, Case.attributes)).all()
    known = sorted({k for _, a in cases for k in (a or {})})
    if attribute not in known:
        raise CocodeError(f"no respondent has the attribute {attribute!r} (attributes: {', '.join(known) or 'none yet'})")
    value = {cid: (a or {}).get(attribute) for cid, a in cases}
    key = func.coalesce(Segment.case_id, Document.case_id, -Document.id)
    interviewed = s.scalars(select(key).join(Document, Document.id == Segment.document_id).distinct()).all()
    groups = pd.DataFrame({"respondent": np.asarray(interviewed, dtype="int64")})
    groups["group"] = [_group_label(value.get(int(r))) for r in groups["respondent"]]
    return groups


def attribute_split(s: Session, attribute: str, coder: str | None = None, consensus: bool = False) -> pd.DataFrame:
    """Per code × attribute value: respondents citing the code, group_size (interviewed respondents in
    the group), share = respondents / group_size, and segments. Every combination appears, zeros included."""
    tree = code_tree(s)
    groups = _respondent_groups(s, attribute)
    x = _rolled(coded_frame(s, coder, consensus), tree).merge(groups, on="respondent", how="left")
    x["group"] = x["group"].fillna("(missing)")
    g = x.groupby(["ancestor_id", "group"]).agg(respondents=("respondent", "nunique"), segments=("segment_id", "size"))
    sizes = groups.groupby("group").size().rename("group_size")
    names = sorted(set(sizes.index) | set(x["group"]))
    full = pd.MultiIndex.from_product([tree.index, names], names=["ancestor_id", "group"])
    out = g.reindex(full, fill_value=0).reset_index().join(sizes, on="group")
    out["group_size"] = out["group_size"].fillna(0).astype("int64")
    out["share"] = np.where(out["group_size"] > 0, out["respondents"] / out["group_size"].where(out["group_size"] > 0, 1), np.nan)
    out = out.rename(columns={"ancestor_id": "code_id"}).join(tree[["code", "order"]], on="code_id")
    out = out.sort_values(["order", "group"], kind="stable").reset_index(drop=True)
    return out[["code_id", "code", "group", "respondents", "group_size", "share", "segments"]]


# --- the top-three question ------------------------------------------------------------------


def question_matcher(pattern: str) -> re.Pattern[str]:
    """Case-insensitive regex; a pattern that is not a valid regex is taken literally."""
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error:
        return re.compile(re.escape(pattern), re.IGNORECASE)


def _level_key(df: pd.DataFrame, tree: pd.DataFrame, level: str) -> pd.DataFrame:
    if level not in LEVELS:
        raise CocodeError(f"level must be one of {', '.join(LEVELS)}, not {level!r}")
    df = df.copy()
    df["key"] = df["code_id"].map(tree["top_id"]) if level == "theme" else df["code_id"]
    return df


def top_three(
    s: Session,
    pattern: str | None = None,
    threshold: int = 4,
    coder: str | None = None,
    consensus: bool = False,
    level: str = "theme",
) -> pd.DataFrame:
    """Rank codes by the distinct respondents citing them in answers to the top-three question.

    Top-three segments: the recorded question matches `pattern` (default: the project's
    top3_pattern, "top three"), or a coder flagged the segment. level="theme" rolls codes up to
    their top-level theme (the study's factors); level="code" counts each code as coded.
    Ties in top-three respondents are ranked by respondents citing the code anywhere; equal
    pairs share a rank. dominant = top3_respondents ≥ threshold.
    """
    tree = code_tree(s)
    pattern = pattern if pattern is not None else get_project(s).top3_pattern
    df = _level_key(coded_frame(s, coder, consensus, extra=True), tree, level)
    rx = question_matcher(pattern) if pattern else None
    questions = df["question"].dropna().unique()
    matching = {q for q in questions if rx is not None and rx.search(q)}
    in_top3 = df["top3_flag"] | df["question"].isin(matching)
    top = df[in_top3].drop_duplicates(["key", "respondent"])
    keys = tree.index[tree["depth"] == 0] if level == "theme" else tree.index
    out = pd.DataFrame(index=pd.Index(keys, name="code_id"))
    out["top3_respondents"] = top.groupby("key").size()
    out["top3_segments"] = df[in_top3].groupby("key")["segment_id"].nunique()
    out["overall_respondents"] = df.drop_duplicates(["key", "respondent"]).groupby("key").size()
    out = out.fillna(0).astype("int64").join(tree[["code", "order"]])
    out = out.sort_values(["top3_respondents", "overall_respondents", "order"], ascending=[False, False, True])
    out = out.reset_index()
    new = (out["top3_respondents"].diff().fillna(1) != 0) | (out["overall_respondents"].diff().fillna(1) != 0)
    out["rank"] = pd.Series(np.where(new, np.arange(1, len(out) + 1), np.nan)).ffill().astype("int64")
    out["dominant"] = out["top3_respondents"] >= threshold
    out.attrs.update({"pattern": pattern, "threshold": threshold, "level": level,
                      "top3_segments": int(df.loc[in_top3, "segment_id"].nunique())})
    return out[["rank", "code_id", "code", "top3_respondents", "overall_respondents", "dominant", "top3_segments"]]


# --- co-occurrence ---------------------------------------------------------------------------


def cooccurrence(s: Session, coder: str | None = None, consensus: bool = False, level: str = "theme") -> pd.DataFrame:
    """Pairs of codes applied to the same segment: segments, respondents (with at least one such
    segment) and Jaccard = segments(a∧b) / segments(a∨b). level="theme" pairs top-level themes."""
    tree = code_tree(s)
    df = _level_key(coded_frame(s, coder, consensus), tree, level)
    df = df[["segment_id", "key", "respondent"]].drop_duplicates(["segment_id", "key"])
    per_code = df.groupby("key").size()
    pairs = df.merge(df[["segment_id", "key"]], on="segment_id", suffixes=("_a", "_b"))
    pairs = pairs[pairs["key_a"] < pairs["key_b"]]
    g = pairs.groupby(["key_a", "key_b"]).agg(segments=("segment_id", "size"), respondents=("respondent", "nunique"))
    g = g.reset_index().rename(columns={"key_a": "code_a_id", "key_b": "code_b_id"})
    union = g["code_a_id"].map(per_code).to_numpy() + g["code_b_id"].map(per_code).to_numpy() - g["segments"].to_numpy()
    g["jaccard"] = g["segments"] / union
    g["code_a"] = g["code_a_id"].map(tree["code"])
    g["code_b"] = g["code_b_id"].map(tree["code"])
    g = g.sort_values(["segments", "jaccard"], ascending=False, kind="stable").reset_index(drop=True)
    return g[["code_a_id", "code_b_id", "code_a", "code_b", "segments", "respondents", "jaccard"]]


def cooccurrence_matrix(df: pd.DataFrame, value: str = "segments") -> pd.DataFrame:
    """Square symmetric code × code table of one column of `cooccurrence` (diagonal 0)."""
    names = list(dict.fromkeys(list(df["code_a"]) + list(df["code_b"])))
    m = pd.DataFrame(0.0 if value == "jaccard" else 0, index=names, columns=names)
    if df.empty:
        return m
    half = df.pivot_table(index="code_a", columns="code_b", values=value, aggfunc="sum")
    half = half.reindex(index=names, columns=names).fillna(0)
    both = half + half.T
    return both if value == "jaccard" else both.astype("int64")


# --- the segments behind a count -------------------------------------------------------------


def code_segments(s: Session, code_id: int, coder: str | None = None, consensus: bool = False) -> pd.DataFrame:
    """The segments coded with a code or any of its descendants (what a click on a count lists):
    segment_id, document, position, respondent, text, codes (the exact codes applied)."""
    tree = code_tree(s)
    if code_id not in tree.index:
        raise CocodeError(f"no code with id {code_id}")
    df = coded_frame(s, coder, consensus)
    df = df[df["code_id"].isin(descendants(tree, code_id))]
    cols = ["segment_id", "document", "position", "respondent", "text", "codes"]
    if df.empty:
        return pd.DataFrame(columns=cols)
    codes = df.assign(code=df["code_id"].map(tree["code"])).groupby("segment_id")["code"].agg(sorted)
    ids = [int(i) for i in codes.index]
    info = []
    for i in range(0, len(ids), 5000):
        chunk = ids[i:i + 5000]
        q = (
            select(Segment.id, Document.name, Segment.position, Case.code, Segment.text)
            .join(Document, Document.id == Segment.document_id)
            .outerjoin(Case, and_(Case.id == func.coalesce(Segment.case_id, Document.case_id)))
            .where(Segment.id.in_(chunk))
        )
        info += [tuple(r) for r in s.execute(q)]
    out = pd.DataFrame(info, columns=cols[:-1])
    out["codes"] = out["segment_id"].map(codes)
    return out.sort_values(["document", "position"], kind="stable").reset_index(drop=True)[cols]
