"""Renderers for Depots ("use hoist0 to lift crate1 from pallet0 at depot0") and Gripper."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import ClassVar

from ._phrases import PhraseRenderer

_DEPOTS_TEXT = """\
I have to move crates between depots and distributors. Trucks drive between any two places. At every \
place there is a hoist, and at least one pallet; crates stand on pallets or on other crates.
Here are the actions I can do:

Drive a truck from one place to another place.
Use a hoist to lift a crate from a surface (a pallet or a crate) at a place.
Use a hoist to drop a crate onto a surface at a place.
Use a hoist to load a crate into a truck at a place.
Use a hoist to unload a crate from a truck at a place.

I have the following restrictions on my actions:
I can only drive a truck from a place if the truck is at that place.
I can only lift a crate with a hoist if the hoist is available, the crate is clear, the crate is on the \
surface, and the hoist and the crate are at the place.
Once a hoist lifts a crate, the hoist is lifting the crate and is no longer available, the crate is no \
longer at the place nor on the surface, and the surface becomes clear.
I can only drop a crate onto a surface if the hoist is lifting the crate, the surface is clear, and the \
hoist and the surface are at the place.
Once a hoist drops a crate onto a surface, the crate is on the surface and at the place, the crate is \
clear, the surface is no longer clear, and the hoist is available.
I can only load a crate into a truck if the hoist is lifting the crate and the hoist and the truck are at \
the place.
Once a hoist loads a crate into a truck, the crate is in the truck and the hoist is available.
I can only unload a crate from a truck if the crate is in the truck, the hoist is available, and the \
hoist and the truck are at the place.
Once a hoist unloads a crate from a truck, the hoist is lifting the crate, the crate is no longer in the \
truck, and the hoist is no longer available."""

_GRIPPER_TEXT = """\
I control Robby, a robot with a left and a right gripper, who carries balls between rooms.
Here are the actions I can do:

Move from one room to another room.
Pick up a ball in a room with a gripper.
Drop a ball in a room from a gripper.

I have the following restrictions on my actions:
I can only move from a room if Robby is in that room.
I can only pick up a ball with a gripper if the ball and Robby are in the same room and the gripper is free.
Once I pick up a ball with a gripper, the gripper is carrying the ball, the gripper is no longer free and \
the ball is no longer in the room.
I can only drop a ball in a room if a gripper is carrying the ball and Robby is in the room.
Once I drop a ball, the ball is in the room, the gripper is free and no longer carrying the ball."""

_KINDS = "depot|distributor|truck|pallet|crate|hoist"


class DepotsRenderer(PhraseRenderer):
    """``(lift hoist0 crate1 pallet0 depot0)`` ↔ "use hoist0 to lift crate1 from pallet0 at depot0"."""

    domain = "depots"
    domain_text = _DEPOTS_TEXT
    step_templates: ClassVar[Mapping[str, str]] = {
        "drive": "drive {0} from {1} to {2}",
        "lift": "use {0} to lift {1} from {2} at {3}",
        "drop": "use {0} to drop {1} onto {2} at {3}",
        "load": "use {0} to load {1} into {2} at {3}",
        "unload": "use {0} to unload {1} from {2} at {3}",
    }
    atom_templates: ClassVar[Mapping[str, str]] = {
        "at": "{0} is at {1}",
        "on": "{0} is on {1}",
        "in": "{0} is in {1}",
        "lifting": "{0} is lifting {1}",
        "available": "{0} is available",
        "clear": "{0} is clear",
    }
    # The hoist often comes last ("lift crate1 from pallet0 at depot0 with hoist0") or first as subject.
    read_patterns: ClassVar[Sequence[tuple[str, str]]] = tuple(
        (action, pattern.format(verb=verb, prep=prep, slots="{0}"))
        for action, verb, prep in (
            ("lift", "lift", "from"),
            ("drop", "drop", "(?:onto|on)"),
            ("load", "load", "(?:into|onto|in)"),
            ("unload", "unload", "from"),
        )
        for pattern in (
            "{verb} {{1}} {prep} {{2}} at {{3}} (?:with|using) {slots}",
            "{slots} {verb}s {{1}} {prep} {{2}} at {{3}}",
            "use {slots} to {verb} {{1}} {prep} {{2}} (?:at|in) {{3}}",
        )
    )
    verbs: ClassVar[Mapping[str, tuple[str, ...]]] = {"drive": ("drive",)}
    arities: ClassVar[Mapping[str, int]] = {"drive": 3, "lift": 4, "drop": 4, "load": 4, "unload": 4}
    fillers: ClassVar[frozenset[str]] = frozenset({"the", "from", "to", "at"})
    mention = rf"(?:the )?(?:{_KINDS})[ _]?\d+"

    def decode(self, mention: str) -> str | None:
        return re.sub(r"[ _]", "", mention.removeprefix("the "))


class GripperRenderer(PhraseRenderer):
    """``(pick ball1 rooma left)`` ↔ "pick up ball1 in room a with the left gripper"."""

    domain = "gripper"
    domain_text = _GRIPPER_TEXT
    step_templates: ClassVar[Mapping[str, str]] = {
        "move": "move from {0} to {1}",
        "pick": "pick up {0} in {1} with {2}",
        "drop": "drop {0} in {1} with {2}",
    }
    atom_templates: ClassVar[Mapping[str, str]] = {
        "at-robby": "Robby is in {0}",
        "at": "{0} is in {1}",
        "free": "{0} is free",
        "carry": "{1} is carrying {0}",
    }
    read_patterns: ClassVar[Sequence[tuple[str, str]]] = (
        ("drop", "drop {0} in {1} from {2}"),
        ("pick", "pick {0} up in {1} with {2}"),
    )
    verbs: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "move": ("move",), "go": ("move",), "pick up": ("pick",), "pick": ("pick",), "grab": ("pick",),
        "drop": ("drop",), "put down": ("drop",),
    }  # fmt: skip
    arities: ClassVar[Mapping[str, int]] = {"move": 2, "pick": 3, "drop": 3}
    fillers: ClassVar[frozenset[str]] = frozenset(
        {"the", "from", "to", "in", "with", "using", "up", "at", "robby", "and"}
    )
    mention = r"(?:the )?(?:room ?[a-z0-9]+|ball ?\d+|(?:left|right)(?: gripper| hand)?|gripper (?:left|right))"

    def name_object(self, obj: str) -> str:
        if obj in ("left", "right"):
            return f"the {obj} gripper"
        if match := re.fullmatch(r"room([a-z0-9]+)", obj):
            return f"room {match.group(1)}"
        return obj

    def decode(self, mention: str) -> str | None:
        words = mention.removeprefix("the ").split()
        if words[0] in ("left", "right"):
            return words[0]
        if words[0] == "gripper":
            return words[1]
        return "".join(words)
