"""PlanBench-style renderers for Blocksworld ("the red block") and Mystery Blocksworld ("object a")."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import ClassVar

from ._phrases import PhraseRenderer

COLORS = {
    "a": "red", "b": "blue", "c": "orange", "d": "yellow", "e": "white", "f": "magenta",
    "g": "black", "h": "cyan", "i": "green", "j": "violet", "k": "silver", "l": "gold",
}  # fmt: skip
"""PlanBench's names for block objects; other objects are called "block <name>"."""

_BY_COLOR = {color: name for name, color in COLORS.items()}

# PlanBench's wording, kept verbatim (it is what published results were measured with).
_BLOCKSWORLD_TEXT = """\
I am playing with a set of blocks where I need to arrange the blocks into stacks. Here are the actions I can do

Pick up a block
Unstack a block from on top of another block
Put down a block
Stack a block on top of another block

I have the following restrictions on my actions:
I can only pick up or unstack one block at a time.
I can only pick up or unstack a block if my hand is empty.
I can only pick up a block if the block is on the table and the block is clear. \
A block is clear if the block has no other blocks on top of it and if the block is not picked up.
I can only unstack a block from on top of another block if the block I am unstacking was really on top of \
the other block.
I can only unstack a block from on top of another block if the block I am unstacking is clear.
Once I pick up or unstack a block, I am holding the block.
I can only put down a block that I am holding.
I can only stack a block on top of another block if I am holding the block being stacked.
I can only stack a block on top of another block if the block onto which I am stacking the block is clear.
Once I put down or stack a block, my hand becomes empty.
Once you stack a block on top of a second block, the second block is no longer clear."""

# Verbatim too, including the stray comma in the last restriction; only trailing spaces were dropped.
_MYSTERY_TEXT = """\
I am playing with a set of objects. Here are the actions I can do

   Attack object
   Feast object from another object
   Succumb object
   Overcome object from another object

I have the following restrictions on my actions:
    To perform Attack action, the following facts need to be true: Province object, Planet object, Harmony.
    Once Attack action is performed the following facts will be true: Pain object.
    Once Attack action is performed the following facts will be false: Province object, Planet object, \
Harmony.
    To perform Succumb action, the following facts need to be true: Pain object.
    Once Succumb action is performed the following facts will be true: Province object, Planet object, \
Harmony.
    Once Succumb action is performed the following facts will be false: Pain object.
    To perform Overcome action, the following needs to be true: Province other object, Pain object.
    Once Overcome action is performed the following will be true: Harmony, Province object, Object Craves \
other object.
    Once Overcome action is performed the following will be false: Province other object, Pain object.
    To perform Feast action, the following needs to be true: Object Craves other object, Province object, \
Harmony.
    Once Feast action is performed the following will be true: Pain object, Province other object.
    Once Feast action is performed the following will be false:, Object Craves other object, Province \
object, Harmony."""

_NAME = r"[a-z0-9][\w-]*"


class BlocksworldRenderer(PhraseRenderer):
    """``(unstack a b)`` ↔ "unstack the red block from on top of the blue block"."""

    domain = "blocksworld"
    domain_text = _BLOCKSWORLD_TEXT
    step_templates: ClassVar[Mapping[str, str]] = {
        "pick-up": "pick up {0}",
        "put-down": "put down {0}",
        "stack": "stack {0} on top of {1}",
        "unstack": "unstack {0} from on top of {1}",
    }
    atom_templates: ClassVar[Mapping[str, str]] = {
        "clear": "{0} is clear",
        "ontable": "{0} is on the table",
        "handempty": "the hand is empty",
        "holding": "I am holding {0}",
        "on": "{0} is on top of {1}",
    }
    verbs: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "pick up": ("pick-up",), "pick-up": ("pick-up",), "pickup": ("pick-up",), "pick": ("pick-up",),
        "put down": ("put-down",), "put-down": ("put-down",), "putdown": ("put-down",),
        "put": ("put-down", "stack"), "place": ("put-down", "stack"),
        "stack": ("stack",), "unstack": ("unstack",), "un-stack": ("unstack",),
    }  # fmt: skip
    arities: ClassVar[Mapping[str, int]] = {"pick-up": 1, "put-down": 1, "stack": 2, "unstack": 2}
    # Words that only say where a block goes ("put down the red block in an empty space on the table").
    fillers: ClassVar[frozenset[str]] = frozenset(
        {"the", "from", "on", "top", "of", "onto", "upon", "atop", "to", "off", "table", "down", "up"}
        | {"in", "an", "a", "empty", "free", "space", "spot", "area"}
    )
    mention = rf"(?:the )?(?:(?:{'|'.join(COLORS.values())})(?: block)?|block {_NAME})"

    def name_object(self, obj: str) -> str:
        color = COLORS.get(obj)
        return f"the {color} block" if color else f"block {obj}"

    def decode(self, mention: str) -> str | None:
        words = mention.removeprefix("the ").split()
        if words[0] == "block":
            return words[1] if len(words) == 2 else None
        return _BY_COLOR.get(words[0])


class MysteryBlocksworldRenderer(PhraseRenderer):
    """``(feast a b)`` ↔ "feast object a from object b"."""

    domain = "mystery_blocksworld"
    domain_text = _MYSTERY_TEXT
    step_templates: ClassVar[Mapping[str, str]] = {
        "attack": "attack {0}",
        "succumb": "succumb {0}",
        "overcome": "overcome {0} from {1}",
        "feast": "feast {0} from {1}",
    }
    atom_templates: ClassVar[Mapping[str, str]] = {
        "province": "province {0}",
        "planet": "planet {0}",
        "harmony": "harmony",
        "pain": "pain {0}",
        "craves": "{0} craves {1}",
    }
    verbs: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "attack": ("attack",),
        "succumb": ("succumb",),
        "overcome": ("overcome",),
        "feast": ("feast",),
    }
    arities: ClassVar[Mapping[str, int]] = {"attack": 1, "succumb": 1, "overcome": 2, "feast": 2}
    fillers: ClassVar[frozenset[str]] = frozenset({"the", "from", "on", "of", "to", "with", "by"})
    # LLMs often drop the word "object" ("feast a from b"); a bare name must then look like one (a, b2).
    mention = rf"(?:the )?(?:object {_NAME}|[a-z]\d*)"

    def name_object(self, obj: str) -> str:
        return f"object {obj}"

    def decode(self, mention: str) -> str | None:
        words = mention.removeprefix("the ").split()
        name = words[-1]
        # "overcome object from object d" names no first object: "from" is not a name.
        return name if re.fullmatch(_NAME, name) and name not in self.fillers | {"object", "another"} else None
