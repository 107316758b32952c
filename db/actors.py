"""Who is acting: the identity every service call carries, and the role checks on it."""

from __future__ import annotations

from dataclasses import dataclass, field

from db.errors import PermissionDenied


@dataclass(frozen=True)
class Actor:
    """The person (or the system) a service acts for."""

    id: int | None
    username: str
    name: str = ""
    roles: frozenset[str] = field(default_factory=frozenset)

    def has(self, *roles: str) -> bool:
        """True when the actor holds at least one of `roles`."""
        return bool(self.roles.intersection(roles))


# Used by the CLI and the demo seed: the actions it takes are still audited, as "system".
SYSTEM = Actor(id=None, username="system", name="System", roles=frozenset({"admin"}))


def require(actor: Actor, *roles: str) -> None:
    """Raise PermissionDenied unless the actor holds one of `roles`."""
    if not actor.has(*roles):
        needed = " or ".join(roles)
        raise PermissionDenied(f"This needs the {needed} role.")
