"""How sure the area suggestion is, in words a moderator can act on.

The classifier's probabilities are calibrated (see `classifier.py`), so a band says how
often suggestions like it were right. The limits were chosen on the 10-fold
cross-validation of the sample (`make eval` prints the hit rate of each band): from 0.7 the
suggestion was right about nine times in ten, from 0.5 about two times in three, from 0.3
about four times in ten; below 0.3 one in five or fewer were right, so the moderator is not
shown one at all. Above 0.7 the probabilities are cautious (about 0.75 shown, about 0.9
right). This module imports nothing heavy: pages read it.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

# No suggestion is stored or shown below this probability.
SUGGEST_FROM = 0.3
MEDIUM_FROM = 0.5
HIGH_FROM = 0.7


class ConfidenceBand(models.TextChoices):
    HIGH = "high", _("high confidence")
    MEDIUM = "medium", _("medium confidence")
    LOW = "low", _("low confidence")


def band_of(confidence: float | None) -> ConfidenceBand | None:
    """The band of a calibrated probability; None below the threshold (or without one)."""
    if confidence is None or confidence < SUGGEST_FROM:
        return None
    if confidence >= HIGH_FROM:
        return ConfidenceBand.HIGH
    if confidence >= MEDIUM_FROM:
        return ConfidenceBand.MEDIUM
    return ConfidenceBand.LOW
