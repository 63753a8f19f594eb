"""Alerts and circuit breakers: what to tell the user after each run, and which accounts to pause.

Around each run (``binfolio serve``, or any loop that runs snapshots)::

    collect, skipped = await breaker.accounts_to_collect(names, now)
    result = await snapshot_job(...)              # only the accounts in ``collect``
    await breaker.record_outcomes(result)
    await alerting.evaluate_after_run(result, skipped=skipped)

and ``await alerting.run_crashed(reason)`` when a run fails before it has accounts. The serve
loop's hooks are :meth:`CircuitBreaker.admit` (before) and :func:`after_run_hook` (after).
"""

from binfolio.services.alerts.breaker import CircuitBreaker
from binfolio.services.alerts.evaluate import Alerting
from binfolio.services.alerts.hooks import after_run_hook
from binfolio.services.alerts.notices import Notice
from binfolio.services.alerts.options import AlertOptions, alert_options, slot_length
from binfolio.services.alerts.permissions import ExchangeKeyPermissions

__all__ = [
    "AlertOptions",
    "Alerting",
    "CircuitBreaker",
    "ExchangeKeyPermissions",
    "Notice",
    "after_run_hook",
    "alert_options",
    "slot_length",
]
