"""PlanBench-style renderer for Logistics: ``p0`` is "package_0", ``l1-0`` "location_1_0", ``t1`` "truck_1"."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import ClassVar

from .._plan import Step
from ._phrases import PhraseRenderer

_PREFIXES = {"p": "package", "t": "truck", "a": "airplane", "c": "city"}
_SHORT = re.compile(r"([ptac])(\d+)")
_SHORT_LOCATION = re.compile(r"l(\d+)-(\d+)")
_SEP = r"[ _-]?"
_LONG = re.compile(rf"(package|truck|airplane|plane|city){_SEP}(\d+)")
_LONG_LOCATION = re.compile(rf"location{_SEP}(\d+)[ _-](\d+)")

# PlanBench's wording, kept verbatim (trailing spaces dropped).
_LOGISTICS_TEXT = """\
I have to plan logistics to transport packages within cities via trucks and between cities via airplanes. \
Locations within a city are directly connected (trucks can move between any two such locations), and so \
are the cities. In each city there is exactly one truck and each city has one location that serves as an \
airport.
Here are the actions that can be performed:

Load a package into a truck.
Load a package into an airplane.
Unload a package from a truck.
Unload a package from an airplane.
Drive a truck from one location to another location.
Fly an airplane from one city to another city.

The following are the restrictions on the actions:
A package can be loaded into a truck only if the package and the truck are in the same location.
Once a package is loaded into a truck, the package is not at the location and is in the truck.
A package can be loaded into an airplane only if the package and the airplane are in the same location.
Once a package is loaded into an airplane, the package is not at the location and is in the airplane.
A package can be unloaded from a truck only if the package is in the truck.
Once a package is unloaded from a truck, the package is not in the truck and is at the location of the \
truck.
A package can be unloaded from an airplane only if the package in the airplane.
Once a package is unloaded from an airplane, the package is not in the airplane and is at the location of \
the airplane.
A truck can be driven from one location to another if the truck is at the from-location and both \
from-location and to-location are locations in the same city.
Once a truck is driven from one location to another, it is not at the from-location and is at the \
to-location.
An airplane can be flown from one city to another if the from-location and the to-location are airports \
and the airplane is at the from-location.
Once an airplane is flown from one city to another the airplane is not at the from-location and is at the \
to-location."""


class LogisticsRenderer(PhraseRenderer):
    """``(load-truck p0 t1 l1-0)`` ↔ "load package_0 into truck_1 at location_1_0"."""

    domain = "logistics"
    domain_text = _LOGISTICS_TEXT
    step_templates: ClassVar[Mapping[str, str]] = {
        "load-truck": "load {0} into {1} at {2}",
        "load-airplane": "load {0} into {1} at {2}",
        "unload-truck": "unload {0} from {1} at {2}",
        "unload-airplane": "unload {0} from {1} at {2}",
        "drive-truck": "drive {0} from {1} to {2} in {3}",
        "fly-airplane": "fly {0} from {1} to {2}",
    }
    atom_templates: ClassVar[Mapping[str, str]] = {
        "airport": "{0} is an airport",
        "at": "{0} is at {1}",
        "in": "{0} is in {1}",
        "in-city": "{0} is in the city {1}",
    }
    # "drive" without its city is common; the city is then the one the from-location's name belongs to.
    # "fly … in city_1" names the destination's city, which the action does not take.
    read_patterns: ClassVar[Sequence[tuple[str, str]]] = (
        ("drive", "drive {0} from {1} (?:back )?to {2}"),
        ("drive-truck", "drive {0} (?:back )?to {2} from {1} in {3}"),
        ("drive", "drive {0} (?:back )?to {2} from {1}"),
        ("fly-airplane", "fly {0} from {1} (?:back )?to {2}(?: in (?:the )?(?:city )?(?:city[ _-]?\\d+|c\\d+))?"),
    )
    verbs: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "load": ("load-truck",), "unload": ("unload-truck",), "drive": ("drive-truck", "drive"),
        "fly": ("fly-airplane",),
    }  # fmt: skip
    arities: ClassVar[Mapping[str, int]] = {
        "load-truck": 3, "load-airplane": 3, "unload-truck": 3, "unload-airplane": 3,
        "drive-truck": 4, "drive": 3, "fly-airplane": 3,
    }  # fmt: skip
    fillers: ClassVar[frozenset[str]] = frozenset(
        {"the", "into", "in", "onto", "on", "at", "from", "to", "of", "city", "inside", "back"}
    )
    mention = (
        rf"(?:the )?(?:(?:package|truck|airplane|plane|city){_SEP}\d+|location{_SEP}\d+[ _-]\d+"
        r"|[ptac]\d+|l\d+-\d+)"
    )

    def name_object(self, obj: str) -> str:
        if match := _SHORT.fullmatch(obj):
            return f"{_PREFIXES[match.group(1)]}_{match.group(2)}"
        if match := _SHORT_LOCATION.fullmatch(obj):
            return f"location_{match.group(1)}_{match.group(2)}"
        return obj

    def decode(self, mention: str) -> str | None:
        text = mention.removeprefix("the ")
        if _SHORT.fullmatch(text) or _SHORT_LOCATION.fullmatch(text):
            return text
        if match := _LONG_LOCATION.fullmatch(text):
            return f"l{match.group(1)}-{match.group(2)}"
        if match := _LONG.fullmatch(text):
            kind = "airplane" if match.group(1) == "plane" else match.group(1)
            return f"{kind[0]}{match.group(2)}"
        return None

    def resolve(self, step: Step) -> Step | None:
        action, args = step.action, step.args
        if action.startswith(("load", "unload")):
            # "load … into X": the vehicle's kind picks the action, as the two share one sentence.
            kinds = {"t": "truck", "a": "airplane"}
            kind = kinds.get(args[1][:1]) if _SHORT.fullmatch(args[1]) else None
            if kind is None:
                return None
            return Step(action=f"{action.split('-')[0]}-{kind}", args=args)
        if action == "drive":
            match = _SHORT_LOCATION.fullmatch(args[1])
            if match is None:
                return None
            return Step(action="drive-truck", args=(*args, f"c{match.group(1)}"))
        return step
