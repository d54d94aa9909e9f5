"""Who sent a file: the channel it came by, never what its envelope claims.

A file claimed from partner P's inbound folder is P's (`ebt process --from DUNS` says the
same for a file given on the command line). Its interchanges must carry P's registered ids in
ISA06 and its groups in GS02; an interchange that names another sender is refused whole (a
TA1 rejection, note 006), a group that does (a 997 rejecting the group, AK9 R with AK905 1),
and none of their transaction sets is decided. A CES request whose N1*SJ names another CES
is rejected by the rules (UND). Every answer goes to P, never to an id the envelope names.

Without a channel (a file given to `ebt process` without `--from`), the interchange's sender
is the partner its ISA06 names, and its groups' GS02 must name the same partner: an envelope
naming two partners is refused, whichever they are, the same way every time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ebt.check import GroupStart, InterchangeStart
from ebt.findings import Finding, Location, finding

# the findings of this check: they depend on where a file came from, not on its bytes alone
FINDINGS = ("ISA06-CHANNEL", "GS02-CHANNEL")


@dataclass(frozen=True, slots=True)
class Channel:
    """The partner a file came from, and how we know it."""

    duns: str
    name: str
    ids: frozenset[str]  # every id it may put in ISA06 and GS02, its DUNS among them
    told_by: str  # "its inbound folder partners/acadia/inbound", "--from"


@dataclass(frozen=True, slots=True)
class Registry:
    """The registered partners by every id they use: id -> (DUNS, name)."""

    by_id: Mapping[str, tuple[str, str]]

    def channel(self, sender_id: str, told_by: str) -> Channel | None:
        """The registered partner that uses `sender_id`, as a channel."""
        known = self.by_id.get(sender_id)
        if known is None:
            return None
        duns, name = known
        ids = frozenset(i for i, (d, _) in self.by_id.items() if d == duns)
        return Channel(duns, name, ids, told_by)

    def describe(self, sender_id: str) -> str:
        known = self.by_id.get(sender_id)
        return f"{sender_id!r} ({known[1]})" if known else f"{sender_id!r} (not a registered id)"


class ChannelCheck:
    """Checks one file's interchanges and groups against its channel, adding a finding to the
    start event of what it refuses; `sender` is the DUNS that answers go to."""

    def __init__(self, channel: Channel | None, registry: Registry, *, file: str):
        self.fixed = channel
        self.registry = registry
        self.file = file
        self.channel: Channel | None = channel
        self.sender = channel.duns if channel else ""
        self.refused_interchange = False
        self.refused_group = False
        self.refusal: Finding | None = None

    @property
    def refused(self) -> bool:
        """Whether the current transaction set is in a refused interchange or group."""
        return self.refused_interchange or self.refused_group

    def interchange(self, event: InterchangeStart) -> Finding | None:
        """Check ISA06; a refusal is added to the event's findings (and so to its TA1)."""
        inter = event.interchange
        sender_id = inter.sender[1]
        self.refused_group = False
        if self.fixed is None:
            self.channel = self.registry.channel(sender_id, "ISA06")
            self.sender = self.channel.duns if self.channel else sender_id
            self.refused_interchange = False
            return None
        self.refused_interchange = sender_id not in self.fixed.ids
        if not self.refused_interchange:
            return None
        found = finding(
            "ISA06-CHANNEL",
            f"ISA06 is {self.registry.describe(sender_id)}, but the file came from "
            f"{self._expected()}; the interchange is refused and none of its transaction sets "
            "is processed.",
            Location(self.file, inter.control, segment="ISA", line=inter.line, element="ISA06"),
            text="*".join(inter.isa)[:200],
            value=sender_id,
        )
        event.findings.append(found)
        self.refusal = found
        return found

    def group(self, event: GroupStart) -> Finding | None:
        """Check GS02 against the interchange's partner; a refusal goes into the group's 997."""
        group = event.group
        sender_id = group.sender.strip()
        if self.refusal is not None and self.refused_interchange:
            event.findings.append(self.refusal)  # its 997 rejects the group too (said once)
            return None
        allowed = self.channel.ids if self.channel else frozenset({self.sender})
        self.refused_group = sender_id not in allowed
        if not self.refused_group:
            return None
        expected = self._expected() if self.fixed else self._isa06_partner()
        found = finding(
            "GS02-CHANNEL",
            f"GS02 is {self.registry.describe(sender_id)}, but {expected}; the group is "
            "refused and none of its transaction sets is processed.",
            Location(
                self.file,
                group.interchange.control,
                group.control,
                segment="GS",
                line=group.line,
                element="GS02",
            ),
            text="*".join(group.gs)[:200],
            value=sender_id,
        )
        event.findings.append(found)
        return found

    def _expected(self) -> str:
        channel = self.fixed
        assert channel is not None
        ids = ", ".join(sorted(channel.ids))
        return f"{channel.name} ({channel.duns}; {channel.told_by}), whose ids are {ids}"

    def _isa06_partner(self) -> str:
        channel = self.channel
        if channel is None:
            return f"the interchange's sender (ISA06) is {self.registry.describe(self.sender)}"
        ids = ", ".join(sorted(channel.ids))
        return (
            f"the interchange's sender (ISA06) is {channel.name} ({channel.duns}), "
            f"whose ids are {ids}"
        )
