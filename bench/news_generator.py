"""Generate original conflict-news articles with gold spans (ACTOR, LOCATION, UNIT, EVENT),
reproducible for a seed: training data for the model's tests and benchmarks, and a seeded
project for the suggestion benchmarks.

``generate_articles(count, seed)`` gives plain data (title, text, spans with document
offsets); ``seed_gold(session, project_id, articles)`` imports them into a project and stores
each sentence's spans as complete, curator-made gold (what adjudication would leave).

The names are invented; the templates mix spans with plain words so that a model has to learn
context ("forces loyal to ...", "the town of ...") and not just a list.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass, field
from typing import Any

_ACTORS = [
    "the Southern Liberation Front", "the Free Coast Movement", "government forces",
    "the Khadra Brigades", "tribal militiamen", "the Popular Defence Committees",
    "the Army of the Two Rivers", "rebel fighters", "the Union of Northern Tribes",
    "border police", "the National Guard", "the Ansar al-Wadi group", "pro-government militias",
    "the Eastern Alliance", "the People's Protection Councils", "insurgents",
    "the Martyrs of Dawn Battalions", "security forces", "the Azure Mountain Front",
    "local self-defence groups", "the Revolutionary Vanguard", "the Coastal Shield militia",
]
_PLACES = [
    "Kafr Tala", "Qasr Halim", "Tel Maruf", "Ardal", "Port Selwan", "Dusan", "Karsh",
    "Beit Anun", "Wadi Sirran", "al-Mazra'a", "Hajjar", "Nova Brana", "Ostrik", "Zelenyi Hai",
    "Marivka", "Jisr al-Ghaba", "Ras Umayra", "Sahl Barak", "Dar Hilal", "Khirbet Naim",
    "Velyka Sosna", "Tarnopil", "Bir Salem", "Umm Khadija", "Nahr Zeitun", "Maaret Sufan",
    "Lower Kesh", "Abu Dhuhur al-Jadida", "Shatila Heights", "Mount Qarun",
]
_UNITS = [
    "the 41st Mechanised Brigade", "the 7th Air Assault Regiment",
    "the 3rd Border Guard Battalion", "the 112th Territorial Defence Brigade",
    "the 25th Special Forces Division", "the 9th Artillery Regiment",
    "the 4th Armoured Division", "the Northern Shield Brigade", "the 18th Marine Battalion",
    "the 2nd Rapid Reaction Regiment", "the 63rd Infantry Brigade",
    "the 11th Coastal Defence Battalion", "the 5th Commando Regiment",
    "the Desert Falcons Brigade", "the 30th Engineering Battalion",
]
# Trigger words and their event types (the EVENT span is the trigger).
_EVENTS = {
    "shelled": "shelling_artillery_missile", "bombarded": "shelling_artillery_missile",
    "clashed": "armed_clash", "fought": "armed_clash",
    "airstrike": "air_drone_strike", "drone strike": "air_drone_strike",
    "ambush": "armed_clash", "recaptured": "government_regains_territory",
    "seized": "non_state_actor_overtakes_territory", "roadside bomb": "remote_explosive",
    "protest": "protest", "riot": "riot", "executed": "violence_against_civilians",
    "withdrew": "strategic_development",
}
_VERB_EVENTS = ["shelled", "bombarded", "recaptured", "seized", "executed"]
_NOUN_EVENTS = ["airstrike", "drone strike", "ambush", "roadside bomb"]
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"]

# {A} actor, {A2} a second actor, {P} place, {P2} second place, {U} unit, {V} verb trigger,
# {N} noun trigger, {CL} "clashed/fought", {n} number, {d} day, {m} month: plain filler.
_TEMPLATES = [
    "{A} {V} positions held by {A2} near {P} on {m} {d}, a local official said.",
    "Fighters from {U} {CL} with {A} on the outskirts of {P} overnight.",
    "The {N} killed at least {n} people in {P}, according to medics at the main hospital.",
    "{U} said it had {V} the villages of {P} and {P2} after two days of fighting.",
    "Residents of {P} said {A} had set up checkpoints on the road to {P2}.",
    "The commander of {U} told reporters that {A} had lost {n} fighters around {P}.",
    "Another {N} on a convoy of {U} near {P} left {n} soldiers wounded.",
    "{A} {CL} with {A2} for control of the bridge at {P} until late on {m} {d}.",
    "Hundreds of people joined a {PR} in the centre of {P} against the rising price of bread.",
    "Witnesses in {P} described the {N} as the heaviest since the war began.",
    "{A} withdrew from {P} and regrouped in {P2}, a spokesman for {U} said.",
    "No group claimed the {N}, which struck a market in {P} shortly after noon.",
    "Aid workers said the road between {P} and {P2} had been closed for {n} days.",
    "In a statement, {A} accused {A2} of breaking the ceasefire in {P}.",
    "The army said {U} had {V} the hills above {P} with the help of {A}.",
    "Talks between {A} and {A2} are expected to resume in {P} next week.",
]


_SYLLABLES = ["ka", "ra", "sel", "mun", "dar", "zi", "tal", "ho", "bek", "na", "vo", "ris",
              "ham", "qu", "len", "ost", "ma", "dub", "sha", "yar"]
_PREFIXES = ["Kafr ", "Tel ", "Beit ", "Ras ", "Nova ", "", "", ""]
_UNIT_KINDS = ["Mechanised Brigade", "Infantry Regiment", "Border Guard Battalion",
               "Artillery Brigade", "Marine Battalion", "Air Assault Brigade", "Tank Regiment"]
NEW_NAME_SHARE = 0.3  # places and units made up on the spot: never seen in training


def _new_place(rng: random.Random) -> str:
    word = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3)))
    return rng.choice(_PREFIXES) + word.capitalize()


def _new_unit(rng: random.Random) -> str:
    number = rng.randint(1, 150)
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10,
                                                                                 "th")
    return f"the {number}{suffix} {rng.choice(_UNIT_KINDS)}"


@dataclass(frozen=True)
class GeneratedSpan:
    """A gold span, offsets into the text it belongs to (article or sentence)."""

    start: int
    end: int
    label: str
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass
class GeneratedArticle:
    title: str
    text: str
    spans: list[GeneratedSpan]


def _capitalised(text: str, at_start: bool) -> str:
    return text[0].upper() + text[1:] if at_start and text else text


def generate_sentence(rng: random.Random) -> tuple[str, list[GeneratedSpan]]:
    """One sentence and its spans (sentence offsets)."""
    template = rng.choice(_TEMPLATES)
    actors = rng.sample(_ACTORS, 2)
    places = [_new_place(rng) if rng.random() < NEW_NAME_SHARE else place
              for place in rng.sample(_PLACES, 2)]
    unit = _new_unit(rng) if rng.random() < NEW_NAME_SHARE else rng.choice(_UNITS)
    fills: dict[str, tuple[str, str | None, dict[str, str]]] = {
        "A": (actors[0], "ACTOR", {}), "A2": (actors[1], "ACTOR", {}),
        "P": (places[0], "LOCATION", {}), "P2": (places[1], "LOCATION", {}),
        "U": (unit, "UNIT", {}),
        "n": (str(rng.randint(2, 60)), None, {}), "d": (str(rng.randint(1, 28)), None, {}),
        "m": (rng.choice(_MONTHS), None, {}),
    }
    for key, words in (("V", _VERB_EVENTS), ("N", _NOUN_EVENTS),
                       ("CL", ["clashed", "fought"]), ("PR", ["protest", "riot"])):
        trigger = rng.choice(words)
        fills[key] = (trigger, "EVENT", {"event_type": _EVENTS[trigger]})
    if "{A} withdrew" in template:
        template = template.replace("{A} withdrew", "{A} {W}")
        fills["W"] = ("withdrew", "EVENT", {"event_type": _EVENTS["withdrew"]})
    out: list[str] = []
    spans: list[GeneratedSpan] = []
    position = 0
    length = 0
    for match in re.finditer(r"\{(\w+)\}", template):
        plain = template[position:match.start()]
        out.append(plain)
        length += len(plain)
        text, label, attributes = fills[match.group(1)]
        text = _capitalised(text, length == 0)
        if label is not None:
            spans.append(GeneratedSpan(length, length + len(text), label, dict(attributes)))
        out.append(text)
        length += len(text)
        position = match.end()
    out.append(template[position:])
    sentence = "".join(out)
    return sentence, spans


def generate_articles(count: int, seed: int = 0, sentences: int = 10) -> list[GeneratedArticle]:
    """``count`` articles of ``sentences`` sentences each, with their spans (article offsets)."""
    rng = random.Random(seed)
    articles = []
    for i in range(count):
        parts: list[str] = []
        spans: list[GeneratedSpan] = []
        offset = 0
        for _ in range(sentences):
            text, own = generate_sentence(rng)
            spans.extend(GeneratedSpan(s.start + offset, s.end + offset, s.label, s.attributes)
                         for s in own)
            parts.append(text)
            offset += len(text) + 1
        place = rng.choice(_PLACES)
        articles.append(GeneratedArticle(f"Fighting around {place}, report {seed}-{i}",
                                         " ".join(parts), spans))
    return articles


def articles_jsonl(articles: list[GeneratedArticle]) -> bytes:
    """The articles as an import file (.jsonl: title, text)."""
    return "\n".join(json.dumps({"title": a.title, "text": a.text}) for a in articles).encode()


def seed_gold(session: Any, project_id: int, articles: list[GeneratedArticle]) -> int:
    """Import ``articles`` into the project and store their spans as complete gold, sentence
    by sentence (flushed, not committed); the number of gold sentences."""
    # Imported here: the generator itself needs nothing of the app (bench scripts, tests).
    from sqlalchemy import select

    from annotator.adjudication.models import GoldSentence, GoldSpanRow
    from annotator.corpus.importing import import_articles
    from annotator.corpus.models import Document, Sentence

    import_articles(session, project_id, [("generated.jsonl", articles_jsonl(articles))])
    by_title = {a.title: a for a in articles}
    rows = session.execute(
        select(Sentence, Document.title).join(Document, Document.id == Sentence.document_id)
        .where(Sentence.project_id == project_id, Sentence.excluded.is_(False))
    ).all()
    count = 0
    for sentence, title in rows:
        article = by_title.get(title)
        if article is None:
            continue
        gold = GoldSentence(sentence_id=sentence.id, status="complete")
        session.add(gold)
        for span in article.spans:
            if span.start >= sentence.start and span.end <= sentence.end:
                gold.spans.append(GoldSpanRow(
                    start=span.start - sentence.start, end=span.end - sentence.start,
                    label=span.label, attributes=span.attributes, source="curator",
                    votes=0, voters=0, annotators=[]))
        count += 1
    session.flush()
    return count
