"""`make eval`: how well the text analysis does, measured on hand-labelled Polish data.

Every module `evaluation/*_eval.py` is one section. It defines `TITLE` (a heading), `ORDER` (its
place in the printout) and `evaluate() -> list[Target]`: it prints its own figures and returns the
targets it checks. The run ends with one line per target and exits 1 if any is missed, so
`make eval` fails when the analysis gets worse.

The fixtures the sections read live in `evaluation/fixtures/`; the tests under
`tests/opinions/analysis/` check the same targets, so CI sees a regression too.
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _sections() -> list[object]:
    modules = [
        importlib.import_module(f"evaluation.{path.stem}")
        for path in sorted((ROOT / "evaluation").glob("*_eval.py"))
    ]
    return sorted(modules, key=lambda module: getattr(module, "ORDER", 100))


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lublin2030.settings")
    django.setup()
    from evaluation.targets import Target

    targets: list[Target] = []
    for module in _sections():
        print(f"\n== {module.TITLE}")  # type: ignore[attr-defined]
        targets.extend(module.evaluate())  # type: ignore[attr-defined]
    print("\n== targets")
    for target in targets:
        print(target.line())
    missed = [target for target in targets if not target.met]
    print(f"\n{len(targets) - len(missed)} of {len(targets)} targets met")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
