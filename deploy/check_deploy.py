"""Checks the deployment files against what the portal needs (CI: `python deploy/check_deploy.py`).

- docker-compose.yml: every variable of the README's table reaches each service built from
  the image; SECRET_KEY is required; only the proxy publishes ports; every long-running
  service has `restart: unless-stopped`; the proxy's Caddyfile is there. When a compose CLI
  is installed (`docker compose` or `docker-compose`), `config -q` must accept the file too.
- requirements/*.txt: every line pinned with hashes, no index, URL or local path recorded;
  every dependency of pyproject.toml (and its `test` extra) pinned; no dev tool in runtime.txt.
- Dockerfile: installs from deploy/system-packages.txt and from the lock with hashes.

Needs PyYAML (the `test` extra). Prints each problem and exits 1 if there is any.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ONE_OFF = {"migrate"}  # runs once before the web starts; everything else runs for good
PROXY = "caddy"
# Variables that name the stack's own services or volumes: fixed, not taken from the shell.
FIXED = {"DATABASE_URL", "REDIS_URL", "VAR_DIR", "MEDIA_ROOT"}
# Local tools that must stay out of the image's lock (pyproject's `dev` extra).
DEV_ONLY = {"honcho"}


def readme_variables() -> list[str]:
    """The variables of the README's "Environment variables" table (its first column)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Environment variables", 1)[1].split("\n## ", 1)[0]
    names: list[str] = []
    for line in section.splitlines():
        if line.startswith("| `"):
            first_cell = line.split("|")[1]
            names += re.findall(r"`([A-Z][A-Z0-9_]*)`", first_cell)
    return names


def check_compose(problems: list[str]) -> None:
    try:
        import yaml
    except ImportError:
        problems.append("PyYAML is missing: install the test extra (pip install -e '.[test]')")
        return
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    services: dict[str, dict] = compose["services"]
    variables = readme_variables()
    if len(variables) < 10:
        problems.append(f"README: found only {variables} in the environment table")

    for name, service in services.items():
        where = f"docker-compose.yml: {name}"
        restart = service.get("restart")
        if name in ONE_OFF:
            if restart not in ("no", None):
                problems.append(f"{where}: a one-off service must not restart ({restart!r})")
        elif restart != "unless-stopped":
            problems.append(f"{where}: restart is {restart!r}, not 'unless-stopped'")
        if service.get("ports") and name != PROXY:
            problems.append(f"{where}: publishes {service['ports']}; only {PROXY} may")
        if "build" not in service:
            continue
        environment = service.get("environment") or {}
        if isinstance(environment, list):
            environment = dict(item.split("=", 1) for item in environment)
        for variable in variables:
            if variable not in environment:
                problems.append(f"{where}: README's {variable} is not passed")
            elif variable not in FIXED and f"${{{variable}" not in str(environment[variable]):
                problems.append(f"{where}: {variable} cannot be set from the environment")
        if not str(environment.get("SECRET_KEY", "")).startswith("${SECRET_KEY:?"):
            problems.append(f"{where}: SECRET_KEY must be required (${{SECRET_KEY:?...}})")

    proxy = services.get(PROXY)
    if proxy is None:
        problems.append(f"docker-compose.yml: no {PROXY} service (the TLS proxy)")
    else:
        published = {str(port).split(":")[-1].split("/")[0] for port in proxy.get("ports", [])}
        if not {"80", "443"} <= published:
            problems.append(f"docker-compose.yml: {PROXY} must publish 80 and 443")
        for volume in proxy.get("volumes", []):
            source = str(volume).split(":")[0]
            if source.startswith("./") and not (ROOT / source).exists():
                problems.append(f"docker-compose.yml: {PROXY} mounts {source}, which is missing")


def check_compose_cli(problems: list[str]) -> None:
    """`config -q` with the compose CLI, if one is installed."""
    docker, docker_compose = shutil.which("docker"), shutil.which("docker-compose")
    if docker and _succeeds([docker, "compose", "version"]):
        command, shown = [docker, "compose"], "docker compose"
    elif docker_compose:
        command, shown = [docker_compose], "docker-compose"
    else:
        print("check_deploy: no compose CLI installed; checked the YAML only")
        return
    env = {**os.environ, "SECRET_KEY": "x" * 50}
    done = subprocess.run(  # noqa: S603 (a fixed command)
        [*command, "config", "-q"], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        problems.append(f"{shown} config: {done.stderr.strip()}")
    else:
        print(f"check_deploy: `{shown} config -q` accepts docker-compose.yml")


def _succeeds(command: list[str]) -> bool:
    return subprocess.run(command, capture_output=True, check=False).returncode == 0  # noqa: S603


URL_OR_PATH = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://|(^|[\s=])(/|~/|\.\.?/)\S")


def check_locks(problems: list[str]) -> None:
    locks = sorted((ROOT / "requirements").glob("*.txt"))
    if not any(lock.name == "runtime.txt" for lock in locks):
        problems.append("requirements/runtime.txt is missing (make lock)")
    for lock in locks:
        text = lock.read_text(encoding="utf-8")
        for number, line in enumerate(text.splitlines(), 1):
            if URL_OR_PATH.search(line):
                problems.append(f"{lock.relative_to(ROOT)}:{number}: records a URL or path")
        # One requirement per logical line (continuations joined), comments dropped.
        for requirement in re.sub(r"\\\n", " ", text).splitlines():
            requirement = requirement.split("#", 1)[0].strip()
            if not requirement:
                continue
            if requirement.startswith("-"):
                problems.append(f"{lock.relative_to(ROOT)}: option line {requirement!r}")
            elif "==" not in requirement or "--hash=sha256:" not in requirement:
                name = requirement.split()[0]
                problems.append(f"{lock.relative_to(ROOT)}: {name} is not pinned with a hash")
            elif lock.name == "runtime.txt" and requirement.split("==")[0].lower() in DEV_ONLY:
                problems.append(f"requirements/runtime.txt: {requirement.split()[0]} is a dev tool")


def _name(requirement: str) -> str:
    """A requirement's project name, normalised (PEP 503): `Django>=5.2` -> `django`."""
    match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement.strip())
    return re.sub(r"[-_.]+", "-", match.group(0)).lower() if match else requirement


def check_locks_cover_pyproject(problems: list[str]) -> None:
    """Every dependency pyproject.toml declares is pinned in its lock (else: make lock)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    runtime = [_name(r) for r in project.get("dependencies", [])]
    test = runtime + [_name(r) for r in project.get("optional-dependencies", {}).get("test", [])]
    for lock_name, wanted in (("runtime.txt", runtime), ("test.txt", test)):
        lock = ROOT / "requirements" / lock_name
        if not lock.exists():
            continue
        pinned = {
            _name(line.split("==")[0])
            for line in lock.read_text(encoding="utf-8").splitlines()
            if "==" in line and not line.startswith((" ", "#"))
        }
        for name in wanted:
            if name not in pinned:
                problems.append(f"requirements/{lock_name}: {name} is not pinned (make lock)")


def check_dockerfile(problems: list[str]) -> None:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    for needed in (
        "deploy/system-packages.sh",
        "--require-hashes --no-deps -r",
        "requirements/runtime.txt",
        "pip install --no-cache-dir --no-deps .",
    ):
        if needed not in text:
            problems.append(f"Dockerfile: no {needed!r}")


def main() -> int:
    problems: list[str] = []
    check_compose(problems)
    check_compose_cli(problems)
    check_locks(problems)
    check_locks_cover_pyproject(problems)
    check_dockerfile(problems)
    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems:
        print("check_deploy: docker-compose.yml, Dockerfile and requirements/ are fine")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
