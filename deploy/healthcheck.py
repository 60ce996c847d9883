"""Docker health check of the web container: GET /health/ from gunicorn as the proxy asks it.

The request carries a host the site answers to (the first of ALLOWED_HOSTS) and, behind a
trusted proxy, X-Forwarded-Proto: https, so neither ALLOWED_HOSTS nor SECURE_SSL_REDIRECT
turns it away. Exit status 0 when /health/ says 200, 1 otherwise (a redirect included).
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def main() -> int:
    port = os.environ.get("WEB_PORT", "8000")
    hosts = [h.strip().lstrip(".") for h in os.environ.get("ALLOWED_HOSTS", "").split(",")]
    host = next((h for h in hosts if h and h != "*"), "localhost")
    headers = {"Host": host}
    if int(os.environ.get("TRUSTED_PROXIES") or 0) > 0:
        headers["X-Forwarded-Proto"] = "https"
    request = urllib.request.Request(f"http://127.0.0.1:{port}/health/", headers=headers)
    if token := os.environ.get("HEALTH_TOKEN"):
        request.add_header("Authorization", f"Bearer {token}")
    opener = urllib.request.build_opener(NoRedirects)
    try:
        with opener.open(request, timeout=5) as response:
            status = response.status
            body = response.read(2000).decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read(2000).decode("utf-8", "replace")
    except OSError as error:
        print(f"health: {error}")
        return 1
    print(f"health: {status} {body.strip()}")
    return 0 if status == 200 else 1


if __name__ == "__main__":
    sys.exit(main())
