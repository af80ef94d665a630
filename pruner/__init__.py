"""pruner: know which user flows break before you switch services off."""

__all__ = ["__version__"]

__version__ = "0.1.0"
