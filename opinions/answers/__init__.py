"""Answers to consultation comments (drafted, approved, published) and the consultation report.

The law (art. 6 of the act on development policy) asks for a position and its justification
on every comment of a strategy's consultation, published in a report within 30 days of its
close; this package holds both.
"""
