"""Stand-in for the few kornia functions the official SSM and RegAD code call (see ../README.md)."""
from . import color, filters, geometry  # noqa: F401
