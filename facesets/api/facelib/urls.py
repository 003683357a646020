"""FaceLib's own read-only API paths (facesets.api.facelib.views)."""

from django.urls import path

from . import views

app_name = "facelib"

urlpatterns = [
    path("api/facelib/v1/<str:project_id>/audit-events", views.AuditEventsView.as_view(), name="audit-events"),
    path("api/facelib/v1/<str:project_id>/identity-review", views.IdentityReviewView.as_view(), name="identity-review"),
    path(
        "api/facelib/v1/<str:project_id>/threshold-calibration",
        views.ThresholdCalibrationView.as_view(),
        name="threshold-calibration",
    ),
    path("api/facelib/v1/<str:project_id>/face-clusters", views.FaceClustersView.as_view(), name="face-clusters"),
]
