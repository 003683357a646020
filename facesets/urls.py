"""The dashboard's URL map (mounted at / by config.urls)."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path

from .views import credentials, enrol, face_sets, faces, insight, overview, persons, recognition
from .views.accounts import SignInForm

app_name = "dashboard"

urlpatterns = [
    path("", overview.overview, name="overview"),
    path("projects/switch/", overview.project_switch, name="project_switch"),
    path("projects/new/", overview.project_create, name="project_create"),
    path("members/", overview.members, name="members"),
    path("face-sets/", face_sets.face_set_list, name="face_sets"),
    path("face-sets/new/", face_sets.face_set_new, name="face_set_new"),
    path("face-sets/<str:face_set_id>/", face_sets.face_set_detail, name="face_set"),
    path("face-sets/<str:face_set_id>/delete/", face_sets.face_set_remove, name="face_set_delete"),
    path("face-sets/<str:face_set_id>/batch-delete/", face_sets.face_set_batch_delete, name="face_set_batch_delete"),
    path("face-sets/<str:face_set_id>/enrol/", enrol.face_set_enrol, name="face_set_enrol"),
    path("face-sets/<str:face_set_id>/faces/<str:face_id>/", face_sets.face_detail, name="face"),
    path("face-sets/<str:face_set_id>/faces/<str:face_id>/delete/", face_sets.face_delete, name="face_delete"),
    path("faces/", faces.faces_unassigned, name="faces_unassigned"),
    path("faces/bulk/", faces.faces_bulk, name="faces_bulk"),
    path("faces/clusters/", insight.face_clusters, name="face_clusters"),
    path("faces/<str:face_id>/", faces.face_page, name="face_page"),
    path("faces/<str:face_id>/similar/", recognition.face_similar, name="face_similar"),
    path("faces/<str:face_id>/delete/", faces.face_delete_everywhere, name="face_delete_everywhere"),
    path("faces/<str:face_id>/thumb.jpg", face_sets.face_thumbnail, name="face_thumbnail"),
    path("faces/<str:face_id>/person/", persons.face_person_set, name="face_person"),
    path("enrol/", enrol.enrol_start, name="enrol"),
    path("persons/", persons.person_list, name="persons"),
    path("persons/lookup.json", persons.person_lookup, name="person_lookup"),
    path("persons/<str:person_id>/", persons.person_detail, name="person"),
    path("persons/<str:person_id>/enrol/", enrol.person_enrol, name="person_enrol"),
    path("persons/<str:person_id>/merge/", persons.person_merge_view, name="person_merge"),
    path("persons/<str:person_id>/delete/", persons.person_remove, name="person_delete"),
    path("persons/<str:person_id>/erase/", persons.person_erase_view, name="person_erase"),
    path("identities/", insight.identity_review, name="identities"),
    path("calibration/", insight.threshold_calibration, name="calibration"),
    path("audit/", insight.audit_log, name="audit"),
    path("groups/", persons.group_list, name="groups"),
    path("groups/<str:group_id>/", persons.group_detail, name="group"),
    path("groups/<str:group_id>/delete/", persons.group_remove, name="group_delete"),
    path("search/", recognition.search, name="search"),
    path("compare/", recognition.compare, name="compare"),
    path("detect/", recognition.detect, name="detect"),
    path("liveness/", recognition.liveness, name="liveness"),
    path("credentials/", credentials.credential_list, name="credentials"),
    path("credentials/<str:access_key>/revoke/", credentials.credential_revoke_view, name="credential_revoke"),
    path("tasks/", enrol.task_list, name="tasks"),
    path("tasks/progress.json", enrol.task_progress, name="task_progress"),
    path("tasks/<str:task_id>/", enrol.task_detail, name="task"),
    path("uploads/<str:batch>/", enrol.batch_detail, name="batch"),
    path("uploads/<str:batch>/report.csv", enrol.batch_report, name="batch_report"),
]

# Sign in and out (Django auth with FaceLib's templates), outside the "dashboard" namespace: LOGIN_URL = "login".
auth_urlpatterns = [
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            template_name="registration/login.html", redirect_authenticated_user=True, authentication_form=SignInForm
        ),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
]
