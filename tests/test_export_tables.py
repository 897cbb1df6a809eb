"""Theme tables and analysis tables: content, every format read back, LaTeX escaping compiled with pdflatex."""
from __future__ import annotations

import io
import shutil
import string
import subprocess
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from docx import Document as WordDocument

from coding.errors import CocodeError
from coding.exports import bundle_zip, export_table, export_tables, export_themes, key_sentence, theme_tables
from coding.exports.render_md import themes_md
from coding.exports.render_tex import tex_escape, themes_tex
from coding.exports.themes import UNCATEGORISED, Quote, ThemeRow, ThemeTable, shorten, split_sentences

from export_project import CATEGORIES, GOV, MEASURE, build_project

PDFLATEX = shutil.which("pdflatex")
needs_pdflatex = pytest.mark.skipif(PDFLATEX is None, reason="pdflatex is not installed here (apt: texlive-latex-recommended)")


@pytest.fixture
def project(sqlite_db):
    build_project(sqlite_db)
    return sqlite_db


def _by_theme(tables):
    return {t.theme: {r.category: r.items for r in t.rows} for t in tables}


# --- building the tables ---------------------------------------------------------------------------

def test_theme_rows_are_child_codes_with_labels_and_key_sentences(project):
    with project.session() as s:
        tables = theme_tables(s)
    assert [t.theme for t in tables] == [GOV, MEASURE]  # "Other" has no children: not a theme
    gov = _by_theme(tables)[GOV]
    assert list(gov) == list(CATEGORIES)
    # key sentence: the one naming the code's keyword ("roles"), not the whole segment
    assert gov["Processes"] == ["We agreed clear roles early on."]
    # a coder's label wins over the text
    assert gov["Tools/Devices"] == ["Weekly governance meeting"]
    # reading order: document name (C1_... before OS1_...), then position
    assert gov["Behaviours/Attitudes"] == [
        "Honestly, commitment from the top is what makes the governance stick.",
        "Openness both ways matters most; no surprises, ever.",
    ]
    measure = _by_theme(tables)[MEASURE]
    assert measure["Tools/Devices"] == ["Scorecard with traffic lights"]  # bob's label, alice only rejected it
    assert measure["Behaviours/Attitudes"] == []


def test_coder_and_consensus_selection(project):
    with project.session() as s:
        alice = _by_theme(theme_tables(s, coder="alice"))
        bob = _by_theme(theme_tables(s, coder="bob"))
        with pytest.raises(CocodeError):
            theme_tables(s, coder="nobody")
        with pytest.raises(CocodeError):
            theme_tables(s, coder="alice", consensus=True)
        consensus = _by_theme(theme_tables(s, consensus=True))
    assert alice[MEASURE]["Tools/Devices"] == []
    assert bob[MEASURE]["Tools/Devices"] == ["Scorecard with traffic lights"]
    assert bob[GOV]["Tools/Devices"] == []
    # both coders saw both documents: only what both confirmed counts (Processes of governance)
    assert consensus == {GOV: {"Processes": ["We agreed clear roles early on."], "Tools/Devices": [],
                               "Behaviours/Attitudes": []}}


def test_model_suggestions_never_reach_a_table(project):
    with project.session() as s:
        items = [i for t in theme_tables(s) for r in t.rows for i in r.items]
    assert not any("Openness" in i for i in _by_theme(theme_tables_safe(project))[MEASURE]["Processes"])
    assert items  # sanity: the tables are not empty


def theme_tables_safe(db):
    with db.session() as s:
        return theme_tables(s)


def test_quotes_starred_first_else_most_confident(project):
    with project.session() as s:
        tables = {t.theme: t for t in theme_tables(s)}
    gov = tables[GOV]
    # one starred coding: it is the only quote, verbatim, attributed from the respondent code
    assert [(q.text, q.attribution) for q in gov.quotes] == [(
        'A weekly governance meeting with the client keeps us honest. We also share a scorecard_v2 with '
        '"traffic lights" & notes.', "(OS1, R1)")]
    measure = tables[MEASURE]
    # nothing starred: highest confidence first (0.7 for the C1 segment), then reading order
    assert [q.attribution for q in measure.quotes] == ["(C1, R1)", "(OS1, R1)"]
    assert measure.quotes[0].text.startswith("The KPIs are revisited every quarter.")


def test_theme_level_codings_get_their_own_row(project):
    from coding.codings import set_coding
    from models import Segment
    from sqlalchemy import select

    with project.session() as s:
        seg = s.scalar(select(Segment).where(Segment.text.like("The KPIs%")))
        theme_id = next(t.code_id for t in theme_tables(s) if t.theme == MEASURE)
        set_coding(s, seg.id, theme_id, "alice")
    with project.session() as s:
        rows = _by_theme(theme_tables(s))[MEASURE]
    assert list(rows)[-1] == UNCATEGORISED
    assert rows[UNCATEGORISED] == ["The KPIs are revisited every quarter."]


def test_key_sentence_rules():
    text = "First we met. Then the KPI review happened monthly. The KPI and value talk was key."
    assert split_sentences(text) == ["First we met.", "Then the KPI review happened monthly.",
                                     "The KPI and value talk was key."]
    assert key_sentence(text, ["kpi", "value"]) == "The KPI and value talk was key."  # most distinct terms
    assert key_sentence(text, ["kpi"]) == "Then the KPI review happened monthly."  # earliest on a tie
    assert key_sentence(text, ["nothing"]) == "First we met."  # none: the first sentence
    assert key_sentence("No full stop at all", []) == "No full stop at all"
    long = "word " * 100
    cut = shorten(long, 50)
    assert len(cut) <= 50 and cut.endswith("…") and " wor…" not in cut


# --- formats -------------------------------------------------------------------------------------------

def test_markdown_table_shape(project, tmp_path):
    with project.session() as s:
        path = export_themes(s, tmp_path / "themes.md")
    text = path.read_text(encoding="utf-8")
    blocks = [b for b in text.split("## ")[1:]]
    assert [b.splitlines()[0] for b in blocks] == [GOV, MEASURE]
    gov_rows = [line for line in blocks[0].splitlines() if line.startswith("|")]
    assert gov_rows[0] == "| Category | Items |" and gov_rows[1] == "|---|---|"
    assert len(gov_rows) == 2 + 3
    for line in gov_rows:  # every row has exactly two cells: no unescaped pipe, no line break
        assert len([c for c in line.replace("\\|", "").split("|")[1:-1]]) == 2
    assert "| Behaviours/Attitudes | • Honestly, commitment" in blocks[0]
    assert "<br>• Openness both ways" in blocks[0]
    assert '> “A weekly governance meeting' in blocks[0] and "(OS1, R1)" in blocks[0]


def test_markdown_escapes_pipes():
    t = ThemeTable("A|B", 1, [ThemeRow("x|y", ["one | two"])], [Quote("a|b", "(R1)", "x")])
    md = themes_md([t])
    assert "## A\\|B" in md and "| x\\|y | one \\| two |" in md


def test_docx_is_a_real_table_with_bold_header_and_italic_quotes(project, tmp_path):
    with project.session() as s:
        path = export_themes(s, tmp_path / "themes.docx")
    doc = WordDocument(str(path))
    assert len(doc.tables) == 2
    gov = doc.tables[0]
    assert [c.text for c in gov.rows[0].cells] == ["Category", "Items"]
    assert all(run.bold for c in gov.rows[0].cells for p in c.paragraphs for run in p.runs)
    assert [r.cells[0].text for r in gov.rows[1:]] == list(CATEGORIES)
    behaviours = gov.rows[3].cells[1]
    assert [p.text for p in behaviours.paragraphs] == [
        "• Honestly, commitment from the top is what makes the governance stick.",
        "• Openness both ways matters most; no surprises, ever."]
    quotes = [p for p in doc.paragraphs if p.text.startswith("“")]
    assert len(quotes) == 3  # 1 starred for governance, 2 most-confident for measuring
    assert quotes[0].runs[0].italic and quotes[0].text.endswith("(OS1, R1)")
    assert not quotes[0].runs[-1].italic  # the attribution is upright


def test_csv_and_xlsx_read_back(project, tmp_path):
    with project.session() as s:
        csv_path = export_themes(s, tmp_path / "themes.csv")
        xlsx_path = export_themes(s, tmp_path / "t.xlsx", "xlsx")
    df = pd.read_csv(csv_path, encoding="utf-8-sig", keep_default_na=False)
    assert list(df.columns) == ["theme", "category", "kind", "text", "attribution"]
    items = df[df.kind == "item"]
    assert set(items[items.theme == GOV].category) == set(CATEGORIES)
    assert "Weekly governance meeting" in set(items.text)
    quotes = df[df.kind == "quote"]
    assert list(quotes.attribution) == ["(OS1, R1)", "(C1, R1)", "(OS1, R1)"]
    sheets = pd.read_excel(xlsx_path, sheet_name=None, keep_default_na=False)
    assert list(sheets) == ["Themes", "Items and quotes"]
    wide = sheets["Themes"]
    cell = wide[(wide.theme == GOV) & (wide.category == "Behaviours/Attitudes")]["items"].item()
    assert cell.split("\n") == ["Honestly, commitment from the top is what makes the governance stick.",
                                "Openness both ways matters most; no surprises, ever."]
    assert sheets["Items and quotes"].equals(df)


def test_unknown_format_is_a_readable_error(project, tmp_path):
    with project.session() as s, pytest.raises(CocodeError, match="unknown table format 'pdf'"):
        export_themes(s, tmp_path / "x.pdf")


# --- LaTeX -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("raw, tex", [
    ("&", r"\&"), ("%", r"\%"), ("$", r"\$"), ("#", r"\#"), ("_", r"\_"), ("{", r"\{"), ("}", r"\}"),
    ("~", r"\textasciitilde{}"), ("^", r"\textasciicircum{}"), ("\\", r"\textbackslash{}"),
    ('say "hi" now', "say ``hi'' now"), ("“curly”", "``curly''"), ("it’s", "it's"), ("‘x’", "`x'"),
    ("a -- b", "a -{}- b"), ("a – b — c", "a -- b --- c"), ("wait…", r"wait\ldots{}"),
    ("50% of £3 & €4", r"50\% of £3 \& \texteuro{} 4".replace(r"\texteuro{} 4", r"\texteuro{}4")),
    ("x\ny\tz", "x y z"), ("[note]", "{[}note{]}"), ("κ ≥ 0.8", r"$\kappa$ $\geq$ 0.8"),
    ("café naïve Łódź", "café naïve Łódź"), ("漢", "[U+6F22]"), ("a\x07b", "ab"),
])
def test_tex_escape_table(raw, tex):
    assert tex_escape(raw) == tex


def test_tex_escape_leaves_no_bare_special_character():
    every = string.printable + "“”‘’–—…•€£°×±«»‹›"
    out = tex_escape(every)
    stripped = out
    for macro in (r"\textbackslash{}", r"\textasciitilde{}", r"\textasciicircum{}", r"\textless{}", r"\textgreater{}",
                  r"\textbar{}", r"\textasciigrave{}", r"\ldots{}", r"\textbullet{}", r"\texteuro{}", r"\textdegree{}",
                  r"\texttimes{}", r"\guillemotleft{}", r"\guillemotright{}", r"\guilsinglleft{}", r"\guilsinglright{}"):
        stripped = stripped.replace(macro, "")
    for escaped in (r"\&", r"\%", r"\$", r"\#", r"\_", r"\{", r"\}", "{[}", "{]}", "-{}-"):
        stripped = stripped.replace(escaped, "")
    for ch in "&%$#_{}~^\\[]":
        assert ch not in stripped, ch


HOSTILE = ("Costs & margins rose 50% — $2m, #1 priority_x {braces} ~tilde ^caret \\back `tick' "
           "\"quoted\" “curly” ‘single’ <tags> | pipe [bracket] -- dashes… café Łódź κ α ≥ 漢 \\end{document}")


def _compile(tex: str, tmp_path: Path) -> subprocess.CompletedProcess:
    (tmp_path / "t.tex").write_text(tex, encoding="utf-8")
    return subprocess.run([PDFLATEX, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", "t.tex"],
                          cwd=tmp_path, capture_output=True, text=True, encoding="utf-8", errors="replace", timeout=120)


@needs_pdflatex
def test_theme_tables_compile_with_pdflatex(project, tmp_path):
    with project.session() as s:
        tables = theme_tables(s)
    tables.append(ThemeTable(HOSTILE, 0, [ThemeRow(HOSTILE, [HOSTILE, "second"]), ThemeRow("empty", [])],
                             [Quote(HOSTILE, "(OS1, R1)", "x")]))
    result = _compile(themes_tex(tables), tmp_path)
    assert result.returncode == 0, result.stdout[-2000:]
    assert (tmp_path / "t.pdf").stat().st_size > 1000
    log = (tmp_path / "t.log").read_text(errors="replace")
    assert "Missing character" not in log


@needs_pdflatex
def test_every_latin_character_compiles(tmp_path):
    chars = "".join(chr(c) for c in range(32, 0x180) if not (0x7F <= c < 0xA0))
    tables = [ThemeTable("All characters", 0, [ThemeRow("row", [chars])], [Quote(chars, "(R1)", "row")])]
    result = _compile(themes_tex(tables), tmp_path)
    assert result.returncode == 0, result.stdout[-2000:]


# --- the bundle --------------------------------------------------------------------------------------

def test_export_tables_writes_every_table_in_every_format(project, tmp_path):
    with project.session() as s:
        paths = export_tables(s, tmp_path / "out")
    names = {p.name for p in paths}
    for stem in ("themes", "frequencies", "top_three", "split_by_side", "cooccurrence", "agreement"):
        for fmt in ("md", "tex", "docx", "csv", "xlsx"):
            assert f"{stem}.{fmt}" in names
    freq = pd.read_csv(tmp_path / "out" / "frequencies.csv", encoding="utf-8-sig")
    row = freq[freq["Code"] == f"{GOV} › Behaviours/Attitudes"].iloc[0]
    assert (row["Segments"], row["Respondents"]) == (2, 2)
    top3 = pd.read_excel(tmp_path / "out" / "top_three.xlsx")
    assert set(top3["Dominant"]) <= {"yes", "no"}
    agreement = pd.read_csv(tmp_path / "out" / "agreement.csv", encoding="utf-8-sig")
    assert "κ alice – bob" in agreement.columns and "α" in agreement.columns
    processes = agreement[agreement["Code"] == f"{GOV} › Processes"].iloc[0]
    assert processes["α"] == pytest.approx(1.0)  # both coded exactly the same segment
    doc = WordDocument(str(tmp_path / "out" / "cooccurrence.docx"))
    assert doc.tables[0].rows[0].cells[0].text == "Code"


def test_agreement_table_only_with_two_human_coders(sqlite_db, tmp_path):
    build_project(sqlite_db)
    from coding.codings import remove_coding
    from models import Coder, Coding
    from sqlalchemy import select

    with sqlite_db.session() as s:
        for c in s.scalars(select(Coding).join(Coder).where(Coder.name == "bob")):
            remove_coding(s, c.id)
    with sqlite_db.session() as s:
        names = {p.name for p in export_tables(s, tmp_path / "out", formats=("csv",))}
    assert "agreement.csv" not in names and "frequencies.csv" in names


@needs_pdflatex
def test_analysis_tables_compile_with_pdflatex(project, tmp_path):
    with project.session() as s:
        paths = export_tables(s, tmp_path, formats=("tex",))
    for p in paths:
        result = subprocess.run([PDFLATEX, "-interaction=nonstopmode", "-halt-on-error", p.name], cwd=tmp_path,
                                capture_output=True, text=True, encoding="utf-8", errors="replace", timeout=120)
        assert result.returncode == 0, (p.name, result.stdout[-1500:])


def test_bundle_zip_for_the_download_button(project):
    with project.session() as s:
        data = bundle_zip(s)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = zf.namelist()
        assert "tables/themes.docx" in names and "tables/cooccurrence.xlsx" in names
        assert zf.read("tables/themes.md").decode("utf-8").startswith("# Theme tables")


def test_export_table_any_frame(tmp_path):
    df = pd.DataFrame({"code": ["A & B", "C_d"], "n": [1, 2]})
    md = export_table(df, tmp_path / "x.md", title="T").read_text()
    assert "| A & B | 1 |" in md
    tex = export_table(df, tmp_path / "x.tex", title="T").read_text()
    assert r"A \& B & 1 \\" in tex and r"C\_d & 2 \\" in tex
    assert pd.read_excel(export_table(df, tmp_path / "x.xlsx", title="T")).equals(df)


def test_project_without_respondent_attributes_still_exports(sqlite_db, tmp_path):
    """No `side` attribute anywhere: the split table is left out, everything else is written."""
    build_project(sqlite_db)
    from models import Case
    from sqlalchemy import select

    with sqlite_db.session() as s:
        for case in s.scalars(select(Case)):
            case.attributes = {}
    with sqlite_db.session() as s:
        names = {p.name for p in export_tables(s, tmp_path / "out", formats=("csv",))}
    assert "split_by_side.csv" not in names and {"frequencies.csv", "top_three.csv", "themes.csv"} <= names
