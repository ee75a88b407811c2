"""minqing (民情): a case system for grassroots public service."""

__version__ = "0.1.0"
