"""gunicorn's settings wherever the portal is served: the Procfile (`make run`), the Docker
image and the benchmarks all start gunicorn in this folder, which is where it reads this file.

Sync workers, one per CPU the process may use (WEB_CONCURRENCY overrides). Chosen by
measurement (issue 18): on 2 cores, SQLite bench database of 20,540 opinions, wrk on loopback,
5 s runs, the same server options for every page, alternated with the others:

    options               tracking page, 4 conns   signed-in list, 8   signed-in search, 8
                          req/s   p99 ms           req/s  p99 ms       req/s  p99 ms
    2 sync workers        187-189  32-49           151-155  58-75      78-79  152-157
    3 sync workers        168      73              134      80         71     160
    4 sync workers        161-168  119-125         133-137  70-78      68-70  159-201
    6 sync workers        152-155  40             121      235-247     66-67  168-170
    2 workers x 4 threads 162-187  38-78           64-136   148-215    40-42  267-291
    2 workers x 2 threads 183      78              146      133        41     266
    gthread 4 x 1 thread  160-178  310-675         77-150   93-171     76-77  224-231

Most of a page's time is Python holding the GIL, so threads in one process add no CPU and
make a request that waits on its database queue behind the others' Python (the search page
halves its throughput with threads); more processes than cores only add switching. Anonymous
pages served from the page cache are alike under all of them (2,100-2,300 req/s).

A sync worker serves one request at a time, so it must not face slow clients itself: in
production the Caddy proxy (deploy/Caddyfile) buffers request bodies before passing them on.
"""

from __future__ import annotations

import os


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 2


workers = int(os.environ.get("WEB_CONCURRENCY") or _cpus())
worker_class = "sync"
# A request still running after this many seconds has its worker restarted (the default);
# the longest pages (exports, reports) are built by Celery, not in a request.
timeout = 30
