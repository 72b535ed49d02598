"""CoNLL: one ``TOKEN TAG`` line per token with BIO (IOB2) tags, CoNLL-2003 style (pure)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from annotator.export.alignment import align, bio_tags
from annotator.export.records import ExportDocument, ExportHeader, sorted_spans
from annotator.export.tally import Tally

# CoNLL-2003's document separator as spaCy's converter (`spacy convert -c ner`) spells it;
# other readers (Hugging Face, flair, seqeval scripts) skip any line starting with -DOCSTART-.
CONLL_DOCSTART = "-DOCSTART- -X- O O"


def write_conll(
    header: ExportHeader, documents: Iterable[ExportDocument], tally: Tally
) -> Iterator[str]:
    """Yield CoNLL-2003-style text: ``TOKEN TAG`` per line, a blank line after each sentence,
    and ``-DOCSTART- -X- O O`` plus a blank line before each document."""
    for document in documents:
        tally.add_document(document)
        lines = [CONLL_DOCSTART, ""]
        for sentence in document.sentences:
            spans = sorted_spans(sentence.spans)
            alignment = align(sentence.text, spans)
            tally.add_sentence(document, sentence, alignment.off_boundary, alignment.dropped)
            if not alignment.tokens:
                continue
            text = sentence.text
            for (start, end), tag in zip(alignment.tokens, bio_tags(alignment, spans), strict=True):
                lines.append(f"{text[start:end]} {tag}")
            lines.append("")
        yield "\n".join(lines) + "\n"
