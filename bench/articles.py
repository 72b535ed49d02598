"""Generate reproducible conflict-news articles for the benchmarks (25 sentences each)."""

from __future__ import annotations

import random

SENTENCES_PER_ARTICLE = 25  # 24 news sentences and one boilerplate line

_PLACES = [
    "Kafr Tala", "Qasr Halim", "Tel Maruf", "Ardal", "Port Selwan", "Dusan", "Karsh", "Beit Anun",
    "Wadi Sirran", "al-Mazra'a", "Hajjar", "Nova Brana", "Ostrik", "Zelenyi Hai", "Marivka",
]
_UNITS = [
    "the 41st Mechanised Brigade", "the 7th Air Assault Regiment", "the 3rd Border Guard Battalion",
    "the 112th Territorial Defence Brigade", "the 25th Special Forces Division",
    "the 9th Artillery Regiment", "the 4th Armoured Division", "the Northern Shield Brigade",
]
_ACTORS = [
    "Government forces", "Rebel fighters", "The Southern Liberation Front", "Militiamen",
    "Army units", "Fighters of the Free Coast Movement", "Police", "Security forces",
]
_PEOPLE = [
    "Gen. Tariq Soufan", "Lt. Col. Amira Haddad", "Maj. Gen. Yusuf Karim", "Col. Daria Voss",
    "Sgt. Maj. Ilya Brandt", "Brig. Gen. Omar Hadi", "Capt. Leila Nasser", "Dr. Samir Aoun",
]
_MONTHS = ["Jan.", "Feb.", "March", "April", "Aug.", "Sept.", "Oct.", "Dec."]

_TEMPLATES = [
    "{actor} shelled the outskirts of {place} on {month} {day}, a local official said.",
    "{unit} advanced {km} km along the road to {place} before dawn.",
    "{person} told reporters that the U.S. had not been informed in advance.",
    '"We will hold {place} whatever it costs," {person} said.',
    "Two drones struck a fuel depot near {place}, according to a statement from {unit}.",
    "At least {n} civilians were killed and {m} others wounded in the strike, medics said.",
    "An improvised explosive device hit a patrol of {unit} on the {place} highway.",
    "{actor} said they had taken control of {place} and {place2} after heavy clashes.",
    "The U.N. said {big} people had fled {place} since {month} {day}.",
    "Witnesses in {place} reported artillery fire at about {hour} p.m. local time.",
    "{person}, who commands {unit}, said the attack was repelled.",
    "Satellite images showed {n} destroyed vehicles near {place}.",
    "The ministry said a 12.7mm machine gun and {n} rifles were seized in {place}.",
    "Protesters gathered in central {place} to demand the release of detained fighters.",
    "Police used tear gas to disperse a crowd of about {m} people in {place}.",
    "{actor} accused {unit} of targeting residential areas in {place}.",
    "A car bomb exploded outside a checkpoint in {place}, killing {n} people.",
    "The claim could not be independently verified by Meridian Wire.",
    "Fighting also continued around {place}, where {unit} reported {n} wounded.",
    "Mortar rounds landed {km} km from the centre of {place} on Sunday.",
    "{person} said the frontline near {place} was stable.",
    "Residents said the bridge at {place} was destroyed by an air strike on {month} {day}.",
    "Ceasefire talks are due to resume in {place2} next week, diplomats said.",
    "Neither side commented on reports of prisoners being exchanged at {place}.",
]
_BOILERPLATE = [
    "© {year} Meridian Wire",
    "https://meridian-wire.example/video/{n}.mp4",
    "Please share this report and support our work.",
    "Related: [More from the frontline](#)",
]


def generate_articles(count: int, seed: int = 1) -> list[dict]:
    """``count`` articles, each 24 one-sentence news lines in paragraphs plus a boilerplate line."""
    rng = random.Random(seed)
    articles = []
    for i in range(count):
        sentences = [_fill(rng.choice(_TEMPLATES), rng) for _ in range(SENTENCES_PER_ARTICLE - 1)]
        paragraphs, pos = [], 0
        while pos < len(sentences):
            size = rng.randint(2, 4)
            paragraphs.append(" ".join(sentences[pos : pos + size]))
            pos += size
        paragraphs.append(_fill(_BOILERPLATE[i % len(_BOILERPLATE)], rng))
        place = rng.choice(_PLACES)
        articles.append(
            {
                "title": f"Fighting near {place} ({i + 1})",
                "text": "\n\n".join(paragraphs) + "\n",
                "url": f"https://meridian-wire.example/{seed}/{i + 1}",
                "published": f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            }
        )
    return articles


def _fill(template: str, rng: random.Random) -> str:
    place, place2 = rng.sample(_PLACES, 2)
    text = template.format(
        actor=rng.choice(_ACTORS), unit=rng.choice(_UNITS), person=rng.choice(_PEOPLE),
        place=place, place2=place2, month=rng.choice(_MONTHS), day=rng.randint(1, 28),
        km=f"{rng.randint(1, 30)}.{rng.randint(1, 9)}", n=rng.randint(2, 40),
        m=rng.randint(50, 900), big=f"{rng.randint(10, 900):,}00", hour=rng.randint(1, 11),
        year=rng.randint(2019, 2024),
    )
    # "{unit} advanced..." starts with "the 41st ..."; a sentence starts upper-case.
    return text[0].upper() + text[1:] if template.startswith("{") else text
