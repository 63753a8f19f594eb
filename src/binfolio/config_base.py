"""The base of every settings section (:mod:`binfolio.config`, :mod:`binfolio.config_service`)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Section(BaseModel):
    """A TOML table: unknown keys are errors, so typos never pass silently."""

    model_config = ConfigDict(extra="forbid")
