"""The TradingView trader: store signals first, decide and reserve atomically, place exactly once.

``ingest`` answers the webhook; ``worker`` decides each stored signal (risk rules and sizing in
one locked transaction) and hands the reserved trade to ``placement``, which sends it and
resolves unknown outcomes by client order id. ``paper`` and ``exchange`` are the two kinds of
exchange; ``trader`` wires them into one object the web layer talks to. See docs/trading.md.
"""
