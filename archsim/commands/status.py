"""Exit codes of the ``archsim`` command line (coverage.py style)."""

OK, ERR, CHECK_FAILED = 0, 1, 2
"""Success; an archsim error (one line on stderr); a check that the run itself failed."""
