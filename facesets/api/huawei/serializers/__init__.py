"""Huawei FRS v2 wire formats: request bodies in (JSON or multipart), response bodies out.

Input serializers check shapes only (types, ranges, exclusive inputs); the rules of the library (names, capacities,
field schemas and values, filters) are the services'. A failed input check carries a code that views turn into the
FRS error: required/null/blank -> FRS.0011, not_json -> FRS.0014, base64 -> FRS.0015, empty -> FRS.0016,
too_large -> FRS.0017, anything else -> FRS.0012.

Output serializers render model rows and the workers' results in the field names and scales of the spec (section
5.2) and of huaweicloudsdkfrs' model classes; similarities are calibrated (recognition.calibration.huawei_similarity:
0.93 = same person).

fields.py holds the input checks the bodies share, requests.py the request bodies, responses.py the answers.
"""

from .fields import (  # noqa: F401
    KNOWN_ATTRIBUTES,
    MAX_OFFSET_PLUS_LIMIT,
    QUALITY,
    VALIDATION_CODES,
    Base64ImageField,
    FastText,
    FiniteFloatField,
    ImageFileField,
    JSONObjectField,
    ReturnFieldsField,
    SortField,
    TextField,
    exactly_one,
    first_error,
)
from .requests import (  # noqa: F401
    VIDEO_MAX_BYTES,
    Base64VideoField,
    HuaweiAddFacesRequestSerializer,
    HuaweiBatchDeleteRequestSerializer,
    HuaweiCompareRequestSerializer,
    HuaweiCreateFaceSetRequestSerializer,
    HuaweiDetectRequestSerializer,
    HuaweiLiveDetectRequestSerializer,
    HuaweiLiveDetectResponseSerializer,
    HuaweiSearchRequestSerializer,
    HuaweiShowFacesQuerySerializer,
    HuaweiTokenRequestSerializer,
    HuaweiTypeInfoSerializer,
    HuaweiUpdateFaceRequestSerializer,
    ImageInputSerializer,
    LiveDetectActionSerializer,
    LiveDetectVideoResultSerializer,
    LiveDetectWarningSerializer,
    VideoFileField,
)
from .responses import (  # noqa: F401
    HuaweiAttributesSerializer,
    HuaweiBoundingBoxSerializer,
    HuaweiCompareFaceSerializer,
    HuaweiCompareResponseSerializer,
    HuaweiDeleteFaceSetResponseSerializer,
    HuaweiDetectFaceSerializer,
    HuaweiDetectResponseSerializer,
    HuaweiErrorSerializer,
    HuaweiFaceNumberResponseSerializer,
    HuaweiFaceQualitySerializer,
    HuaweiFaceSetFaceSerializer,
    HuaweiFaceSetInfoResponseSerializer,
    HuaweiFaceSetInfoSerializer,
    HuaweiFaceSetsInfoResponseSerializer,
    HuaweiFacesResponseSerializer,
    HuaweiSearchFaceSerializer,
    HuaweiSearchResponseSerializer,
    HuaweiTokenResponseSerializer,
    box_dict,
    detected_face,
)
