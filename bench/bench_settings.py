"""Settings of the benchmark server: the portal's own, with the bare-view URLconf added.

    DJANGO_SETTINGS_MODULE=bench.bench_settings gunicorn lublin2030.wsgi

Everything else (middleware, database, cache, broker, DEBUG off) is exactly the portal's,
so the bare view and the real form are measured on the same stack.
"""

from __future__ import annotations

from lublin2030.settings import *  # noqa: F403

ROOT_URLCONF = "bench.bench_urls"
