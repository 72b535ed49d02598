"""Benchmark: compare sentence splitters (syntok, pysbd, blingfire) on labelled news text.

Accuracy: every labelled paragraph below is split by each library (one paragraph at a time, as
the importer does) and compared with the hand-made answer; an error is a boundary the library
adds that is not in the answer or one it misses. Whitespace is ignored when comparing, so a
library that rewrites spaces is not penalised for it. "annotator" is our splitter
(annotator.corpus.splitting: syntok plus its repairs), measured the same way.
Speed: the 400 generated benchmark articles (10,000 sentences) split paragraph by paragraph,
median of several runs, in sentences per second.
Run: `.venv/bin/python bench/bench_split.py [--runs 5] [--show 3]`.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from itertools import pairwise
from pathlib import Path

import blingfire
import pysbd
from syntok.segmenter import segment
from syntok.tokenizer import Tokenizer

sys.path.insert(0, str(Path(__file__).resolve().parent))

from articles import generate_articles  # noqa: E402

from annotator.corpus.splitting import _repair_cuts, split_sentences  # noqa: E402

# Hand-labelled news paragraphs: (paragraph, its sentences). Written for this benchmark in the
# style of wire and field reports; the hard cases are the ones the issue names (abbreviations,
# dates, al- names, decimals, quotes) plus ranks, initials, addresses and link syntax.
LABELLED: list[tuple[str, list[str]]] = [
    ("The U.S. said it would respond. Officials met on Monday.",
     ["The U.S. said it would respond.", "Officials met on Monday."]),
    ("He flew back to the U.S. On Monday he met the envoy.",
     ["He flew back to the U.S.", "On Monday he met the envoy."]),
    ("U.S.-backed fighters took the dam. The U.K. and U.N. called for calm.",
     ["U.S.-backed fighters took the dam.", "The U.K. and U.N. called for calm."]),
    ("Gen. Samir Haddad said the line held. Nobody believed him.",
     ["Gen. Samir Haddad said the line held.", "Nobody believed him."]),
    ("Lt. Col. Amira Haddad and Sgt. Maj. Ilya Brandt were hurt. Pvt. Adams died.",
     ["Lt. Col. Amira Haddad and Sgt. Maj. Ilya Brandt were hurt.", "Pvt. Adams died."]),
    ("Maj. Gen. Ali Saleh met Lt. Gen. Yusuf Karim. They talked for an hour.",
     ["Maj. Gen. Ali Saleh met Lt. Gen. Yusuf Karim.", "They talked for an hour."]),
    ("Brig. Gen. Omar Hadi commands the brigade. Capt. Leila Nasser leads its scouts.",
     ["Brig. Gen. Omar Hadi commands the brigade.", "Capt. Leila Nasser leads its scouts."]),
    ("Sen. Jones, Rep. Smith and Gov. Brown visited Karsh. They left at noon.",
     ["Sen. Jones, Rep. Smith and Gov. Brown visited Karsh.", "They left at noon."]),
    ("Cpl. Baker and Cmdr. Wells were evacuated. Dr. Aoun treated them.",
     ["Cpl. Baker and Cmdr. Wells were evacuated.", "Dr. Aoun treated them."]),
    ("On Jan. 25 the army advanced. Troops entered the town on Feb. 3.",
     ["On Jan. 25 the army advanced.", "Troops entered the town on Feb. 3."]),
    ("Shells hit Sept. 11 Street on Dec. 31, 2023. It burned for hours.",
     ["Shells hit Sept. 11 Street on Dec. 31, 2023.", "It burned for hours."]),
    ("He arrived on Jan. 5. The rest of the unit followed.",
     ["He arrived on Jan. 5.", "The rest of the unit followed."]),
    ("Troops entered al-Numan. Al-Nusra fighters fled to Ma'arat al-Nu'man.",
     ["Troops entered al-Numan.", "Al-Nusra fighters fled to Ma'arat al-Nu'man."]),
    ("Abu Mohammad al-Golani and A. al-Hamdi met in Idlib. They did not comment.",
     ["Abu Mohammad al-Golani and A. al-Hamdi met in Idlib.", "They did not comment."]),
    ("The convoy moved 3.5 km north. It stopped 0.8 km from the 12.7mm gun.",
     ["The convoy moved 3.5 km north.", "It stopped 0.8 km from the 12.7mm gun."]),
    ("Damage reached $2.5 million. The U.N. counted 1,200 homes.",
     ["Damage reached $2.5 million.", "The U.N. counted 1,200 homes."]),
    ("Casualties rose to 1,200. The U.N. reported 3.4 million displaced.",
     ["Casualties rose to 1,200.", "The U.N. reported 3.4 million displaced."]),
    ("Troops entered the town at 06.30 local time. Nobody resisted.",
     ["Troops entered the town at 06.30 local time.", "Nobody resisted."]),
    ('"We will hold the line," he said. "Nobody leaves."',
     ['"We will hold the line," he said.', '"Nobody leaves."']),
    ("“We will not retreat,” said Col. Haddad. “Never.”",
     ["“We will not retreat,” said Col. Haddad.", "“Never.”"]),
    ('"Where are the troops?" she asked. Nobody answered.',
     ['"Where are the troops?" she asked.', "Nobody answered."]),
    ('"Fire!" the officer shouted. Nobody moved.',
     ['"Fire!" the officer shouted.', "Nobody moved."]),
    ('The ministry said: "The strike was lawful." Critics disagreed.',
     ['The ministry said: "The strike was lawful."', "Critics disagreed."]),
    ('Residents chanted "Bring our sons home." Some threw stones.',
     ['Residents chanted "Bring our sons home."', "Some threw stones."]),
    ("J. R. Haddad and A. Saleh met the envoy. They agreed on a truce.",
     ["J. R. Haddad and A. Saleh met the envoy.", "They agreed on a truce."]),
    ("The Wagner Group, led by Yevgeny V. Prigozhin, took the town. Kyiv denied it.",
     ["The Wagner Group, led by Yevgeny V. Prigozhin, took the town.", "Kyiv denied it."]),
    ("The strike came at 5 p.m. on Sunday. The next day, troops withdrew.",
     ["The strike came at 5 p.m. on Sunday.", "The next day, troops withdrew."]),
    ("The strike came at 5 p.m. The next day, troops withdrew.",
     ["The strike came at 5 p.m.", "The next day, troops withdrew."]),
    ("About ca. 20 vehicles and No. 3 battalion were hit. Approx. 300 fled.",
     ["About ca. 20 vehicles and No. 3 battalion were hit.", "Approx. 300 fled."]),
    ("The attack happened at approx. 3 a.m. local time. No one was hurt.",
     ["The attack happened at approx. 3 a.m. local time.", "No one was hurt."]),
    ("The report (see p. 4) was released. Fig. 2 shows the front line.",
     ["The report (see p. 4) was released.", "Fig. 2 shows the front line."]),
    ("By dawn [South Front](#) reported the attack. The army denied it.",
     ["By dawn [South Front](#) reported the attack.", "The army denied it."]),
    ("[South Front](#) 27 January 2020", ["[South Front](#) 27 January 2020"]),
    ("Region: [Middle East & North Africa](#)", ["Region: [Middle East & North Africa](#)"]),
    ("The video at https://example.org/a.b/c?x=1 shows the strike. It is short.",
     ["The video at https://example.org/a.b/c?x=1 shows the strike.", "It is short."]),
    ("The group posted it at www.example.org. Officials declined to comment.",
     ["The group posted it at www.example.org.", "Officials declined to comment."]),
    ("Write to press@army.example.org for passes. The office is closed.",
     ["Write to press@army.example.org for passes.", "The office is closed."]),
    ("Passes are issued by press@army.example.org. The office is closed.",
     ["Passes are issued by press@army.example.org.", "The office is closed."]),
    ("He said ... the town fell. It was over.", ["He said ... the town fell.", "It was over."]),
    ("Who fired first? Nobody knows! The inquiry continues.",
     ["Who fired first?", "Nobody knows!", "The inquiry continues."]),
    ("Rebels claimed the hill. (The claim could not be verified.) Fighting continued.",
     ["Rebels claimed the hill.", "(The claim could not be verified.)", "Fighting continued."]),
    ("Fighters (led by Gen. Ali) took the hill. The army (the 4th Div.) retreated.",
     ["Fighters (led by Gen. Ali) took the hill.", "The army (the 4th Div.) retreated."]),
    ("The army advanced; rebels retreated. Later they returned.",
     ["The army advanced; rebels retreated.", "Later they returned."]),
    ("The fighting, which began on Jan. 3, killed 40. Officials confirmed it.",
     ["The fighting, which began on Jan. 3, killed 40.", "Officials confirmed it."]),
    ("The brigade reported heavy losses.The next morning it withdrew.",
     ["The brigade reported heavy losses.", "The next morning it withdrew."]),
    ("U.K. and U.N. officials, e.g. the envoy, i.e. Smith, etc. left. Talks ended.",
     ["U.K. and U.N. officials, e.g. the envoy, i.e. Smith, etc. left.", "Talks ended."]),
    ("St. George church was hit. Mt. Hermon was quiet.",
     ["St. George church was hit.", "Mt. Hermon was quiet."]),
    ("Ph.D. students fled the campus. Classes stopped.",
     ["Ph.D. students fled the campus.", "Classes stopped."]),
    ("It was the worst since World War II. The UN agreed.",
     ["It was the worst since World War II.", "The UN agreed."]),
    ("KAFR TALA, Syria (Reuters) - Government forces shelled the town. Two died.",
     ["KAFR TALA, Syria (Reuters) - Government forces shelled the town.", "Two died."]),
    ("The Southern Liberation Front denied it had been driven out. It said its fighters "
     "withdrew in good order.",
     ["The Southern Liberation Front denied it had been driven out.",
      "It said its fighters withdrew in good order."]),
    ("Warplanes carried out over 30 air strikes across Idlib. They hit depots, roads and "
     "bridges. At least 12 militants were killed.",
     ["Warplanes carried out over 30 air strikes across Idlib.",
      "They hit depots, roads and bridges.", "At least 12 militants were killed."]),
    ("An OTR-21 Tochka missile reportedly hit a militant HQ near Bawabiya. Nonetheless, "
     "government troops gained no ground.",
     ["An OTR-21 Tochka missile reportedly hit a militant HQ near Bawabiya.",
      "Nonetheless, government troops gained no ground."]),
    ("A car bomb exploded in Azaz. At least 8 civilians were killed and 20 injured.",
     ["A car bomb exploded in Azaz.", "At least 8 civilians were killed and 20 injured."]),
    ("The 41st Mechanised Brigade entered the town at dawn. Tanks of the 4th Armoured "
     "Division followed.",
     ["The 41st Mechanised Brigade entered the town at dawn.",
      "Tanks of the 4th Armoured Division followed."]),
    ("Crosspost on your blog site, internet forums. etc.",
     ["Crosspost on your blog site, internet forums. etc."]),
    ("Disclaimer: The contents of this article are of sole responsibility of the author(s). "
     "The Centre will not be responsible for any inaccurate statement.",
     ["Disclaimer: The contents of this article are of sole responsibility of the author(s).",
      "The Centre will not be responsible for any inaccurate statement."]),
    ("Our work wouldn't be possible without your help: PayPal: desk@monitor.example or via: "
     "<https://monitor.example/donate>",
     ["Our work wouldn't be possible without your help: PayPal: desk@monitor.example or via: "
      "<https://monitor.example/donate>"]),
]

_SYNTOK_TOKENIZER = Tokenizer(replace_not_contraction=False)
_PYSBD = pysbd.Segmenter(language="en", clean=False)


def by_syntok(paragraph: str) -> list[str]:
    out = []
    for sentence in segment(_SYNTOK_TOKENIZER.tokenize(paragraph)):
        words = [t for t in sentence if t.value]
        out.append(paragraph[words[0].offset : words[-1].offset + len(words[-1].value)])
    return out


def by_pysbd(paragraph: str) -> list[str]:
    return [s for s in _PYSBD.segment(paragraph) if s.strip()]


def by_blingfire(paragraph: str) -> list[str]:
    return [s for s in blingfire.text_to_sentences(paragraph).split("\n") if s.strip()]


def by_annotator(paragraph: str) -> list[str]:
    return [paragraph[s.start : s.end] for s in split_sentences(paragraph)]


def with_repairs(split: Callable[[str], list[str]]) -> Callable[[str], list[str]]:
    """``split`` followed by the repairs our splitter applies to syntok (ranks, links, URLs)."""

    def repaired(paragraph: str) -> list[str]:
        sentences = split(paragraph)
        cuts, pos = set(), 0
        for sentence in sentences[:-1]:
            # the cut is where the next sentence's first non-space character sits
            skip = len("".join(sentence.split()))
            while skip:
                skip -= not paragraph[pos].isspace()
                pos += 1
            while paragraph[pos].isspace():
                pos += 1
            cuts.add(pos)
        bounds = [0, *sorted(_repair_cuts(paragraph, cuts)), len(paragraph)]
        return [paragraph[a:b].strip() for a, b in pairwise(bounds) if paragraph[a:b].strip()]

    return repaired


SPLITTERS: dict[str, Callable[[str], list[str]]] = {
    "syntok": by_syntok, "pysbd": by_pysbd, "blingfire": by_blingfire, "annotator": by_annotator,
}


def _boundaries(sentences: list[str]) -> tuple[set[int], str]:
    """Cut positions counted in non-space characters, and the non-space text itself."""
    cuts, pos = set(), 0
    for sentence in sentences[:-1]:
        pos += len("".join(sentence.split()))
        cuts.add(pos)
    return cuts, "".join("".join(sentences).split())


def accuracy(split: Callable[[str], list[str]]) -> tuple[int, int, int, list[str]]:
    """(wrong splits, missed splits, paragraphs with an error, examples) over LABELLED."""
    extra = missed = bad = 0
    examples = []
    for paragraph, expected in LABELLED:
        want, text = _boundaries(expected)
        got_sentences = split(paragraph)
        got, got_text = _boundaries(got_sentences)
        if got_text != text:  # a library that changes the text cannot give offsets
            bad += 1
            examples.append(f"text changed: {got_sentences!r}")
            continue
        extra += len(got - want)
        missed += len(want - got)
        if got != want:
            bad += 1
            examples.append(" | ".join(got_sentences))
    return extra, missed, bad, examples


def speed(split: Callable[[str], list[str]], paragraphs: list[str], runs: int) -> float:
    """Sentences per second (median over runs) on ``paragraphs``."""
    count = sum(len(split(p)) for p in paragraphs)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        for paragraph in paragraphs:
            split(paragraph)
        times.append(time.perf_counter() - t0)
    return count / statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--show", type=int, default=3, help="wrong paragraphs shown per library")
    args = parser.parse_args()
    boundaries = sum(len(s) - 1 for _, s in LABELLED)
    print(f"accuracy on {len(LABELLED)} labelled news paragraphs ({boundaries} boundaries):")
    for name, split in SPLITTERS.items():
        extra, missed, bad, examples = accuracy(split)
        print(f"  {name:10s} wrong splits {extra:2d}, missed splits {missed:2d}, "
              f"paragraphs with an error {bad:2d}")
        for example in examples[: args.show]:
            print(f"      {example}")
    print("each library followed by the same repairs (ranks and titles, no cut inside links, "
          "URLs, addresses; a cut after an address that ends a sentence):")
    for name in ("syntok", "pysbd", "blingfire"):
        extra, missed, bad, examples = accuracy(with_repairs(SPLITTERS[name]))
        print(f"  {name:10s} wrong splits {extra:2d}, missed splits {missed:2d}, "
              f"paragraphs with an error {bad:2d}")
        for example in examples[: args.show]:
            print(f"      {example}")
    paragraphs = [p for a in generate_articles(400, seed=1) for p in a["text"].split("\n\n")]
    paragraphs = [p for p in paragraphs if p.strip()]
    print(f"\nspeed on {len(paragraphs):,} paragraphs of 400 generated articles "
          f"(median of {args.runs} runs):")
    for name, split in SPLITTERS.items():
        print(f"  {name:10s} {speed(split, paragraphs, args.runs):>9,.0f} sentences/s")
    full = generate_articles(400, seed=1)
    times = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        count = sum(len(split_sentences(a["text"])) for a in full)
        times.append(time.perf_counter() - t0)
    print(f"  annotator, whole articles (paragraphs, boilerplate flags): "
          f"{count / statistics.median(times):,.0f} sentences/s ({count:,} sentences)")


if __name__ == "__main__":
    main()
