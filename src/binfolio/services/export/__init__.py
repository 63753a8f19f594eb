"""Exports: the Google Sheets log (outbox, render, send) and CSV files (docs/exports.md).

Entry points:

- ``sheets.export_after_run(settings.sheets, store)``: after a snapshot run (async, never raises);
- ``sheets.send_now`` / ``sheets.resync``: ``binfolio export sheets [--resync]``;
- ``doctor.check_sheets(settings)``: ``binfolio doctor``;
- ``csv_export.write_csv(table, out)``: ``binfolio export csv``.

The store is ``adapters.storage.export_repo.ExportRepository``; the collector queues rows with
``adapters.storage.export_repo.enqueue_run_rows`` inside each snapshot transaction.
"""
