"""Every domain's models in one import: what Alembic and the factory see."""

from annotator.adjudication.models import (  # noqa: F401
    AdjudicationSetting,
    GoldDecision,
    GoldSentence,
    GoldSpanRow,
)
from annotator.annotation.models import Annotation, SpanRow, Status  # noqa: F401
from annotator.assignments.models import Assignment, Batch, BatchSentence  # noqa: F401
from annotator.audit.models import AuditEvent  # noqa: F401
from annotator.auth.models import (  # noqa: F401
    ApiToken,
    LoginSession,
    RateLimitCounter,
    Role,
    User,
)
from annotator.corpus.models import Document, Sentence  # noqa: F401
from annotator.jobs.models import Job, JobFile  # noqa: F401
from annotator.learning.models import TrainedModel  # noqa: F401
from annotator.projects.models import Project, ProjectMember  # noqa: F401
from annotator.suggestions.models import (  # noqa: F401
    GazetteerEntry,
    GazetteerList,
    SuggestionEvent,
    SuggestionPattern,
    SuggestionSetting,
)
