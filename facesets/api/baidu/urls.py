"""Baidu face v2 paths as baidu-aip 1.6.6.0 calls them (no trailing slash; detect on v1, also served on v2), the
token call, and a JSON 216102 for any other path under /rest/2.0/face/."""

from django.urls import path, re_path

from . import views

app_name = "baidu"

FACE = "rest/2.0/face"
urlpatterns = [
    path("oauth/2.0/token", views.TokenView.as_view(), name="token"),
    path(f"{FACE}/v1/detect", views.DetectView.as_view(), name="detect"),
    path(f"{FACE}/v2/detect", views.DetectAliasView.as_view(), name="detect-v2"),
    path(f"{FACE}/v2/match", views.MatchView.as_view(), name="match"),
    path(f"{FACE}/v2/identify", views.IdentifyView.as_view(), name="identify"),
    path(f"{FACE}/v2/verify", views.VerifyView.as_view(), name="verify"),
    path(f"{FACE}/v2/faceset/user/add", views.UserAddView.as_view(), name="user-add"),
    path(f"{FACE}/v2/faceset/user/update", views.UserUpdateView.as_view(), name="user-update"),
    path(f"{FACE}/v2/faceset/user/delete", views.UserDeleteView.as_view(), name="user-delete"),
    path(f"{FACE}/v2/faceset/user/get", views.UserGetView.as_view(), name="user-get"),
    path(f"{FACE}/v2/faceset/group/getlist", views.GroupListView.as_view(), name="group-getlist"),
    path(f"{FACE}/v2/faceset/group/getusers", views.GroupUsersView.as_view(), name="group-getusers"),
    path(f"{FACE}/v2/faceset/group/adduser", views.GroupAddUserView.as_view(), name="group-adduser"),
    path(f"{FACE}/v2/faceset/group/deleteuser", views.GroupDeleteUserView.as_view(), name="group-deleteuser"),
    re_path(rf"^{FACE}/", views.UnknownApiView.as_view(), name="unknown"),
]
