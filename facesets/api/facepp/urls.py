"""Face++ v3 paths as the clients call them (no trailing slash), and a JSON 404 API_NOT_FOUND for any other path
under /facepp/ (the 1000-point landmark product included)."""

from django.urls import path, re_path

from . import views

app_name = "facepp"

V3 = "facepp/v3"
urlpatterns = [
    path(f"{V3}/detect", views.DetectView.as_view(), name="detect"),
    path(f"{V3}/compare", views.CompareView.as_view(), name="compare"),
    path(f"{V3}/search", views.SearchView.as_view(), name="search"),
    path(f"{V3}/faceset/create", views.FaceSetCreateView.as_view(), name="faceset-create"),
    path(f"{V3}/faceset/addface", views.FaceSetAddFaceView.as_view(), name="faceset-addface"),
    path(f"{V3}/faceset/removeface", views.FaceSetRemoveFaceView.as_view(), name="faceset-removeface"),
    path(f"{V3}/faceset/update", views.FaceSetUpdateView.as_view(), name="faceset-update"),
    path(f"{V3}/faceset/getdetail", views.FaceSetDetailView.as_view(), name="faceset-getdetail"),
    path(f"{V3}/faceset/delete", views.FaceSetDeleteView.as_view(), name="faceset-delete"),
    path(f"{V3}/faceset/getfacesets", views.FaceSetListView.as_view(), name="faceset-getfacesets"),
    path(f"{V3}/face/analyze", views.FaceAnalyzeView.as_view(), name="face-analyze"),
    path(f"{V3}/face/getdetail", views.FaceDetailView.as_view(), name="face-getdetail"),
    path(f"{V3}/face/setuserid", views.FaceSetUserIdView.as_view(), name="face-setuserid"),
    re_path(r"^facepp/", views.UnknownApiView.as_view(), name="unknown"),
]
