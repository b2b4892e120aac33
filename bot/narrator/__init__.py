"""The narrator: grounded prose from the packet's facts, written by a language model.

Public surface: :class:`Narrator` (``write``), :func:`explain`, the values :class:`Fact`,
:class:`Claim`, :class:`Narration`, :class:`NarrationOutcome`, :class:`Usage`, and the port
:class:`LanguageModel` an adapter implements.
"""

from bot.narrator.client import Narrator, NarratorLimits, NarratorSetup, explain
from bot.narrator.ports import LanguageModel, ModelReply, ModelRequest, ToolSpec
from bot.narrator.values import Claim, DroppedClaim, Fact, Narration, NarrationOutcome, Usage

__all__ = [
    "Claim",
    "DroppedClaim",
    "Fact",
    "LanguageModel",
    "ModelReply",
    "ModelRequest",
    "Narration",
    "NarrationOutcome",
    "Narrator",
    "NarratorLimits",
    "NarratorSetup",
    "ToolSpec",
    "Usage",
    "explain",
]
