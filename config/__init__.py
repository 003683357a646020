import recognition  # noqa: F401, I001 - first: OpenCV's thread-pool settings must precede any import of cv2

from .celery import app as celery_app

__all__ = ("celery_app",)
