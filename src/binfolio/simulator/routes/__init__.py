"""Binance endpoints by area; each module's ``ENDPOINTS`` lists ``Endpoint`` declarations."""
