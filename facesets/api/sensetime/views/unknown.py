"""Unknown paths under the SenseTime prefixes: NOT_FOUND in SenseTime's envelope, not Django's HTML 404."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema

from facesets.exceptions import DomainError

from ..errors import SenseTimeError
from .base import SenseTimeView


@extend_schema(exclude=True)
class UnknownApiView(SenseTimeView):
    """Answers NOT_FOUND for any method; a valid credential is still counted (and gets its rate-limit headers),
    a missing or wrong one does not turn the 404 into a 401."""

    def initial(self, request, *args, **kwargs) -> None:
        try:
            super().initial(request, *args, **kwargs)
        except SenseTimeError as error:
            if error.status == "RATE_LIMIT_EXCEEDED":
                raise
        except DomainError:
            pass
        raise SenseTimeError("NOT_FOUND", f"there is no API {request.path}")
