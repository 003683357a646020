"""SenseTime v1 paths, at the root as the document has them (https://v1-api.visioncloudapi.com/info/api, ...).
A trailing slash is tolerated; any other path under /info/, /face/, /person/, /group/ or /faceset/ answers
NOT_FOUND in SenseTime's envelope."""

from django.urls import re_path

from . import views

app_name = "sensetime"

ENDPOINTS = {
    "info/api": views.ApiInfoView,
    "info/task": views.TaskInfoView,
    "info/image": views.ImageInfoView,
    "info/face": views.FaceInfoView,
    "info/list_persons": views.PersonListView,
    "info/list_groups": views.GroupListView,
    "info/list_facesets": views.FaceSetListView,
    "info/person": views.PersonInfoView,
    "info/group": views.GroupInfoView,
    "info/faceset": views.FaceSetInfoView,
    "face/detection": views.DetectionView,
    "face/verification": views.VerificationView,
    "face/search": views.SearchView,
    "face/identification": views.IdentificationView,
    "face/training": views.TrainingView,
    "person/create": views.PersonCreateView,
    "person/delete": views.PersonDeleteView,
    "person/add_face": views.PersonAddFaceView,
    "person/remove_face": views.PersonRemoveFaceView,
    "person/change": views.PersonChangeView,
    "group/create": views.GroupCreateView,
    "group/delete": views.GroupDeleteView,
    "group/add_person": views.GroupAddPersonView,
    "group/remove_person": views.GroupRemovePersonView,
    "group/change": views.GroupChangeView,
    "faceset/create": views.FaceSetCreateView,
    "faceset/delete": views.FaceSetDeleteView,
    "faceset/add_face": views.FaceSetAddFaceView,
    "faceset/remove_face": views.FaceSetRemoveFaceView,
    "faceset/change": views.FaceSetChangeView,
}

urlpatterns = [re_path(rf"^{path}/?$", view.as_view(), name=path.replace("/", "-")) for path, view in ENDPOINTS.items()]
urlpatterns.append(
    re_path(r"^(?:info|face|person|group|faceset)(?:/.*)?$", views.UnknownApiView.as_view(), name="unknown")
)
