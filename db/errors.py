"""Errors services raise; pages turn them into messages next to the field or at the top."""


class ServiceError(Exception):
    """Base for errors a user can act on."""


class PermissionDenied(ServiceError):
    """The signed-in person's roles do not allow this."""


class NotFound(ServiceError):
    """The item does not exist (or is not visible to this person)."""


class ValidationError(ServiceError):
    """Bad input; `field` names the form field it belongs to."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class Conflict(ServiceError):
    """The change clashes with the current state (already exists, already decided, ...)."""
