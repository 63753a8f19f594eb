"""One router per resource: pages, JSON API, live events, health."""
