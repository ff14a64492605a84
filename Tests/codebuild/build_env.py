"""The build's environment, put together as CodeBuild does.

Lowest to highest precedence: the image's own variables, the buildspec's `env` (variables,
parameter-store, secrets-manager), the project's environment variables, the StartBuild
overrides. CodeBuild's own CODEBUILD_* / AWS_* variables are set by the service and win.
PARAMETER_STORE and SECRETS_MANAGER values are read with the build's credentials, and
remembered so that the log masks them.
"""

from __future__ import annotations

import json
import os
from typing import Any, Callable

from buildspec import Buildspec

# What the build image itself provides (the runner's host stands in for the image).
IMAGE_VARIABLES = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")


class VariableError(RuntimeError):
    """A variable could not be resolved (CodeBuild fails the build before INSTALL)."""


class BuildEnvironment:
    def __init__(self, aws_client: Callable[[str], Any]):
        self.aws_client = aws_client
        self.secrets: set[str] = set()

    def compose(self, spec: Buildspec, project: list[dict[str, str]], overrides: list[dict[str, str]],
                service: dict[str, str]) -> dict[str, str]:
        env = {name: os.environ[name] for name in IMAGE_VARIABLES if name in os.environ}
        env.update(spec.variables)
        env.update({name: self.parameter(ref) for name, ref in spec.parameter_store.items()})
        env.update({name: self.secret(ref) for name, ref in spec.secrets_manager.items()})
        for variable in list(project) + list(overrides):
            env[variable["name"]] = self.resolve(variable)
        env.update(service)
        return env

    def resolve(self, variable: dict[str, str]) -> str:
        kind, value = variable.get("type", "PLAINTEXT"), variable.get("value", "")
        if kind == "PLAINTEXT":
            return value
        if kind == "PARAMETER_STORE":
            return self.parameter(value)
        if kind == "SECRETS_MANAGER":
            return self.secret(value)
        raise VariableError(f"environment variable {variable.get('name')}: unknown type {kind}")

    def parameter(self, name: str) -> str:
        try:
            value = self.aws_client("ssm").get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]
        except Exception as error:
            raise VariableError(f"Parameter Store: {name}: {_describe(error)}") from None
        self.secrets.add(value)
        return str(value)

    def secret(self, reference: str) -> str:
        """secret-id[:json-key[:version-stage[:version-id]]], the secret-id a name or an ARN."""
        parts = reference.split(":")
        head = 7 if reference.startswith("arn:") else 1
        secret_id, rest = ":".join(parts[:head]), parts[head:] + ["", "", ""]
        json_key, stage, version = rest[:3]
        request = {"SecretId": secret_id}
        if stage:
            request["VersionStage"] = stage
        if version:
            request["VersionId"] = version
        try:
            value = self.aws_client("secretsmanager").get_secret_value(**request)["SecretString"]
            if json_key:
                value = json.loads(value)[json_key]
        except Exception as error:
            raise VariableError(f"Secrets Manager: {secret_id}: {_describe(error)}") from None
        self.secrets.add(str(value))
        return str(value)


def _describe(error: Exception) -> str:
    response = getattr(error, "response", None)
    if isinstance(response, dict) and "Error" in response:
        return f"{response['Error'].get('Code')}: {response['Error'].get('Message')}"
    return f"{type(error).__name__}: {error}"
