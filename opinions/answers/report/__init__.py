"""The consultation report (art. 6 of the act on development policy): every comment with the
city's position and its justification, built by Celery into immutable versions (content,
HTML, PDF, XLSX), published by an editor once every comment is answered."""
