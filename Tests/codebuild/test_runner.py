"""CodeBuild's buildspec rules (version 0.2), each shown on a tiny buildspec run by the runner."""

from __future__ import annotations

import textwrap
import uuid
from typing import Any, Callable

from conftest import Build

PHASE_ORDER = ["SUBMITTED", "QUEUED", "PROVISIONING", "DOWNLOAD_SOURCE"]
AFTER = ["FINALIZING", "COMPLETED"]


def spec(text: str) -> str:
    return "version: 0.2\n" + textwrap.dedent(text)


def test_one_shell_exports_cd_and_assignments_carry_over_commands_and_phases(build: Callable[..., Build]) -> None:
    run = build(spec("""
        phases:
          install:
            commands:
              - export EXPORTED=one; mkdir -p sub && cd sub
              - PLAIN=two
          build:
            commands:
              - echo "$EXPORTED $PLAIN $(basename "$PWD")"
              - exit 0
              - echo still-running
    """)).wait()
    assert run.output == ["one two sub", "still-running"]
    assert run.status["buildStatus"] == "SUCCEEDED"
    assert list(run.phases) == PHASE_ORDER + ["INSTALL", "PRE_BUILD", "BUILD", "POST_BUILD", "UPLOAD_ARTIFACTS"] + AFTER
    assert run.status["currentPhase"] == "COMPLETED"


def test_failure_in_build_still_runs_post_build(build: Callable[..., Build]) -> None:
    run = build(spec("""
        phases:
          build:
            commands:
              - echo building
              - exit 3
              - echo not-reached
          post_build:
            commands:
              - echo "post_build sees CODEBUILD_BUILD_SUCCEEDING=$CODEBUILD_BUILD_SUCCEEDING"
    """)).wait()
    assert run.output == ["building", "post_build sees CODEBUILD_BUILD_SUCCEEDING=0"]
    assert run.status["buildStatus"] == "FAILED"
    assert (run.phases["BUILD"], run.phases["POST_BUILD"]) == ("FAILED", "SUCCEEDED")
    build_phase = next(p for p in run.status["phases"] if p["phaseType"] == "BUILD")
    assert build_phase["contexts"][0]["statusCode"] == "COMMAND_EXECUTION_ERROR"
    assert "exit status 3" in build_phase["contexts"][0]["message"]


def test_failure_in_install_ends_the_build(build: Callable[..., Build]) -> None:
    run = build(spec("""
        phases:
          install:
            commands:
              - "false"
          pre_build:
            commands:
              - echo pre_build
          build:
            commands:
              - echo build
          post_build:
            commands:
              - echo post_build
    """)).wait()
    assert run.output == []
    assert run.status["buildStatus"] == "FAILED"
    assert list(run.phases) == PHASE_ORDER + ["INSTALL"] + AFTER


def test_failure_in_pre_build_ends_the_build(build: Callable[..., Build]) -> None:
    run = build(spec("""
        phases:
          pre_build:
            commands:
              - exit 1
          build:
            commands:
              - echo build
    """)).wait()
    assert run.output == []
    assert list(run.phases) == PHASE_ORDER + ["INSTALL", "PRE_BUILD"] + AFTER


def test_finally_runs_after_a_failed_command_and_the_phase_fails(build: Callable[..., Build]) -> None:
    run = build(spec("""
        phases:
          install:
            commands:
              - echo first
              - exit 4
              - echo skipped
            finally:
              - echo finally-one
              - echo finally-two
          build:
            commands:
              - echo build
    """)).wait()
    assert run.output == ["first", "finally-one", "finally-two"]
    assert run.phases["INSTALL"] == "FAILED"
    assert "BUILD" not in run.phases


def test_a_failing_finally_fails_a_successful_phase(build: Callable[..., Build]) -> None:
    run = build(spec("""
        phases:
          build:
            commands:
              - echo ok
            finally:
              - exit 1
    """)).wait()
    assert (run.phases["BUILD"], run.status["buildStatus"]) == ("FAILED", "FAILED")


def test_on_failure_continue_and_abort(build: Callable[..., Build], tmp_path: Any) -> None:
    run = build(spec("""
        phases:
          install:
            on-failure: CONTINUE
            commands:
              - exit 1
          build:
            on-failure: ABORT
            commands:
              - echo build-after-continue
              - exit 1
          post_build:
            commands:
              - echo post_build-after-abort
    """)).wait()
    assert run.output == ["build-after-continue"]
    assert run.status["buildStatus"] == "FAILED"
    assert list(run.phases) == PHASE_ORDER + ["INSTALL", "PRE_BUILD", "BUILD"] + AFTER


def test_exported_variables_are_the_values_at_the_end(build: Callable[..., Build]) -> None:
    run = build(spec("""
        env:
          variables:
            RESULT: initial
          exported-variables:
            - RESULT
            - NEVER_SET
        phases:
          build:
            commands:
              - export RESULT=from-build
          post_build:
            commands:
              - RESULT="$RESULT+post"
    """)).wait()
    assert run.status["exportedEnvironmentVariables"] == [
        {"name": "RESULT", "value": "from-build+post"}, {"name": "NEVER_SET", "value": ""}]


def test_environment_precedence_and_codebuild_variables(build: Callable[..., Build]) -> None:
    run = build(spec("""
        env:
          variables:
            ALL: buildspec
            SPEC_AND_PROJECT: buildspec
            SPEC_ONLY: buildspec
        phases:
          build:
            commands:
              - echo "$ALL $SPEC_AND_PROJECT $SPEC_ONLY"
              - echo "$CODEBUILD_BUILD_ID|$CODEBUILD_BUILD_NUMBER|$AWS_REGION|$AWS_DEFAULT_REGION"
              - test "$CODEBUILD_SRC_DIR" = "$(pwd)" && echo src-dir-is-cwd
              - echo "$AWS_CONTAINER_CREDENTIALS_FULL_URI|$AWS_ENDPOINT_URL"
    """), environmentVariables=[
        {"name": "ALL", "value": "project", "type": "PLAINTEXT"},
        {"name": "SPEC_AND_PROJECT", "value": "project", "type": "PLAINTEXT"},
    ], environmentVariablesOverride=[{"name": "ALL", "value": "override", "type": "PLAINTEXT"}]).wait()
    job = run.job
    assert run.output == [
        "override project buildspec",
        f"{job['buildId']}|1|{job['region']}|{job['region']}",
        "src-dir-is-cwd",
        f"{job['credentialsUrl']}|{job['endpoint']}",
    ]
    assert "AWS_ENDPOINT_URL" in run.log and "CodeBuild sets no such variable" in run.log


def test_secrets_are_read_from_secrets_manager_and_parameter_store_and_masked(
        build: Callable[..., Build], aws: Callable[[str], Any]) -> None:
    password = f"pw-{uuid.uuid4().hex}"
    name = f"runner-test-{uuid.uuid4().hex[:8]}"
    arn = aws("secretsmanager").create_secret(Name=name, SecretString=password)["ARN"]
    aws("secretsmanager").create_secret(Name=f"{name}-json", SecretString='{"user": "u", "key": "%s"}' % password)
    aws("ssm").put_parameter(Name=f"/{name}/password", Value=password, Type="SecureString")
    run = build(spec(f"""
        env:
          secrets-manager:
            FROM_SPEC: {name}-json:key
        phases:
          build:
            commands:
              - test "$FROM_PROJECT" = "{password}" && test "$FROM_SPEC" = "{password}" && echo both-present
              - test "$FROM_PARAMETER" = "{password}" && echo parameter-present
              - echo "leak? $FROM_PROJECT"
    """), environmentVariables=[
        {"name": "FROM_PROJECT", "value": arn, "type": "SECRETS_MANAGER"},
        {"name": "FROM_PARAMETER", "value": f"/{name}/password", "type": "PARAMETER_STORE"},
    ]).wait()
    assert run.status["buildStatus"] == "SUCCEEDED", run.log
    assert run.output == ["both-present", "parameter-present", "leak? ***"]
    assert password not in run.log and password not in (run.work / "status.json").read_text()


def test_a_missing_secret_fails_the_build_before_install(build: Callable[..., Build]) -> None:
    run = build(spec("""
        phases:
          install:
            commands:
              - echo install
    """), environmentVariables=[{"name": "X", "value": "no-such-secret", "type": "SECRETS_MANAGER"}]).wait()
    assert run.status["buildStatus"] == "FAILED"
    assert run.phases["DOWNLOAD_SOURCE"] == "FAILED" and "INSTALL" not in run.phases
    assert "no-such-secret" in run.log


def test_the_toolchain_download_is_skipped_and_said_so(build: Callable[..., Build]) -> None:
    run = build(spec("""
        phases:
          install:
            commands:
              - curl -fsSL "https://download.swift.org/swift-6.1.2-release/x.tar.gz" | tar -xz -C /nonexistent
              - echo after-toolchain
    """)).wait()
    assert run.status["buildStatus"] == "SUCCEEDED"
    assert run.output == ["after-toolchain"]
    assert "test ground: skipped" in run.log and "download.swift.org" in run.log


def test_stop_terminates_the_running_command_and_runs_no_later_phase(build: Callable[..., Build]) -> None:
    run = build(spec("""
        phases:
          build:
            commands:
              - trap 'echo teardown-on-sigterm; exit 143' TERM; echo waiting; while :; do sleep 0.1; done
            finally:
              - echo build-finally
          post_build:
            commands:
              - echo post_build
    """))
    run.wait_for("waiting")
    run.stop()
    run.wait()
    # The shell may also report the killed `sleep` ("Terminated"); the later blocks never print.
    assert run.output[0] == "waiting" and run.output[-1] == "teardown-on-sigterm"
    assert "build-finally" not in run.output and "post_build" not in run.output
    assert (run.status["buildStatus"], run.phases["BUILD"]) == ("STOPPED", "STOPPED")
    assert "POST_BUILD" not in run.phases and run.status["currentPhase"] == "COMPLETED"


def test_timeout_stops_the_build_as_timed_out(build: Callable[..., Build]) -> None:
    run = build(spec("""
        phases:
          build:
            commands:
              - trap 'echo teardown-on-timeout; exit 143' TERM; while :; do sleep 0.1; done
    """), timeoutInMinutes=0.02).wait()
    assert run.output[-1] == "teardown-on-timeout"
    assert (run.status["buildStatus"], run.phases["BUILD"]) == ("TIMED_OUT", "TIMED_OUT")


def artifact_bucket(s3: Any) -> str:
    bucket = f"artifacts-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": s3.meta.region_name})
    return bucket


def test_artifacts_land_in_s3_as_the_project_says(build: Callable[..., Build], aws: Callable[[str], Any]) -> None:
    s3 = aws("s3")
    bucket = artifact_bucket(s3)
    run = build(spec("""
        phases:
          build:
            commands:
              - export ID=v1
              - mkdir -p out/deep && echo a > out/a.json && echo b > out/deep/b.json && echo c > out/c.txt
        artifacts:
          base-directory: out
          name: state-$ID
          files:
            - "*.json"
            - "deep/**/*"
    """), artifacts={"type": "S3", "location": bucket, "path": "releases", "name": "state",
                     "namespaceType": "BUILD_ID", "packaging": "NONE", "overrideArtifactName": True}).wait()
    assert run.status["buildStatus"] == "SUCCEEDED", run.log
    uuid_part = run.job["buildId"].split(":", 1)[1]
    # artifacts/name is the one artifact setting the shell evaluates (buildspec reference).
    prefix = f"releases/{uuid_part}/state-v1"
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"])
    assert keys == [f"{prefix}/a.json", f"{prefix}/deep/b.json"]
    assert run.status["artifacts"]["location"] == f"arn:aws:s3:::{bucket}/{prefix}"


def test_base_directory_and_files_are_paths_not_shell_text(build: Callable[..., Build], aws: Callable[[str], Any]) -> None:
    # The buildspec reference has only artifacts/name evaluated by the shell: base-directory
    # out/$ID names a folder called "$ID", which does not exist, so nothing matches.
    bucket = artifact_bucket(aws("s3"))
    run = build(spec("""
        phases:
          build:
            commands:
              - export ID=v1
              - mkdir -p out/$ID && echo a > out/$ID/a.json
        artifacts:
          base-directory: out/$ID
          files:
            - "*.json"
    """), artifacts={"type": "S3", "location": bucket, "name": "x"}).wait()
    assert (run.phases["UPLOAD_ARTIFACTS"], run.status["buildStatus"]) == ("FAILED", "FAILED"), run.log
    assert "no matching artifact paths found under out/$ID" in run.log, run.log


def test_no_matching_artifact_fails_upload_artifacts(build: Callable[..., Build]) -> None:
    run = build(spec("""
        phases:
          build:
            commands:
              - "true"
        artifacts:
          files:
            - nothing-here/*
    """), artifacts={"type": "S3", "location": "no-bucket-needed", "name": "x"}).wait()
    assert (run.phases["UPLOAD_ARTIFACTS"], run.status["buildStatus"]) == ("FAILED", "FAILED")


def test_a_command_yaml_reads_as_a_mapping_is_refused_as_codebuild_does(build: Callable[..., Build]) -> None:
    run = build(spec("""
        phases:
          build:
            commands:
              - echo "the colon: makes this a mapping"
    """)).wait()
    assert run.phases["DOWNLOAD_SOURCE"] == "FAILED" and "BUILD" not in run.phases
    context = next(p for p in run.status["phases"] if p["phaseType"] == "DOWNLOAD_SOURCE")["contexts"][0]
    assert context["statusCode"] == "YAML_FILE_ERROR" and "phases.build.commands[0] is not a string" in context["message"]
