"""Huawei FRS v2 endpoints (spec sections 4.1, 4.2, 4.4-4.6) and the IAM token endpoint (3.2-3.3).

Each view authenticates (auth.HuaweiAuthentication), checks the input's shape (serializers), calls one service or
selector, and renders the answer or the error in Huawei's terms (errors). Inference (add, search by image, detect,
compare) runs in a Celery worker through services.runs, waiting at most FACELIB_SYNC_TIMEOUT.

The views by area: token.py, library.py (face sets and faces), images.py (search, detect, compare), liveness.py,
unknown.py; what they share is in base.py.
"""

from .images import (  # noqa: F401
    CompareView,
    DetectView,
    SearchView,
)
from .library import (  # noqa: F401
    FacesBatchView,
    FaceSetsView,
    FaceSetView,
    FacesView,
)
from .liveness import (  # noqa: F401
    LiveDetectFaceView,
    LiveDetectV1View,
    LiveDetectView,
)
from .token import (  # noqa: F401
    TokenView,
)
from .unknown import (  # noqa: F401
    UnknownApiView,
)
