"""Domain errors. Each has a stable `code`; every dialect maps codes to its own error code, status and envelope.

The services raise these and never anything dialect-specific. `field` names the argument at fault when there is one,
so that a dialect can say which parameter was wrong (SenseTime's `reason`, Face++'s `BAD_ARGUMENTS:<key>`).
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base of all domain errors: a stable machine code, a human message, the argument at fault.

    The base class itself stands for a failure nobody foresaw (a worker's unexpected error comes back as one).
    """

    code = "internal_error"

    def __init__(self, message: str = "", *, field: str | None = None, **details: Any) -> None:
        super().__init__(message or self.code)
        self.message = message or self.code
        self.field = field
        self.details = details

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, field={self.field!r}, message={self.message!r})"


class InvalidArgument(DomainError):
    code = "invalid_argument"


class NotFound(DomainError):
    """Base for unknown ids. A request for another project's object gets the same error as an unknown one."""

    code = "not_found"


class ProjectNotFound(NotFound):
    code = "project_not_found"


class FaceSetNotFound(NotFound):
    code = "face_set_not_found"


class FaceNotFound(NotFound):
    code = "face_not_found"


class PersonNotFound(NotFound):
    code = "person_not_found"


class GroupNotFound(NotFound):
    code = "group_not_found"


class ImageNotFound(NotFound):
    code = "image_not_found"


class TaskNotFound(NotFound):
    code = "task_not_found"


class AlreadyExists(DomainError):
    code = "already_exists"


class FaceSetNameTaken(AlreadyExists):
    code = "face_set_name_taken"


class InvalidName(InvalidArgument):
    code = "invalid_name"


class InvalidCapacity(InvalidArgument):
    code = "invalid_capacity"


class InvalidFieldSchema(InvalidArgument):
    """A face set's custom-field definitions are malformed (count, key, reserved name, type)."""

    code = "invalid_field_schema"


class InvalidFieldValue(InvalidArgument):
    """A face's custom-field values do not fit the face set's schema (unknown key, wrong type, bad length).

    `details["reason"]`: "undefined" (the key is not in the schema), "type" (the value does not fit its field's type
    or length) or "not_object" (the values are not an object).
    """

    code = "invalid_field_value"


class InvalidExternalImageId(InvalidArgument):
    code = "invalid_external_image_id"


class FaceSetFull(DomainError):
    code = "face_set_full"


class DuplicatePhoto(DomainError):
    """The very same photo (same bytes) is already in the face set; `details["face_ids"]` names its faces there.
    Raised only for enrolments that ask for it (the dashboard's), never to the vendor dialects."""

    code = "duplicate_photo"


class QuotaExceeded(DomainError):
    """A per-project quota would be exceeded; `details["quota"]` names it."""

    code = "quota_exceeded"


class ImageInvalid(DomainError):
    """The image could not be used: empty, not an image, corrupt, too large, unsupported format.

    `details["reason"]` carries the image decoder's code.
    """

    code = "image_invalid"


class VideoInvalid(DomainError):
    """The video could not be used; `details["reason"]`: "unreadable" (not a video, unknown container, truncated),
    "frame_size" (absurd frame dimensions), "duration" (outside the allowed length) or "time" (the analysis ran out
    of time)."""

    code = "video_invalid"


class ImageFetchFailed(DomainError):
    code = "image_fetch_failed"


class NoFace(DomainError):
    code = "no_face"


class FaceTooSmall(NoFace):
    """Faces were found but all are smaller than FACELIB_MIN_FACE_SIZE; a NoFace for callers that do not care."""

    code = "face_too_small"


class EmptyGroup(DomainError):
    code = "empty_group"


class EmptyPerson(DomainError):
    """The person has no face to compare with."""

    code = "empty_person"


class EmptyFaceSet(DomainError):
    """The faces to search among are none: an empty face set or an empty list of faces."""

    code = "empty_face_set"


class Timeout(DomainError):
    """The work did not finish within the synchronous budget; `details["task_id"]`, when the work went through a
    stored task (services.tasks), lets the caller collect it."""

    code = "timeout"


class ModelMismatch(DomainError):
    """Vectors made by different recognition models cannot be compared."""

    code = "model_mismatch"


class FilterInvalid(InvalidArgument):
    """Bad filter or sort syntax, an unknown field or a mistyped value; `details["reason"]` says which."""

    code = "filter_invalid"


class SortInvalid(InvalidArgument):
    """Bad sort syntax, an unknown field or a sort on a non-numeric field; `details["reason"]` says which."""

    code = "sort_invalid"


class MissingArgument(InvalidArgument):
    """A required argument is absent. `details["arguments"]` names the arguments of which one was expected."""

    code = "missing_argument"


class RequestInvalid(InvalidArgument):
    """The request as a whole cannot be read (an unparseable body, a body that is not an object of arguments)."""

    code = "request_invalid"


class AuthenticationFailed(DomainError):
    """No valid credential: unknown key, wrong secret or signature, or a bad token."""

    code = "authentication_failed"


class CredentialRevoked(AuthenticationFailed):
    """The credential exists but was revoked (`details["revoked"]`: when, ISO 8601)."""

    code = "credential_revoked"


class TokenExpired(AuthenticationFailed):
    """A signed token that was valid but whose lifetime ran out."""

    code = "token_expired"
