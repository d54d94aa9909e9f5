"""Write an N-transaction 814 enrollment-request file for the benchmark.

The file is one interchange from a CES (Pine Tree Energy) to a T&D utility (Central Maine
Power), with every transaction in one functional group by default. Each transaction is an
enrollment request (814-1: BGN01 13, ASI 7/021) with its own account number, BGN02
reference, customer, service address in a Maine town, contact and CES rate code. Output is
written one transaction at a time, so memory stays flat whatever N is, and the same seed
always gives the same bytes.

    python bench/generate.py -n 200000 -o bench/out/enr-200000.x12
    python bench/generate.py -n 1000 --per-group 250 > small.x12
"""

from __future__ import annotations

import argparse
import random
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import TextIO

# GE01 (number of transaction sets in a group) is N0 1/6 in X12 004010.
MAX_PER_GROUP = 999_999
TERMINATOR = "~\n"

CES_NAME, CES_ID, CES_PREFIX = "PINE TREE ENERGY", "111111111", "PTE"
TD_NAME, TD_ID = "CENTRAL MAINE POWER", "007909411"

# (town, ZIP) across the state.
TOWNS = [
    ("AUGUSTA", "04330"), ("PORTLAND", "04101"), ("SOUTH PORTLAND", "04106"),
    ("LEWISTON", "04240"), ("AUBURN", "04210"), ("BANGOR", "04401"),
    ("BIDDEFORD", "04005"), ("SACO", "04072"), ("SANFORD", "04073"),
    ("BRUNSWICK", "04011"), ("TOPSHAM", "04086"), ("BATH", "04530"),
    ("WATERVILLE", "04901"), ("SKOWHEGAN", "04976"), ("FARMINGTON", "04938"),
    ("SCARBOROUGH", "04074"), ("WESTBROOK", "04092"), ("GORHAM", "04038"),
    ("WINDHAM", "04062"), ("FALMOUTH", "04105"), ("YARMOUTH", "04096"),
    ("FREEPORT", "04032"), ("KENNEBUNK", "04043"), ("WELLS", "04090"),
    ("YORK", "03909"), ("KITTERY", "03904"), ("OLD ORCHARD BEACH", "04064"),
    ("ROCKLAND", "04841"), ("CAMDEN", "04843"), ("BELFAST", "04915"),
    ("HALLOWELL", "04347"), ("GARDINER", "04345"), ("WINTHROP", "04364"),
    ("NORWAY", "04268"), ("BRIDGTON", "04009"), ("RUMFORD", "04276"),
    ("DAMARISCOTTA", "04543"), ("WISCASSET", "04578"), ("BOOTHBAY HARBOR", "04538"),
    ("DOVER-FOXCROFT", "04426"), ("PITTSFIELD", "04967"), ("NEWPORT", "04953"),
]  # fmt: skip
FIRST = [
    "JANE", "JOHN", "MARY", "ROBERT", "SUSAN", "MICHAEL", "LINDA", "DAVID", "KAREN",
    "JAMES", "NANCY", "WILLIAM", "LISA", "THOMAS", "SARAH", "DANIEL", "EMILY", "PAUL",
    "HEATHER", "MARK", "AMANDA", "PETER", "RACHEL", "ANDREW", "MEGAN", "CHRISTOPHER",
    "ABIGAIL", "NATHAN", "HANNAH", "BENJAMIN", "CLAIRE", "SAMUEL", "RENEE", "LUC",
]  # fmt: skip
LAST = [
    "DOE", "SMITH", "JOHNSON", "BROWN", "MILLER", "DAVIS", "THIBODEAU", "MICHAUD",
    "PELLETIER", "OUELLETTE", "CYR", "LEVESQUE", "GAGNON", "BOUCHARD", "CLOUTIER",
    "HUTCHINS", "STAPLES", "LIBBY", "SNOW", "COFFIN", "PERKINS", "MORRILL", "BEAN",
    "SARGENT", "GRINDLE", "CARTER", "WEBBER", "DYER", "LORD", "HASKELL", "FOURNIER",
]  # fmt: skip
BUSINESSES = [
    "HARBOR VIEW BAKERY", "PINE STATE HARDWARE", "KENNEBEC AUTO REPAIR", "CASCO BAY MARINE",
    "NORTH WOODS LUMBER", "LOBSTER POUND CAFE", "BLUEBERRY HILL FARM", "SEBAGO DENTAL",
    "ACADIA PRINT SHOP", "MIDCOAST FITNESS", "PENOBSCOT BREWING", "ANDROSCOGGIN MILLWORKS",
]  # fmt: skip
BUSINESS_SUFFIX = ["LLC", "INC", "CO", ""]
STREETS = [
    "MAIN", "WATER", "HIGH", "ELM", "MAPLE", "PINE", "OAK", "CHURCH", "SCHOOL", "MILL",
    "BRIDGE", "RIVER", "PLEASANT", "CENTER", "UNION", "CONGRESS", "FOREST", "OCEAN",
    "HARBOR", "LAKE", "PROSPECT", "WINTER", "SUMMER", "SPRING", "BACK COVE", "RIDGE",
]  # fmt: skip
STREET_TYPES = ["ST", "RD", "AVE", "LN", "DR", "WAY", "HWY"]
UNITS = ["APT", "UNIT", "STE", "FL"]
RESIDENTIAL_RATES = [
    "RES-FIXED-12", "RES-FIXED-24", "RES-FIXED-36", "RES-VAR", "RES-GREEN-50",
    "RES-GREEN-100", "RES-INTRO-6",
]  # fmt: skip
BUSINESS_RATES = ["SMB-FIXED-12", "SMB-FIXED-24", "SMB-INDEX", "SMB-GREEN-100"]
MAIL_DOMAINS = ["EXAMPLE.COM", "EXAMPLE.NET", "MAIL.EXAMPLE.ORG"]

# Distinct numbers from a sequence number: n -> (a*n + b) mod 10**k is a bijection on
# 0..10**k-1 when a is coprime to 10, so accounts look scattered but never repeat.
ACCOUNT_MULTIPLIER, ACCOUNT_OFFSET = 48_271_123, 3_141_592
CES_ACCOUNT_MULTIPLIER, CES_ACCOUNT_OFFSET = 69_069, 1_000_003


def _person(rng: random.Random) -> tuple[str, str]:
    """(customer name on N1*8R, contact name on PER), residential."""
    first, last = rng.choice(FIRST), rng.choice(LAST)
    if rng.random() < 0.4:
        name = f"{first} {rng.choice('ABCDEFGHJKLMNPRSTW')} {last}"
    else:
        name = f"{first} {last}"
    return name, name


def _business(rng: random.Random) -> tuple[str, str]:
    name = f"{rng.choice(BUSINESSES)} {rng.choice(BUSINESS_SUFFIX)}".strip()
    return name, f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def transaction(rng: random.Random, number: int, control: str, group_day: date) -> str:
    """The segments of one enrollment request, ST to SE, with terminators."""
    business = rng.random() < 0.15
    customer, contact = _business(rng) if business else _person(rng)
    town, zip_code = rng.choice(TOWNS)
    street = f"{rng.randint(1, 2400)} {rng.choice(STREETS)} {rng.choice(STREET_TYPES)}"
    n3 = f"N3*{street}"
    if rng.random() < 0.25:
        n3 += f"*{rng.choice(UNITS)} {rng.randint(1, 40)}"
    if rng.random() < 0.7:
        per = f"PER*IC*{contact}*TE*207{rng.randint(2_000_000, 9_999_999)}"
    else:
        user = contact.replace(" ", ".")
        per = f"PER*IC*{contact}*EM*{user}{rng.randint(1, 99)}@{rng.choice(MAIL_DOMAINS)}"
    sent = group_day - timedelta(days=rng.randint(0, 6))
    account = (number * ACCOUNT_MULTIPLIER + ACCOUNT_OFFSET) % 10**11
    ces_account = (number * CES_ACCOUNT_MULTIPLIER + CES_ACCOUNT_OFFSET) % 10**8
    billing = "DUAL" if rng.random() < 0.1 else "LDC"
    rate = rng.choice(BUSINESS_RATES if business else RESIDENTIAL_RATES)
    segments = [
        f"ST*814*{control}",
        f"BGN*13*{CES_PREFIX}{sent:%Y%m%d}{number:08d}*{sent:%Y%m%d}",
        f"N1*8S*{TD_NAME}*1*{TD_ID}",
        f"N1*SJ*{CES_NAME}*1*{CES_ID}",
        f"N1*8R*{customer}",
        n3,
        f"N4*{town}*ME*{zip_code}",
        per,
        "LIN*1*SH*EL*SH*CE",
        "ASI*7*021",
        f"REF*12*{account:011d}",
        f"REF*11*{CES_PREFIX}-{ces_account:08d}",
        f"REF*BLT*{billing}",
        f"REF*PC*{billing}",
        f"REF*RB*{rate}",
    ]
    segments.append(f"SE*{len(segments) + 1}*{control}")
    return TERMINATOR.join(segments) + TERMINATOR


def write(
    out: TextIO,
    transactions: int,
    *,
    per_group: int | None = None,
    seed: int = 814,
    day: date = date(2026, 11, 20),
) -> None:
    """Write the file to `out`; `per_group` None puts every transaction in one group
    (up to the X12 limit of 999,999 sets a group)."""
    size = min(per_group or MAX_PER_GROUP, MAX_PER_GROUP)
    rng = random.Random(seed)
    interchange = "000000101"
    groups = max(1, -(-transactions // size))
    out.write(
        f"ISA*00*          *00*          *01*{CES_ID:<15}*01*{TD_ID:<15}*"
        f"{day:%y%m%d}*0930*U*00401*{interchange}*0*P*>{TERMINATOR}"
    )
    number = 0
    for index in range(groups):
        group = str(101 + index)
        count = min(size, transactions - number)
        out.write(f"GS*GE*{CES_ID}*{TD_ID}*{day:%Y%m%d}*0930*{group}*X*004010{TERMINATOR}")
        for in_group in range(1, count + 1):
            number += 1
            out.write(transaction(rng, number, f"{in_group:04d}", day))
        out.write(f"GE*{count}*{group}{TERMINATOR}")
    out.write(f"IEA*{groups}*{interchange}{TERMINATOR}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--transactions", type=int, default=50_000)
    parser.add_argument("-o", "--out", type=Path, help="output file (default: stdout)")
    parser.add_argument(
        "--per-group", type=int, default=None, help="transactions per GS group (default: all)"
    )
    parser.add_argument("--seed", type=int, default=814)
    args = parser.parse_args(argv)
    if args.out is None:
        write(sys.stdout, args.transactions, per_group=args.per_group, seed=args.seed)
        return
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="ascii", newline="", buffering=1 << 20) as out:
        write(out, args.transactions, per_group=args.per_group, seed=args.seed)


if __name__ == "__main__":
    main()
