"""The sections of bench/REPORT.md, each a function of the JSON results (None = that part was not measured), by
topic: headline.py, latency.py, search.py, enrolment.py, quality.py; basics.py holds what they share."""

from .enrolment import (  # noqa: F401
    api_section,
    enrol_before_after_section,
    enrol_tuning_section,
    stages_section,
)
from .headline import (  # noqa: F401
    header,
    headline,
    headline_16,
)
from .latency import (  # noqa: F401
    cpu_share_section,
    server_timing_section,
    sync_latency_section,
)
from .quality import (  # noqa: F401
    accuracy_section,
    analysis_section,
    clustering_section,
    engine_section,
    identity_review_section,
    liveness_section,
)
from .search import (  # noqa: F401
    graph_section,
    ivf_section,
    search_section,
    search_trace_section,
    tuning_section,
)
