"""The parameters of each kind of worker job: one frozen dataclass per kind, so that what a web request queues and
what a worker reads are the same named, typed fields (not free dict keys).

A job's parameters are stored as JSON on its Task (shared by every item) and its TaskItems (per photo), and merged
when an item is processed. `parse` refuses a key the kind does not know, and a missing required one, at submit time
(task_submit) as in the worker; ids are database keys of the caller's project, checked again by the worker.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, ClassVar, Self


@dataclasses.dataclass(frozen=True, kw_only=True)
class JobParams:
    """Base of the parameter schemas; `kind` is the task kind it belongs to."""

    kind: ClassVar[str] = ""
    # The work stores nothing that a retry would not make again (a search, a detection, a comparison): the photo of a
    # synchronous call of this kind may wait for its worker in the cache rather than in the database (services.tasks).
    transient: ClassVar[bool] = False
    # The work only reads the library (a search, an analysis, a comparison's embedding): a synchronous call of this
    # kind runs without a transaction of its own (services.calls: two round trips less to PostgreSQL).
    reads_only: ClassVar[bool] = False
    # Parameters that describe the library at the time of asking rather than the question (a face set's size): a
    # review asked again with only these changed is the same review (services.runs.insight_find).
    circumstantial: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def parse(cls, data: Mapping[str, Any] | None) -> Self:
        data = dict(data or {})
        names = {field.name for field in dataclasses.fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise ValueError(f"{cls.kind} jobs have no parameter {', '.join(unknown)}")
        try:
            return cls(**data)
        except TypeError as error:  # a required parameter is missing
            raise ValueError(f"{cls.kind} job parameters: {error}") from None

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _job(kind: str):
    def register(cls):
        cls.kind = kind
        return dataclasses.dataclass(frozen=True, kw_only=True)(cls)

    return register


# --- photos in, inference in the worker ---------------------------------------------------------------------------


@_job("face_set.enrol")
class FaceSetEnrol(JobParams):
    """Add the faces of a photo to a face set (the largest only with `single`)."""

    face_set: int
    external_image_id: str | None = None  # per photo (item); generated when absent
    external_fields: dict | None = None
    single: bool = False
    person: int | None = None
    formats: list[str] | None = None
    face_set_id: str | None = None  # for the task page, which shows the set
    source: str | None = None  # who queued it: "dashboard", "import_faces"
    root: str | None = None  # import_faces: the folder, so an interrupted import resumes
    skip_duplicates: bool = False  # the same photo already in the set is reported, not enrolled again (dashboard)
    box: list[int] | None = None  # [x, y, w, h]: enrol only the face found there (chosen on the detect page)
    batch: str | None = None  # the dashboard upload this task is part of (one upload, several tasks)


@_job("person.enrol")
class PersonEnrol(JobParams):
    """Add the largest face of a photo to a person."""

    person: int
    formats: list[str] | None = None
    source: str | None = None


@dataclasses.dataclass(frozen=True, kw_only=True)
class _DetectAndKeep(JobParams):
    user_data: str = ""
    formats: list[str] | None = None
    ttl_hours: int | None = None  # lifetime of the detected faces (default FACELIB_DETECTED_FACE_TTL_HOURS)


@_job("image.detect")
class ImageDetect(_DetectAndKeep):
    """Detect and keep (as expiring detected faces) the faces of a photo."""

    transient = True

    max_faces: int | None = None


@_job("image.detect_upright")
class ImageDetectUpright(_DetectAndKeep):
    """Detect and keep the faces of a photo within image limits, optionally trying it turned a quarter at a time."""

    transient = True

    auto_rotate: bool = False
    analysis: bool = False  # also the face analysis (mesh, pose, eyes, mouth), kept with each face
    analysis_max_faces: int | None = None  # only the largest faces are analysed (Face++: 5 unless calculate_all)
    max_bytes: int | None = None
    max_side: int | None = None
    min_side: int | None = None


@_job("image.analyse")
class ImageAnalyse(JobParams):
    """Detect the faces of a photo, storing nothing."""

    transient = True
    reads_only = True

    formats: list[str] | None = None
    max_faces: int | None = None
    analysis: bool = False  # also the face analysis (mesh, pose, eyes, mouth) of each face


@_job("search")
class Search(JobParams):
    """Search a face set (with an optional filter) or a group with the largest face of a photo, or the face at `box`."""

    transient = True
    reads_only = True

    face_set: int | None = None
    group: int | None = None
    groups: list[int] | None = None  # the persons of any of these groups
    person: int | None = None  # one person's faces
    filter: str | None = None
    limit: int = 10
    min_cosine: float | None = None
    formats: list[str] | None = None
    box: list[int] | None = None  # [x, y, w, h]: search with the face found there instead of the largest


@_job("person.register")
class PersonRegister(JobParams):
    """Give the largest face of a photo to the person with this uid, in these groups (Baidu's user/add, update)."""

    uid: str
    user_info: str | None = None
    groups: list[str] = dataclasses.field(default_factory=list)  # group outer ids, created when missing
    create: bool = True  # register the uid when it does not exist yet
    replace: bool = False  # the photo replaces all the person's faces
    reject_duplicate: bool = False  # a photo the person already has is refused
    formats: list[str] | None = None


@_job("image.embed")
class ImageEmbed(JobParams):
    """The largest face of a photo and its vector, storing nothing (one item per photo of a comparison)."""

    transient = True
    reads_only = True

    formats: list[str] | None = None


@_job("video.liveness")
class VideoLiveness(JobParams):
    """Did the largest face of a clip perform the actions (recognition.liveness)? The clip is the payload, cleared
    when the item finishes."""

    actions: list[int]
    windows: list[list[float]] | None = None  # [start, end] ms per action, or None: in order
    nod_threshold: float = 10.0
    max_seconds: float = 15.0
    min_seconds: float = 1.0
    trace: bool = False  # the per-frame signals too (the dashboard plots them)


# --- stored faces compared, no inference (queued so that a slow one can be collected later by its task id) -------
# The *_id fields are the ids as the caller gave them, kept so that the answer can be rendered from the task alone.


@_job("face.verify")
class FaceVerify(JobParams):
    """A stored face against another face (`face2`) or a person."""

    face: int
    face2: int | None = None
    person: int | None = None
    face_id: str = ""
    face2_id: str | None = None
    person_id: str | None = None


@_job("face.search")
class FaceSearch(JobParams):
    """The faces most similar to a stored face, in a face set or among listed faces."""

    face: int
    face_set: int | None = None
    faces: list[int] | None = None
    limit: int = 3
    face_id: str = ""
    faceset_id: str | None = None


@_job("face.identify")
class FaceIdentify(JobParams):
    """The persons of a group most similar to a stored face."""

    face: int
    group: int
    limit: int = 2
    face_id: str = ""
    group_id: str = ""


@_job("face.training")
class FaceTraining(JobParams):
    """Check that the faces in scope carry vectors of the current model."""

    faces: list[int] = dataclasses.field(default_factory=list)
    persons: list[int] = dataclasses.field(default_factory=list)
    face_sets: list[int] = dataclasses.field(default_factory=list)
    groups: list[int] = dataclasses.field(default_factory=list)


# --- reviews of the stored vectors: stored tasks (collectable, with progress), as they can take minutes -----------


@_job("identities.review")
class IdentitiesReview(JobParams):
    """Persons that are probably one human and faces that probably belong to someone else (selectors.identities)."""

    min_cosine: float
    limit: int = 100


@_job("thresholds.calibrate")
class ThresholdsCalibrate(JobParams):
    """Genuine and impostor scores of the labelled faces and what a threshold does with them (selectors.thresholds)."""

    circumstantial = ("set_size",)  # a set being enrolled into grows between two looks at the same measurement

    threshold: float  # raw cosine
    face_set: int | None = None  # only the labelled faces of this face set
    set_size: int | None = None  # the one-to-many search's size, for the false-positive identification rate


@_job("faces.cluster")
class FacesCluster(JobParams):
    """Group the faces that belong to no person by who they show (selectors.clusters)."""

    min_cosine: float


SCHEMAS: dict[str, type[JobParams]] = {
    cls.kind: cls
    for cls in (
        FaceSetEnrol,
        PersonEnrol,
        ImageDetect,
        ImageDetectUpright,
        ImageAnalyse,
        Search,
        PersonRegister,
        ImageEmbed,
        VideoLiveness,
        FaceVerify,
        FaceSearch,
        FaceIdentify,
        FaceTraining,
        IdentitiesReview,
        ThresholdsCalibrate,
        FacesCluster,
    )
}
