"""leaflets: multilingual patient handouts as branded, printable PDF/UA."""

__version__ = "0.1.0"
