"""Labelled sets for the suggestion benchmarks: segments with gold codes, and a codebook.

* ci-claims (../shared/datasets/ci-claims): 113 single-label claims, 31 codes in 6 themes;
  the codebook is the code names only, grouped under their themes (themes not codable).
* demo: the ten demo interviews ingested as turns; the labelled segments are the ten
  answers to the top-three question, gold = that respondent's top-three factors that are
  in the shipped codebook (themes of outsourcing-success-factors), compared at theme level.
* any folder with codebook.(yaml|csv|qdc) and labels.csv (columns: text, codes, where codes
  are paths separated by ';' and a path's parts by ' > ').
"""
from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
DEMO = ROOT / "corpus" / "demo"

# The demo respondents' top three (corpus/demo README and the demo helper's table); None = not in the codebook.
DEMO_TOP3 = {
    "OS1-R1": ["trust", "governance", "delivering"],
    "C1-R1": ["trust", "openness", "measuring"],
    "OS2-R1": ["governance", "measuring", "innovation"],
    "C2-R1": ["trust", "mutual goals", None],
    "OS3-R1": ["governance", "openness", "delivering"],
    "C3-R1": ["trust", "measuring", None],
    "OS4-R1": ["mutual goals", "openness", "innovation"],
    "C4-R1": ["governance", "trust", "delivering"],
    "IE1-R1": ["trust", "governance", "measuring"],
    "IE2-R1": ["openness", "mutual goals", None],
}
DEMO_THEMES = {
    "governance": "Strong governance",
    "measuring": "Measuring value and success",
    "trust": "Mutual trust and confidence",
    "openness": "Openness, transparency, honesty and responsiveness",
    "delivering": "Delivering what you promise",
    "mutual goals": "Achieving mutual goals bringing mutual benefits",
    "innovation": "Giving extra value and on-going innovation",
}


@dataclass
class Item:
    text: str
    gold: set[tuple[str, ...]]   # gold code paths
    respondent: str | None = None
    segment_id: int | None = None


@dataclass
class LabelledSet:
    name: str
    codebook: object             # codebooks.Codebook
    items: list[Item]
    level: str = "leaf"          # "leaf": compare full paths; "theme": compare the first element
    setup: object | None = None  # callable(session) -> list[Item] with segment ids, when the set ingests files


def _title(s: str) -> str:
    return s.strip().capitalize()


def load_ci_claims(folder: Path) -> LabelledSet:
    from codebooks import Code, Codebook

    data = json.loads((folder / "02_dataset_gold_CI.json").read_text(encoding="utf-8"))
    themes: dict[str, list[str]] = {}
    for d in data:
        themes.setdefault(_title(d["labels"]["theme"]), [])
        code = _title(d["labels"]["code"])
        if code not in themes[_title(d["labels"]["theme"])]:
            themes[_title(d["labels"]["theme"])].append(code)
    codes = []
    for theme in sorted(themes):
        codes.append(Code(name=theme, codable=False))
        codes += [Code(name=c, parent=(theme,)) for c in sorted(themes[theme])]
    book = Codebook(name="ci-claims", codes=codes)
    items = [Item(text=d["input"]["claim"], gold={(_title(d["labels"]["theme"]), _title(d["labels"]["code"]))})
             for d in data]
    return LabelledSet(name="ci-claims", codebook=book, items=items, level="leaf")


def load_demo() -> LabelledSet:
    from codebooks import load_shipped

    def setup(s) -> list[Item]:  # type: ignore[no-untyped-def]
        from sqlalchemy import select

        from coding.ingest import import_cases, ingest
        from models import Case, Segment

        files = sorted(p for p in DEMO.iterdir() if p.suffix in (".txt", ".docx", ".vtt") and p.name[0].isupper())
        ingest(s, files, "turn")
        import_cases(s, DEMO / "respondents.csv")
        items = []
        q = select(Segment.id, Segment.text, Segment.question, Case.code).join(Case, Case.id == Segment.case_id) \
            .where(Segment.is_interviewer.is_(False))
        for sid, text, question, resp in s.execute(q):
            if question and "top three" in question.lower() and resp in DEMO_TOP3:
                gold = {(DEMO_THEMES[f],) for f in DEMO_TOP3[resp] if f}
                items.append(Item(text=text, gold=gold, respondent=resp, segment_id=sid))
        return items

    return LabelledSet(name="demo", codebook=load_shipped("outsourcing-success-factors"), items=[], level="theme",
                       setup=setup)


def load_folder(folder: Path) -> LabelledSet:
    from codebooks import read_codebook

    book_file = next((folder / f"codebook{ext}" for ext in (".yaml", ".csv", ".qdc") if (folder / f"codebook{ext}").exists()),
                     None)
    if book_file is None or not (folder / "labels.csv").exists():
        raise SystemExit(f"{folder}: expected codebook.yaml|csv|qdc and labels.csv")
    items = []
    with open(folder / "labels.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            gold = {tuple(p.strip() for p in path.split(" > ")) for path in row["codes"].split(";") if path.strip()}
            items.append(Item(text=row["text"], gold=gold))
    return LabelledSet(name=folder.name, codebook=read_codebook(book_file), items=items)


def load(name: str) -> LabelledSet:
    if name == "demo":
        return load_demo()
    folder = Path(name)
    if (folder / "02_dataset_gold_CI.json").exists():
        return load_ci_claims(folder)
    return load_folder(folder)
