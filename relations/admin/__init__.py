"""The editors' admin. Importing this package registers every model (Django's admin autodiscovery)."""

from . import records  # noqa: F401
