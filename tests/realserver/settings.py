"""Django settings for nsupdate.info as tests/real_server.rs runs it: its own base settings,
a throw-away SQLite database (DYNWARD_NSU_DB), no debug pages, any Host header (it listens
on loopback inside a network namespace the test made)."""

import os

from nsupdate.settings.base import *  # noqa: F401,F403  (the service's own defaults)

SECRET_KEY = "dynward-test-only-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["*"]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ["DYNWARD_NSU_DB"],
    }
}
# One line per request on stderr (runserver's log), and the service's own warnings, such as
# "received no-change update", which it counts as client faults.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    "loggers": {
        "django.server": {"handlers": ["stderr"], "level": "INFO"},
        "nsupdate": {"handlers": ["stderr"], "level": "INFO"},
    },
}
