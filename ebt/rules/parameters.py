"""The numbers the market rules use (lead time, fees, limits), versioned by the date they start.

Each `rules/parameters-<version>.json` gives every number explicitly; money is written as a
string ("35.00") so that it is read as an exact `Decimal`. The version in force on a date is
the latest whose `valid_from` is on or before it. The files are read by `ebt.data.rules`;
this module builds and checks the parameters from what they hold, naming the file.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import date
from decimal import Decimal, InvalidOperation
from itertools import pairwise
from typing import Any

from ebt.rules.tables import PARAMETERS_PREFIX, RuleError

_COUNTS = (
    "lead_business_days",
    "max_days_ahead",
    "rescission_days",
    "receivable_carried_bills",
)
_MONEY = ("off_cycle_fee_prorated", "off_cycle_fee_actual_read_smart", "off_cycle_fee_actual_read")


@dataclass(frozen=True, slots=True)
class Parameters:
    """One version of the rule parameters.

    - `lead_business_days`: business days a request must arrive before the cycle read it
      takes effect on (see `ebt.calendar.MaineCalendar.first_eligible_read`).
    - `max_days_ahead`: how many days after it arrives a requested date may be.
    - `off_cycle_fee_*`: the fee for an off-cycle drop when usage is prorated, when an actual
      read of a smart (telemetered) meter is needed, and when any other actual read is needed.
    - `rescission_days`: the days a customer has to rescind an enrollment.
    - `receivable_carried_bills`: after a final bill with a CES, how many more bills the
      T&D carries the CES receivable before writing it off.
    - `write_off_code`: the bad-debt write-off code the write-off is recorded (and billed)
      with.
    """

    version: str
    valid_from: date
    lead_business_days: int = 2
    max_days_ahead: int = 365
    off_cycle_fee_prorated: Decimal = Decimal("5.00")
    off_cycle_fee_actual_read_smart: Decimal = Decimal("5.00")
    off_cycle_fee_actual_read: Decimal = Decimal("35.00")
    rescission_days: int = 5
    receivable_carried_bills: int = 1
    write_off_code: str = "BD"

    def __post_init__(self) -> None:
        if not isinstance(self.version, str) or not self.version:
            raise ValueError(f"version must be a non-empty string, not {self.version!r}")
        if not isinstance(self.valid_from, date):
            raise ValueError(f"valid_from must be a date, not {self.valid_from!r}")
        for name in _COUNTS:
            _check_count(name, getattr(self, name))
        for name in _MONEY:
            _check_money(name, getattr(self, name))
        code = self.write_off_code
        if not isinstance(code, str) or not code.isalnum() or not 1 <= len(code) <= 4:
            raise ValueError(f"write_off_code must be 1 to 4 letters or digits, not {code!r}")


def _check_count(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} must be a whole number, 0 or more, not {value!r}")


def _check_money(name: str, value: Any) -> None:
    if not isinstance(value, Decimal) or not value.is_finite() or value < 0:
        raise ValueError(f"{name} must be an amount, 0 or more, not {value!r}")
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        raise ValueError(f"{name} must be in whole cents, not {value}")


@dataclass(frozen=True, slots=True)
class ParameterBook:
    """Every version of the parameters, oldest first."""

    versions: tuple[Parameters, ...] = field(hash=False)

    def parameters_for(self, on: date) -> Parameters:
        """The parameters in force on `on`."""
        in_force = [p for p in self.versions if p.valid_from <= on]
        if not in_force:
            first = min((p.valid_from for p in self.versions), default=None)
            raise RuleError(f"no parameters are in force on {on}; the first start on {first}")
        return in_force[-1]

    def version(self, version: str) -> Parameters:
        """The parameters of one version (a decision records the version it was taken
        under)."""
        for parameters in self.versions:
            if parameters.version == version:
                return parameters
        raise RuleError(f"there are no parameters of version {version!r}")


def build_parameters(raw: Any, *, source: str, file_name: str) -> Parameters:
    """One version of the parameters from its parsed file; every number must be given and
    the file named `parameters-<version>.json`. Raise RuleError naming the file (`source`)."""
    try:
        parameters = Parameters(**_converted(raw))
    except ValueError as error:
        raise RuleError(f"{source}: {error}") from error
    expected = f"{PARAMETERS_PREFIX}{parameters.version}.json"
    if file_name != expected:
        raise RuleError(f"{source}: parameters version {parameters.version} must be in {expected}")
    return parameters


def _converted(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise ValueError("a parameters file holds one JSON object")
    names = {f.name for f in fields(Parameters)}
    missing = sorted(names - set(raw))
    unknown = sorted(set(raw) - names - {"about"})
    if missing or unknown:
        raise ValueError(f"missing {missing}, unknown {unknown}; give exactly {sorted(names)}")
    values = {name: raw[name] for name in names}
    try:
        values["valid_from"] = date.fromisoformat(str(raw["valid_from"]))
    except ValueError:
        raise ValueError(f"valid_from {raw['valid_from']!r} is not YYYY-MM-DD") from None
    for name in _MONEY:
        values[name] = _money(name, raw[name])
    return values


def _money(name: str, value: Any) -> Decimal:
    if not isinstance(value, str):
        raise ValueError(f'write {name} as a string such as "35.00", not {value!r}')
    try:
        return Decimal(value)
    except InvalidOperation:
        raise ValueError(f"{name} {value!r} is not an amount") from None


def build_parameter_book(versions: Iterable[Parameters], *, source: str) -> ParameterBook:
    """Every version, oldest first; `source` names the folder they came from. None at all,
    or two coming into force on the same date, are refused."""
    ordered = sorted(versions, key=lambda p: p.valid_from)
    if not ordered:
        raise RuleError(f"{source}: there is no {PARAMETERS_PREFIX}<version>.json")
    for earlier, later in pairwise(ordered):
        if earlier.valid_from == later.valid_from:
            raise RuleError(
                f"{source}: parameters {earlier.version} and {later.version} "
                f"both come into force on {later.valid_from}"
            )
    return ParameterBook(tuple(ordered))
