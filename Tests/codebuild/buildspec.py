"""A buildspec (version 0.2) read into what the runner needs: env, phases, artifacts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

PHASES = ("install", "pre_build", "build", "post_build")


class BuildspecError(ValueError):
    """The buildspec is not one CodeBuild would run (CodeBuild: YAML_FILE_ERROR in DOWNLOAD_SOURCE)."""


@dataclass
class Phase:
    name: str
    commands: list[str] = field(default_factory=list)
    finally_: list[str] = field(default_factory=list)
    # None: the documented phase transitions; "ABORT" or "CONTINUE" as the buildspec says.
    on_failure: str | None = None


@dataclass
class Buildspec:
    shell: str
    variables: dict[str, str]
    parameter_store: dict[str, str]
    secrets_manager: dict[str, str]
    exported_variables: list[str]
    phases: dict[str, Phase]
    artifacts: dict[str, Any]

    @staticmethod
    def parse(text: str) -> Buildspec:
        try:
            doc = yaml.safe_load(text)
        except yaml.YAMLError as error:
            raise BuildspecError(f"the buildspec is not valid YAML: {error}") from None
        if not isinstance(doc, dict):
            raise BuildspecError("the buildspec is not a YAML mapping")
        if str(doc.get("version")) != "0.2":
            raise BuildspecError(f"buildspec version {doc.get('version')!r}: the runner models version 0.2 only")
        env = doc.get("env") or {}
        # CodeBuild's default shell on Linux is sh; env.shell may choose bash.
        shell = {"bash": "bash", "/bin/sh": "sh", "sh": "sh"}.get(str(env.get("shell", "sh")))
        if shell is None:
            raise BuildspecError(f"env.shell {env.get('shell')!r}: CodeBuild on Linux accepts bash or /bin/sh")
        phases = {}
        for name, body in (doc.get("phases") or {}).items():
            if name not in PHASES:
                raise BuildspecError(f"unknown phase {name!r} (phases are {', '.join(PHASES)})")
            body = body or {}
            on_failure = body.get("on-failure")
            if on_failure not in (None, "ABORT", "CONTINUE"):
                raise BuildspecError(f"phase {name}: on-failure must be ABORT or CONTINUE, not {on_failure!r}")
            phases[name] = Phase(name, _strings(body.get("commands"), f"phases.{name}.commands"),
                                 _strings(body.get("finally"), f"phases.{name}.finally"), on_failure)
        return Buildspec(
            shell=shell,
            variables=_mapping(env.get("variables")),
            parameter_store=_mapping(env.get("parameter-store")),
            secrets_manager=_mapping(env.get("secrets-manager")),
            exported_variables=_strings(env.get("exported-variables"), "env.exported-variables"),
            phases=phases,
            artifacts=doc.get("artifacts") or {},
        )


def _strings(value: Any, where: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise BuildspecError(f"{where}: expected a list, got {value!r}")
    for index, item in enumerate(value):
        # CodeBuild refuses the buildspec: "Expected Commands[0] to be of string type: found subkeys instead".
        if isinstance(item, (dict, list)):
            raise BuildspecError(f"{where}[{index}] is not a string: YAML read {item!r} "
                                 "(a plain scalar with ': ' in it is a mapping; quote the command)")
    return [_text(item) for item in value]


def _mapping(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BuildspecError(f"expected a mapping of names to values, got {value!r}")
    return {str(k): _text(v) for k, v in value.items()}


def _text(value: Any) -> str:
    # YAML reads `true` or `1.0` as a boolean or a number; the command or value is the text.
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
