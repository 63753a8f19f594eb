"""Hold one account's run lock in a process of its own until killed.

Usage: python hold_lock.py DB_URL ACCOUNT
"""

from __future__ import annotations

import sys
import time

from binfolio.adapters.storage.database import make_engine
from binfolio.adapters.storage.locks import run_locks_for


def main() -> None:
    db_url, account = sys.argv[1:3]
    grant = run_locks_for(make_engine(db_url)).acquire([account], 0)
    print("HELD" if grant.held else "BUSY", flush=True)
    time.sleep(120)  # killed here


if __name__ == "__main__":
    main()
