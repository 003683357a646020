"""Face++ v3 endpoints (`/facepp/v3/...`) as `python-facepp` (facepplib) and Face++'s own SDKs call them: every call a
POST with `api_key` and `api_secret` among form arguments (urlencoded or multipart; the query string works too),
unknown arguments ignored, every answer JSON with `request_id` and `time_used` (except the guide's bare errors and
the plain-text 413).

A FaceSet is a FaceLib face set (its `faceset_token`, `outer_id`, display name and tags are face-set fields), a
face token a FaceLib face: what one dialect adds, the others and the dashboard see. Detected faces are kept 72 hours
unless they join a FaceSet (services.lifecycle); a face removed from its last set gets 72 hours again. Scores are on
Face++'s 0..100 scale with its three thresholds (recognition.calibration).

The views by area: images.py (detect, compare, search), facesets.py, faces.py (and the JSON 404 for unknown
paths); what they share is in base.py.
"""

from .faces import (  # noqa: F401
    FaceAnalyzeView,
    FaceDetailView,
    FaceSetUserIdView,
    UnknownApiView,
)
from .facesets import (  # noqa: F401
    FaceSetAddFaceView,
    FaceSetCreateView,
    FaceSetDeleteView,
    FaceSetDetailView,
    FaceSetListView,
    FaceSetRemoveFaceView,
    FaceSetUpdateView,
    FaceSetWriteView,
)
from .images import (  # noqa: F401
    CompareView,
    DetectView,
    SearchView,
)
