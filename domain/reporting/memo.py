"""A bounded memo for values made many times over (day texts, Decimals)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class Cache(dict[Any, Any]):
    """A bounded memo: ``cache[key]`` is ``make(key)``, made once."""

    def __init__(self, make: Callable[[Any], Any], limit: int = 200_000) -> None:
        super().__init__()
        self.make = make
        self.limit = limit

    def __missing__(self, key: Any) -> Any:
        if len(self) >= self.limit:
            self.clear()
        value = self[key] = self.make(key)
        return value
