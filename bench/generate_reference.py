"""Write the reference data of a small Maine T&D utility as the CSV files `ebt load` reads.

Casco Bay Electric Delivery (DUNS 049876543) and three CESs, 21 bill cycles with their
scheduled read dates for 2026-2027, premises in Maine towns (single homes, shops and multi-unit
buildings under a parent premise), meters with their installations (some exchanged), accounts
with their supplier of record, and landlord agreements on the buildings (one seasonal). The
accounts the X12 fixtures in fixtures/x12/good/ name come first, with the same numbers, names,
addresses, meters and CES account numbers, so that those files decide sensibly against it.

Every row is written as it is made, so memory stays flat whatever the size, and the same seed
always gives the same bytes:

    python bench/generate_reference.py                         # fixtures/reference/, 300 accounts
    python bench/generate_reference.py --accounts 1000000 -o bench/out/reference-1000000
"""

from __future__ import annotations

import argparse
import calendar
import csv
import random
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import holidays

ROOT = Path(__file__).resolve().parents[1]
YEARS = (2026, 2027)
CYCLES = [f"{n:02d}" for n in range(1, 22)]
# Supplier changes in the data happened on a 2026 cycle read before this day.
HISTORY_END = date(2026, 10, 31)

TD = ("049876543", "CASCO BAY ELECTRIC DELIVERY", "T&D", "true", "LDC,DUAL", "true")
PTP = ("081234567", "PINE TREE POWER SUPPLY", "CES", "true", "LDC,DUAL", "true")
ACA = ("082345678", "ACADIA ENERGY", "CES", "true", "LDC,DUAL", "true")
KSS = ("083456789", "KATAHDIN SOLAR SUPPLY", "CES", "true", "DUAL", "true")
PARTNERS = (TD, PTP, ACA, KSS)
CES_PREFIX = {PTP[0]: "PTP-00", ACA[0]: "ACA-7", KSS[0]: "KSS-2"}

COLUMNS = {
    "partners": ["duns", "name", "role", "licensed", "billing_options", "production"],
    "cycle_reads": ["bill_cycle", "read_date"],
    "premises": [
        "premise_number", "street", "street2", "city", "state", "postal_code",
        "parent_premise_number",
    ],
    "meters": [
        "meter_number", "type", "smart", "multiplier_active", "multiplier_reactive",
        "multiplier_demand", "rate_structures",
    ],
    "meter_installations": ["meter_number", "premise_number", "installed_on", "removed_on"],
    "accounts": [
        "account_number", "customer_name", "premise_number", "bill_cycle", "status",
        "opened_on", "closed_on", "rate_class", "services", "ces_duns", "billing_option",
        "bill_calculator", "ces_account", "ces_rate_code", "supplier_start",
    ],
    "landlord_agreements": [
        "premise_number", "landlord_account_number", "service", "season_start", "season_end",
        "reverts",
    ],
}  # fmt: skip

# (town, ZIP) across the territory.
TOWNS = [
    ("PORTLAND", "04101"), ("PORTLAND", "04102"), ("PORTLAND", "04103"),
    ("SOUTH PORTLAND", "04106"), ("LEWISTON", "04240"), ("AUBURN", "04210"),
    ("BIDDEFORD", "04005"), ("SACO", "04072"), ("SANFORD", "04073"), ("BRUNSWICK", "04011"),
    ("TOPSHAM", "04086"), ("BATH", "04530"), ("AUGUSTA", "04330"), ("GARDINER", "04345"),
    ("HALLOWELL", "04347"), ("WATERVILLE", "04901"), ("SKOWHEGAN", "04976"),
    ("SCARBOROUGH", "04074"), ("WESTBROOK", "04092"), ("GORHAM", "04038"),
    ("WINDHAM", "04062"), ("FALMOUTH", "04105"), ("YARMOUTH", "04096"), ("FREEPORT", "04032"),
    ("CAPE ELIZABETH", "04107"), ("KENNEBUNK", "04043"), ("WELLS", "04090"),
    ("YORK", "03909"), ("KITTERY", "03904"), ("OLD ORCHARD BEACH", "04064"),
    ("ROCKLAND", "04841"), ("CAMDEN", "04843"), ("BELFAST", "04915"),
    ("DAMARISCOTTA", "04543"), ("WISCASSET", "04578"), ("BOOTHBAY HARBOR", "04538"),
    ("NORWAY", "04268"), ("BRIDGTON", "04009"), ("RUMFORD", "04276"), ("FARMINGTON", "04938"),
    ("CHEBEAGUE ISLAND", "04017"), ("PEAKS ISLAND", "04108"),
]  # fmt: skip
FIRST = [
    "JANE", "JOHN", "MARY", "ROBERT", "SUSAN", "MICHAEL", "LINDA", "DAVID", "KAREN", "JAMES",
    "NANCY", "WILLIAM", "LISA", "THOMAS", "SARAH", "DANIEL", "EMILY", "PAUL", "HEATHER",
    "MARK", "AMANDA", "PETER", "RACHEL", "ANDREW", "MEGAN", "CHRISTOPHER", "ABIGAIL",
    "NATHAN", "HANNAH", "BENJAMIN", "CLAIRE", "SAMUEL", "RENEE", "LUC", "GERALD", "DENISE",
]  # fmt: skip
LAST = [
    "DOE", "SMITH", "JOHNSON", "BROWN", "MILLER", "DAVIS", "THIBODEAU", "MICHAUD", "PELLETIER",
    "OUELLETTE", "CYR", "LEVESQUE", "GAGNON", "BOUCHARD", "CLOUTIER", "HUTCHINS", "STAPLES",
    "LIBBY", "SNOW", "COFFIN", "PERKINS", "MORRILL", "BEAN", "SARGENT", "GRINDLE", "CARTER",
    "WEBBER", "DYER", "LORD", "HASKELL", "FOURNIER", "POULIN", "NADEAU", "LAPOINTE", "CURTIS",
]  # fmt: skip
BUSINESSES = [
    "HARBOR VIEW BAKERY", "PINE STATE HARDWARE", "KENNEBEC AUTO REPAIR", "CASCO BAY MARINE",
    "NORTH WOODS LUMBER", "LOBSTER POUND CAFE", "BLUEBERRY HILL FARM", "SEBAGO DENTAL",
    "ACADIA PRINT SHOP", "MIDCOAST FITNESS", "PENOBSCOT BREWING", "ANDROSCOGGIN MILLWORKS",
    "DOWNEAST BOOKS", "SACO RIVER OUTFITTERS", "ROCKBOUND COFFEE", "TIDEWATER LAUNDRY",
]  # fmt: skip
SUFFIXES = ["LLC", "INC", "CO"]
STREETS = [
    "MAIN", "WATER", "HIGH", "ELM", "MAPLE", "PINE", "OAK", "CHURCH", "SCHOOL", "MILL",
    "BRIDGE", "RIVER", "PLEASANT", "CENTER", "UNION", "CONGRESS", "FOREST", "OCEAN", "HARBOR",
    "LAKE", "PROSPECT", "WINTER", "SUMMER", "SPRING", "DEPOT", "RIDGE", "FORE", "COMMERCIAL",
]  # fmt: skip
STREET_TYPES = ["ST", "RD", "AVE", "LN", "DR", "WAY"]
RESIDENTIAL_CODES = ["RES-FIXED-12", "RES-FIXED-24", "RES-VAR", "RES-GREEN-50"]
BUSINESS_CODES = ["SMB-FIXED-12", "SMB-FIXED-24", "SMB-INDEX"]

# Scattered distinct numbers from a sequence number (a*n + b mod 10**k, a coprime to 10).
ACCOUNT_STEP, ACCOUNT_OFFSET = 7_346_981, 270_001_117
METER_STEP, METER_OFFSET = 3_917, 4_400_001


# -- the read schedule --------------------------------------------------------------------------


def read_dates(cycle: str, years: tuple[int, ...] = YEARS) -> Iterator[date]:
    """The scheduled reads of a cycle: cycle 16 on the month's 1st weekday, 17 on the 2nd, ...,
    21 on the 6th, 01 on the 7th, ... 15 on the 21st (the month's last weekday when it has
    fewer). A read on a Maine holiday moves to the next business day of the month, else to the
    one before. Cycle 07 so reads on 2026-11-18 and 2026-12-17, as the X12 fixtures say."""
    maine = holidays.country_holidays("US", subdiv="ME", years=years)
    position = (int(cycle) + 5) % 21  # 0-based weekday of the month
    for year in years:
        for month in range(1, 13):
            days = [date(year, month, d) for d in range(1, calendar.monthrange(year, month)[1] + 1)]
            weekdays = [d for d in days if d.weekday() < 5]
            day = weekdays[min(position, len(weekdays) - 1)]
            business = [d for d in weekdays if d not in maine]
            later = [d for d in business if d >= day]
            yield later[0] if later else max(d for d in business if d < day)


# -- the generator ------------------------------------------------------------------------------


@dataclass
class Utility:
    """The generator's state: the files, the random source, the numbering and the schedule."""

    writers: dict[str, Any]
    rng: random.Random
    schedule: dict[str, list[date]]
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COLUMNS, 0))
    premise_seq: int = 0
    meter_seq: int = 0
    account_seq: int = 0
    ces_seq: int = 0
    reserved: set[str] = field(default_factory=set)

    def write(self, kind: str, *values: Any) -> None:
        self.writers[kind].writerow(["" if v is None else v for v in values])
        self.counts[kind] += 1

    # -- numbers

    def premise_number(self) -> str:
        self.premise_seq += 1
        return f"P{self.premise_seq:09d}"

    def meter_number(self) -> str:
        while True:
            self.meter_seq += 1
            number = f"CB{(self.meter_seq * METER_STEP + METER_OFFSET) % 10**7:07d}"
            if number not in self.reserved:
                return number

    def account_number(self) -> str:
        while True:
            self.account_seq += 1
            number = f"{(self.account_seq * ACCOUNT_STEP + ACCOUNT_OFFSET) % 10**9:011d}"
            if number not in self.reserved:
                return number

    def ces_account(self, duns: str) -> str:
        self.ces_seq += 1
        return f"{CES_PREFIX[duns]}{60_000 + self.ces_seq:05d}"

    # -- rows

    def premise(self, number: str, street: str, town: tuple[str, str], **kw: Any) -> str:
        self.write(
            "premises", number, street, kw.get("street2"), town[0], "ME", town[1], kw.get("parent")
        )
        return number

    def meter(self, number: str, *, business: bool, smart: bool, tou: bool) -> str:
        if business:
            ct = self.rng.choice([1, 1, 1, 40, 80])
            structures = "FLAT,TOU,DEMAND" if smart and tou else "FLAT,DEMAND"
            reactive = ct if ct > 1 else None
            self.write("meters", number, "KWH_DEMAND", _flag(smart), ct, reactive, ct, structures)
        else:
            kind, structures = ("TOU", "FLAT,TOU") if smart and tou else ("KWH", "FLAT")
            self.write("meters", number, kind, _flag(smart), 1, None, None, structures)
        return number

    def install(self, meter: str, premise: str, on: date, removed: date | None = None) -> None:
        self.write("meter_installations", meter, premise, on, removed)

    def first_read_after(self, cycle: str, day: date) -> date | None:
        return next((d for d in self.schedule[cycle] if d > day), None)

    def account(self, a: dict[str, Any]) -> None:
        ces = a.get("ces")
        self.write(
            "accounts", a["number"], a["name"], a["premise"], a["cycle"], a.get("status", "active"),
            a["opened"], a.get("closed"), a["rate_class"], a.get("services", "EL"),
            ces, a.get("billing") if ces else None, None, a.get("ces_account") if ces else None,
            a.get("rate_code") if ces else None, a.get("start") if ces else None,
        )  # fmt: skip


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _cycle_read(u: Utility, cycle: str, year: int, month: int) -> date:
    return next(d for d in u.schedule[cycle] if (d.year, d.month) == (year, month))


# -- the accounts the X12 fixtures name ---------------------------------------------------------


def story(u: Utility) -> int:
    """The fixtures' accounts, buildings and meters; the number of accounts written."""
    written = 0

    def building(street: str, town: tuple[str, str], landlord: str, units: list[str]) -> str:
        """The parent premise, its house meter and landlord account, the units: the parent."""
        nonlocal written
        parent = u.premise(u.premise_number(), street, town)
        house = u.meter(u.meter_number(), business=True, smart=True, tou=False)
        u.install(house, parent, date(2011, 4, 12))
        number = u.account_number()
        u.account({"number": number, "name": landlord, "premise": parent, "cycle": "07",
                   "opened": date(2011, 4, 12), "rate_class": "SGS"})  # fmt: skip
        written += 1
        for unit in units:
            units_premises[unit] = u.premise(
                u.premise_number(), street, town, street2=unit, parent=parent
            )
        u.write("landlord_agreements", parent, number, "EL", *season, "true")
        return parent

    units_premises: dict[str, str] = {}
    c07 = "07"

    # 47 BRACKETT ST, Portland: four flats; the landlord takes vacant units all year.
    season: tuple[str | None, str | None] = (None, None)
    building("47 BRACKETT ST", ("PORTLAND", "04102"), "BRACKETT STREET APARTMENTS LLC",
             ["APT 1", "APT 2", "APT 3", "APT 4"])  # fmt: skip
    for unit, meter in (("APT 1", None), ("APT 2", None), ("APT 3", "CB1187342"), ("APT 4", None)):
        number = u.meter(meter or u.meter_number(), business=False, smart=False, tou=False)
        u.install(number, units_premises[unit], date(2011, 4, 12))
    u.account({"number": "00412345678", "name": "MARGARET L THIBODEAU",
               "premise": units_premises["APT 3"], "cycle": c07, "opened": date(2019, 8, 1),
               "rate_class": "A"})  # fmt: skip
    u.account({"number": u.account_number(), "name": "GERALD M OUELLETTE",
               "premise": units_premises["APT 1"], "cycle": c07, "opened": date(2016, 5, 2),
               "rate_class": "A"})  # fmt: skip
    written += 2  # APT 2 and APT 4 are vacant: service reverts to the landlord

    # 23 MAINE ST, Brunswick: student flats; reverts to the landlord in winter only.
    season = ("11-01", "04-30")
    building("23 MAINE ST", ("BRUNSWICK", "04011"), "MAINE STREET RENTALS LLC",
             ["UNIT 4A", "UNIT 4B", "UNIT 4C"])  # fmt: skip
    for unit in ("UNIT 4A", "UNIT 4C"):
        meter = u.meter(u.meter_number(), business=False, smart=True, tou=False)
        u.install(meter, units_premises[unit], date(2014, 9, 2))
    u.meter("CB1190077", business=False, smart=False, tou=False)
    u.install("CB1190077", units_premises["UNIT 4B"], date(2014, 9, 2), date(2026, 11, 5))
    u.meter("CB2290418", business=False, smart=True, tou=True)
    u.install("CB2290418", units_premises["UNIT 4B"], date(2026, 11, 5))
    u.account({"number": "00200456789", "name": "ELEANOR P MORRILL",
               "premise": units_premises["UNIT 4B"], "cycle": c07, "opened": date(2022, 8, 29),
               "rate_class": "A"})  # fmt: skip
    u.account({"number": u.account_number(), "name": "NATHAN J BEAN",
               "premise": units_premises["UNIT 4A"], "cycle": c07, "opened": date(2025, 8, 28),
               "rate_class": "A"})  # fmt: skip
    written += 2

    # 88 LISBON ST, Lewiston: three flats over a shop.
    season = (None, None)
    building("88 LISBON ST", ("LEWISTON", "04240"), "LISBON STREET HOLDINGS LLC",
             ["APT 1", "APT 2", "APT 3"])  # fmt: skip
    for unit in ("APT 1", "APT 2", "APT 3"):
        meter = u.meter(u.meter_number(), business=False, smart=True, tou=unit == "APT 3")
        u.install(meter, units_premises[unit], date(2009, 3, 16))
    u.account({"number": "00655443322", "name": "SUZANNE M NADEAU",
               "premise": units_premises["APT 2"], "cycle": "11", "opened": date(2018, 6, 1),
               "rate_class": "A", "ces": KSS[0], "billing": "DUAL", "ces_account": "KSS-21007",
               "rate_code": "RES-SOLAR-12",
               "start": _cycle_read(u, "11", 2026, 4)})  # fmt: skip
    u.account({"number": u.account_number(), "name": "DENISE R CYR",
               "premise": units_premises["APT 3"], "cycle": "11", "opened": date(2021, 2, 1),
               "rate_class": "A-TOU"})  # fmt: skip
    written += 2

    singles = [
        # number, name, street, town, meter (business, smart, tou), account details
        ("00123098765", "WALTER B CURTIS", "14 DEPOT ST", ("FREEPORT", "04032"),
         (False, True, True),
         {"rate_class": "A", "opened": date(2012, 10, 1), "ces": PTP[0], "billing": "LDC",
          "ces_account": "PTP-0045810", "rate_code": "RES-FIXED-12", "month": 3}),
        ("00398765432", "ROBERT J POULIN", "112 MAIN ST", ("BIDDEFORD", "04005"),
         (False, True, False),
         {"rate_class": "A", "opened": date(2015, 1, 20), "ces": ACA[0], "billing": "DUAL",
          "ces_account": "ACA-771204", "rate_code": "RES-FIXED-24", "month": 5}),
        ("00734500019", "DAVID A LAPOINTE", "9 WINTER ST", ("GARDINER", "04345"),
         (False, False, False),
         {"rate_class": "A", "opened": date(2008, 7, 14), "ces": ACA[0], "billing": "LDC",
          "ces_account": "ACA-771388", "rate_code": "RES-VAR", "month": 2}),
        ("00567001234", "CHEBEAGUE BOATYARD LLC", "12 SOUTH RD", ("CHEBEAGUE ISLAND", "04017"),
         (True, True, False),
         {"rate_class": "SGS", "opened": date(2010, 5, 3), "ces": KSS[0], "billing": "DUAL",
          "ces_account": "KSS-20931", "rate_code": "SMB-SOLAR-24", "month": 6}),
        ("00091230044", "HARBORVIEW DINER INC", "5 COMMERCIAL ST", ("BATH", "04530"),
         (True, True, True),
         {"rate_class": "SGS", "opened": date(2017, 3, 1), "services": "EL,NM"}),
    ]  # fmt: skip
    for number, name, street, town, (business, smart, tou), details in singles:
        premise = u.premise(u.premise_number(), street, town)
        meter = u.meter(u.meter_number(), business=business, smart=smart, tou=tou)
        u.install(meter, premise, details["opened"])
        month = details.pop("month", None)
        start = _cycle_read(u, c07, 2026, month) if month else None
        u.account({"number": number, "name": name, "premise": premise, "cycle": c07,
                   "start": start} | details)  # fmt: skip
        written += 1
    return written


STORY_ACCOUNTS = {"00412345678", "00200456789", "00655443322", "00123098765", "00398765432",
                  "00734500019", "00567001234", "00091230044"}  # fmt: skip
# Numbers the X12 fixtures use for accounts the utility does not have (REF*12 00999000111 is
# answered "account not found"), and meters they name.
RESERVED = (
    STORY_ACCOUNTS
    | {"00999000111", "00412345679", "00412345680"}
    | {
        "CB1187342",
        "CB1190077",
        "CB2290418",
    }
)


# -- everyone else ------------------------------------------------------------------------------


def person(rng: random.Random) -> str:
    middle = f" {rng.choice('ABCDEFGHJKLMNPRSTW')}" if rng.random() < 0.6 else ""
    return f"{rng.choice(FIRST)}{middle} {rng.choice(LAST)}"


def street(rng: random.Random) -> str:
    return f"{rng.randint(1, 2400)} {rng.choice(STREETS)} {rng.choice(STREET_TYPES)}"


def customer(u: Utility, premise: str, *, business: bool, tou: bool, demand: bool) -> list[str]:
    """One account at `premise` (sometimes a closed one and its successor): their numbers."""
    rng = u.rng
    cycle = rng.choice(CYCLES)
    opened = date(2004, 1, 1) + timedelta(rng.randrange(8000))
    if business:
        name = f"{rng.choice(BUSINESSES)} {rng.choice(SUFFIXES)}"
        rate_class = (
            "SGS-TOU" if tou else rng.choice(["SGS", "SGS", "MGS-S"] if demand else ["SGS"])
        )
    else:
        name, rate_class = person(rng), "A-TOU" if tou and rng.random() < 0.5 else "A"
    account: dict[str, Any] = {
        "number": u.account_number(), "name": name, "premise": premise, "cycle": cycle,
        "opened": opened, "rate_class": rate_class,
    }  # fmt: skip
    if business and rng.random() < 0.04:
        account["services"] = "EL,NM"  # net metered: not eligible for a CES
    roll = rng.random()
    if roll < 0.025 and opened < date(2025, 6, 1):  # moved out; a new tenant since
        closed = _cycle_read(u, cycle, 2026, rng.randint(1, 9))
        u.account(account | {"status": "closed", "closed": closed})
        successor = account | {"number": u.account_number(), "opened": closed}
        successor["name"] = person(rng) if not business else successor["name"]
        supply(u, successor, tou=tou, demand=demand, business=business)
        u.account(successor)
        return [account["number"], successor["number"]]
    if roll < 0.04 and opened < date(2026, 6, 1):  # moving out: final read this autumn
        account |= {"status": "final", "closed": _cycle_read(u, cycle, 2026, rng.choice([10, 11]))}
    supply(u, account, tou=tou, demand=demand, business=business)
    u.account(account)
    return [account["number"]]


def supply(u: Utility, account: dict[str, Any], *, tou: bool, demand: bool, business: bool) -> None:
    """Give the account a CES (about a third of them) from a 2026 cycle read."""
    rng = u.rng
    roll = rng.random()
    partner = PTP if roll < 0.15 else ACA if roll < 0.27 else KSS if roll < 0.35 else None
    first = max(account["opened"], date(2025, 12, 31))
    start = u.first_read_after(account["cycle"], first)
    end = account.get("closed") or HISTORY_END
    if partner is None or start is None or start >= min(end, HISTORY_END):
        return
    billing = "DUAL" if partner is KSS or rng.random() < 0.25 else "LDC"
    codes = BUSINESS_CODES if business else RESIDENTIAL_CODES
    code = rng.choice(codes)
    if tou and rng.random() < 0.4:
        code = "TOU-" + code
    elif demand and rng.random() < 0.4:
        code = "DMD-" + code
    account |= {"ces": partner[0], "billing": billing, "ces_account": u.ces_account(partner[0]),
                "rate_code": code, "start": start}  # fmt: skip


def site(u: Utility, wanted: int) -> int:
    """One home, shop or building with its meters and accounts; accounts written."""
    rng = u.rng
    town = rng.choice(TOWNS)
    roll = rng.random()
    if roll < 0.06 and wanted >= 4:
        return building(u, town, rng.randint(2, min(8, wanted - 1)))
    business = roll > 0.82
    premise = u.premise(u.premise_number(), street(rng), town)
    return len(place(u, premise, business=business))


def place(u: Utility, premise: str, *, business: bool, vacant: bool = False) -> list[str]:
    """A premise's meter (now and then exchanged) and its customer: the account numbers."""
    rng = u.rng
    smart = rng.random() < (0.8 if business else 0.65)
    tou = smart and rng.random() < 0.45
    installed = date(2003, 1, 1) + timedelta(rng.randrange(7000))
    if rng.random() < 0.05:  # an older meter exchanged for this one
        old = u.meter(u.meter_number(), business=business, smart=False, tou=False)
        exchanged = installed + timedelta(rng.randrange(300, 4000))
        u.install(old, premise, installed, exchanged)
        installed = exchanged
    meter = u.meter(u.meter_number(), business=business, smart=smart, tou=tou)
    u.install(meter, premise, installed)
    if vacant:
        return []
    return customer(u, premise, business=business, tou=tou, demand=business)


def building(u: Utility, town: tuple[str, str], units: int) -> int:
    """A multi-unit building: a parent premise with its landlord's house account, and units
    (one in eight vacant); most landlords take service back when a unit is empty."""
    rng = u.rng
    address = street(rng)
    parent = u.premise(u.premise_number(), address, town)
    house = place(u, parent, business=True)
    written = len(house)
    for n in range(1, units + 1):
        unit = u.premise(u.premise_number(), address, town, street2=f"APT {n}", parent=parent)
        written += len(place(u, unit, business=False, vacant=rng.random() < 0.125))
    if rng.random() < 0.7:  # the landlord's current house account takes vacant units
        u.write("landlord_agreements", parent, house[-1], "EL", None, None, "true")
    return written


# -- files --------------------------------------------------------------------------------------


def write(out: Path, accounts: int, seed: int) -> dict[str, int]:
    """Write the seven CSV files into `out`; the row count of each."""
    out.mkdir(parents=True, exist_ok=True)
    schedule = {cycle: list(read_dates(cycle)) for cycle in CYCLES}
    with ExitStack() as stack:
        writers = {}
        for kind, columns in COLUMNS.items():
            handle = stack.enter_context(
                (out / f"{kind}.csv").open("w", encoding="utf-8", newline="", buffering=1 << 20)
            )
            writers[kind] = csv.writer(handle, lineterminator="\n")
            writers[kind].writerow(columns)
        u = Utility(writers, random.Random(seed), schedule, reserved=set(RESERVED))
        for partner in PARTNERS:
            u.write("partners", *partner)
        for cycle in CYCLES:
            for day in schedule[cycle]:
                u.write("cycle_reads", cycle, day)
        written = story(u)
        while written < accounts:
            written += site(u, accounts - written)
    return u.counts


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=300, help="how many accounts (about)")
    parser.add_argument("-o", "--out", type=Path, default=ROOT / "fixtures" / "reference")
    parser.add_argument("--seed", type=int, default=49876543)
    args = parser.parse_args(argv)
    counts = write(args.out, args.accounts, args.seed)
    print(", ".join(f"{kind} {count}" for kind, count in counts.items()))


if __name__ == "__main__":
    main()
