"""Verdicts: local identifiability from a finite sample (``local``)."""

from .local import LocalResult, local_verdict

__all__ = ["LocalResult", "local_verdict"]
