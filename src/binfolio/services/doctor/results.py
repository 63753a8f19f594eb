"""The result type of every health check (`binfolio doctor`, key checks, `binfolio health`)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class CheckStatus(StrEnum):
    OK = "ok"
    WARN = "warn"
    FAIL = "fail"


@dataclass(frozen=True)
class CheckResult:
    """One check: what was checked, how it went, and what to do about it."""

    name: str
    status: CheckStatus
    message: str
    fix: str = ""

    @classmethod
    def ok(cls, name: str, message: str) -> CheckResult:
        return cls(name, CheckStatus.OK, message)

    @classmethod
    def warn(cls, name: str, message: str, fix: str) -> CheckResult:
        return cls(name, CheckStatus.WARN, message, fix)

    @classmethod
    def fail(cls, name: str, message: str, fix: str) -> CheckResult:
        return cls(name, CheckStatus.FAIL, message, fix)
