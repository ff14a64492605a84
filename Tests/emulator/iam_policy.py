"""IAM identity-policy evaluation as AWS documents it, for one (action, resource, context) at a time,
and a role's trust policy for a federated principal.

moto's own evaluator matches actions only and ignores Resource and most Conditions; this one
follows the IAM policy evaluation logic for identity-based policies: an explicit Deny wins, else an
Allow that matches action, resource and every condition, else an implicit deny. Context keys are
compared case-insensitively by name (as AWS does); values are lists of strings.
"""

from __future__ import annotations

import re
from enum import Enum
from typing import Any, Iterable


class Decision(Enum):
    ALLOW = "allow"
    EXPLICIT_DENY = "explicit deny"
    IMPLICIT_DENY = "implicit deny"


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _wildcard(pattern: str, value: str, ignore_case: bool = False) -> bool:
    # IAM's wildcards are * and ? only.
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL) is not None


def _arn_like(pattern: str, value: str) -> bool:
    # ArnLike compares each of the six colon-separated parts; wildcards stay inside a part
    # except in the last one (the resource), which may contain colons itself.
    p_parts, v_parts = pattern.split(":", 5), value.split(":", 5)
    if len(p_parts) != 6 or len(v_parts) != 6:
        return _wildcard(pattern, value)
    return all(_wildcard(p, v) for p, v in zip(p_parts, v_parts))


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


# Each base operator: (compare one request value with one policy value, negated?)
_OPERATORS: dict[str, tuple[Any, bool]] = {
    "stringequals": (lambda v, p: v == p, False),
    "stringnotequals": (lambda v, p: v == p, True),
    "stringequalsignorecase": (lambda v, p: v.lower() == p.lower(), False),
    "stringnotequalsignorecase": (lambda v, p: v.lower() == p.lower(), True),
    "stringlike": (lambda v, p: _wildcard(p, v), False),
    "stringnotlike": (lambda v, p: _wildcard(p, v), True),
    "arnequals": (_arn_like, False),
    "arnlike": (_arn_like, False),
    "arnnotequals": (_arn_like, True),
    "arnnotlike": (_arn_like, True),
    "bool": (lambda v, p: v.lower() == p.lower(), False),
    "numericequals": (lambda v, p: _number(v) is not None and _number(v) == _number(p), False),
    "numericnotequals": (lambda v, p: _number(v) is not None and _number(v) == _number(p), True),
    "numericlessthan": (lambda v, p: (_number(v) or 0) < (_number(p) or 0), False),
    "numericlessthanequals": (lambda v, p: (_number(v) or 0) <= (_number(p) or 0), False),
    "numericgreaterthan": (lambda v, p: (_number(v) or 0) > (_number(p) or 0), False),
    "numericgreaterthanequals": (lambda v, p: (_number(v) or 0) >= (_number(p) or 0), False),
}


class UnsupportedCondition(ValueError):
    """A condition operator this evaluator does not know: refused rather than guessed."""


def condition_holds(operator: str, key: str, expected: Any, context: dict[str, list[str]]) -> bool:
    name = operator.lower()
    qualifier = ""
    if name.startswith(("forallvalues:", "foranyvalue:")):
        qualifier, name = name.split(":", 1)
    if_exists = name.endswith("ifexists")
    if if_exists:
        name = name[: -len("ifexists")]
    wanted = [str(v).lower() if isinstance(v, bool) else str(v) for v in _as_list(expected)]
    actual = context.get(key.lower())
    if name == "null":
        # Null: true means "the key is absent", false "present".
        return (actual is None) == (wanted[0].lower() == "true")
    if name not in _OPERATORS:
        raise UnsupportedCondition(f"condition operator {operator} is not supported by the emulator")
    compare, negated = _OPERATORS[name]

    def matches(value: str) -> bool:
        return any(compare(value, p) for p in wanted)

    if qualifier == "forallvalues":
        # Every request value must satisfy the operator; no values at all satisfies it.
        return all((not matches(v)) if negated else matches(v) for v in actual or [])
    if qualifier == "foranyvalue":
        return any((not matches(v)) if negated else matches(v) for v in actual or [])
    if actual is None:
        # A missing key: only IfExists and the negated operators hold.
        return if_exists or negated
    hit = any(matches(v) for v in actual)
    return not hit if negated else hit


def _statement_applies(statement: dict[str, Any], action: str, resource: str, context: dict[str, list[str]]) -> bool:
    if "NotAction" in statement:
        if any(_wildcard(p, action, ignore_case=True) for p in _as_list(statement["NotAction"])):
            return False
    elif not any(_wildcard(p, action, ignore_case=True) for p in _as_list(statement.get("Action", []))):
        return False
    if "NotResource" in statement:
        if any(_wildcard(p, resource) for p in _as_list(statement["NotResource"])):
            return False
    elif not any(_wildcard(p, resource) for p in _as_list(statement.get("Resource", []))):
        return False
    for operator, keys in (statement.get("Condition") or {}).items():
        for key, expected in keys.items():
            if not condition_holds(operator, key, expected, context):
                return False
    return True


def evaluate(
    documents: Iterable[dict[str, Any]], action: str, resource: str, context: dict[str, list[str]]
) -> Decision:
    allowed = False
    for document in documents:
        for statement in _as_list(document.get("Statement", [])):
            if not _statement_applies(statement, action, resource, context):
                continue
            if statement.get("Effect") == "Deny":
                return Decision.EXPLICIT_DENY
            allowed = allowed or statement.get("Effect") == "Allow"
    return Decision.ALLOW if allowed else Decision.IMPLICIT_DENY


def trust_allows(
    document: dict[str, Any], action: str, principal_type: str, principal: str, context: dict[str, list[str]]
) -> bool:
    """A role's trust policy: a statement whose Principal names `principal` under `principal_type`
    ("Federated", "AWS", "Service") or is "*", whose Action matches and every condition holds."""
    allowed = False
    for statement in _as_list(document.get("Statement", [])):
        named = statement.get("Principal", {})
        if named != "*" and principal not in _as_list(named.get(principal_type, []) if isinstance(named, dict) else []):
            continue
        if not any(_wildcard(p, action, ignore_case=True) for p in _as_list(statement.get("Action", []))):
            continue
        try:
            holds = all(
                condition_holds(operator, key, expected, context)
                for operator, keys in (statement.get("Condition") or {}).items()
                for key, expected in keys.items()
            )
        except UnsupportedCondition:
            holds = False
        if not holds:
            continue
        if statement.get("Effect") == "Deny":
            return False
        allowed = allowed or statement.get("Effect") == "Allow"
    return allowed
