"""Huawei FRS v2 paths, as huaweicloudsdkfrs calls them, and the IAM token path."""

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
    # Other FRS paths (live-detect, typos): APIG.0101 in Huawei's envelope rather than Django's HTML 404.
    re_path(r"^v2/(?P<project_id>[^/]+)/(?:face-|live-detect)", views.UnknownApiView.as_view(), name="unknown"),
]
