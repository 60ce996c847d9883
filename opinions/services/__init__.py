"""Every write on opinions, comments, supports and events, one module per part of their
lifecycle: submission, moderation, supports, commenting, events, retention."""
