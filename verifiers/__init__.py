"""Verifiers: verdicts on plans, the PDDL validator, critics and the plug-in registry."""

from ._critics import ForbiddenActionsCritic, PlanLengthCritic
from ._critique import Critique, Granularity, Style
from ._http import HTTPVerifier
from ._pddl_validator import PDDLValidator, validate
from ._protocol import Verifier
from ._registry import ENTRY_POINT_GROUP, VerifierLoadError, available_verifiers, load_verifier
from ._syntax import syntax_verdict
from ._val import VALVerifier, find_val, parse_val_output
from ._verdict import Verdict, Violation, ViolationKind

__all__ = [
    "Critique",
    "ENTRY_POINT_GROUP",
    "ForbiddenActionsCritic",
    "Granularity",
    "HTTPVerifier",
    "PDDLValidator",
    "PlanLengthCritic",
    "Style",
    "VALVerifier",
    "Verdict",
    "Verifier",
    "VerifierLoadError",
    "Violation",
    "ViolationKind",
    "available_verifiers",
    "find_val",
    "load_verifier",
    "parse_val_output",
    "syntax_verdict",
    "validate",
]
