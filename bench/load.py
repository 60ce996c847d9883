"""A small HTTP load generator, run as its own process: keep-alive connections in threads.

    python bench/load.py URL --seconds 10 --connections 8

Prints one JSON object: requests, errors, requests per second, p50/p90/p99 latency (ms).
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import threading
import time
from urllib.parse import urlsplit


def worker(url: str, deadline: float, latencies: list[float], errors: list[int]) -> None:
    parts = urlsplit(url)
    path = parts.path or "/"
    host = parts.hostname or "127.0.0.1"
    conn = http.client.HTTPConnection(host, parts.port, timeout=10)
    while time.perf_counter() < deadline:
        started = time.perf_counter()
        try:
            conn.request("GET", path, headers={"Connection": "keep-alive"})
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                errors.append(response.status)
                continue
        except (OSError, http.client.HTTPException):
            errors.append(0)
            conn.close()
            conn = http.client.HTTPConnection(host, parts.port, timeout=10)
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
    args = parser.parse_args()

    latencies: list[float] = []
    errors: list[int] = []
    started = time.perf_counter()
    deadline = started + args.seconds
    threads = [
        threading.Thread(target=worker, args=(args.url, deadline, latencies, errors))
        for _ in range(args.connections)
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
                "connections": args.connections,
                "seconds": round(elapsed, 2),
                "requests": len(latencies),
                "errors": len(errors),
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
