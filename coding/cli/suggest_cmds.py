"""`cocode suggest`: rank codebook codes for each segment and store them as the model's suggestions."""
from __future__ import annotations

import sys
from typing import Optional

import typer

from ._app import actor, app, database, emit_json, emit_table


@app.command()
def suggest(
    document: Optional[str] = typer.Option(None, "--document", help="Only this document (name or file name)."),
    top_k: int = typer.Option(3, "--top-k", min=1, help="Suggestions per segment."),
    json_out: bool = typer.Option(False, "--json", help="Print the suggestions as JSON."),
    no_store: bool = typer.Option(False, "--no-store", help="Show suggestions without saving them."),
) -> None:
    """Suggest codes for every segment (best first, with confidence and reason); saved as coder "model"."""
    from tqdm import tqdm

    from ..embeddings import load_model
    from ..suggest import load_codes
    from ..suggest import suggest as run_suggest

    with database().session() as s:
        load_codes(s)  # an empty codebook is reported before the slow model load
    model = load_model()
    bar = tqdm(total=1, unit="seg", disable=not sys.stderr.isatty(), leave=False)

    def progress(done: int, total: int, what: str) -> None:
        bar.total = max(total, 1)
        bar.n = min(done, bar.total)
        bar.set_description(what[:30])
        bar.refresh()

    with database().session(actor()) as s:
        results = run_suggest(s, model, document=document, top_k=top_k, store=not no_store, progress=progress)
    bar.close()
    if json_out:
        emit_json(results)
        return
    rows = []
    for r in results:
        first = True
        for sug in r["suggestions"] or [None]:
            rows.append({
                "segment": r["segment_id"] if first else "",
                "respondent": (r["respondent"] or "") if first else "",
                "text": r["text"][:50] if first else "",
                "code": sug["path"] if sug else "(no code applies)",
                "conf": f"{sug['confidence']:.2f}" if sug else "",
                "reason": sug["reason"] if sug else "",
            })
            first = False
    emit_table(rows, ["segment", "respondent", "text", "code", "conf", "reason"])
    shown = sum(1 for r in results if r["suggestions"])
    typer.echo(f"{len(results)} segment(s), {shown} with suggestions" + ("" if no_store else "; saved as coder 'model'"))
