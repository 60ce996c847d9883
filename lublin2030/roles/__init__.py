"""The administrators' page of roles: who is a moderator, an editor, a verifier or sits in a
working group, giving and taking the staff roles, and the log of those changes.

It sits in the site package because it reads the people (User) and the working groups.
"""
