"""What counts as finished work, for agreement, adjudication, feedback and the export."""

from __future__ import annotations

from annotator.corpus.models import Sentence

# Only finished work counts: an in-progress annotation is a draft, and a skipped sentence
# was not read to the end; both are missing data (absent), never "marked nothing".
COUNTED_STATUS = "done"
# A sentence an admin excluded from annotation (boilerplate, even one excluded after it was
# annotated) counts nowhere: not in agreement, not in the automatic gold pass or the conflict
# queue, not in annotators' feedback, not in the export. Its annotations and gold stay stored
# and count again if it is included again.
COUNTED_SENTENCE = Sentence.excluded.is_(False)
