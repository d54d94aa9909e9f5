"""Guide loading: bad guide data is a GuideError at load time; the version in force is chosen
by the group date."""

from __future__ import annotations

import io
import json
import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from ebt.check import FileChecker, SetResult
from ebt.data.guides import load_guidebook
from ebt.guides.loader import GuideBook, GuideError
from ebt.mapping.records import Kind
from ebt.resources import data_path

BUNDLED = data_path("transactions")
GUIDE_814 = "814-3.0.json"

ENR = (
    "ISA*00*          *00*          *01*111111111      *01*007909411      "
    "*261120*0930*U*00401*000000101*0*P*>~\n"
    "GS*GE*111111111*007909411*{gs04}*0930*101*X*004010~\n"
    "ST*814*0001~\n"
    "BGN*13*ENR20261120001*20261120~\n"
    "N1*8S*CENTRAL MAINE POWER*1*007909411~\n"
    "N1*SJ*PINE TREE ENERGY*1*111111111~\n"
    "N1*8R*JANE Q DOE~\n"
    "LIN*1*SH*EL*SH*CE~\n"
    "ASI*7*021~\n"
    "REF*12*00012345678~\n"
    "REF*BLT*DUAL~\n"
    "REF*PC*DUAL~\n"
    "SE*11*0001~\n"
    "GE*1*101~\n"
    "IEA*1*000000101~\n"
)


def guide_folder(tmp_path: Path, guides: dict[str, dict[str, Any]]) -> Path:
    """A transactions folder: the bundled dictionary and envelope, and `guides`."""
    root = tmp_path / "transactions"
    (root / "guides").mkdir(parents=True)
    for name in ("x12-004010.json", "envelope-004010.json"):
        shutil.copy(BUNDLED / name, root / name)
    for name, raw in guides.items():
        (root / "guides" / name).write_text(json.dumps(raw, indent=1))
    return root


def bundled(name: str = GUIDE_814) -> dict[str, Any]:
    raw: dict[str, Any] = json.loads((BUNDLED / "guides" / name).read_text())
    return raw


def _segment(raw: dict[str, Any], tag: str, qualifier: str | None = None) -> dict[str, Any]:
    """Find a segment entry in the structure (loops searched too)."""
    stack = list(raw["structure"])
    while stack:
        item = stack.pop()
        if "loop" in item:
            stack.extend(item["segments"])
        elif item["segment"] == tag and item.get("qualifier") == qualifier:
            found: dict[str, Any] = item
            return found
    raise LookupError(tag)


def test_bundled_guides_load() -> None:
    book = load_guidebook()
    assert sorted(book.guides) == ["814", "824", "997"]
    kinds = {f.kind for guides in book.guides.values() for g in guides for f in g.flavours}
    assert kinds <= {k.value for k in Kind}
    assert book.functional_id("814") == "GE"
    assert book.functional_id("810") is None


def test_copied_guides_load(tmp_path: Path) -> None:
    # The harness itself is sound: an unchanged copy loads.
    book = load_guidebook(guide_folder(tmp_path, {GUIDE_814: bundled()}))
    assert [g.version for g in book.guides["814"]] == ["3.0"]


Change = Callable[[dict[str, Any]], None]


def _set_when(raw: dict[str, Any]) -> None:
    raw["conditions"][0]["when"] = "is_full_moon"


def _flavour_requires(target: str) -> Change:
    def change(raw: dict[str, Any]) -> None:
        raw["flavours"]["enrollment_request"]["required"].append(target)

    return change


def _flavour_not_used(target: str) -> Change:
    def change(raw: dict[str, Any]) -> None:
        raw["flavours"]["drop_accept"]["not_used"] = [target]

    return change


def _condition_requires(target: str) -> Change:
    def change(raw: dict[str, Any]) -> None:
        raw["conditions"][1]["require"] = target

    return change


def _element_usage(raw: dict[str, Any]) -> None:
    _segment(raw, "BGN")["elements"]["BGN99"] = "O"


def _element_codes(raw: dict[str, Any]) -> None:
    _segment(raw, "ASI")["codes"]["ASI07"] = "action"


def _code_list(raw: dict[str, Any]) -> None:
    _segment(raw, "REF", "7G")["codes"]["REF02"] = "rejection_reasons_2030"


def _code_list_type(raw: dict[str, Any]) -> None:
    _segment(raw, "ASI")["codes"]["ASI01"] = 7


def _segment_tag(raw: dict[str, Any]) -> None:
    _segment(raw, "N3")["segment"] = "N9X"


def _flavour_match(raw: dict[str, Any]) -> None:
    raw["flavours"]["change_accept"]["match"]["XYZ01"] = "1"


def _duplicate_node(raw: dict[str, Any]) -> None:
    loop = next(i for i in raw["structure"] if i.get("loop") == "LIN")
    loop["segments"].insert(3, dict(_segment(raw, "REF", "12")))


def _set_id(raw: dict[str, Any]) -> None:
    raw["set"] = "810"


def _missing_key(raw: dict[str, Any]) -> None:
    del raw["valid_from"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_set_when, "unknown predicate 'is_full_moon'"),
        (_flavour_requires("LIN/REF:ZZ"), "unknown node 'LIN/REF:ZZ'"),
        (_flavour_not_used("N1:XX"), "unknown node 'N1:XX'"),
        (_condition_requires("LIN/NM1:MQ/REF:QQ"), "unknown node 'LIN/NM1:MQ/REF:QQ'"),
        (_flavour_requires("LIN/REF:12.REF09"), "unknown element 'LIN/REF:12.REF09'"),
        (_condition_requires("BGN.BGN10"), "unknown element 'BGN.BGN10'"),
        (_element_usage, "BGN has no element .*BGN99"),
        (_element_codes, "ASI has no element .*ASI07"),
        (_code_list, "unknown code list 'rejection_reasons_2030'"),
        (_code_list_type, "a code list is a name, a list or a mapping"),
        (_segment_tag, "segment N9X is not in the 004010 dictionary"),
        (_flavour_match, "flavour match names XYZ01"),
        (_duplicate_node, "LIN/REF:12 appears twice"),
        (_set_id, "set 810 is not in the dictionary"),
        (_missing_key, "valid_from"),
    ],
    ids=lambda v: v.__name__ if callable(v) else None,
)
def test_load_guidebook_refuses_bad_data(tmp_path: Path, change: Change, message: str) -> None:
    raw = bundled()
    change(raw)
    root = guide_folder(tmp_path, {GUIDE_814: raw})
    with pytest.raises(GuideError, match=message):
        load_guidebook(root)


def test_unreadable_guide_file_is_a_guide_error(tmp_path: Path) -> None:
    root = guide_folder(tmp_path, {})
    (root / "guides" / GUIDE_814).write_text('{"set": "814", ')
    with pytest.raises(GuideError, match=GUIDE_814):
        load_guidebook(root)


def test_dictionary_with_an_unknown_element_is_refused(tmp_path: Path) -> None:
    root = guide_folder(tmp_path, {GUIDE_814: bundled()})
    raw = json.loads((root / "x12-004010.json").read_text())
    raw["segments"]["ASI"]["elements"].append("99999")
    (root / "x12-004010.json").write_text(json.dumps(raw))
    with pytest.raises(GuideError, match="ASI uses unknown elements"):
        load_guidebook(root)


def test_envelope_with_an_unknown_code_list_is_refused(tmp_path: Path) -> None:
    root = guide_folder(tmp_path, {GUIDE_814: bundled()})
    raw = json.loads((root / "envelope-004010.json").read_text())
    raw["segments"]["ISA"]["codes"]["ISA05"] = "no_such_list"
    (root / "envelope-004010.json").write_text(json.dumps(raw))
    with pytest.raises(GuideError, match="unknown code list 'no_such_list'"):
        load_guidebook(root)


def test_two_versions_in_force_on_the_same_date_are_refused(tmp_path: Path) -> None:
    second = bundled()
    second["version"] = "3.1"
    root = guide_folder(tmp_path, {GUIDE_814: bundled(), "814-3.1.json": second})
    with pytest.raises(GuideError, match="same date"):
        load_guidebook(root)


# -- the version in force ---------------------------------------------------------------------


@pytest.fixture
def two_versions(tmp_path: Path) -> GuideBook:
    """814 3.0 from 2007-01-01 and a 4.0 from 2027-03-01 that also requires REF*11."""
    newer = bundled()
    newer["version"] = "4.0"
    newer["valid_from"] = "2027-03-01"
    _segment(newer, "REF", "11")["usage"] = "M"
    # file names sort the newer version first: order must come from valid_from
    return load_guidebook(
        guide_folder(
            tmp_path,
            {
                "814-a-newer.json": newer,
                "814-b-older.json": bundled(),
                "997-1.0.json": bundled("997-1.0.json"),
            },
        )
    )


@pytest.mark.parametrize(
    ("on", "version"),
    [
        (date(2006, 12, 31), None),
        (date(2007, 1, 1), "3.0"),
        (date(2027, 2, 28), "3.0"),
        (date(2027, 3, 1), "4.0"),
        (date(2040, 1, 1), "4.0"),
        (None, "4.0"),
    ],
)
def test_guide_for_picks_the_version_in_force(
    two_versions: GuideBook, on: date | None, version: str | None
) -> None:
    guide = two_versions.guide_for("814", on)
    assert (guide.version if guide else None) == version


def test_guide_for_an_unknown_set(two_versions: GuideBook) -> None:
    assert two_versions.guide_for("824", date(2026, 1, 1)) is None
    assert two_versions.guide_for("824", None) is None


def _check(book: GuideBook, gs04: str) -> SetResult:
    data = ENR.format(gs04=gs04).encode()
    events = list(FileChecker(io.BytesIO(data), book=book).events())
    [result] = [e for e in events if isinstance(e, SetResult)]
    return result


def test_checker_validates_against_the_version_of_the_group_date(two_versions: GuideBook) -> None:
    old = _check(two_versions, "20270228")
    assert old.checked is not None and old.checked.guide.version == "3.0"
    assert old.findings == []
    assert old.record is not None and old.record.kind is Kind.ENROLLMENT_REQUEST

    new = _check(two_versions, "20270301")
    assert new.checked is not None and new.checked.guide.version == "4.0"
    assert [(f.code, f.location.segment) for f in new.findings] == [("SEGMENT-MISSING", "REF")]
    assert new.record is None


def test_checker_before_any_version_is_guide_not_in_force(two_versions: GuideBook) -> None:
    result = _check(two_versions, "20061231")
    assert [f.code for f in result.findings] == ["GUIDE-NOT-IN-FORCE"]
    assert result.checked is None
