"""What every benchmark file shares: running its Django side in a subprocess, finding a free
port, waiting for a server, and setting Django up on the Django side."""

from __future__ import annotations

import json
import os
import runpy
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

Figures = dict[str, Any]


def run_django_side(script: str, env: dict[str, str], *args: str) -> Figures:
    """Run a bench file's command line (its Django side) in the bench environment; its JSON
    answer."""
    done = subprocess.run(
        [sys.executable, str(Path(script).resolve()), *args],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode:
        sys.stderr.write(done.stderr)
        raise RuntimeError(f"{Path(script).stem} {args[0]} failed ({done.returncode})")
    result: Figures = json.loads(done.stdout)
    return result


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server did not answer at {url}")


def gunicorn_server() -> str:
    """How every bench's gunicorn serves: the settings of gunicorn.conf.py, which gunicorn
    reads from ROOT (each bench starts it there), as the Procfile and the image do."""
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    return f"gunicorn {settings['workers']} {settings['worker_class']} workers, DEBUG off"


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lublin2030.settings")
    import django

    django.setup()
