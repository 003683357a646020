"""WSGI entry point for gunicorn."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# Inference runs in the Celery workers only: a web process that reached for the models would hold ONNX Runtime
# sessions (~100 MB and the CPU) in every gunicorn worker. Refused loudly instead (tests/test_layering.py).
from recognition.engine import forbid_loading  # noqa: E402

forbid_loading("this is a web process; inference runs in the Celery workers")
