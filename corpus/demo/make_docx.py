"""Build the three demo Word transcripts (C2, OS4, IE2) from the text below.

Why a script: researchers receive interviews as .docx, so the demo corpus needs real Word
files; keeping their text here shows exactly what is in them and lets anyone rebuild them.
The generated .docx files are committed; rerun with
    .venv/bin/python corpus/demo/make_docx.py
All people and organisations are fictional.
"""
from __future__ import annotations

from pathlib import Path

import docx
from docx.shared import Pt

HERE = Path(__file__).resolve().parent

C2_HEADER = [
    ("Respondent", "C2, R1"),
    ("Organisation", "Northvale Community Health Trust (client)"),
    ("Role", "Director of Estates and Facilities"),
    ("Date", "2 April 2024"),
]

C2_TEXT = """
Interviewer: Thank you for taking part. Could you describe your role and the services Kestrel provides to the Trust?

C2, R1: I'm Director of Estates and Facilities at Northvale Community Health Trust, which runs two acute hospitals and eleven community clinics. Kestrel Clinical Support Services provide our non-emergency patient transport, our portering and our sterile services unit, which decontaminates surgical instruments for every theatre in the Trust. It's a seven-year contract, now in its fifth year. I'm the executive lead for the contract, so I sit on the partnership board and I meet Kestrel's contract director every month.

Interviewer: Why did the Trust decide to outsource these services?

C2, R1: The sterile services unit needed a major investment to meet the new decontamination standards, and we didn't have the capital. Kestrel were willing to invest in the equipment as part of the deal. Patient transport had been a source of complaints for years, and the board wanted a specialist provider who could fix it. Portering came along with the package, really, because the two services are so closely linked on the wards.

Interviewer: In your opinion, what are the top three things that make an outsourcing relationship work really well?

C2, R1: Trust is the first. I have to be able to trust Kestrel with things that directly affect patient safety. If a tray of instruments isn't properly decontaminated, a patient can be harmed, so I need to be confident that they will tell me the truth and do the right thing without me watching. Second, having shared goals, so that what's good for us is good for them. If their success is judged differently from ours, we'll pull in different directions, however well we get on. When the partnership brings benefits to both sides, it works. Third, and people underestimate this, cultural fit. The values and the way of working have to be compatible. We're an NHS organisation, our staff are driven by patient care, and a supplier whose culture is purely commercial will always feel alien to our clinicians. Kestrel's people care about patients, and that makes a huge difference.

Interviewer: Let's start with trust. How has trust developed between the Trust and Kestrel?

C2, R1: It was tested early. In the second year there was an incident where a set of instruments went back to theatre with a failed sterilisation record. No patient was harmed, but it was serious. Kestrel reported it to us within the hour, before our own staff had spotted it, and they shared their full investigation with our patient safety team, including the things that didn't reflect well on them. That openness actually increased my trust in them, strange as it sounds. Then during the pandemic they redeployed porters to the Covid wards overnight, without waiting for a contract variation. Those are the moments people remember.

Interviewer: Are there particular practices that help maintain that trust?

C2, R1: Some simple ones. Kestrel's contract director has an honorary contract with the Trust, so he can attend our internal meetings and see our information systems. We share our monthly board performance report with him. And we have a joint incident review process, so when something goes wrong we investigate it together rather than each side writing its own version. That removes a lot of the defensiveness.

Interviewer: You said shared goals were your second factor. How do you make sure the goals are aligned?

C2, R1: When the contract was let, the goals weren't aligned at all. Kestrel were paid per journey for patient transport, so more journeys meant more income, while we wanted fewer unnecessary journeys. We renegotiated that in year three into a block payment with an incentive linked to timely discharges. Now both of us win when patients get home on time. We also agreed a joint partnership plan, which sets out five shared objectives for the year, things like reducing cancelled operations and cutting our carbon footprint, and the partnership board reviews progress against it every quarter.

Interviewer: How did you arrive at those shared objectives?

C2, R1: We held a joint planning workshop, a full day, with both leadership teams and some of our clinical leads. We started with the Trust's strategy and asked what Kestrel could contribute to each priority, and then Kestrel told us what they needed from us to grow their business, because that's legitimate too. If they're not making a fair return, they won't invest, and the partnership fails. It was the first time we'd talked openly about their commercial interests. I think they were surprised that we asked.

Interviewer: Can you give an example of mutual benefit in practice?

C2, R1: The instrument tracking system. Kestrel introduced barcode tracking on every tray at their own cost. For us, it virtually eliminated operations cancelled because of missing instruments, which is a big deal clinically and financially. For them, it reduced lost trays and overtime in the sterile services unit, and it's become a showcase they take to other trusts. We agreed they could use our name and our data in their marketing, which cost us nothing and helped them win new work. That's what I mean by both sides benefiting.

Interviewer: You mentioned cultural fit. How do you judge whether the cultures fit?

C2, R1: We looked at it during the procurement, actually. We visited reference sites and talked to their front-line staff, not just the bid team. Once the contract started, the main test was how the transferred staff were treated. Most of the porters and transport crews came across from the Trust, and they were anxious. Kestrel kept their NHS pension arrangements, kept them in the Trust's staff awards, and let them keep wearing the Trust's lanyard. It sounds small, but it meant the wards still saw them as part of the team.

Interviewer: Where does culture cause friction?

C2, R1: Decision-making speed. Kestrel is a private company and can decide things in a week. We have committees, governance, clinical sign-off, and it can take months. Their managers sometimes find that frustrating, and our staff sometimes feel they're being rushed. We've agreed a fast-track route for low-risk changes, which helps a bit.

Interviewer: How is the contract governed?

C2, R1: There's a daily huddle on each site, a weekly operational meeting, my monthly contract review with Kestrel's contract director, and a quarterly partnership board chaired by our chief operating officer. It works reasonably well. The main risk is that the monthly meeting becomes a KPI review and nothing else.

Interviewer: What are the main barriers to working together on new ideas?

C2, R1: Money and time, first. Our capital is allocated a year ahead, so even when Kestrel bring a good idea, we often can't fund our share quickly. Second, procurement rules. As a public body we have to be careful not to give Kestrel an unfair advantage for future contracts, so there are things I can't share with them, and there are ideas I can't simply accept without testing the market. Third, there's a power imbalance. Some of our senior clinicians treat Kestrel's staff as contractors who should do as they're told. I've had to step in a few times when a good suggestion from a porter was dismissed because of who made it.

Interviewer: How do you address that power imbalance?

C2, R1: By making the partnership visible at the top. Kestrel's contract director presents to our board once a year alongside me, and their improvement ideas are reported in our quality report with their name on them. When the consultants see that the Trust's executive values Kestrel's contribution, the behaviour changes, slowly.

Interviewer: What would you change if you were starting the contract again?

C2, R1: I'd build the shared goals into the contract from day one instead of spending three years getting there. And I'd involve clinicians in the procurement, so they feel some ownership of the choice of partner.

Interviewer: Is there anything you'd like to add?

C2, R1: Only that the best relationships feel like one team. When a ward sister can't tell whether the porter is employed by us or by Kestrel, and doesn't care, we've got it right.

Interviewer: Thank you very much.
"""

OS4_TITLE = "Interview with OS4, R1 - Account Director, Amberlyn Facilities Group - 16 May 2024"

OS4_TEXT = """
Interviewer: Could you start by introducing yourself and your relationship with Westmere Borough Council?

OS4, R1: I'm the account director at Amberlyn Facilities Group for our local government accounts in the south, and Westmere is the biggest of them. We provide total facilities management across the council's estate, about a hundred and sixty buildings, under a ten-year contract that started in 2019. That's maintenance, cleaning, security, catering at the civic centre, the helpdesk and the computer-aided facilities management system that sits behind it all. There are about two hundred and ten Amberlyn staff on the contract, plus a supply chain of around forty local subcontractors.

Interviewer: How would you describe the relationship at the moment?

OS4, R1: Good, and much better than it was. The first eighteen months were difficult. The asset data we inherited was poor, so the price was based on the wrong number of boilers, lifts and fire doors, and we spent a lot of time arguing about variations. Since then we've moved to a much more collaborative footing. I'd say the turning point was the winter floods in 2021, when we had teams out for three nights running and both sides saw what the other was capable of.

Interviewer: In your opinion, what are the top three things that make an outsourcing relationship work really well?

OS4, R1: Number one, mutual goals. We have to be aiming at the same outcomes and both getting something out of it. If the council only wins when we lose, or the other way round, it will never be a partnership, it'll be a tug of war. Number two, openness and transparency, in both directions: telling the client the truth early, sharing the numbers, being responsive when they raise something, and them doing the same with us. Number three, continuous innovation. The client should get more from us in year seven than in year one. If we're still delivering exactly the same service in exactly the same way, we've failed them, and frankly we deserve to lose the retender.

Interviewer: Let's start with mutual goals. How do you establish goals that both sides share?

OS4, R1: Every year we hold a joint planning day in January, with the council's property team, their finance lead and my senior managers. We start from the council's corporate plan, which is public, and ask where the estate can contribute: the climate emergency declaration, the community hubs programme, the savings target. Then we agree a small number of shared objectives for the year. This year there are four: reducing energy use in the top twenty buildings by eight per cent, getting statutory compliance to a hundred per cent, supporting the move of two libraries into community hubs, and creating local jobs through our supply chain.

Interviewer: How do those shared objectives bring benefits to both sides?

OS4, R1: The energy objective is the clearest example. We agreed a shared-savings mechanism: when our energy projects reduce the council's bills, the saving is split sixty-forty in the council's favour for three years. So they get lower bills and progress on their carbon target, and we get a return on the investment and a case study for other councils. Before that mechanism existed, we had no reason to invest in their buildings, because a more efficient building needs less maintenance, and maintenance is how we make our money. Getting the commercial model to reward the right behaviour is half the battle.

Interviewer: You mentioned openness as your second factor. What does openness look like in practice?

OS4, R1: It starts with open-book accounting. The council can see our costs on the contract, our overheads and our margin, and once a year their finance team audits it. A lot of my colleagues in the industry think that's mad, but it ended the arguments about whether our prices were fair. Then there's the no-surprises rule. If a compliance check is overdue or a building has a serious defect, the council's contract manager hears it from me the same day, by phone. And we share the raw data from the helpdesk system, not a polished report, so they can look at anything they like.

Interviewer: Does openness work both ways?

OS4, R1: Increasingly. The council now gives us a forward view of the capital programme and tells us early about buildings it plans to close or sell, so we can plan our workforce. They told us about this year's budget reductions three months before they were public, under a confidentiality agreement, so we could work with them on where to find the savings rather than having cuts imposed on us. That's a big step for a public body. Responsiveness matters too: if I raise a problem, I know I'll get an answer within a few days, not after the next committee cycle.

Interviewer: What tools support that openness?

OS4, R1: The shared helpdesk and asset system is the most important: both teams work from the same data. There's a joint risk register. There's a fortnightly progress report that I send to the Head of Property, one page, on everything in flight. And every six months we run a relationship survey of both teams, which asks questions like whether people feel able to raise concerns with the other side.

Interviewer: Turning to innovation, what have you introduced on the contract?

OS4, R1: A few things. We replaced the old phone helpdesk with an app, so staff in any council building can report a fault with a photo and track it. We put sensors in the civic centre to measure occupancy, which showed that a third of the office space was empty on any given day, and that fed into the council's decision to consolidate into fewer floors. That saved them far more than any reduction in our fees. And we've started using drone surveys for roofs, which is safer and cheaper than scaffolding.

Interviewer: How do you generate and test new ideas with the council?

OS4, R1: We run an innovation forum twice a year, where we bring ideas from our other contracts and the council's service managers bring problems they want solved. Each idea gets a one-page proposal with costs and benefits, and the strategic partnership board decides which to pilot. We also have a continuous improvement target in the contract: we have to propose at least ten improvements a year, and the council scores them. Being demanding of each other is part of it. The council pushes us hard, and we push them to make decisions.

Interviewer: How do you measure whether the relationship is succeeding?

OS4, R1: We have forty contractual KPIs, reported monthly, and a building users' survey twice a year. But I also track the commitments we made in the bid. The council keeps a commitments tracker, and I want every line of it green.

Interviewer: What makes co-creation with a client like this difficult?

OS4, R1: Goals that drift apart, first of all. The council's priorities change with the political cycle, and after an election we can find the shared objectives we agreed no longer reflect what members want. Second, intellectual property. When we developed the occupancy analytics, there was a debate about who owned the data and the method. We settled it by agreeing that the council owns its data and we own the method, but it took time. Third, resources: the council's team is small and stretched, so even good ideas wait for someone to have the time to review them. And fourth, the procurement culture. Officers are nervous about anything that might look like favouring a supplier, which can make them cautious about joint projects.

Interviewer: How do you handle the imbalance of power in the relationship?

OS4, R1: By being useful enough that the council wants us at the table. If we only ever turn up to defend our KPIs, we'll be treated as a contractor. If we bring insight about their estate that they can't get anywhere else, the conversation changes.

Interviewer: What advice would you give to a supplier starting a similar contract?

OS4, R1: Get the asset data right before you sign. Open your books early. And agree with the client what success looks like for both of you, in writing, in the first three months.

Interviewer: Thank you very much for your time.
"""

IE2_TEXT = """
Interviewer: Thank you for speaking with me. Could you describe your organisation and your role?

IE2, R1: I'm head of research at the Meridian Outsourcing Forum, a membership body for organisations that buy and provide outsourced services. We have around three hundred member organisations, roughly half clients and half suppliers, across the private and public sectors. My job is to run our annual benchmarking survey of outsourcing relationships, to write our practice guides, and to run the peer learning groups where members discuss what's working and what isn't.

So I don't manage a relationship myself, but I hear about a great many of them, often in more candid terms than the people involved would use in public.

Interviewer: What does your benchmarking survey tell you about the state of outsourcing relationships?

IE2, R1: Every year we ask both parties in a relationship to rate it, separately, on a ten-point scale. The average is around six and a half, which is neither good nor bad. What's striking is the gap between the two sides. Suppliers consistently rate the relationship about a point higher than their clients do. Suppliers tend to think things are going well when the SLAs are green; clients are judging on a wider set of things, including how it feels to work with the supplier.

Interviewer: In your opinion, what are the top three things that make an outsourcing relationship work really well?

IE2, R1: From our research, the first is openness: transparency and honesty between the two parties, and responsiveness when issues are raised. In the relationships that score highest, both sides share information freely, including bad news, and nobody is surprised by anything at a steering meeting.

The second is mutual goals, so that both parties benefit. The best relationships have a shared sense of what they're trying to achieve, and the commercial arrangements reward both parties for achieving it. When the supplier's profit depends on something the client doesn't want, like more volume or more change requests, the relationship is undermined however nice everyone is.

The third is cultural fit. Compatible values and ways of working. It comes up in our interviews again and again, and it's almost never assessed properly during procurement.

Interviewer: Why does openness come first in your research?

IE2, R1: Because it's the factor that most clearly separates the relationships rated eight or above from the rest. When we ask respondents in the top group what they value most, they talk about being told things early, about open-book pricing, about shared data. In the bottom group they talk about surprises: costs that appeared from nowhere, a failure they heard about from their own users, a key person who left without warning.

Interviewer: What practices support openness?

IE2, R1: The common ones in our high-scoring group are open-book accounting, a shared risk and issue register, joint access to the same service data rather than supplier-produced reports, and a no-surprises protocol that defines what gets escalated, to whom and how fast. Behaviour matters more than tools, though. The leaders have to model it. If the client's director reacts badly to the first piece of bad news, the supplier's people will never bring bad news again.

Interviewer: How do organisations arrive at mutual goals?

IE2, R1: The better ones do it explicitly, with a joint planning process, usually an annual workshop at which both leadership teams agree a small number of shared objectives linked to the client's strategy. They also talk openly about what the supplier needs, which is a fair return and usually growth. Clients sometimes feel that's not their concern, but a supplier that's losing money on a contract will eventually withdraw its best people.

Then the commercial model has to follow. Gain-share, shared savings, outcome-based payment: there are many mechanisms, and none of them is perfect, but they all try to make the supplier's success depend on the client's success. We see the partner described as an extension of the client's own enterprise. That's when it really works.

Interviewer: And cultural fit, how can it be assessed?

IE2, R1: Some members now include it in procurement explicitly. They hold workshops with shortlisted bidders, where the client's team and the supplier's proposed team work through a realistic scenario together, and the evaluators watch how they interact. Others visit the supplier's existing contracts and talk to front-line staff. A few use a formal culture survey on both sides. After contract award, we see joint induction programmes, co-location, shared away-days and mixed teams as the main ways of bringing the cultures together.

Interviewer: Are there sectors where cultural fit is especially important?

IE2, R1: Healthcare and the public sector, without doubt. Staff in those sectors often have a strong public service ethos, and many of them are transferred to the supplier when the service is outsourced. If they feel their values are not respected, morale falls, and that shows in the service very quickly. In commercial sectors like retail and logistics, the cultures tend to be closer to begin with.

Interviewer: Where do governance and measurement fit into your findings?

IE2, R1: They're important, and almost every relationship in our survey has a governance structure and a KPI set. That's partly why they don't distinguish the good from the bad as strongly. Everyone has monthly reviews and a scorecard. The question is whether those meetings are used for an honest conversation, which brings us back to openness.

Interviewer: How do your three factors relate to one another?

IE2, R1: Closely. Openness is what allows the parties to discover whether their goals really are shared, because a client that hides its priorities, or a supplier that hides its margins, can't have an honest conversation about mutual benefit. Cultural fit makes openness easier, since people find it natural to be candid with colleagues who share their values. And shared goals give both sides a reason to stay open when the news is bad. In the relationships that score lowest, we usually see all three missing at once.

Interviewer: Do clients and suppliers name different factors?

IE2, R1: Somewhat. Clients talk more about openness and responsiveness, and about the supplier understanding their business. Suppliers talk more about fair commercial terms and about clients who are clear about what they want. Both sides mention trust, but they mean slightly different things: clients mean reliability, suppliers mean being treated fairly when something goes wrong.

Interviewer: What barriers to co-creation do your members report?

IE2, R1: The most common is resource constraints, particularly on the client side, where the retained teams have been cut so far that nobody has time to work on improvement. Then misaligned goals, especially where the contract rewards volume. Power imbalance comes up a lot from suppliers, who say they're invited to innovate and then punished for the cost of trying. Intellectual property is frequently mentioned by suppliers in technology and engineering services. And a lack of trust, of course, which underlies most of the others.

Interviewer: Has anything changed in recent years?

IE2, R1: The pandemic changed a lot. Many relationships were tested in a way they'd never been before, and in our survey the ones that came out stronger were those where both sides dropped the contract for a while and just solved problems together. Several members told us that the crisis achieved in three months what years of governance meetings hadn't.

Interviewer: What would you recommend to organisations that want to improve their relationships?

IE2, R1: Measure the relationship itself, not just the service. Ask both sides, regularly, how it feels. Then talk about the answers together. It's surprisingly rare.

Interviewer: Thank you, this has been very helpful.
"""


def split_turns(text: str) -> list[tuple[str | None, str]]:
    """Split blank-line separated paragraphs into (speaker, text); continuation paragraphs get None."""
    turns: list[tuple[str | None, str]] = []
    for para in (p.strip() for p in text.strip().split("\n\n")):
        head, sep, rest = para.partition(": ")
        if sep and (head == "Interviewer" or ", R" in head):
            turns.append((head, rest))
        else:
            turns.append((None, para))
    return turns


def add_turns(document: docx.document.Document, text: str) -> None:
    """Write each turn as one paragraph with the speaker label in bold, as transcribers do."""
    for speaker, body in split_turns(text):
        para = document.add_paragraph()
        if speaker:
            para.add_run(f"{speaker}: ").bold = True
        para.add_run(body)


def new_document(title: str) -> docx.document.Document:
    """Start a document with the fictional author and a title, so files look like real deliveries."""
    document = docx.Document()
    document.core_properties.author = "Cocode demo (fictional)"
    document.core_properties.title = title
    document.styles["Normal"].font.size = Pt(11)
    return document


def build_c2(path: Path) -> None:
    """C2 carries a small header table (Respondent / Organisation / Role / Date) before the turns."""
    document = new_document("Interview C2, R1")
    document.add_heading("Interview transcript", level=1)
    table = document.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for label, value in C2_HEADER:
        cells = table.add_row().cells
        cells[0].text = label
        cells[1].text = value
    document.add_paragraph()
    add_turns(document, C2_TEXT)
    document.save(path)


def build_os4(path: Path) -> None:
    """OS4 has a one-line title paragraph, then the turns."""
    document = new_document("Interview OS4, R1")
    document.add_heading(OS4_TITLE, level=2)
    add_turns(document, OS4_TEXT)
    document.save(path)


def build_ie2(path: Path) -> None:
    """IE2 has no heading and some turns run over several paragraphs."""
    document = new_document("Interview IE2, R1")
    add_turns(document, IE2_TEXT)
    document.save(path)


def main() -> None:
    build_c2(HERE / "C2_R1_interview.docx")
    build_os4(HERE / "OS4_R1_interview.docx")
    build_ie2(HERE / "IE2_R1_interview.docx")


if __name__ == "__main__":
    main()
