"""The always-on service: the snapshot schedule, account claims, run locks and health.

``binfolio serve`` runs :class:`~binfolio.services.schedule.loop.Scheduler`, which calls
:func:`~binfolio.services.schedule.run.run_slot` once per slot of ``collector.schedule_cron``;
``binfolio health`` reads :mod:`~binfolio.services.schedule.health`. See ``docs/service.md``.
"""
