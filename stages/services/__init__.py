"""Every change of a stage update's or a stage's state: updates.py (drafts, publishing,
scheduling) and stage_status.py (a stage's pinned status)."""
