"""Form POSTs with wrk: the answer form and the floor's INSERT loaded the way pages are.

bench/load.py (Python threads) costs the machine about as much CPU per request as a light
view, and on two cores that falls on the server it measures; wrk costs a fraction of it.
Each run writes a Lua script for wrk that cycles through request bodies made here from a
spec (bench/load.py's format: the form's fields, each taking its listed values in turn)
and gives every request a submission key of its own (the run's random prefix, the wrk
thread and a counter: never the same twice, so no POST is answered as a resent one).

A form with CSRF protection is fetched once first, for the cookie and the form's token,
which every connection then sends. wrk counts only statuses outside 2xx/3xx as errors, so
the caller also counts the rows each run inserted (`rows_before`/`rows_after`).
"""

from __future__ import annotations

import json
import secrets
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import floor_bench
from load import PostSpec, connect, csrf_session, path_of

Figures = dict[str, Any]

# How many different bodies a run cycles through (each field's values in turn).
BODIES = 200

LUA = """
local bodies = {%(bodies)s}
local path = %(path)s
local headers = {%(headers)s}
local prefix = %(prefix)s
local fresh = {%(fresh)s}
local counter = 0
local number = 0
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("thread_number", threads)
end

function init(args)
  number = tonumber(thread_number) or 0
end

function request()
  counter = counter + 1
  local body = bodies[(counter %% #bodies) + 1]
  for _, name in ipairs(fresh) do
    body = body .. string.format("&%%s=%%s-%%04x-4000-8000-%%012x", name, prefix, number, counter)
  end
  return wrk.format("POST", path, headers, body)
end
"""


def _lua_string(text: str) -> str:
    return json.dumps(text)  # a JSON string of ASCII is a valid Lua string literal


def script(url: str, spec: PostSpec) -> str:
    """The Lua script for one run of `spec` against `url` (the form fetched for CSRF)."""
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    token = ""
    if spec.form_url:
        conn = connect(spec.form_url)
        try:
            cookie, token = csrf_session(conn, spec.form_url)
        finally:
            conn.close()
        headers["Cookie"] = f"csrftoken={cookie}"
    bodies = []
    for number in range(BODIES):
        data = {name: values[number % len(values)] for name, values in spec.fields.items()}
        if token:
            data["csrfmiddlewaretoken"] = token
        bodies.append(urlencode(data))
    return LUA % {
        "bodies": ", ".join(_lua_string(body) for body in bodies),
        "path": _lua_string(path_of(url)),
        "headers": ", ".join(f"[{_lua_string(k)}] = {_lua_string(v)}" for k, v in headers.items()),
        "prefix": _lua_string(secrets.token_hex(4)),
        "fresh": ", ".join(_lua_string(name) for name in spec.fresh_uuid),
    }


def wrk_post(
    url: str,
    spec_path: Path,
    *,
    connections: int,
    seconds: float,
    count_rows: Callable[[], int],
) -> Figures:
    """wrk's figures for POSTs of the spec, and how many rows the run inserted."""
    spec = PostSpec.load(str(spec_path))
    with tempfile.NamedTemporaryFile("w", suffix=".lua", encoding="utf-8") as lua:
        lua.write(script(url, spec))
        lua.flush()
        before = count_rows()
        threads = min(connections, 2)
        done = subprocess.run(
            [floor_bench.ensure_wrk(), "--latency", f"-t{threads}", f"-c{connections}",
             f"-d{max(1, round(seconds))}s", "-s", lua.name, url],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        inserted = count_rows() - before
    figures = {"connections": connections, **floor_bench.parse_wrk(done.stdout)}
    # A request answered 2xx/3xx without its row (a form shown again) is an error too; rows
    # may exceed the answers by the requests still in flight when wrk stopped.
    figures["rows_inserted"] = inserted
    figures["errors"] += max(figures["requests"] - inserted, 0)
    return figures
