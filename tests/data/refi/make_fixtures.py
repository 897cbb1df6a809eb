"""Write the .qdpx fixtures in the habits of other tools (run: python tests/data/refi/make_fixtures.py).

Each fixture is hand-made XML, not Cocode output, so the importer is tested against what other
tools write:

- nvivo_style.qdpx: ``Sources/`` with a capital S, plain text with a UTF-8 BOM and ``\\r\\n`` line
  endings (positions count the ``\\r``), upper-case guids in braces, a .docx source with its
  plain-text twin, three levels of nested codes, two users coding the same answer, cases with
  Text and Integer variables linked by SourceRef, a note on a selection.
- qualcoder_style.qdpx: ``sources/``, plain UTF-8 with ``\\n``, one user, a code on the whole source,
  a project-level note, a selection that falls inside a turn (it must become its own segment).
- maxqda_style.qdpx: ``\\r\\n`` without BOM, a decomposed accent (e + U+0301) before the coded
  text, a selection written end-before-start, cases without variables.

The phrases each selection covers are listed in the tests (not taken from here), so a wrong offset
mapping shows up as a wrong phrase.
"""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

from docx import Document

HERE = Path(__file__).parent
NS = "urn:QDA-XML:project:1.0"


def _zip(path: Path, files: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))  # reproducible bytes
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)


def _pos(text: str, phrase: str) -> tuple[int, int]:
    start = text.index(phrase)
    return start, start + len(phrase)


def _docx_bytes(paragraphs: list[str]) -> bytes:
    doc = Document()
    for p in paragraphs:
        doc.add_paragraph(p)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


# --- NVivo ------------------------------------------------------------------------------------------

NV_TEXT_1 = ("Interviewer: What makes the partnership work?\r\n"
             "OS1, R1: Clear roles, for a start. We agreed who owns what in the first month.\r\n"
             "\r\n"
             "Interviewer: And tools?\r\n"
             "OS1, R1: The monthly steering meeting. Without it we would drift.\r\n")
NV_TEXT_2 = ("Interviewer: What matters most?\r\n"
             "C1, R1: Trust. They tell us bad news early, and we do the same.\r\n")


def nvivo() -> None:
    u1, u2 = "{0A1B2C3D-0000-4000-8000-000000000001}", "{0A1B2C3D-0000-4000-8000-000000000002}"
    s1, s2 = "{5C0E1F00-0000-4000-8000-0000000000A1}", "{5C0E1F00-0000-4000-8000-0000000000A2}"
    gov, proc, roles, tools, trust = (f"{{C0DE0000-0000-4000-8000-00000000000{i}}}" for i in range(1, 6))
    a = _pos(NV_TEXT_1, "Clear roles, for a start. We agreed who owns what in the first month.")
    b = _pos(NV_TEXT_1, "The monthly steering meeting.")
    c = _pos(NV_TEXT_2, "They tell us bad news early, and we do the same.")
    note = "{A07E0000-0000-4000-8000-000000000001}"
    var_side, var_stage = "{7A200000-0000-4000-8000-000000000001}", "{7A200000-0000-4000-8000-000000000002}"
    xml = f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="{NS}" name="NVivo project" origin="NVivo 14" creatingUserGUID="{u1}" creationDateTime="2024-03-01T10:00:00Z">
  <Users>
    <User guid="{u1}" name="Ann Smith" id="AS"/>
    <User guid="{u2}" name="Ben Jones" id="BJ"/>
  </Users>
  <CodeBook>
    <Codes>
      <Code guid="{gov}" name="Strong governance" isCodable="true" color="#336699">
        <Description>Structures and roles.</Description>
        <Code guid="{proc}" name="Processes" isCodable="true">
          <Code guid="{roles}" name="Defining roles" isCodable="true"/>
        </Code>
        <Code guid="{tools}" name="Tools/Devices" isCodable="true"/>
      </Code>
      <Code guid="{trust}" name="Mutual trust" isCodable="true" color="#AA3300"/>
    </Codes>
  </CodeBook>
  <Variables>
    <Variable guid="{var_side}" name="Side" typeOfVariable="Text"/>
    <Variable guid="{var_stage}" name="Stage" typeOfVariable="Integer"/>
  </Variables>
  <Cases>
    <Case guid="{{CA5E0000-0000-4000-8000-000000000001}}" name="OS1, R1">
      <VariableValue><VariableRef targetGUID="{var_side}"/><TextValue>supplier</TextValue></VariableValue>
      <VariableValue><VariableRef targetGUID="{var_stage}"/><IntegerValue>1</IntegerValue></VariableValue>
      <SourceRef targetGUID="{s1}"/>
    </Case>
    <Case guid="{{CA5E0000-0000-4000-8000-000000000002}}" name="C1, R1">
      <VariableValue><VariableRef targetGUID="{var_side}"/><TextValue>client</TextValue></VariableValue>
      <VariableValue><VariableRef targetGUID="{var_stage}"/><IntegerValue>2</IntegerValue></VariableValue>
      <SourceRef targetGUID="{s2}"/>
    </Case>
  </Cases>
  <Sources>
    <TextSource guid="{s1}" name="OS1 R1 interview" richTextPath="internal://{s1}.docx" plainTextPath="internal://{s1}.txt" creatingUser="{u1}" creationDateTime="2024-03-01T10:00:00Z">
      <PlainTextSelection guid="{{5E100000-0000-4000-8000-000000000001}}" name="roles" startPosition="{a[0]}" endPosition="{a[1]}" creatingUser="{u1}" creationDateTime="2024-03-02T09:00:00Z">
        <Coding guid="{{C0D10000-0000-4000-8000-000000000001}}" creatingUser="{u1}" creationDateTime="2024-03-02T09:00:00Z"><CodeRef targetGUID="{roles}"/></Coding>
        <NoteRef targetGUID="{note}"/>
      </PlainTextSelection>
      <PlainTextSelection guid="{{5E100000-0000-4000-8000-000000000002}}" name="roles (Ben)" startPosition="{a[0]}" endPosition="{a[1]}" creatingUser="{u2}">
        <Coding guid="{{C0D10000-0000-4000-8000-000000000002}}" creatingUser="{u2}"><CodeRef targetGUID="{proc}"/></Coding>
      </PlainTextSelection>
      <PlainTextSelection guid="{{5E100000-0000-4000-8000-000000000003}}" name="meeting" startPosition="{b[0]}" endPosition="{b[1]}" creatingUser="{u2}">
        <Coding guid="{{C0D10000-0000-4000-8000-000000000003}}" creatingUser="{u2}"><CodeRef targetGUID="{tools}"/></Coding>
      </PlainTextSelection>
    </TextSource>
    <TextSource guid="{s2}" name="C1 R1 interview" plainTextPath="internal://{s2}.txt">
      <PlainTextSelection guid="{{5E100000-0000-4000-8000-000000000004}}" name="trust" startPosition="{c[0]}" endPosition="{c[1]}" creatingUser="{u1}">
        <Coding guid="{{C0D10000-0000-4000-8000-000000000004}}" creatingUser="{u1}"><CodeRef targetGUID="{trust}"/></Coding>
      </PlainTextSelection>
    </TextSource>
  </Sources>
  <Notes>
    <Note guid="{note}" name="Roles memo" creatingUser="{u1}"><PlainTextContent>Roles again: third interview in a row.</PlainTextContent></Note>
  </Notes>
</Project>
"""
    bom = b"\xef\xbb\xbf"
    _zip(HERE / "nvivo_style.qdpx", {
        "project.qde": xml.encode("utf-8"),
        f"Sources/{s1}.txt": bom + NV_TEXT_1.encode("utf-8"),
        f"Sources/{s1}.docx": _docx_bytes(NV_TEXT_1.split("\r\n")),
        f"Sources/{s2}.txt": bom + NV_TEXT_2.encode("utf-8"),
    })


# --- QualCoder --------------------------------------------------------------------------------------

QC_TEXT = ("Interviewer: What are your top three?\n"
           "OS2, R1: Governance first. Then measuring value with proper KPIs. Then innovation, always.\n")


def qualcoder() -> None:
    user = "a3b1c2d4-1111-4222-8333-444455556666"
    src = "b3b1c2d4-1111-4222-8333-444455556666"
    measure, innov, whole = ("c3b1c2d4-1111-4222-8333-44445555666" + str(i) for i in range(3))
    a = _pos(QC_TEXT, "Then measuring value with proper KPIs.")
    b = _pos(QC_TEXT, "Then innovation, always.")
    note = "d3b1c2d4-1111-4222-8333-444455556666"
    xml = f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="{NS}" name="qualcoder" origin="QualCoder 3.5">
  <Users><User guid="{user}" name="coder1"/></Users>
  <CodeBook><Codes>
    <Code guid="{measure}" name="Measuring value" isCodable="true" color="#00FF00"><Description>KPIs etc.</Description></Code>
    <Code guid="{innov}" name="Innovation" isCodable="true"/>
    <Code guid="{whole}" name="Stage one interview" isCodable="true"/>
  </Codes></CodeBook>
  <Sources>
    <TextSource guid="{src}" name="os2_r1.txt" plainTextPath="internal://{src}.txt" creatingUser="{user}" creationDateTime="2024-05-05T12:00:00">
      <PlainTextSelection guid="e3b1c2d4-1111-4222-8333-444455556661" startPosition="{a[0]}" endPosition="{a[1]}" creatingUser="{user}" creationDateTime="2024-05-06T08:30:00">
        <Coding guid="f3b1c2d4-1111-4222-8333-444455556661" creatingUser="{user}"><CodeRef targetGUID="{measure}"/></Coding>
      </PlainTextSelection>
      <PlainTextSelection guid="e3b1c2d4-1111-4222-8333-444455556662" startPosition="{b[0]}" endPosition="{b[1]}" creatingUser="{user}">
        <Coding guid="f3b1c2d4-1111-4222-8333-444455556662" creatingUser="{user}"><CodeRef targetGUID="{innov}"/></Coding>
      </PlainTextSelection>
      <Coding guid="f3b1c2d4-1111-4222-8333-444455556663" creatingUser="{user}"><CodeRef targetGUID="{whole}"/></Coding>
    </TextSource>
  </Sources>
  <Notes><Note guid="{note}" name="project memo" creatingUser="{user}"><PlainTextContent>Pilot interview.</PlainTextContent></Note></Notes>
  <NoteRef targetGUID="{note}"/>
</Project>
"""
    _zip(HERE / "qualcoder_style.qdpx", {"project.qde": xml.encode("utf-8"),
                                         f"sources/{src}.txt": QC_TEXT.encode("utf-8")})


# --- MAXQDA ---------------------------------------------------------------------------------------

MX_TEXT = ("Interviewer: How do you handle problems?\r\n"
           "C2, R1: Our cafe\u0301 chats help. Openness both ways, no surprises.\r\n")


def maxqda() -> None:
    user = "{11111111-2222-4333-8444-555555555555}"
    src = "{22222222-2222-4333-8444-555555555555}"
    code = "{33333333-2222-4333-8444-555555555555}"
    a = _pos(MX_TEXT, "Openness both ways, no surprises.")
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<Project xmlns="{NS}" name="MAXQDA 2024 project" origin="MAXQDA 2024">
  <Users><User guid="{user}" name="maxuser"/></Users>
  <CodeBook><Codes><Code guid="{code}" name="Openness" isCodable="true" color="#FF0000"/></Codes></CodeBook>
  <Cases><Case guid="{{44444444-2222-4333-8444-555555555555}}" name="C2-R1"><SourceRef targetGUID="{src}"/></Case></Cases>
  <Sources>
    <TextSource guid="{src}" name="C2_R1" plainTextPath="internal://{src[1:-1]}.txt">
      <PlainTextSelection guid="{{55555555-2222-4333-8444-555555555555}}" startPosition="{a[1]}" endPosition="{a[0]}" creatingUser="{user}">
        <Coding guid="{{66666666-2222-4333-8444-555555555555}}"><CodeRef targetGUID="{code}"/></Coding>
      </PlainTextSelection>
    </TextSource>
  </Sources>
</Project>
"""
    _zip(HERE / "maxqda_style.qdpx", {"project.qde": xml.encode("utf-8"),
                                      f"sources/{src[1:-1]}.txt": MX_TEXT.encode("utf-8")})


if __name__ == "__main__":
    nvivo()
    qualcoder()
    maxqda()
    print("wrote", ", ".join(sorted(p.name for p in HERE.glob("*.qdpx"))))
