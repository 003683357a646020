"""Huawei FRS v2 paths (and live-detect on v1 too), as huaweicloudsdkfrs calls them, and the IAM token path."""

from django.urls import path, re_path

from . import views

app_name = "huawei"

urlpatterns = [
    path("v3/auth/tokens", views.TokenView.as_view(), name="token"),
    path("v2/<str:project_id>/face-sets", views.FaceSetsView.as_view(), name="face-sets"),
    path("v2/<str:project_id>/face-sets/<str:face_set_name>", views.FaceSetView.as_view(), name="face-set"),
    path("v2/<str:project_id>/face-sets/<str:face_set_name>/faces", views.FacesView.as_view(), name="faces"),
    path(
        "v2/<str:project_id>/face-sets/<str:face_set_name>/faces/batch",
        views.FacesBatchView.as_view(),
        name="faces-batch",
    ),
    path("v2/<str:project_id>/face-sets/<str:face_set_name>/search", views.SearchView.as_view(), name="search"),
    path("v2/<str:project_id>/face-detect", views.DetectView.as_view(), name="detect"),
    path("v2/<str:project_id>/face-compare", views.CompareView.as_view(), name="compare"),
    # Video liveness: v2 for the SDK's *_intl methods, v1 for the others; one view.
    path("v2/<str:project_id>/live-detect", views.LiveDetectView.as_view(), name="live-detect"),
    path("v1/<str:project_id>/live-detect", views.LiveDetectV1View.as_view(), name="live-detect-v1"),
    path("v1/<str:project_id>/live-detect-face", views.LiveDetectFaceView.as_view(), name="live-detect-face"),
    # Other FRS paths (typos, live-detect-face on v2): APIG.0101 in Huawei's envelope rather than Django's HTML 404.
    re_path(r"^v[12]/(?P<project_id>[^/]+)/(?:face-|live-detect)", views.UnknownApiView.as_view(), name="unknown"),
]
