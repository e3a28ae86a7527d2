"""The refusal whose message is meant for the user, and what any other failure says."""

from __future__ import annotations


class UserFacingError(ValueError):
    """A refusal whose message is one sentence for the user, shown as it is: an action
    that doesn't fit the moment, a request with wrong arguments.

    Any other exception on the way to the user is a bug: it is logged in full and told
    as UNEXPECTED, never as its own text ("invalid literal for int()"). A ValueError
    still, so callers that catch ValueError keep catching it.
    """


UNEXPECTED = "Respite ran into an unexpected problem; the details are in its log."
