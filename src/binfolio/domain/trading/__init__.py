"""The trader's pure core: signals, Binance's order filters, order sizing and risk rules.

Nothing here does I/O or imports a framework: the services in ``binfolio.services.trade`` feed
it what they read from the database and the exchange, and act on what it decides.
"""
