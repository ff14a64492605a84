"""The release project as the template defines it, running buildspec/release.yml in the emulator.

The stack is deployed with cfn-deploy from stacks/release-codebuild.yaml as it is; the build gets
the overrides a test-ground release needs (ASSET_ID, SKIP_INSTALL=1: emulator instances have no
operating system; VM_BUCKET) and must complete the release: its state files and artifacts.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any, Callable

import pytest

from conftest import ROOT

# The build installs packages and builds the tools from a fresh copy of the repository.
RELEASE_MINUTES = 45


def deploy(emulator: dict[str, str], stack: str, params: dict[str, str]) -> dict[str, Any]:
    tool = Path(os.environ.get("SANDBOX_BIN", ROOT / ".build" / "release")) / "cfn-deploy"
    assert tool.exists(), f"{tool} is missing: run make build first"
    flags = [f"--param={k}={v}" for k, v in params.items()]
    done = subprocess.run([str(tool), "--stack", stack, "--template", "stacks/release-codebuild.yaml", *flags],
                          cwd=ROOT, env={**os.environ, **emulator}, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    assert done.returncode == 0, f"cfn-deploy of {stack} failed:\n{done.stderr}"
    return json.loads(done.stdout)


@pytest.mark.xfail(strict=True, reason=(
    "pending (issue 13, buildspec in flight): buildspec/release.yml's first install command has ': ' in a plain "
    "YAML scalar, so it reads as a mapping and CodeBuild refuses the buildspec (YAML_FILE_ERROR); and pre_build "
    "asks https://checkip.amazonaws.com, unreachable here, even when SOURCE_CIDR is given. With both fixed in a "
    "local copy this test passed (7 minutes, most of it make build)"))
def test_pending_release_buildspec_completes_in_the_release_project(
        emulator: dict[str, str], aws: Callable[[str], Any]) -> None:
    suffix = uuid.uuid4().hex[:8]
    bucket, asset_id = f"vm-images-{suffix}", f"cb-{suffix}"
    s3 = aws("s3")
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": s3.meta.region_name})
    secret = aws("secretsmanager").create_secret(Name=f"sandbox-password-{suffix}", SecretString=f"pw-{uuid.uuid4().hex}")
    outputs = deploy(emulator, f"RELEASE-CODEBUILD-TEST-{suffix}", {
        "CodeBuildProjectName": f"release-test-{suffix}", "SourceLocation": "https://git.example.invalid/sandbox-release.git",
        "VMBucketName": bucket, "ExportRoleName": "vmimport", "DefaultPasswordSecretArn": secret["ARN"],
    })["Outputs"]
    # SOURCE_CIDR: the build's own address, which the test ground cannot ask checkip.amazonaws.com for.
    overrides = {"ASSET_ID": asset_id, "SKIP_INSTALL": "1", "VM_BUCKET": bucket, "SOURCE_CIDR": "127.0.0.1/32"}
    codebuild = aws("codebuild")
    build_id = codebuild.start_build(projectName=outputs["ProjectName"], environmentVariablesOverride=[
        {"name": k, "value": v, "type": "PLAINTEXT"} for k, v in overrides.items()])["build"]["id"]
    deadline = time.monotonic() + RELEASE_MINUTES * 60
    while (build := codebuild.batch_get_builds(ids=[build_id])["builds"][0])["buildStatus"] == "IN_PROGRESS":
        assert time.monotonic() < deadline, f"the release build is still {build['currentPhase']}"
        time.sleep(5)
    # The emulator keeps each build's log and source copy beside its env file.
    work = Path(os.environ["EMULATOR_ENV"]).parent / "codebuild" / build_id.split(":", 1)[1]
    failed = [p for p in build["phases"] if p.get("phaseStatus") not in (None, "SUCCEEDED")]
    assert build["buildStatus"] == "SUCCEEDED", f"{failed}\n{(work / 'build.log').read_text()[-4000:]}"
    state = work / "src" / "build" / asset_id
    assert (state / "released.stamp").exists() and (state / "assets.md").exists()
    assert {"name": "ASSET_ID", "value": asset_id} in build["exportedEnvironmentVariables"]
    project = codebuild.batch_get_projects(names=[outputs["ProjectName"]])["projects"][0]
    if project["artifacts"]["type"] == "S3":
        location = build["artifacts"]["location"].removeprefix("arn:aws:s3:::")
        artifact_bucket, _, prefix = location.partition("/")
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket=artifact_bucket, Prefix=prefix).get("Contents", [])]
        assert f"{prefix}/assets.md" in keys, keys
    # The source copy holds a whole build of the tools; the log and status stay for reading.
    shutil.rmtree(work / "src")
