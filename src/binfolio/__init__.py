"""binfolio: self-hosted monitor, logger and trader for Binance accounts."""

__version__ = "0.1.0"
