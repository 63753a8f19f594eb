"""The web dashboard: NAV against the benchmark, holdings, flows, runs and live logs.

``create_dashboard_app(session_factory, options)`` builds the app; ``binfolio dashboard``
serves it alone and ``binfolio serve`` mounts it.
"""

from binfolio.entrypoints.web.dashboard.app import create_dashboard_app
from binfolio.entrypoints.web.dashboard.options import (
    CircuitStates,
    DashboardOptions,
    options_from_settings,
)

__all__ = ["CircuitStates", "DashboardOptions", "create_dashboard_app", "options_from_settings"]
