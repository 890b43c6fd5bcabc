"""Number helpers shared by every app (plain Python, no Django)."""

from decimal import Decimal
from typing import Any


def json_number(value: Any) -> Any:
    """Decimals as JSON-friendly numbers (int when whole, else float); others unchanged."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value
