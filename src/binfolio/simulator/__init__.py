"""The offline Binance: a FastAPI app that real Binance clients accept unchanged.

``create_app(SimulatorConfig(...))`` builds one; ``binfolio.simulator.testing.running_simulator``
runs one on a free loopback port for tests and benchmarks; ``binfolio simulator`` serves one.
"""

from binfolio.simulator.app import create_app
from binfolio.simulator.config import SCENARIOS, Limits, SimulatorConfig

__all__ = ["SCENARIOS", "Limits", "SimulatorConfig", "create_app"]
