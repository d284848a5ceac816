"""VAL (the KCL plan validator) as an optional hard verifier, when a ``Validate`` binary is available."""

from __future__ import annotations

import asyncio
import re
import shutil
import tempfile
from pathlib import Path
from typing import ClassVar

from domains import Plan, PlanningTask, UsageError

from ._verdict import Verdict, Violation

_UNSATISFIED = re.compile(r"^(\(.*\)) has an unsatisfied precondition at time (\d+)", re.MULTILINE)
_SET_TRUE = re.compile(r"\(Set (\(.*?\)) to true\)")
_SET_FALSE = re.compile(r"\(Set (\(.*?\)) to false\)")
_GOAL_ADVICE = re.compile(r"Goal not satisfied", re.IGNORECASE)


def find_val(binary: str | None = None) -> str | None:
    """The path of VAL's ``Validate`` (or ``validate``) on PATH, or the configured one if it exists."""
    if binary:
        return shutil.which(binary) or (binary if Path(binary).exists() else None)
    return shutil.which("Validate") or shutil.which("validate")


def parse_val_output(output: str) -> tuple[bool, tuple[Violation, ...]]:
    """Map VAL's verbose output (``-v``) and its "Plan Repair Advice" to violations."""
    if "Plan valid" in output and "Plan invalid" not in output:
        return True, ()
    violations: list[Violation] = []
    match = _UNSATISFIED.search(output)
    if match:
        action, time = match.group(1).lower(), int(match.group(2))
        advice = output[match.end() :]
        missing = [m.lower() for m in _SET_TRUE.findall(advice)]
        missing += [f"(not {m.lower()})" for m in _SET_FALSE.findall(advice)]
        violations.append(
            Violation(
                kind="precondition",
                step=time,
                action=action,
                missing=tuple(missing),
                message=f"VAL: {action} has an unsatisfied precondition at time {time}",
            )
        )
    elif _GOAL_ADVICE.search(output):
        advice = output[output.find("Plan Repair Advice") :] if "Plan Repair Advice" in output else output
        missing = [m.lower() for m in _SET_TRUE.findall(advice)]
        missing += [f"(not {m.lower()})" for m in _SET_FALSE.findall(advice)]
        violations.extend(
            Violation(kind="goal", missing=(m,), message=f"VAL: goal {m} not satisfied") for m in missing
        ) if missing else violations.append(Violation(kind="goal", message="VAL: goal not satisfied"))
    else:
        violations.append(Violation(kind="error", message="VAL rejected the plan: " + output.strip()[-300:]))
    return False, tuple(violations)


class VALVerifier:
    """Runs VAL's ``Validate -v`` as a subprocess.  Optional: Modulo never requires it."""

    name = "val"
    hard = True
    supports: ClassVar[frozenset[str]] = frozenset(
        {":strips", ":typing", ":negative-preconditions", ":equality", ":adl", ":conditional-effects"}
    )

    def __init__(self, binary: str | None = None, timeout: float = 30.0) -> None:
        found = find_val(binary)
        if found is None:
            raise UsageError(
                "VAL's Validate binary was not found on PATH; install VAL or pass binary=/path/to/Validate "
                "(Modulo's own 'pddl' validator needs no binary)"
            )
        self.binary = found
        self.timeout = timeout

    async def verify(self, task: PlanningTask, plan: Plan) -> Verdict:
        with tempfile.TemporaryDirectory(prefix="modulo-val-") as tmp:
            files = {"domain.pddl": task.domain_pddl, "problem.pddl": task.problem_pddl, "plan": plan.to_pddl() + "\n"}
            for name, text in files.items():
                (Path(tmp) / name).write_text(text)
            proc = await asyncio.create_subprocess_exec(
                self.binary,
                "-v",
                "domain.pddl",
                "problem.pddl",
                "plan",
                cwd=tmp,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
            )
            try:
                out, _ = await asyncio.wait_for(proc.communicate(), self.timeout)
            except TimeoutError:
                proc.kill()
                return Verdict(
                    verifier=self.name,
                    valid=False,
                    energy=1.0,
                    violations=(Violation(kind="timeout", message=f"VAL took over {self.timeout}s"),),
                )
        text = out.decode(errors="replace")
        valid, violations = parse_val_output(text)
        energy = 0.0 if valid else float(max(1, len(violations)))
        return Verdict(verifier=self.name, valid=valid, violations=violations, energy=energy, raw=text)
