"""A small HTTP load generator, run as its own process: keep-alive connections in threads.

    python bench/load.py URL --seconds 10 --connections 8
    python bench/load.py URL --seconds 10 --connections 8 --post SPEC.json
    python bench/load.py URL --cookie "sessionid=…"     (sent with every request)

GET by default. With --post, each connection first GETs the spec's `form_url` once (for the
CSRF cookie and the form's token; an empty one for a view without CSRF), then POSTs form
data to URL again and again: each field takes the next of its listed values in turn, and the
fields named in `fresh_uuid` get a new UUID every time (a fresh submission key). SPEC.json:

    {"form_url": "http://…/answer/", "fields": {"text": ["…", "…"], "area": ["", "3"]},
     "fresh_uuid": ["submission_key"], "expect": [302]}

Prints one JSON object: requests, errors (and their statuses), requests per second,
p50/p90/p99 latency (ms) of the successful requests.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import re
import statistics
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlencode, urlsplit

CSRF_INPUT = re.compile(
    r'name="csrfmiddlewaretoken"\s+value="([^"]+)"|value="([^"]+)"\s+name="csrfmiddlewaretoken"'
)


@dataclass
class PostSpec:
    form_url: str
    fields: dict[str, list[str]]
    fresh_uuid: list[str] = field(default_factory=list)
    expect: list[int] = field(default_factory=lambda: [200, 201, 302, 303])

    @classmethod
    def load(cls, path: str) -> PostSpec:
        with open(path, encoding="utf-8") as stream:
            data: dict[str, Any] = json.load(stream)
        fields = {name: [str(v) for v in values] for name, values in data["fields"].items()}
        return cls(
            form_url=data["form_url"],
            fields=fields,
            fresh_uuid=list(data.get("fresh_uuid", [])),
            expect=[int(status) for status in data.get("expect", [200, 201, 302, 303])],
        )


def connect(url: str) -> http.client.HTTPConnection:
    parts = urlsplit(url)
    return http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def csrf_session(
    conn: http.client.HTTPConnection, form_url: str, cookie: str = ""
) -> tuple[str, str]:
    """The CSRF cookie and the form's token, from one GET of the form."""
    headers = {"Connection": "keep-alive"} | ({"Cookie": cookie} if cookie else {})
    conn.request("GET", path_of(form_url), headers=headers)
    response = conn.getresponse()
    body = response.read().decode("utf-8", "replace")
    cookies = SimpleCookie()
    for header in response.headers.get_all("Set-Cookie") or []:
        cookies.load(header)
    match = CSRF_INPUT.search(body)
    if response.status != 200 or "csrftoken" not in cookies or match is None:
        raise RuntimeError(f"no CSRF cookie and token from {form_url} ({response.status})")
    return cookies["csrftoken"].value, match.group(1) or match.group(2)


def worker(
    url: str,
    deadline: float,
    latencies: list[float],
    errors: list[int],
    post: PostSpec | None,
    offset: int,
    cookie: str = "",
) -> None:
    path = path_of(url)
    conn = connect(url)
    headers = {"Connection": "keep-alive"}
    if cookie:
        headers["Cookie"] = cookie
    token = ""
    if post is not None:
        csrf = ""
        if post.form_url:  # none for a view without CSRF (the floor's INSERT)
            csrf, token = csrf_session(conn, post.form_url, cookie)
        headers |= {
            "Cookie": "; ".join(filter(None, [cookie, csrf and f"csrftoken={csrf}"])),
            "Content-Type": "application/x-www-form-urlencoded",
        }
    expected = post.expect if post is not None else [200]
    for number in itertools.count(offset):
        if time.perf_counter() >= deadline:
            break
        body = None
        if post is not None:
            data = {name: values[number % len(values)] for name, values in post.fields.items()}
            data |= {name: str(uuid.uuid4()) for name in post.fresh_uuid}
            if token:
                data["csrfmiddlewaretoken"] = token
            body = urlencode(data)
        started = time.perf_counter()
        try:
            conn.request("POST" if body is not None else "GET", path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            if response.status not in expected:
                errors.append(response.status)
                continue
        except (OSError, http.client.HTTPException):
            errors.append(0)
            conn.close()
            conn = connect(url)
            continue
        latencies.append((time.perf_counter() - started) * 1000)
    conn.close()


def percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, round(fraction * (len(sorted_values) - 1)))
    return sorted_values[index]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--post", metavar="SPEC.json", help="POST form data (see the docstring)")
    parser.add_argument("--cookie", default="", help="a Cookie header sent with every request")
    args = parser.parse_args()
    post = PostSpec.load(args.post) if args.post else None

    latencies: list[float] = []
    errors: list[int] = []
    started = time.perf_counter()
    deadline = started + args.seconds
    threads = [
        threading.Thread(
            target=worker,
            args=(args.url, deadline, latencies, errors, post, index * 7919, args.cookie),
        )
        for index in range(args.connections)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    ordered = sorted(latencies)
    print(
        json.dumps(
            {
                "url": args.url,
                "method": "POST" if post is not None else "GET",
                "connections": args.connections,
                "seconds": round(elapsed, 2),
                "requests": len(latencies),
                "errors": len(errors),
                "error_statuses": dict(Counter(str(status) for status in errors)),
                "rps": round(len(latencies) / elapsed, 1),
                "p50_ms": round(percentile(ordered, 0.50), 2),
                "p90_ms": round(percentile(ordered, 0.90), 2),
                "p99_ms": round(percentile(ordered, 0.99), 2),
                "mean_ms": round(statistics.fmean(ordered), 2) if ordered else None,
            }
        )
    )


if __name__ == "__main__":
    main()
