"""Top-level URL map: health, API docs and schema, the dialects and the dashboard."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from facesets import health
from facesets import urls as dashboard_urls

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    path("admin/", admin.site.urls),
    # Huawei FRS v2 (/v2/{project_id}/...) and its IAM token endpoint (/v3/auth/tokens).
    path("", include("facesets.api.huawei.urls")),
    # SenseTime v1 (/info/..., /face/..., /person/..., /group/..., /faceset/...).
    path("", include("facesets.api.sensetime.urls")),
    # Baidu face v2 (/rest/2.0/face/...) and its token call (/oauth/2.0/token).
    path("", include("facesets.api.baidu.urls")),
    # Face++ v3 (/facepp/v3/...).
    path("", include("facesets.api.facepp.urls")),
    # FaceLib's own read-only API (/api/facelib/v1/{project_id}/...): audit log, identity review, thresholds, clusters.
    path("", include("facesets.api.facelib.urls")),
]

# The operator dashboard at / (last, so every API prefix above wins) and its sign-in pages.
urlpatterns += [
    *dashboard_urls.auth_urlpatterns,
    path("", include("facesets.urls", namespace="dashboard")),
]

# Error pages in the dashboard's frame for browsers; API clients keep Django's plain answers (facesets/views/errors.py).
handler404 = "facesets.views.errors.not_found"
handler403 = "facesets.views.errors.forbidden"
handler500 = "facesets.views.errors.server_error"
