"""A measured figure beside the target it is compared with."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Target:
    name: str
    value: float
    limit: float
    # "min": the value must be at least the limit; "max": at most.
    kind: str = "min"

    @property
    def met(self) -> bool:
        return self.value >= self.limit if self.kind == "min" else self.value <= self.limit

    def line(self) -> str:
        sign = "≥" if self.kind == "min" else "≤"
        verdict = "met" if self.met else "MISSED"
        return f"{verdict:>6}  {self.name}: {self.value:.3f} (target {sign} {self.limit:g})"
