"""The request bodies of the ``/_sim/`` admin API, validated by pydantic before a handler runs.

Unknown keys are refused (a typo such as ``stauts`` must not pass silently), amounts are exact
decimals (strings or integers; JSON floats are read by their shortest text), and a bad body is
answered 400 with every field that is wrong (see ``base.AdminRoute``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

Amount = Annotated[Decimal, Field(allow_inf_nan=False)]


class Body(BaseModel):
    """A JSON object with known keys only."""

    model_config = ConfigDict(extra="forbid")


class Balances(Body):
    """Amounts per wallet and asset; only the assets given are replaced."""

    spot: dict[str, Amount] = {}
    funding: dict[str, Amount] = {}
    earn_flexible: dict[str, Amount] = {}
    earn_locked: dict[str, Amount] = {}
    futures: dict[str, Amount] = {}

    def given(self) -> dict[str, dict[str, str | Decimal]]:
        """The wallets the body named, for ``SimState.set_balances``."""
        return {
            wallet: dict(getattr(self, wallet))
            for wallet in type(self).model_fields
            if wallet in self.model_fields_set
        }


class PositionIn(Body):
    """A USD-M position; without ``entry_price`` it opens now at the mark price."""

    symbol: str
    amount: Amount
    entry_price: Amount | None = None
    leverage: int = Field(10, ge=1, le=125)


class AccountIn(Body):
    """``POST /_sim/accounts``: a new account and its key (generated unless given)."""

    name: str = Field(min_length=1)
    balances: Balances = Balances()
    permissions: dict[str, bool] = {}
    positions: list[PositionIn] = []
    multi_assets_margin: bool = False
    api_key: str | None = None
    api_secret: str | None = None


class PositionsIn(Body):
    """``POST /_sim/accounts/{name}/positions``."""

    positions: list[PositionIn] = []


class ScenarioIn(Body):
    """``POST /_sim/scenario``: switch the price paths from now on."""

    scenario: str | None = None
    seed: int | None = None


class DepositIn(Body):
    """``POST /_sim/deposits``: credited when the status is 1 or 6."""

    account: str
    coin: str = Field(min_length=1)
    amount: Amount
    status: int = 1
    time_ms: int | None = None
    complete_after_ms: int | None = Field(None, ge=0)
    wallet: Literal["spot", "funding"] = "spot"
    network: str | None = None


class WithdrawalIn(Body):
    """``POST /_sim/withdrawals``: amount + fee are debited."""

    account: str
    coin: str = Field(min_length=1)
    amount: Amount
    fee: Amount = Decimal(0)
    status: int = 6
    time_ms: int | None = None
    complete_after_ms: int | None = Field(None, ge=0)
    wallet: Literal["spot", "funding"] = "spot"
    network: str | None = None
    withdraw_order_id: str | None = None


class IncomeIn(Body):
    """``POST /_sim/income``: a futures income row, by default also moving the wallet."""

    account: str
    income: Amount
    asset: str = "USDT"
    income_type: str = "TRANSFER"
    symbol: str = ""
    time_ms: int | None = None
    trade_id: str | int = ""
    apply_to_wallet: bool = True


class ClockIn(Body):
    """``POST /_sim/clock``: applied in this order: set, advance, speed, skew."""

    set_ms: int | None = None
    advance_ms: int | None = None
    speed: float | None = None
    skew_ms: int | None = None


class FaultRuleIn(Body):
    """One fault rule; the fields of ``faults.FaultRule``."""

    endpoint: str | None = None
    method: str | None = None
    latency_ms: int = Field(0, ge=0)
    error_rate: float | None = None
    status: int | None = None
    code: int | None = None
    msg: str | None = None
    timeout: bool = False
    timeout_ms: int = Field(30000, ge=0)
    retry_after: int = Field(60, ge=0)
    times: int | None = Field(None, ge=1)
    after_processing: bool = False


class FaultsIn(FaultRuleIn):
    """``POST /_sim/faults``: one rule (this body) or ``rules``; ``replace`` drops the others."""

    rules: list[FaultRuleIn] | None = None
    replace: bool = False

    def rule_list(self) -> list[FaultRuleIn]:
        """The rules to add: ``rules``, else this body as one rule, else none (empty body)."""
        if self.rules is not None:
            return self.rules
        if not self.model_fields_set:
            return []
        return [FaultRuleIn(**self.model_dump(include=set(FaultRuleIn.model_fields)))]


class LimitsIn(Body):
    """Weight budgets; the fields of ``config.Limits`` (unset ones keep their value)."""

    api_weight_1m: int | None = Field(None, ge=1)
    sapi_ip_weight_1m: int | None = Field(None, ge=1)
    sapi_uid_weight_1m: int | None = Field(None, ge=1)
    fapi_weight_1m: int | None = Field(None, ge=1)
    orders_10s: int | None = Field(None, ge=1)
    orders_1d: int | None = Field(None, ge=1)
    ban_after_429s: int | None = Field(None, ge=1)
    ban_seconds: int | None = Field(None, ge=0)

    def given(self) -> dict[str, int]:
        """The limits the body set."""
        values = self.model_dump(include=set(LimitsIn.model_fields), exclude_unset=True)
        return {key: value for key, value in values.items() if value is not None}


class LimitsUpdateIn(LimitsIn):
    """``POST /_sim/limits``; the minute counters restart unless ``reset_counters`` is false."""

    reset_counters: bool = True


class ResetIn(Body):
    """``POST /_sim/reset``: a fresh simulator, optionally with another scenario or limits."""

    scenario: str | None = None
    seed: int | None = None
    speed: float | None = None
    start_ms: int | None = None
    limits: LimitsIn | None = None
