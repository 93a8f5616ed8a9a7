"""WSGI entry of the open-pixel benchmark: the project with benchmark_site's URLs."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "campaign.settings")
application = get_wsgi_application()

from django.conf import settings  # noqa: E402  (configured by get_wsgi_application)

settings.ROOT_URLCONF = "campaign.tracking.benchmark_site"
