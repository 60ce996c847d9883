"""Every write to the working groups' models, one module per part of the lifecycle:
groups (groups and seat quotas), recruitment (calls, applications, selection, announcement),
workshops, recommendations (versions, evidence, submission, publication), verification."""
