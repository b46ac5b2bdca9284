"""Exception types raised on bad input or on a computation that cannot be certified."""

from __future__ import annotations


class ExactidError(Exception):
    """Base class of every error exactid raises on purpose."""


class InputError(ExactidError, ValueError):
    """Malformed or inconsistent input: a file, a network, a sample or a domain.

    The message is one line that names the object (usually a file) and the problem.
    """


class CertificationError(ExactidError, RuntimeError):
    """A rank or verdict could not be proved exactly (never silently guessed)."""


class DomainError(InputError):
    """A well-formed domain that is empty, not full-dimensional or unbounded: the
    theorems on domains do not apply (docs/theory/shallow.md §6.1: NOT_APPLICABLE)."""
