"""Documents put to consultation: immutable versions split into numbered sections.

A section keeps its `key` from version to version, so a comment on §3.2 of the first draft
can be followed to the section that replaced it in the next one.
"""
