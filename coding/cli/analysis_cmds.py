"""Analysis commands: count, top3, cooccur, agree, disagreements, adjudicate, blind.

Thin shells over coding.counting, coding.agreement and coding.adjudication; --json prints
exactly what the library function returns (DataFrames as lists of records).
"""
from __future__ import annotations

import json
from typing import Any, Optional

import pandas as pd
import typer

from .. import adjudication, agreement as agreement_mod, counting
from ..codebook_store import display_path, find_code
from ..errors import CocodeError
from ._app import actor, app, database, emit_json, emit_table


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON-safe records: numpy numbers become Python numbers, NaN becomes null, tuples lists."""
    return json.loads(df.to_json(orient="records", force_ascii=False))


def _fmt(x: Any, digits: int = 3) -> str:
    return "—" if x is None else f"{x:.{digits}f}"


def _coders(value: str) -> list[str]:
    names = [c.strip() for c in value.split(",") if c.strip()]
    if len(names) < 2:
        raise CocodeError("name two or more coders, comma-separated (e.g. --coders alice,bob)")
    return names


@app.command()
def count(
    by: Optional[str] = typer.Option(None, "--by", help="Split by a respondent attribute (e.g. side)."),
    coder: Optional[str] = typer.Option(None, "--coder", help="Only this coder's confirmed codings."),
    consensus: bool = typer.Option(False, "--consensus", help="The adjudicated view (see `counting` docs)."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Segments, documents and respondents per code (parents include their children)."""
    with database().session() as s:
        df = counting.attribute_split(s, by, coder, consensus) if by else counting.frequencies(s, coder, consensus)
    if json_out:
        emit_json(records(df))
    elif by:
        rows = records(df)
        for r in rows:
            r["share"] = _fmt(r["share"], 2)
        emit_table(rows, ["code", "group", "respondents", "group_size", "share", "segments"])
    else:
        emit_table(records(df), ["code_id", "code", "segments", "documents", "respondents"])


@app.command()
def top3(
    question: Optional[str] = typer.Option(None, "--question", help="Pattern for the top-three question (default: the project's)."),
    threshold: int = typer.Option(4, "--threshold", min=1, help="Respondents needed to be dominant."),
    level: str = typer.Option("theme", "--level", help="theme (roll up to top-level codes) or code."),
    coder: Optional[str] = typer.Option(None, "--coder"),
    consensus: bool = typer.Option(False, "--consensus"),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Rank codes by distinct respondents citing them in answers to the top-three question."""
    with database().session() as s:
        df = counting.top_three(s, question, threshold, coder, consensus, level)
    if json_out:
        emit_json(records(df))
        return
    rows = records(df)
    for r in rows:
        r["dominant"] = "yes" if r["dominant"] else ""
    emit_table(rows, ["rank", "code", "top3_respondents", "overall_respondents", "dominant"])
    typer.echo(f"{df.attrs['top3_segments']} coded top-three segment(s) (pattern {df.attrs['pattern']!r}); "
               f"{int(df['dominant'].sum())} dominant at ≥ {threshold} respondents")


@app.command()
def cooccur(
    level: str = typer.Option("theme", "--level", help="theme or code."),
    coder: Optional[str] = typer.Option(None, "--coder"),
    consensus: bool = typer.Option(False, "--consensus"),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Pairs of codes applied to the same segments (segments, respondents, Jaccard)."""
    with database().session() as s:
        df = counting.cooccurrence(s, coder, consensus, level)
    if json_out:
        emit_json(records(df))
        return
    rows = records(df)
    for r in rows:
        r["jaccard"] = _fmt(r["jaccard"])
    emit_table(rows, ["code_a", "code_b", "segments", "respondents", "jaccard"])


@app.command()
def agree(
    coders: str = typer.Option(..., "--coders", help="Two or more coders, comma-separated (the machine is `model`)."),
    document: Optional[list[str]] = typer.Option(None, "--document", help="Only this document (repeatable)."),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Per code and pooled: percent agreement, Cohen's κ, Krippendorff's α, Gwet's AC1."""
    with database().session() as s:
        report = agreement_mod.agreement(s, _coders(coders), document or None)
    if json_out:
        emit_json(report)
        return
    rows = []
    for p in report["per_code"]:
        kappas = " ".join(_fmt(v) for v in p["cohen_kappa"].values())
        rows.append({"code": p["code"], "percent": _fmt(p["percent_agreement"]), "kappa": kappas,
                     "alpha": _fmt(p["krippendorff_alpha"]), "ac1": _fmt(p["gwet_ac1"]), "verdict": p["verdict"]})
    for name, p in report["pooled"].items():
        rows.append({"code": f"[{name}]", "percent": _fmt(p["percent_agreement"]),
                     "kappa": " ".join(_fmt(v) for v in p["cohen_kappa"].values()),
                     "alpha": _fmt(p["krippendorff_alpha"]), "ac1": _fmt(p["gwet_ac1"]), "verdict": p["verdict"]})
    emit_table(rows)
    typer.echo(f"{report['units']} segment(s) seen by all of {', '.join(report['coders'])}; "
               f"{report['excluded_units']} left out (not seen by everyone); κ pairs: "
               f"{', '.join(report['pooled']['pooled']['cohen_kappa'])}")


@app.command("disagreements")
def disagreements_cmd(
    coders: str = typer.Option(..., "--coders", help="Two or more coders, comma-separated."),
    document: Optional[list[str]] = typer.Option(None, "--document", help="Only this document (repeatable)."),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Every segment × code where the coders differ, with who applied it."""
    with database().session() as s:
        rows = agreement_mod.disagreements(s, _coders(coders), document or None)
    if json_out:
        emit_json(rows)
        return
    emit_table([{**r, "applied_by": ",".join(r["applied_by"]), "not_applied_by": ",".join(r["not_applied_by"])}
                for r in rows], ["segment_id", "document", "respondent", "code", "applied_by", "not_applied_by", "consensus", "text"])


@app.command()
def adjudicate(
    segment_id: int = typer.Argument(..., help="The segment (see `cocode disagreements`)."),
    code: str = typer.Argument(..., help="Code id, path ('A > B') or unique name."),
    apply: bool = typer.Option(..., "--apply/--reject", help="Whether the code applies."),
    supervisor: Optional[str] = typer.Option(None, "--as", help="The supervisor deciding (default: the global --as or $USER)."),
    note: Optional[str] = typer.Option(None, "--note", help="Why (kept as a memo)."),
) -> None:
    """Settle one disagreement: the consensus decision feeds `count --consensus` and exports."""
    who = supervisor or actor()
    with database().session(who) as s:
        c = find_code(s, code)
        label = display_path(tuple(counting.code_tree(s).loc[c.id, "path"]))
        adjudication.resolve(s, segment_id, c.id, apply, who, note)
    typer.echo(f"segment {segment_id}: {label} {'applied' if apply else 'rejected'} by {who} (consensus)")


@app.command()
def blind(
    state: str = typer.Argument(..., help="on or off"),
    supervisor: Optional[str] = typer.Option(None, "--as", help="The supervisor (default: the global --as or $USER)."),
) -> None:
    """Start (on) or end (off) the blind coding phase."""
    state = state.strip().lower()
    if state not in ("on", "off"):
        raise CocodeError(f"blind takes on or off, not {state!r}")
    who = supervisor or actor()
    with database().session(who) as s:
        (adjudication.start_blind_phase if state == "on" else adjudication.end_blind_phase)(s, who)
    typer.echo(f"blind coding {'on: coders see only their own codings and suggestions' if state == 'on' else 'off'} ({who})")
