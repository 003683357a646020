from django.apps import AppConfig


class FaceSetsConfig(AppConfig):
    name = "facesets"
    verbose_name = "Face library"
