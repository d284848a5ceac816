"""Natural-language renderers: one per shipped domain, and a generic PDDL-ish one for imported domains."""

from ._blocks import COLORS, BlocksworldRenderer, MysteryBlocksworldRenderer
from ._depots import DepotsRenderer, GripperRenderer
from ._generic import GenericRenderer
from ._logistics import LogisticsRenderer
from ._phrases import PhraseRenderer

__all__ = [
    "COLORS",
    "BlocksworldRenderer",
    "DepotsRenderer",
    "GenericRenderer",
    "GripperRenderer",
    "LogisticsRenderer",
    "MysteryBlocksworldRenderer",
    "PhraseRenderer",
]
