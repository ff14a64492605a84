"""Self-tests of the emulator, run against the running server: make emulator && make emulator-test.

Every test starts from POST /_emulator/reset with faults off and short exports; the emulator's
configuration from before the run is put back at the end.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import socket
import stat
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlsplit

import boto3
import botocore
import botocore.exceptions
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

ROOT = Path(__file__).resolve().parents[2]
CANONICAL = "099720109477"
JAMMY = "ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-*"
ClientError = botocore.exceptions.ClientError


def _read_env(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text().splitlines():
        if line.startswith("export ") and "=" in line:
            key, value = line[len("export ") :].split("=", 1)
            values[key] = value
    return values


ENV_FILE = Path(os.environ.get("EMULATOR_ENV", ROOT / "build" / "emulator" / "env"))
if not ENV_FILE.exists():
    pytest.exit(f"{ENV_FILE} is missing: start the emulator with make emulator", returncode=2)
ENV = _read_env(ENV_FILE)
ENDPOINT = ENV["AWS_ENDPOINT_URL"]
REGION = ENV["AWS_REGION"]
KEY_ID, SECRET = ENV["AWS_ACCESS_KEY_ID"], ENV["AWS_SECRET_ACCESS_KEY"]
# One attempt only: a fault must surface, not be retried away.
CONFIG = Config(retries={"total_max_attempts": 1, "mode": "standard"}, s3={"addressing_style": "path"}, connect_timeout=5, read_timeout=10)


def client(service: str, region: str = REGION, secret: str | None = None) -> Any:
    return boto3.client(
        service,
        endpoint_url=ENDPOINT,
        region_name=region,
        aws_access_key_id=KEY_ID,
        aws_secret_access_key=secret or SECRET,
        config=CONFIG,
    )


def control(method: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"{ENDPOINT}/_emulator/{path}", data=data, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def configure(**changes: Any) -> dict[str, Any]:
    status, body = control("POST", "config", changes)
    assert status == 200, body
    return body


def request_count() -> int:
    return control("GET", "requests")[1]["count"]


def error_of(call: Callable[[], Any]) -> tuple[str, int]:
    with pytest.raises(ClientError) as info:
        call()
    response = info.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def wait_for(predicate: Callable[[], Any], timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.05)


@pytest.fixture(scope="session", autouse=True)
def restore_config() -> Any:
    _, before = control("GET", "config")
    yield
    configure(**before)


@pytest.fixture(autouse=True)
def clean() -> None:
    status, _ = control("POST", "reset")
    assert status == 200
    configure(faultRate=0, faultKinds=["slowdown", "throttling", "drop"], faultLimit=None, exportSeconds=0.6, exportBytes=65536)


@pytest.fixture
def ec2() -> Any:
    return client("ec2")


@pytest.fixture
def s3() -> Any:
    return client("s3")


@pytest.fixture
def bucket(s3: Any) -> str:
    s3.create_bucket(Bucket="exports-test", CreateBucketConfiguration={"LocationConstraint": REGION})
    return "exports-test"


def new_image(ec2: Any, name: str) -> str:
    return ec2.register_image(Name=name, RootDeviceName="/dev/sda1")["ImageId"]


def export(ec2: Any, image_id: str, bucket: str, fmt: str = "VMDK", **extra: Any) -> dict[str, Any]:
    return ec2.export_image(ImageId=image_id, DiskImageFormat=fmt, S3ExportLocation={"S3Bucket": bucket, "S3Prefix": "exports/"}, **extra)


def task(ec2: Any, task_id: str) -> dict[str, Any]:
    return ec2.describe_export_image_tasks(ExportImageTaskIds=[task_id])["ExportImageTasks"][0]


# --- signature checks and credentials ------------------------------------------------------------


def test_credential_files_are_private_and_complete() -> None:
    for name in ("env", "credentials"):
        mode = stat.S_IMODE((ENV_FILE.parent / name).stat().st_mode)
        assert mode == 0o600, f"{name} has mode {oct(mode)}"
    assert ENV["AWS_EC2_METADATA_DISABLED"] == "true"
    assert urlsplit(ENDPOINT).hostname == "127.0.0.1"
    credentials = (ENV_FILE.parent / "credentials").read_text()
    assert credentials.startswith("[default]\n")
    assert f"aws_access_key_id = {KEY_ID}" in credentials and f"aws_secret_access_key = {SECRET}" in credentials


def test_wrong_secret_fails_with_signature_errors() -> None:
    assert client("ec2").describe_images(Owners=["self"])["Images"] == []
    assert error_of(lambda: client("ec2", secret="wrong").describe_images(Owners=["self"])) == ("AuthFailure", 401)
    assert error_of(lambda: client("s3", secret="wrong").list_buckets()) == ("SignatureDoesNotMatch", 403)
    assert error_of(lambda: client("cloudformation", secret="wrong").describe_stacks()) == ("SignatureDoesNotMatch", 403)


def test_unsigned_request_is_refused() -> None:
    request = urllib.request.Request(ENDPOINT + "/", data=b"Action=DescribeImages&Version=2016-11-15", method="POST")
    request.add_header("Content-Type", "application/x-www-form-urlencoded")
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(request, timeout=10)
    assert info.value.code == 403
    assert b"<Code>MissingAuthenticationToken</Code>" in info.value.read()


def test_canonical_jammy_images_are_findable(ec2: Any) -> None:
    images = ec2.describe_images(Owners=[CANONICAL], Filters=[{"Name": "name", "Values": [JAMMY]}, {"Name": "architecture", "Values": ["x86_64"]}])["Images"]
    assert len(images) >= 1
    assert all(i["OwnerId"] == CANONICAL and "jammy-22.04-amd64" in i["Name"] for i in images)
    assert not any(i["OwnerId"] == CANONICAL for i in ec2.describe_images(Owners=["amazon"])["Images"])


# --- ExportImage ---------------------------------------------------------------------------------


def test_export_lifecycle_writes_the_object(ec2: Any, s3: Any, bucket: str) -> None:
    configure(exportSeconds=1.0, exportBytes=200_000)
    image_id = new_image(ec2, "lifecycle")
    started = export(ec2, image_id, bucket, Description="release 1")
    task_id = started["ExportImageTaskId"]
    assert task_id.startswith("export-ami-") and len(task_id) == len("export-ami-") + 17
    assert (started["Status"], started["DiskImageFormat"], started["RoleName"]) == ("active", "VMDK", "vmimport")
    assert started["S3ExportLocation"] == {"S3Bucket": bucket, "S3Prefix": "exports/"}

    seen_progress, seen_messages = [], set()
    while (current := task(ec2, task_id))["Status"] == "active":
        seen_progress.append(int(current["Progress"]))
        seen_messages.add(current["StatusMessage"])
        time.sleep(0.05)
    assert current["Status"] == "completed"
    assert "Progress" not in current and "StatusMessage" not in current
    assert seen_progress == sorted(seen_progress) and seen_progress[-1] > seen_progress[0]
    assert "converting" in seen_messages
    # The object exists as soon as the task says completed.
    head = s3.head_object(Bucket=bucket, Key=f"exports/{task_id}.vmdk")
    assert head["ContentLength"] == 200_000
    assert s3.get_object(Bucket=bucket, Key=f"exports/{task_id}.vmdk", Range="bytes=0-3")["Body"].read() == b"KDMV"


@pytest.mark.parametrize("fmt", ["VHD", "RAW"])
def test_export_object_is_named_by_format(ec2: Any, s3: Any, bucket: str, fmt: str) -> None:
    configure(exportSeconds=0, exportBytes=4096)
    task_id = export(ec2, new_image(ec2, "fmt"), bucket, fmt=fmt)["ExportImageTaskId"]
    assert task(ec2, task_id)["Status"] == "completed"
    assert s3.head_object(Bucket=bucket, Key=f"exports/{task_id}.{fmt.lower()}")["ContentLength"] == 4096


def test_object_appears_without_a_describe(ec2: Any, s3: Any, bucket: str) -> None:
    configure(exportSeconds=0.2)
    task_id = export(ec2, new_image(ec2, "lazy"), bucket, fmt="RAW")["ExportImageTaskId"]
    time.sleep(0.3)
    # Any AWS request moves the task on, so a client that only polls S3 sees the object too.
    assert s3.head_object(Bucket=bucket, Key=f"exports/{task_id}.raw")["ContentLength"] == 65536


def test_one_active_export_per_image(ec2: Any, bucket: str) -> None:
    configure(exportSeconds=0.5)
    image_id = new_image(ec2, "busy")
    first = export(ec2, image_id, bucket)["ExportImageTaskId"]
    assert error_of(lambda: export(ec2, image_id, bucket, fmt="RAW")) == ("IncorrectState", 400)
    wait_for(lambda: task(ec2, first)["Status"] == "completed")
    assert export(ec2, image_id, bucket, fmt="RAW")["Status"] == "active"


def test_five_active_exports_per_region(ec2: Any, bucket: str) -> None:
    configure(exportSeconds=30)
    images = [new_image(ec2, f"many-{i}") for i in range(6)]
    tasks = [export(ec2, image_id, bucket)["ExportImageTaskId"] for image_id in images[:5]]
    assert error_of(lambda: export(ec2, images[5], bucket)) == ("ResourceLimitExceeded", 400)
    # Per Region: another Region still has room.
    other = client("ec2", region="us-east-1")
    assert export(other, new_image(other, "elsewhere"), bucket)["Status"] == "active"
    # A cancelled task frees its slot.
    ec2.cancel_export_task(ExportTaskId=tasks[0])
    assert export(ec2, images[5], bucket)["Status"] == "active"


def test_export_needs_image_and_bucket(ec2: Any, bucket: str) -> None:
    assert error_of(lambda: export(ec2, "ami-0123456789abcdef0", bucket))[0] == "InvalidAMIID.NotFound"
    assert error_of(lambda: export(ec2, new_image(ec2, "nobucket"), "no-such-bucket")) == ("InvalidParameter", 400)


def test_requested_failure_ends_deleted(ec2: Any, s3: Any, bucket: str) -> None:
    configure(exportSeconds=0.4)
    task_id = export(ec2, new_image(ec2, "doomed"), bucket, Description="please EMULATOR-FAIL")["ExportImageTaskId"]
    final = wait_for(lambda: (t := task(ec2, task_id))["Status"] != "active" and t)
    assert final["Status"] == "deleted"
    assert final["StatusMessage"].startswith("ClientError:")
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)


def test_cancel_export(ec2: Any, s3: Any, bucket: str) -> None:
    configure(exportSeconds=0.5)
    task_id = export(ec2, new_image(ec2, "cancel"), bucket)["ExportImageTaskId"]
    ec2.cancel_export_task(ExportTaskId=task_id)
    cancelled = task(ec2, task_id)
    assert cancelled["Status"] == "deleted" and cancelled["StatusMessage"]
    assert error_of(lambda: ec2.cancel_export_task(ExportTaskId=task_id)) == ("IncorrectState", 400)
    assert error_of(lambda: ec2.cancel_export_task(ExportTaskId="export-ami-00000000000000000"))[0] == "InvalidExportTaskID.NotFound"
    time.sleep(0.6)
    assert task(ec2, task_id)["Status"] == "deleted"
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)


def test_client_token_is_idempotent(ec2: Any, bucket: str) -> None:
    image_id = new_image(ec2, "token")
    first = export(ec2, image_id, bucket, ClientToken="release-42")
    again = export(ec2, image_id, bucket, ClientToken="release-42")
    assert again["ExportImageTaskId"] == first["ExportImageTaskId"]
    assert len(ec2.describe_export_image_tasks()["ExportImageTasks"]) == 1
    code, _ = error_of(lambda: export(ec2, image_id, bucket, fmt="RAW", ClientToken="release-42"))
    assert code == "IdempotentParameterMismatch"


def test_ami_names_are_unique(ec2: Any) -> None:
    instance = ec2.run_instances(ImageId=new_image(ec2, "unique-source"), MinCount=1, MaxCount=1)["Instances"][0]
    first = ec2.create_image(InstanceId=instance["InstanceId"], Name="unique-name")["ImageId"]
    code, _ = error_of(lambda: ec2.create_image(InstanceId=instance["InstanceId"], Name="unique-name"))
    assert code == "InvalidAMIName.Duplicate"
    region = ec2.meta.region_name
    assert error_of(lambda: ec2.copy_image(SourceImageId=first, SourceRegion=region, Name="unique-name"))[0] == code
    ec2.deregister_image(ImageId=first)
    assert ec2.create_image(InstanceId=instance["InstanceId"], Name="unique-name")["ImageId"] != first


def test_copy_image_client_token_is_idempotent(ec2: Any) -> None:
    image_id = new_image(ec2, "copy-token")
    region = ec2.meta.region_name

    def copy(name: str) -> str:
        return ec2.copy_image(SourceImageId=image_id, SourceRegion=region, Name=name, ClientToken="copy-42")["ImageId"]

    first = copy("copy-token-vhd")
    assert copy("copy-token-vhd") == first
    assert len(ec2.describe_images(Filters=[{"Name": "name", "Values": ["copy-token-vhd"]}])["Images"]) == 1
    assert error_of(lambda: copy("copy-token-raw"))[0] == "IdempotentParameterMismatch"


def test_tags_filters_ids_and_paging(ec2: Any, bucket: str) -> None:
    configure(exportSeconds=30)
    ids = []
    for n in range(3):
        spec = [{"ResourceType": "export-image-task", "Tags": [{"Key": "asset-id", "Value": f"asset-{n % 2}"}, {"Key": f"only-{n}", "Value": "x"}]}]
        ids.append(export(ec2, new_image(ec2, f"tagged-{n}"), bucket, TagSpecifications=spec)["ExportImageTaskId"])
    described = task(ec2, ids[0])
    assert {"Key": "asset-id", "Value": "asset-0"} in described["Tags"]

    def found(filters: list[dict[str, Any]]) -> list[str]:
        return [t["ExportImageTaskId"] for t in ec2.describe_export_image_tasks(Filters=filters)["ExportImageTasks"]]

    assert found([{"Name": "task-state", "Values": ["completed"]}]) == []
    ec2.cancel_export_task(ExportTaskId=ids[1])
    assert found([{"Name": "task-state", "Values": ["active"]}]) == [ids[0], ids[2]]
    # Its model documents task-state alone: a tag filter is refused, as any other name.
    for name in ("tag:asset-id", "tag-key", "bogus"):
        assert error_of(lambda: found([{"Name": name, "Values": ["x"]}])) == ("InvalidParameterValue", 400), name

    assert [t["ExportImageTaskId"] for t in ec2.describe_export_image_tasks(ExportImageTaskIds=[ids[2]])["ExportImageTasks"]] == [ids[2]]
    page = ec2.describe_export_image_tasks(MaxResults=2)
    assert [t["ExportImageTaskId"] for t in page["ExportImageTasks"]] == ids[:2]
    rest = ec2.describe_export_image_tasks(MaxResults=2, NextToken=page["NextToken"])
    assert [t["ExportImageTaskId"] for t in rest["ExportImageTasks"]] == ids[2:]
    assert "NextToken" not in rest
    paged = [t["ExportImageTaskId"] for p in ec2.get_paginator("describe_export_image_tasks").paginate(PaginationConfig={"PageSize": 1}) for t in p["ExportImageTasks"]]
    assert paged == ids

    bad_spec = [{"ResourceType": "image", "Tags": [{"Key": "k", "Value": "v"}]}]
    assert error_of(lambda: export(ec2, new_image(ec2, "badspec"), bucket, TagSpecifications=bad_spec))[0] == "InvalidParameterValue"


def test_tags_on_export_task_ids(ec2: Any, bucket: str) -> None:
    configure(exportSeconds=0)
    spec = [{"ResourceType": "export-image-task", "Tags": [{"Key": "asset-id", "Value": "t-1"}]}]
    task_id = export(ec2, new_image(ec2, "tagcalls"), bucket, TagSpecifications=spec)["ExportImageTaskId"]
    image_id = new_image(ec2, "tagcalls-ami")
    assert wait_for(lambda: task(ec2, task_id)["Status"] == "completed")

    def tags_of(resource_id: str) -> dict[str, str]:
        found = ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [resource_id]}])["Tags"]
        return {t["Key"]: t["Value"] for t in found}

    # A finished task's tags still change, beside an AMI in the same call.
    ec2.create_tags(Resources=[task_id, image_id], Tags=[{"Key": "note", "Value": "x"}])
    assert tags_of(task_id) == {"asset-id": "t-1", "note": "x"} and tags_of(image_id)["note"] == "x"
    listed = ec2.describe_tags(Filters=[{"Name": "resource-type", "Values": ["export-image-task"]}, {"Name": "key", "Values": ["asset-*"]}])["Tags"]
    assert listed == [{"ResourceId": task_id, "ResourceType": "export-image-task", "Key": "asset-id", "Value": "t-1"}]
    ec2.delete_tags(Resources=[task_id], Tags=[{"Key": "note", "Value": "other"}])  # another value: kept
    ec2.delete_tags(Resources=[task_id], Tags=[{"Key": "asset-id"}])  # no value: gone whatever it was
    assert tags_of(task_id) == {"note": "x"}
    assert task(ec2, task_id)["Tags"] == [{"Key": "note", "Value": "x"}]
    missing = "export-ami-00000000000000000"
    assert error_of(lambda: ec2.delete_tags(Resources=[missing], Tags=[{"Key": "asset-id"}]))[0] == "InvalidExportTaskID.NotFound"
    assert error_of(lambda: ec2.create_tags(Resources=[missing], Tags=[{"Key": "k", "Value": "v"}]))[0] == "InvalidExportTaskID.NotFound"


def signed_query(service: str, params: dict[str, str]) -> bytes:
    """A hand-signed query request: the raw XML the Swift tools will parse."""
    body = "&".join(f"{k}={urllib.parse.quote(v, safe='')}" for k, v in params.items())
    request = AWSRequest(method="POST", url=ENDPOINT + "/", data=body, headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    SigV4Auth(Credentials(KEY_ID, SECRET), service, REGION).add_auth(request)
    prepared = request.prepare()
    raw = urllib.request.Request(prepared.url, data=prepared.body.encode(), headers=dict(prepared.headers), method="POST")
    with urllib.request.urlopen(raw, timeout=10) as response:
        return response.read()


def test_describe_export_image_tasks_xml_shape(ec2: Any, bucket: str) -> None:
    spec = [{"ResourceType": "export-image-task", "Tags": [{"Key": "asset-id", "Value": "a"}]}]
    export(ec2, new_image(ec2, "xml"), bucket, TagSpecifications=spec)
    xml = signed_query("ec2", {"Action": "DescribeExportImageTasks", "Version": "2016-11-15"}).decode()
    assert '<DescribeExportImageTasksResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15">' in xml
    for element in ("<exportImageTaskSet><item>", "<exportImageTaskId>export-ami-", "<s3ExportLocation><s3Bucket>exports-test</s3Bucket><s3Prefix>exports/</s3Prefix>",
                    "<status>active</status>", "<statusMessage>", "<progress>", "<tagSet><item><key>asset-id</key><value>a</value></item></tagSet>"):
        assert element in xml, element


def test_export_settings_change_at_runtime(ec2: Any, s3: Any, bucket: str) -> None:
    assert configure(exportSeconds=0, exportBytes=1234)["exportBytes"] == 1234
    task_id = export(ec2, new_image(ec2, "runtime"), bucket, fmt="RAW")["ExportImageTaskId"]
    assert task(ec2, task_id)["Status"] == "completed"
    assert s3.head_object(Bucket=bucket, Key=f"exports/{task_id}.raw")["ContentLength"] == 1234


# --- moto gaps that are fixed --------------------------------------------------------------------


def test_create_image_tags_image_and_snapshot(ec2: Any) -> None:
    source = ec2.describe_images(Owners=[CANONICAL], Filters=[{"Name": "name", "Values": [JAMMY]}])["Images"][0]["ImageId"]
    instance = ec2.run_instances(ImageId=source, MinCount=1, MaxCount=1, InstanceType="t3.medium")["Instances"][0]["InstanceId"]
    tags = [{"Key": "asset-id", "Value": "snap-test"}]
    image_id = ec2.create_image(
        InstanceId=instance, Name="release-image", TagSpecifications=[{"ResourceType": "image", "Tags": tags}, {"ResourceType": "snapshot", "Tags": tags}]
    )["ImageId"]
    by_tag = [{"Name": "tag:asset-id", "Values": ["snap-test"]}]
    image = ec2.describe_images(Owners=["self"], Filters=by_tag)["Images"]
    assert [i["ImageId"] for i in image] == [image_id]
    snapshot_id = image[0]["BlockDeviceMappings"][0]["Ebs"]["SnapshotId"]
    assert [s["SnapshotId"] for s in ec2.describe_snapshots(OwnerIds=["self"], Filters=by_tag)["Snapshots"]] == [snapshot_id]
    # Deregistering with DeleteAssociatedSnapshots removes the snapshot too.
    result = ec2.deregister_image(ImageId=image_id, DeleteAssociatedSnapshots=True)
    assert result["DeleteSnapshotResults"] == [{"SnapshotId": snapshot_id, "ReturnCode": "success"}]
    assert ec2.describe_snapshots(OwnerIds=["self"], Filters=by_tag)["Snapshots"] == []


def test_copy_image_keeps_tags(ec2: Any) -> None:
    image_id = new_image(ec2, "to-copy")
    ec2.create_tags(Resources=[image_id], Tags=[{"Key": "asset-id", "Value": "copy"}])
    copy = ec2.copy_image(SourceImageId=image_id, SourceRegion=REGION, Name="copied", CopyImageTags=True)["ImageId"]
    assert ec2.describe_images(ImageIds=[copy])["Images"][0]["Tags"] == [{"Key": "asset-id", "Value": "copy"}]


def test_image_imds_support_v2(ec2: Any) -> None:
    image_id = new_image(ec2, "imds")
    assert "ImdsSupport" not in ec2.describe_images(ImageIds=[image_id])["Images"][0]
    with pytest.raises(ClientError) as refused:
        ec2.modify_image_attribute(ImageId=image_id, ImdsSupport={"Value": "v1.0"})
    assert refused.value.response["Error"]["Code"] == "InvalidParameterValue"
    ec2.modify_image_attribute(ImageId=image_id, ImdsSupport={"Value": "v2.0"})
    assert ec2.describe_images(ImageIds=[image_id])["Images"][0]["ImdsSupport"] == "v2.0"


def test_change_set_stacks_have_outputs() -> None:
    cfn = client("cloudformation")
    template: dict[str, Any] = {
        "Parameters": {"AssetId": {"Type": "String"}},
        "Resources": {"Group": {"Type": "AWS::EC2::SecurityGroup", "Properties": {"GroupDescription": "test", "Tags": [{"Key": "asset-id", "Value": {"Ref": "AssetId"}}]}}},
        "Outputs": {"GroupId": {"Value": {"Fn::GetAtt": ["Group", "GroupId"]}}, "AssetId": {"Value": {"Ref": "AssetId"}}},
    }
    params = [{"ParameterKey": "AssetId", "ParameterValue": "cs-test"}]
    created = cfn.create_change_set(StackName="cs-test", ChangeSetName="create", ChangeSetType="CREATE", TemplateBody=json.dumps(template), Parameters=params)
    cfn.execute_change_set(ChangeSetName=created["Id"])
    stack = cfn.describe_stacks(StackName="cs-test")["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
    assert outputs["AssetId"] == "cs-test" and outputs["GroupId"].startswith("sg-")

    template["Outputs"]["Extra"] = {"Value": "added"}
    updated = cfn.create_change_set(StackName="cs-test", ChangeSetName="update", ChangeSetType="UPDATE", TemplateBody=json.dumps(template), Parameters=params)
    cfn.execute_change_set(ChangeSetName=updated["Id"])
    stack = cfn.describe_stacks(StackName="cs-test")["Stacks"][0]
    assert stack["StackStatus"] == "UPDATE_COMPLETE"
    assert {o["OutputKey"] for o in stack["Outputs"]} == {"GroupId", "AssetId", "Extra"}


def test_change_sets_left_for_review_behave_as_on_aws() -> None:
    """fixes_changesets.py: a retry by ClientToken, one stack in REVIEW_IN_PROGRESS, the others deleted on execution."""
    cfn = client("cloudformation")
    body = json.dumps({"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}})
    stack = f"review-{os.getpid()}-{time.monotonic_ns()}"
    first = cfn.create_change_set(StackName=stack, ChangeSetName="a", ChangeSetType="CREATE", TemplateBody=body, ClientToken="t1")
    again = cfn.create_change_set(StackName=stack, ChangeSetName="a", ChangeSetType="CREATE", TemplateBody=body, ClientToken="t1")
    assert again["Id"] == first["Id"] and again["StackId"] == first["StackId"]
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        cfn.create_change_set(StackName=stack, ChangeSetName="a", ChangeSetType="CREATE", TemplateBody=body, ClientToken="t2")
    assert refused.value.response["Error"]["Code"] == "AlreadyExistsException"
    other = cfn.create_change_set(StackName=stack, ChangeSetName="b", ChangeSetType="CREATE", TemplateBody=body)
    assert other["StackId"] == first["StackId"]
    cfn.execute_change_set(ChangeSetName=other["Id"])
    assert [s["StackStatus"] for s in cfn.describe_stacks(StackName=stack)["Stacks"]] == ["CREATE_COMPLETE"]
    assert [c["ChangeSetName"] for c in cfn.list_change_sets(StackName=stack)["Summaries"]] == ["b"]
    cfn.delete_stack(StackName=stack)


def test_codebuild_no_source_project_builds() -> None:
    codebuild = client("codebuild")
    codebuild.create_project(
        name="release",
        source={"type": "NO_SOURCE", "buildspec": "version: 0.2\nphases:\n  build:\n    commands: [true]\n"},
        artifacts={"type": "NO_ARTIFACTS"},
        environment={"type": "LINUX_CONTAINER", "image": "aws/codebuild/standard:7.0", "computeType": "BUILD_GENERAL1_SMALL"},
        serviceRole="arn:aws:iam::123456789012:role/codebuild",
    )
    assert codebuild.list_projects()["projects"] == ["release"]
    build_id = codebuild.start_build(projectName="release")["build"]["id"]
    assert codebuild.batch_get_builds(ids=[build_id])["builds"][0]["buildStatus"] in ("IN_PROGRESS", "SUCCEEDED")

    override = [{"name": "ASSET_ID", "value": "1.2.0", "type": "PLAINTEXT"}]
    first = codebuild.start_build(projectName="release", idempotencyToken="t-1", environmentVariablesOverride=override)["build"]
    again = codebuild.start_build(projectName="release", idempotencyToken="t-1", environmentVariablesOverride=override)["build"]
    assert again["id"] == first["id"]
    build = codebuild.batch_get_builds(ids=[first["id"]])["builds"][0]
    assert override[0] in build["environment"]["environmentVariables"]
    # Builds run their buildspec: Tests/codebuild/ tests how they succeed, fail and stop.


# --- fault switch, counter, reset ----------------------------------------------------------------


def test_slowdown_fault(s3: Any) -> None:
    configure(faultRate=1.0, faultKinds=["slowdown"])
    assert error_of(lambda: s3.list_buckets()) == ("SlowDown", 503)


def test_throttling_fault() -> None:
    configure(faultRate=1.0, faultKinds=["throttling"])
    assert error_of(lambda: client("ec2").describe_images(Owners=["self"])) == ("Throttling", 400)
    # A JSON-protocol service hears the same fault in JSON.
    assert error_of(lambda: client("codebuild").list_projects()) == ("ThrottlingException", 400)


def test_drop_fault_closes_the_connection_without_a_reply() -> None:
    configure(faultRate=1.0, faultKinds=["drop"])
    host, port = urlsplit(ENDPOINT).hostname, urlsplit(ENDPOINT).port
    with socket.create_connection((host, port), timeout=5) as sock:
        sock.sendall(f"GET /some-bucket HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode())
        assert sock.recv(1024) == b""
    with pytest.raises((botocore.exceptions.ConnectionClosedError, botocore.exceptions.EndpointConnectionError)):
        client("ec2").describe_images(Owners=["self"])
    curl = shutil.which("curl")
    if curl:
        result = subprocess.run([curl, "-sS", "-o", "/dev/null", ENDPOINT + "/"], capture_output=True, text=True, timeout=10)
        assert result.returncode in (52, 56), result.stderr  # empty reply / connection reset


def test_faulted_request_has_no_side_effect(s3: Any) -> None:
    configure(faultRate=1.0, faultKinds=["slowdown", "throttling", "drop"])
    for _ in range(3):
        with pytest.raises((ClientError, botocore.exceptions.ConnectionClosedError, botocore.exceptions.EndpointConnectionError)):
            s3.create_bucket(Bucket="never-made", CreateBucketConfiguration={"LocationConstraint": REGION})
    configure(faultRate=0)
    assert s3.list_buckets()["Buckets"] == []


def test_rate_zero_faults_nothing(ec2: Any) -> None:
    before = control("GET", "requests")[1]
    for _ in range(20):
        ec2.describe_images(Owners=["self"])
    after = control("GET", "requests")[1]
    assert after["faulted"] == before["faulted"]


def test_fault_limit_lets_a_retry_through(ec2: Any) -> None:
    configure(faultRate=1.0, faultKinds=["throttling"], faultLimit=2)
    for _ in range(2):
        assert error_of(lambda: ec2.describe_images(Owners=["self"]))[0] == "Throttling"
    assert ec2.describe_images(Owners=["self"])["Images"] == []


def test_request_counter_counts_aws_requests_only(ec2: Any) -> None:
    start = request_count()
    control("GET", "config")
    control("GET", "requests")
    assert request_count() == start  # control calls are not counted
    ec2.describe_images(Owners=["self"])
    ec2.describe_key_pairs()
    assert request_count() == start + 2
    configure(faultRate=1.0, faultKinds=["throttling"])
    with pytest.raises(ClientError):
        ec2.describe_key_pairs()
    assert request_count() == start + 3  # faulted requests are counted too


def test_reset_keeps_the_key(s3: Any) -> None:
    s3.create_bucket(Bucket="before-reset", CreateBucketConfiguration={"LocationConstraint": REGION})
    assert control("POST", "reset")[0] == 200
    assert request_count() == 0
    assert s3.list_buckets()["Buckets"] == []
    assert error_of(lambda: client("s3", secret="wrong").list_buckets()) == ("SignatureDoesNotMatch", 403)


def test_config_is_validated() -> None:
    assert control("POST", "config", {"faultRate": 1.5})[0] == 400
    assert control("POST", "config", {"faultKinds": ["meteor"]})[0] == 400
    assert control("POST", "config", {"exportSeconds": -1})[0] == 400
    assert control("POST", "config", {"nonsense": 1})[0] == 400
    assert control("GET", "config")[1]["faultRate"] == 0


# --- S3 details the tools rely on ----------------------------------------------------------------


def test_presigned_urls_are_checked() -> None:
    s3 = boto3.client("s3", endpoint_url=ENDPOINT, region_name=REGION, aws_access_key_id=KEY_ID, aws_secret_access_key=SECRET, config=CONFIG.merge(Config(signature_version="s3v4")))
    s3.create_bucket(Bucket="presigned", CreateBucketConfiguration={"LocationConstraint": REGION})
    key = "images/with space+plus~é.bin"
    s3.put_object(Bucket="presigned", Key=key, Body=b"image bytes")
    url = s3.generate_presigned_url("get_object", Params={"Bucket": "presigned", "Key": key}, ExpiresIn=60)
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.read() == b"image bytes"
    for bad, code in ((url.replace("X-Amz-Signature=", "X-Amz-Signature=0"), b"SignatureDoesNotMatch"), (url.split("?")[0], b"AccessDenied")):
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(bad, timeout=10)
        assert info.value.code == 403 and code in info.value.read()
    expired = s3.generate_presigned_url("get_object", Params={"Bucket": "presigned", "Key": key}, ExpiresIn=1)
    time.sleep(1.1)
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(expired, timeout=10)
    assert info.value.code == 403 and b"Request has expired" in info.value.read()


def test_put_keeps_a_form_typed_body(s3: Any) -> None:
    s3.create_bucket(Bucket="form-typed", CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_object(Bucket="form-typed", Key="k", Body=b"a=b&c=d", ContentType="application/x-www-form-urlencoded")
    assert s3.get_object(Bucket="form-typed", Key="k")["Body"].read() == b"a=b&c=d"


# --- large objects: copied file to file, not through memory (large_objects.py) -------------------

# Over moto's in-memory limit (5 MiB less 1 KiB), so kept in files; a part boundary at 5 MiB each.
LARGE = 12 * 1024 * 1024 + 12345
MiB = 1024 * 1024


def md5(data: bytes) -> str:
    return f'"{hashlib.md5(data).hexdigest()}"'


def multipart_etag(parts: list[bytes]) -> str:
    return f'"{hashlib.md5(b"".join(hashlib.md5(p).digest() for p in parts)).hexdigest()}-{len(parts)}"'


@pytest.fixture
def versioned(s3: Any) -> str:
    s3.create_bucket(Bucket="large-objects", CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_versioning(Bucket="large-objects", VersioningConfiguration={"Status": "Enabled"})
    return "large-objects"


def test_a_large_copy_keeps_every_byte_its_md5_and_its_own_version(s3: Any, versioned: str) -> None:
    old, new = os.urandom(LARGE), os.urandom(LARGE + 1)
    first = s3.put_object(Bucket=versioned, Key="staging/a.raw", Body=old)["VersionId"]
    second = s3.put_object(Bucket=versioned, Key="staging/a.raw", Body=new)["VersionId"]
    source = {"Bucket": versioned, "Key": "staging/a.raw"}
    latest = s3.copy_object(Bucket=versioned, Key="images/a.raw", CopySource=source)
    older = s3.copy_object(Bucket=versioned, Key="images/old.raw", CopySource={**source, "VersionId": first})
    assert (latest["CopyObjectResult"]["ETag"], latest["CopySourceVersionId"]) == (md5(new), second)
    assert (older["CopyObjectResult"]["ETag"], older["CopySourceVersionId"]) == (md5(old), first)
    assert latest["VersionId"] not in (first, second, older["VersionId"])
    # The release deletes the staged object by its versions: the copies keep their bytes.
    for version in (first, second):
        s3.delete_object(Bucket=versioned, Key="staging/a.raw", VersionId=version)
    for key, data, version in (("images/a.raw", new, latest["VersionId"]), ("images/old.raw", old, older["VersionId"])):
        got = s3.get_object(Bucket=versioned, Key=key)
        assert (got["ContentLength"], got["ETag"], got["VersionId"]) == (len(data), md5(data), version)
        assert got["Body"].read() == data


def test_a_multipart_copy_of_a_large_object_keeps_every_byte(s3: Any, versioned: str) -> None:
    data = os.urandom(LARGE)
    staged = s3.put_object(Bucket=versioned, Key="staging/b.vhd", Body=data)["VersionId"]
    upload = s3.create_multipart_upload(Bucket=versioned, Key="images/b.vhd")["UploadId"]
    ranges = [(0, 5 * MiB), (5 * MiB, 10 * MiB), (10 * MiB, LARGE)]
    parts = []
    for number, (start, stop) in enumerate(ranges, 1):
        copied = s3.upload_part_copy(
            Bucket=versioned, Key="images/b.vhd", UploadId=upload, PartNumber=number,
            CopySource={"Bucket": versioned, "Key": "staging/b.vhd", "VersionId": staged}, CopySourceRange=f"bytes={start}-{stop - 1}",
        )
        assert copied["CopyPartResult"]["ETag"] == md5(data[start:stop])
        parts.append({"PartNumber": number, "ETag": copied["CopyPartResult"]["ETag"]})
    done = s3.complete_multipart_upload(Bucket=versioned, Key="images/b.vhd", UploadId=upload, MultipartUpload={"Parts": parts})
    assert done["ETag"] == multipart_etag([data[a:b] for a, b in ranges]) and done["VersionId"] != staged
    s3.delete_object(Bucket=versioned, Key="staging/b.vhd", VersionId=staged)
    got = s3.get_object(Bucket=versioned, Key="images/b.vhd", VersionId=done["VersionId"])
    assert (got["ContentLength"], got["ETag"]) == (LARGE, done["ETag"])
    assert got["Body"].read() == data
    across = s3.get_object(Bucket=versioned, Key="images/b.vhd", Range=f"bytes={5 * MiB - 100}-{10 * MiB + 99}")["Body"].read()
    assert across == data[5 * MiB - 100 : 10 * MiB + 100]


def test_a_multipart_upload_of_whole_objects_and_its_refusals(s3: Any, versioned: str) -> None:
    first, second = os.urandom(LARGE), os.urandom(6 * MiB)
    for key, data in (("a", first), ("b", second)):
        s3.put_object(Bucket=versioned, Key=key, Body=data)

    def part(upload: str, number: int, key: str, **extra: Any) -> dict[str, Any]:
        copied = s3.upload_part_copy(Bucket=versioned, Key="ab", UploadId=upload, PartNumber=number,
                                     CopySource={"Bucket": versioned, "Key": key}, **extra)
        return {"PartNumber": number, "ETag": copied["CopyPartResult"]["ETag"]}

    def complete(upload: str, parts: list[dict[str, Any]]) -> Any:
        return s3.complete_multipart_upload(Bucket=versioned, Key="ab", UploadId=upload, MultipartUpload={"Parts": parts})

    upload = s3.create_multipart_upload(Bucket=versioned, Key="ab")["UploadId"]
    parts = [part(upload, 1, "a"), part(upload, 2, "b")]  # no range: the whole object
    assert [p["ETag"] for p in parts] == [md5(first), md5(second)]
    assert error_of(lambda: complete(upload, [parts[0], {**parts[1], "ETag": md5(b"other")}])) == ("InvalidPart", 400)
    assert complete(upload, parts)["ETag"] == multipart_etag([first, second])
    assert s3.get_object(Bucket=versioned, Key="ab")["Body"].read() == first + second
    small = s3.create_multipart_upload(Bucket=versioned, Key="ab")["UploadId"]
    parts = [part(small, 1, "a", CopySourceRange=f"bytes=0-{MiB - 1}"), part(small, 2, "b")]
    assert error_of(lambda: complete(small, parts)) == ("EntityTooSmall", 400)


# --- the project's own stacks --------------------------------------------------------------------

STACK_VALUES = {
    "KeyName": "sandbox-stack-test",
    "SourceCidr": "203.0.113.7/32",
    "Owner": "emulator-test",
    "AssetId": "stack-test",
    "AllowedIPs": "203.0.113.0/24,198.51.100.0/24",
    "SourceLocation": "https://github.com/example/data-science-sandbox",
    "VMBucketName": "sandbox-images",
    "ExportRoleName": "vmimport",
    "CdnDomain": "d111111abcdef8.cloudfront.net",
    "DefaultPasswordSecretArn": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:data-science-sandbox/default-password-AbCdEf",
}


def _template_parameters(path: Path) -> dict[str, Any]:
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_multi_constructor("!", lambda loader, suffix, node: None)  # intrinsic tags do not matter here
    return yaml.load(path.read_text(), Loader=Loader).get("Parameters") or {}


@pytest.mark.parametrize("template", sorted((ROOT / "stacks").glob("*.yaml")), ids=lambda p: p.name)
def test_project_stack_deploys_through_a_change_set(template: Path, ec2: Any) -> None:
    region = "us-east-1" if "waf" in template.name else REGION
    values = dict(STACK_VALUES)
    ec2.create_key_pair(KeyName=values["KeyName"])
    values["ImageId"] = ec2.describe_images(Owners=[CANONICAL], Filters=[{"Name": "name", "Values": [JAMMY]}])["Images"][0]["ImageId"]
    values["VpcId"] = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    values["BuildSubnetIds"] = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [values["VpcId"]]}])["Subnets"][0]["SubnetId"]
    groups = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["default"]}])["SecurityGroups"]
    values["SecurityGroupId"] = groups[0]["GroupId"]
    required = [name for name, spec in _template_parameters(template).items() if "Default" not in spec]
    missing = [name for name in required if name not in values]
    assert not missing, f"{template.name} needs a test value for {missing}"
    cfn = client("cloudformation", region=region)
    name = "emulator-test-" + template.stem
    change_set = cfn.create_change_set(
        StackName=name,
        ChangeSetName="create",
        ChangeSetType="CREATE",
        TemplateBody=template.read_text(),
        Parameters=[{"ParameterKey": k, "ParameterValue": values[k]} for k in required],
        Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"],
    )
    assert cfn.describe_change_set(ChangeSetName=change_set["Id"])["Status"] == "CREATE_COMPLETE"
    cfn.execute_change_set(ChangeSetName=change_set["Id"])
    stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    assert stack.get("Outputs") and all(o["OutputValue"] for o in stack["Outputs"]), stack.get("Outputs")
    resources = cfn.describe_stack_resources(StackName=name)["StackResources"]
    assert resources and all(r["LogicalResourceId"] and r["PhysicalResourceId"] for r in resources)
    if template.name == "vm-bucket.yaml":
        # A deleted image stays as a noncurrent version: the move out of staging must see that here too.
        bucket = next(o["OutputValue"] for o in stack["Outputs"] if o["OutputKey"] == "BucketName")
        assert client("s3").get_bucket_versioning(Bucket=bucket).get("Status") == "Enabled"
    cfn.delete_stack(StackName=name)
    assert cfn.describe_stacks(StackName=stack["StackId"])["Stacks"][0]["StackStatus"] == "DELETE_COMPLETE"


# --- faults that lose the answer, the request log ------------------------------------------------


def test_drop_after_performs_the_action_and_loses_the_reply(ec2: Any) -> None:
    configure(faultRate=1.0, faultKinds=["drop-after"], faultLimit=1)
    with pytest.raises((botocore.exceptions.ConnectionClosedError, botocore.exceptions.EndpointConnectionError)):
        ec2.create_key_pair(KeyName="lost-reply")
    # The request was processed: the pair exists, though the client never heard so.
    assert [p["KeyName"] for p in ec2.describe_key_pairs()["KeyPairs"]] == ["lost-reply"]


def test_error_after_performs_the_action_and_answers_500(s3: Any) -> None:
    configure(faultRate=1.0, faultKinds=["error-after"], faultLimit=1)
    assert error_of(lambda: s3.create_bucket(Bucket="made-anyway", CreateBucketConfiguration={"LocationConstraint": REGION})) == ("InternalError", 500)
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["made-anyway"]
    configure(faultRate=1.0, faultKinds=["error-after"], faultLimit=1)
    assert error_of(lambda: client("ec2").create_key_pair(KeyName="made-too")) == ("InternalFailure", 500)
    assert [p["KeyName"] for p in client("ec2").describe_key_pairs()["KeyPairs"]] == ["made-too"]


def test_fault_limit_counts_from_when_it_is_set(ec2: Any) -> None:
    configure(faultRate=1.0, faultKinds=["throttling"])
    for _ in range(3):
        assert error_of(lambda: ec2.describe_key_pairs())[0] == "Throttling"
    # Three faults already happened; a limit of 1 still means one more.
    assert configure(faultLimit=1)["faultLimit"] == 1
    assert error_of(lambda: ec2.describe_key_pairs())[0] == "Throttling"
    assert control("GET", "config")[1]["faultLimit"] == 0
    assert ec2.describe_key_pairs()["KeyPairs"] == []


def test_request_log_lists_the_actions_in_order(ec2: Any, s3: Any) -> None:
    ec2.describe_images(Owners=["self"])
    s3.create_bucket(Bucket="logged", CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_object(Bucket="logged", Key="a/b", Body=b"x")
    s3.list_objects_v2(Bucket="logged", Prefix="a/")
    client("codebuild").list_projects()
    configure(faultRate=1.0, faultKinds=["throttling"], faultLimit=1)
    with pytest.raises(ClientError):
        client("cloudformation").list_stacks()
    log = control("GET", "requests")[1]
    assert log["actions"] == ["ec2:DescribeImages", "s3:CreateBucket", "s3:PutObject", "s3:ListObjectsV2",
                              "codebuild:ListProjects", "cloudformation:ListStacks"]
    assert (log["count"], log["faulted"]) == (6, 1)
    control("POST", "reset")
    assert control("GET", "requests")[1]["actions"] == []


# --- IAM as AWS evaluates it ---------------------------------------------------------------------

ACCOUNT = "123456789012"


@pytest.fixture
def principal() -> Any:
    """Makes IAM users with one inline policy; their clients come back; they are removed afterwards."""
    iam = client("iam", region="us-east-1")
    made: list[tuple[str, str]] = []

    def make(*statements: dict[str, Any]) -> Callable[..., Any]:
        name = f"iam-test-{len(made)}-{os.getpid()}"
        iam.create_user(UserName=name)
        iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": list(statements)}))
        key = iam.create_access_key(UserName=name)["AccessKey"]
        made.append((name, key["AccessKeyId"]))

        def user_client(service: str, region: str = REGION) -> Any:
            return boto3.client(service, endpoint_url=ENDPOINT, region_name=region, aws_access_key_id=key["AccessKeyId"],
                                aws_secret_access_key=key["SecretAccessKey"], config=CONFIG)

        return user_client

    yield make
    for name, key_id in made:
        iam.delete_access_key(UserName=name, AccessKeyId=key_id)
        iam.delete_user_policy(UserName=name, PolicyName="p")
        iam.delete_user(UserName=name)


def jammy(ec2: Any) -> str:
    return ec2.describe_images(Owners=[CANONICAL], Filters=[{"Name": "name", "Values": [JAMMY]}])["Images"][0]["ImageId"]


def denied(call: Callable[[], Any]) -> tuple[str, int, str]:
    with pytest.raises(ClientError) as info:
        call()
    error = info.value.response["Error"]
    return error["Code"], info.value.response["ResponseMetadata"]["HTTPStatusCode"], error.get("Message", "")


def test_terminate_needs_the_resource_tag(ec2: Any, principal: Any) -> None:
    image = jammy(ec2)
    untagged, tagged = (ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"] for _ in range(2))
    ec2.create_tags(Resources=[tagged], Tags=[{"Key": "asset-id", "Value": "1.2.0"}])
    user = principal({"Effect": "Allow", "Action": "ec2:TerminateInstances", "Resource": "*",
                      "Condition": {"Null": {"aws:ResourceTag/asset-id": "false"}}})("ec2")
    code, status, message = denied(lambda: user.terminate_instances(InstanceIds=[untagged]))
    assert (code, status) == ("UnauthorizedOperation", 403)
    arn = f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/{untagged}"
    assert message.startswith("You are not authorized to perform this operation. User: arn:aws:iam::123456789012:user/iam-test-")
    assert f"is not authorized to perform: ec2:TerminateInstances on resource: {arn}" in message
    assert user.terminate_instances(InstanceIds=[tagged])["TerminatingInstances"][0]["InstanceId"] == tagged
    # The same policy through ec2:ResourceTag, and a value that must match.
    other = principal({"Effect": "Allow", "Action": "ec2:TerminateInstances", "Resource": "*",
                       "Condition": {"StringEquals": {"ec2:ResourceTag/asset-id": "9.9.9"}}})("ec2")
    assert denied(lambda: other.terminate_instances(InstanceIds=[tagged]))[0] == "UnauthorizedOperation"


def test_explicit_deny_wins_and_not_action(ec2: Any, principal: Any) -> None:
    user = principal({"Effect": "Allow", "Action": "*", "Resource": "*"},
                     {"Effect": "Deny", "NotAction": ["ec2:Describe*", "ec2:CreateKeyPair"], "Resource": "*"})("ec2")
    assert user.describe_key_pairs()["KeyPairs"] == []
    user.create_key_pair(KeyName="allowed")
    code, _, message = denied(lambda: user.delete_key_pair(KeyName="allowed"))
    assert code == "UnauthorizedOperation" and "with an explicit deny in an identity-based policy" in message


def test_an_unknown_action_is_denied_even_to_allow_all(ec2: Any) -> None:
    # CreateFleet is in no tool and so not in the table: denied, never silently allowed.
    code, status, message = denied(lambda: ec2.create_fleet(LaunchTemplateConfigs=[], TargetCapacitySpecification={"TotalTargetCapacity": 1}))
    assert (code, status) == ("UnauthorizedOperation", 403)
    assert "ec2:CreateFleet" in message and "iam_actions.py" in message


def test_request_tags_on_key_pairs(principal: Any) -> None:
    user = principal(
        {"Effect": "Allow", "Action": "ec2:CreateKeyPair", "Resource": "*",
         "Condition": {"StringEquals": {"aws:RequestTag/project": "sandbox"},
                       "ForAllValues:StringEquals": {"aws:TagKeys": ["project", "asset-id"]}}},
        {"Effect": "Allow", "Action": "ec2:CreateTags", "Resource": "*", "Condition": {"StringEquals": {"ec2:CreateAction": "CreateKeyPair"}}},
    )("ec2")

    def create(name: str, tags: dict[str, str]) -> Any:
        spec = [{"ResourceType": "key-pair", "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}] if tags else []
        return user.create_key_pair(KeyName=name, TagSpecifications=spec)

    code, _, message = denied(lambda: create("none", {}))
    assert code == "UnauthorizedOperation" and f"ec2:CreateKeyPair on resource: arn:aws:ec2:{REGION}:{ACCOUNT}:key-pair/none" in message
    assert denied(lambda: create("wrong", {"project": "other"}))[0] == "UnauthorizedOperation"
    assert denied(lambda: create("extra", {"project": "sandbox", "owner": "x"}))[0] == "UnauthorizedOperation"
    assert create("ok", {"project": "sandbox", "asset-id": "1"})["KeyName"] == "ok"
    # Without ec2:CreateTags, tagging at creation is refused, as on AWS.
    untagging = principal({"Effect": "Allow", "Action": "ec2:CreateKeyPair", "Resource": "*"})("ec2")
    spec = [{"ResourceType": "key-pair", "Tags": [{"Key": "project", "Value": "sandbox"}]}]
    assert "ec2:CreateTags" in denied(lambda: untagging.create_key_pair(KeyName="t", TagSpecifications=spec))[2]


def test_request_tags_on_run_instances(ec2: Any, principal: Any) -> None:
    image = jammy(ec2)
    user = principal(
        {"Effect": "Allow", "Action": "ec2:RunInstances", "Resource": f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/*",
         "Condition": {"StringEquals": {"aws:RequestTag/project": "sandbox"}}},
        {"Effect": "Allow", "Action": "ec2:RunInstances", "NotResource": f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/*"},
        {"Effect": "Allow", "Action": "ec2:CreateTags", "Resource": "*", "Condition": {"StringEquals": {"ec2:CreateAction": "RunInstances"}}},
    )("ec2")
    code, _, message = denied(lambda: user.run_instances(ImageId=image, MinCount=1, MaxCount=1))
    assert code == "UnauthorizedOperation" and "instance/*" in message
    spec = [{"ResourceType": "instance", "Tags": [{"Key": "project", "Value": "sandbox"}]}]
    assert user.run_instances(ImageId=image, MinCount=1, MaxCount=1, TagSpecifications=spec)["Instances"]
    # The image is a resource of RunInstances too: a policy naming another AMI refuses it.
    other = principal({"Effect": "Allow", "Action": "ec2:RunInstances", "NotResource": f"arn:aws:ec2:{REGION}::image/{image}"})("ec2")
    assert f"image/{image}" in denied(lambda: other.run_instances(ImageId=image, MinCount=1, MaxCount=1))[2]


def test_list_bucket_by_prefix(s3: Any, principal: Any) -> None:
    s3.create_bucket(Bucket="images", CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_object(Bucket="images", Key="images/a.vmdk", Body=b"a")
    user = principal(
        {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::images", "Condition": {"StringLike": {"s3:prefix": ["images/*"]}}},
        {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::images/images/*"},
    )("s3")
    assert [o["Key"] for o in user.list_objects_v2(Bucket="images", Prefix="images/")["Contents"]] == ["images/a.vmdk"]
    code, status, message = denied(lambda: user.list_objects_v2(Bucket="images", Prefix="other/"))
    assert (code, status) == ("AccessDenied", 403)
    assert 's3:ListBucket on resource: arn:aws:s3:::images because no identity-based policy allows' in message
    assert denied(lambda: user.list_objects_v2(Bucket="images"))[0] == "AccessDenied"
    user.put_object(Bucket="images", Key="images/b.raw", Body=b"b")
    assert denied(lambda: user.put_object(Bucket="images", Key="elsewhere/b.raw", Body=b"b"))[:2] == ("AccessDenied", 403)
    # CopyObject reads the source too.
    s3.put_object(Bucket="images", Key="private/c", Body=b"c")
    assert "s3:GetObject" in denied(lambda: user.copy_object(Bucket="images", Key="images/c", CopySource="images/private/c"))[2]


def test_a_missing_key_is_403_without_list_bucket_and_404_with_it(s3: Any, principal: Any) -> None:
    # API_HeadObject / API_GetObject: without s3:ListBucket on the bucket a missing key is 403.
    s3.create_bucket(Bucket="images", CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_object(Bucket="images", Key="images/a.vmdk", Body=b"a")
    read = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::images/images/*"}
    by_prefix = {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::images",
                 "Condition": {"StringLike": {"s3:prefix": ["images/*"]}}}
    whole = {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::images"}
    for statements, expected in (([read], 403), ([read, by_prefix], 403), ([read, whole], 404)):
        user = principal(*statements)("s3")
        assert user.head_object(Bucket="images", Key="images/a.vmdk")["ContentLength"] == 1
        head = denied(lambda: user.head_object(Bucket="images", Key="images/gone.vmdk"))
        code, status, message = denied(lambda: user.get_object(Bucket="images", Key="images/gone.vmdk"))
        assert (head[1], status) == (expected, expected), statements
        if expected == 403:
            # The check is ListBucket on the bucket, with no s3:prefix: a prefix condition cannot match it.
            assert code == "AccessDenied" and "s3:ListBucket on resource: arn:aws:s3:::images because" in message
        else:
            assert code == "NoSuchKey"
    # Outside GetObject's resources it is 403 whether the key exists or not.
    assert denied(lambda: principal(read, whole)("s3").head_object(Bucket="images", Key="other/x"))[1] == 403


def test_a_version_is_deleted_and_read_by_its_own_actions(s3: Any, principal: Any) -> None:
    # Service Authorization Reference: with a versionId, DeleteObject is s3:DeleteObjectVersion and
    # Get/HeadObject s3:GetObjectVersion.
    s3.create_bucket(Bucket="versioned", CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_versioning(Bucket="versioned", VersioningConfiguration={"Status": "Enabled"})
    version = s3.put_object(Bucket="versioned", Key="staging/a.raw", Body=b"a")["VersionId"]
    plain = principal({"Effect": "Allow", "Action": ["s3:GetObject", "s3:DeleteObject"], "Resource": "arn:aws:s3:::versioned/*"})("s3")
    message = denied(lambda: plain.delete_object(Bucket="versioned", Key="staging/a.raw", VersionId=version))[2]
    assert "s3:GetObjectVersion" in denied(lambda: plain.get_object(Bucket="versioned", Key="staging/a.raw", VersionId=version))[2]
    assert "s3:DeleteObjectVersion on resource: arn:aws:s3:::versioned/staging/a.raw" in message
    versions = principal({"Effect": "Allow", "Action": "s3:DeleteObjectVersion", "Resource": "arn:aws:s3:::versioned/*"})("s3")
    versions.delete_object(Bucket="versioned", Key="staging/a.raw", VersionId=version)
    assert "Versions" not in s3.list_object_versions(Bucket="versioned", Prefix="staging/")


def test_export_image_passes_no_role(ec2: Any, s3: Any, principal: Any) -> None:
    # VM Import/Export's required permissions: ExportImage names the service role, which vmie assumes
    # through its own trust policy; the caller needs no iam:PassRole.
    s3.create_bucket(Bucket="exports", CreateBucketConfiguration={"LocationConstraint": REGION})
    image = new_image(ec2, "passrole")
    user = principal({"Effect": "Allow", "Action": "ec2:ExportImage", "Resource": "*"},
                     {"Effect": "Deny", "Action": "iam:PassRole", "Resource": "*"})("ec2")
    location = {"S3Bucket": "exports", "S3Prefix": "x/"}
    assert user.export_image(ImageId=image, DiskImageFormat="VMDK", S3ExportLocation=location, RoleName="vmimport")["Status"] == "active"


def test_a_stack_role_is_passed_to_cloudformation_only(principal: Any) -> None:
    role = f"arn:aws:iam::{ACCOUNT}:role/stack-role"
    template = json.dumps({"Resources": {"Nothing": {"Type": "AWS::CloudFormation::WaitConditionHandle"}}})
    stack_only = {"Effect": "Allow", "Action": "cloudformation:*", "Resource": "*"}
    wrong = principal(stack_only, {"Effect": "Allow", "Action": "iam:PassRole", "Resource": role,
                                   "Condition": {"StringEquals": {"iam:PassedToService": "vmie.amazonaws.com"}}})("cloudformation")
    message = denied(lambda: wrong.create_change_set(StackName="passed", ChangeSetName="c", ChangeSetType="CREATE",
                                                     TemplateBody=template, RoleARN=role))[2]
    assert f"iam:PassRole on resource: {role}" in message


def test_denials_look_like_each_service(principal: Any) -> None:
    user = principal({"Effect": "Allow", "Action": "sts:GetCallerIdentity", "Resource": "*"})
    assert user("sts").get_caller_identity()["Arn"].startswith(f"arn:aws:iam::{ACCOUNT}:user/iam-test-")
    code, status, message = denied(lambda: user("cloudformation").describe_stacks())
    assert (code, status) == ("AccessDenied", 403)
    assert message.endswith("is not authorized to perform: cloudformation:DescribeStacks on resource: * because no identity-based policy allows the cloudformation:DescribeStacks action")
    code, status, message = denied(lambda: user("cloudformation").describe_stacks(StackName="sandbox-ec2-1"))
    assert f"on resource: arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/sandbox-ec2-1/" in message
    code, status, message = denied(lambda: user("codebuild").start_build(projectName="release"))
    assert (code, status) == ("AccessDeniedException", 400)
    assert f"codebuild:StartBuild on resource: arn:aws:codebuild:{REGION}:{ACCOUNT}:project/release" in message
    assert denied(lambda: user("s3").list_buckets())[:2] == ("AccessDenied", 403)


def test_describe_stacks_without_a_name_also_needs_list_stacks(principal: Any) -> None:
    describe_only = principal({"Effect": "Allow", "Action": "cloudformation:DescribeStacks", "Resource": "*"})
    code, status, message = denied(lambda: describe_only("cloudformation").describe_stacks())
    assert (code, status) == ("AccessDenied", 403)
    assert "cloudformation:ListStacks on resource: *" in message
    both = principal({"Effect": "Allow", "Action": ["cloudformation:DescribeStacks", "cloudformation:ListStacks"],
                      "Resource": "*"})
    assert "Stacks" in both("cloudformation").describe_stacks()


TAGGED = {"StringEquals": {"aws:RequestTag/project": "sandbox"}}
# The calls a stack of a group, a launch template and an instance makes, each allowed on its own.
STACK_READ = {"Effect": "Allow", "Action": ["cloudformation:*", "ec2:Describe*"], "Resource": "*"}


def stack_events(cfn: Any, name: str) -> tuple[str, list[str]]:
    status = cfn.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"]
    return status, [e.get("ResourceStatusReason", "") for e in cfn.describe_stack_events(StackName=name)["StackEvents"]]


def create_stack(cfn: Any, name: str, resources: dict[str, Any], **extra: Any) -> tuple[str, list[str]]:
    change_set = cfn.create_change_set(StackName=name, ChangeSetName="c", ChangeSetType="CREATE",
                                       TemplateBody=json.dumps({"Resources": resources}), **extra)
    cfn.execute_change_set(ChangeSetName=change_set["Id"])
    return stack_events(cfn, name)


GROUP = {"Type": "AWS::EC2::SecurityGroup", "Properties": {
    "GroupDescription": "g", "Tags": [{"Key": "project", "Value": "sandbox"}],
    "SecurityGroupIngress": [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "CidrIp": "203.0.113.7/32"}]}}


@pytest.mark.parametrize("missing, denial", [
    # Allowed only with the project tag on the request, as on AWS CloudFormation never sends it.
    ({"Effect": "Allow", "Action": "ec2:CreateSecurityGroup", "Resource": "*", "Condition": TAGGED}, "ec2:CreateSecurityGroup"),
    # The rules are authorized on the group before it has any tag.
    ({"Effect": "Allow", "Action": "ec2:AuthorizeSecurityGroupIngress", "Resource": "*",
      "Condition": {"StringEquals": {"aws:ResourceTag/project": "sandbox"}}}, "ec2:AuthorizeSecurityGroupIngress"),
    # The tags come last, as a CreateTags of their own: not one of a create call.
    ({"Effect": "Allow", "Action": "ec2:CreateTags", "Resource": "*",
      "Condition": {"StringEquals": {"ec2:CreateAction": "CreateSecurityGroup"}}}, "ec2:CreateTags"),
])
def test_a_stack_makes_its_security_group_as_cloudformation_does(
        ec2: Any, principal: Any, missing: dict[str, Any], denial: str) -> None:
    allowed = {"ec2:CreateSecurityGroup": "*", "ec2:AuthorizeSecurityGroupIngress": "*", "ec2:CreateTags": "*"}
    others = [{"Effect": "Allow", "Action": a, "Resource": r} for a, r in allowed.items() if a != missing["Action"]]
    cfn = principal(STACK_READ, missing, *others)("cloudformation")
    status, reasons = create_stack(cfn, "group-stack", {"Group": GROUP})
    assert status == "ROLLBACK_COMPLETE" and any(f"not authorized to perform: {denial}" in r for r in reasons), reasons
    assert [g for g in ec2.describe_security_groups()["SecurityGroups"] if g["GroupName"] != "default"] == []
    # With all three, the group is made, its rule and its tags on.
    cfn = principal(STACK_READ, *[{"Effect": "Allow", "Action": a, "Resource": r} for a, r in allowed.items()])("cloudformation")
    assert create_stack(cfn, "group-stack-2", {"Group": GROUP})[0] == "CREATE_COMPLETE"
    group = next(g for g in ec2.describe_security_groups()["SecurityGroups"] if g["GroupName"] != "default")
    assert {"Key": "project", "Value": "sandbox"} in group["Tags"] and group["IpPermissions"][0]["FromPort"] == 22


def test_an_instance_takes_its_launch_templates_tags_joined_with_its_own(ec2: Any, principal: Any) -> None:
    image = jammy(ec2)
    tags = [{"Key": "project", "Value": "sandbox"}, {"Key": "who", "Value": "template"}]
    resources = {
        "Template": {"Type": "AWS::EC2::LaunchTemplate", "Properties": {
            "LaunchTemplateData": {"TagSpecifications": [{"ResourceType": "instance", "Tags": tags},
                                                         {"ResourceType": "volume", "Tags": tags}]},
            "TagSpecifications": [{"ResourceType": "launch-template", "Tags": tags[:1]}]}},
        "Box": {"Type": "AWS::EC2::Instance", "Properties": {
            "ImageId": image, "LaunchTemplate": {"LaunchTemplateId": {"Ref": "Template"},
                                                 "Version": {"Fn::GetAtt": ["Template", "LatestVersionNumber"]}},
            "Tags": [{"Key": "who", "Value": "instance"}, {"Key": "own", "Value": "x"}],
            "BlockDeviceMappings": [{"DeviceName": "/dev/sda1", "Ebs": {"VolumeSize": 8}}]}},
    }
    # The volume's project tag can only come from the launch template, the template's from its own spec.
    cfn = principal(STACK_READ,
                    {"Effect": "Allow", "Action": "ec2:RunInstances", "Resource": [f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/*",
                                                                                  f"arn:aws:ec2:{REGION}:{ACCOUNT}:volume/*"], "Condition": TAGGED},
                    {"Effect": "Allow", "Action": "ec2:RunInstances", "Resource": f"arn:aws:ec2:{REGION}:{ACCOUNT}:launch-template/*",
                     "Condition": {"StringEquals": {"aws:ResourceTag/project": "sandbox"}}},
                    {"Effect": "Allow", "Action": "ec2:RunInstances", "NotResource": [
                        f"arn:aws:ec2:{REGION}:{ACCOUNT}:{kind}/*" for kind in ("instance", "volume", "launch-template")]},
                    {"Effect": "Allow", "Action": "ec2:CreateLaunchTemplate", "Resource": "*", "Condition": TAGGED},
                    {"Effect": "Allow", "Action": "ec2:CreateTags", "Resource": "*",
                     "Condition": {"StringEquals": {"ec2:CreateAction": ["RunInstances", "CreateLaunchTemplate"]}}})("cloudformation")
    status, reasons = create_stack(cfn, "template-stack", resources)
    assert status == "CREATE_COMPLETE", reasons
    instance = ec2.describe_instances()["Reservations"][0]["Instances"][0]
    instance_tags = {t["Key"]: t["Value"] for t in instance["Tags"] if not t["Key"].startswith("aws:")}
    assert instance_tags == {"project": "sandbox", "who": "instance", "own": "x"}
    volume = ec2.describe_volumes(VolumeIds=[instance["BlockDeviceMappings"][0]["Ebs"]["VolumeId"]])["Volumes"][0]
    assert {t["Key"]: t["Value"] for t in volume["Tags"]} == {"project": "sandbox", "who": "template"}


def test_a_stack_with_a_service_role_acts_as_the_role(ec2: Any, principal: Any) -> None:
    iam = client("iam", region="us-east-1")
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "cloudformation.amazonaws.com"},
                                                     "Action": "sts:AssumeRole"}]}
    ec2_rights = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": [
        "ec2:CreateSecurityGroup", "ec2:AuthorizeSecurityGroupIngress", "ec2:CreateTags"], "Resource": "*"}]}
    role = iam.create_role(RoleName="stack-role", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    untrusted = iam.create_role(RoleName="not-for-stacks", AssumeRolePolicyDocument=json.dumps(
        {**trust, "Statement": [{**trust["Statement"][0], "Principal": {"Service": "ec2.amazonaws.com"}}]}))["Role"]["Arn"]
    try:
        # The caller may make no EC2 call itself, only pass the roles to CloudFormation.
        cfn = principal(STACK_READ, {"Effect": "Allow", "Action": "iam:PassRole", "Resource": [role, untrusted],
                                     "Condition": {"StringEquals": {"iam:PassedToService": "cloudformation.amazonaws.com"}}})("cloudformation")
        status, reasons = create_stack(cfn, "role-stack", {"Group": GROUP}, RoleARN=role)
        assert any("assumed-role/stack-role/" in r and "ec2:CreateSecurityGroup" in r for r in reasons) and status == "ROLLBACK_COMPLETE"
        iam.put_role_policy(RoleName="stack-role", PolicyName="ec2", PolicyDocument=json.dumps(ec2_rights))
        assert create_stack(cfn, "role-stack-2", {"Group": GROUP}, RoleARN=role)[0] == "CREATE_COMPLETE"
        status, reasons = create_stack(cfn, "untrusted", {"Group": GROUP}, RoleARN=untrusted)
        assert status == "ROLLBACK_COMPLETE" and any(f"Role {untrusted} is invalid or cannot be assumed" in r for r in reasons)
        # Deleting: the role again, which may not delete the group.
        cfn.delete_stack(StackName="role-stack-2")
        status, reasons = stack_events(cfn, "role-stack-2")
        assert status == "DELETE_FAILED" and any("ec2:DeleteSecurityGroup" in r for r in reasons), reasons
    finally:
        iam.delete_role_policy(RoleName="stack-role", PolicyName="ec2")
        iam.delete_role(RoleName="stack-role")
        iam.delete_role(RoleName="not-for-stacks")


def test_dry_run_answers_what_iam_decides_and_does_nothing(ec2: Any, principal: Any) -> None:
    image = jammy(ec2)
    user = principal({"Effect": "Allow", "Action": ["ec2:RunInstances", "ec2:CreateKeyPair"], "Resource": "*"},
                     {"Effect": "Allow", "Action": "ec2:CreateTags", "Resource": "*", "Condition": {"StringEquals": {"ec2:CreateAction": "RunInstances"}}})("ec2")
    spec = [{"ResourceType": "instance", "Tags": [{"Key": "project", "Value": "sandbox"}]}]
    assert error_of(lambda: user.run_instances(ImageId=image, MinCount=1, MaxCount=1, TagSpecifications=spec, DryRun=True)) == ("DryRunOperation", 412)
    assert error_of(lambda: user.create_key_pair(KeyName="dry", DryRun=True)) == ("DryRunOperation", 412)
    # Tagging a key pair at creation needs CreateTags for CreateKeyPair, which this user lacks.
    key_spec = [{"ResourceType": "key-pair", "Tags": [{"Key": "project", "Value": "sandbox"}]}]
    code, status, message = denied(lambda: user.create_key_pair(KeyName="dry", TagSpecifications=key_spec, DryRun=True))
    assert (code, status) == ("UnauthorizedOperation", 403) and "ec2:CreateTags" in message
    assert error_of(lambda: user.terminate_instances(InstanceIds=["i-0123456789abcdef0"], DryRun=True)) == ("UnauthorizedOperation", 403)
    assert ec2.describe_instances()["Reservations"] == [] and ec2.describe_key_pairs()["KeyPairs"] == []


def test_undocumented_filters_are_refused(ec2: Any) -> None:
    assert ec2.describe_images(Filters=[{"Name": "tag:asset-id", "Values": ["x"]}, {"Name": "name", "Values": ["x"]}])["Images"] == []
    code, status = error_of(lambda: ec2.describe_images(Filters=[{"Name": "asset-id", "Values": ["x"]}]))
    assert (code, status) == ("InvalidParameterValue", 400)
    with pytest.raises(ClientError) as info:
        ec2.describe_key_pairs(Filters=[{"Name": "tag-value", "Values": ["x"]}])
    assert info.value.response["Error"]["Message"] == "The filter 'tag-value' is invalid"


def test_stack_resources_need_the_callers_rights(ec2: Any, principal: Any) -> None:
    ec2.create_key_pair(KeyName="stack-key")
    user = principal({"Effect": "Allow", "Action": ["cloudformation:*", "ec2:Describe*", "ec2:CreateSecurityGroup",
                                                    "ec2:AuthorizeSecurityGroupIngress", "ec2:CreateTags"], "Resource": "*"})
    cfn = user("cloudformation")
    template = {"Resources": {
        "Group": {"Type": "AWS::EC2::SecurityGroup", "Properties": {"GroupDescription": "g", "SecurityGroupIngress": [
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "CidrIp": "203.0.113.7/32"}]}},
        "Box": {"Type": "AWS::EC2::Instance", "Properties": {"ImageId": jammy(ec2), "KeyName": "stack-key",
                                                             "SecurityGroupIds": [{"Fn::GetAtt": ["Group", "GroupId"]}]}},
    }}
    change_set = cfn.create_change_set(StackName="caller-rights", ChangeSetName="c", ChangeSetType="CREATE", TemplateBody=json.dumps(template))
    cfn.execute_change_set(ChangeSetName=change_set["Id"])
    stack = cfn.describe_stacks(StackName="caller-rights")["Stacks"][0]
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    reasons = [e.get("ResourceStatusReason", "") for e in cfn.describe_stack_events(StackName="caller-rights")["StackEvents"]]
    assert any("not authorized to perform: ec2:RunInstances" in r for r in reasons), reasons
    assert ec2.describe_instances()["Reservations"] == []


# --- credentials that expire ---------------------------------------------------------------------


@pytest.fixture
def container_role() -> Any:
    iam = client("iam", region="us-east-1")
    name = f"container-role-{os.getpid()}"
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "codebuild.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["ec2:Describe*", "s3:ListAllMyBuckets", "codebuild:ListProjects", "cloudformation:ListStacks"], "Resource": "*"}]}
    iam.put_role_policy(RoleName=name, PolicyName="p", PolicyDocument=json.dumps(policy))
    # The endpoint is shared with the other suites: no token left over from them.
    configure(containerToken=None)
    yield arn
    configure(containerRoleArn=None, credentialSeconds=3600)
    iam.delete_role_policy(RoleName=name, PolicyName="p")
    iam.delete_role(RoleName=name)


def container_credentials() -> dict[str, str]:
    status, body = control("GET", "container-credentials")
    assert status == 200, body
    return body


def temporary_client(service: str, creds: dict[str, str]) -> Any:
    return boto3.client(service, endpoint_url=ENDPOINT, region_name=REGION, aws_access_key_id=creds["AccessKeyId"],
                        aws_secret_access_key=creds["SecretAccessKey"], aws_session_token=creds["Token"], config=CONFIG)


def test_container_credentials_are_the_roles_and_expire(container_role: str) -> None:
    configure(containerRoleArn=container_role, credentialSeconds=1)
    creds = container_credentials()
    assert creds["AccessKeyId"].startswith("ASIA") and creds["Token"]
    expiration = time.mktime(time.strptime(creds["Expiration"], "%Y-%m-%dT%H:%M:%SZ")) - time.timezone
    assert expiration > time.time() - 1
    # The role's policy applies: reading is allowed, creating a key pair is not.
    ec2 = temporary_client("ec2", creds)
    assert ec2.describe_key_pairs()["KeyPairs"] == []
    assert "assumed-role/container-role-" in denied(lambda: ec2.create_key_pair(KeyName="k"))[2]
    wait_for(lambda: time.time() > expiration + 1, timeout=5)
    assert denied(lambda: ec2.describe_key_pairs())[:2] == ("RequestExpired", 400)
    assert denied(lambda: temporary_client("s3", creds).list_buckets())[:2] == ("ExpiredToken", 400)
    assert denied(lambda: temporary_client("cloudformation", creds).list_stacks())[:2] == ("ExpiredToken", 403)
    assert denied(lambda: temporary_client("codebuild", creds).list_projects())[:2] == ("ExpiredTokenException", 400)
    # Each call hands out a new set, which works.
    configure(credentialSeconds=60)
    fresh = container_credentials()
    assert fresh["AccessKeyId"] != creds["AccessKeyId"]
    assert temporary_client("ec2", fresh).describe_key_pairs()["KeyPairs"] == []


def test_container_role_config_is_validated(container_role: str) -> None:
    assert control("POST", "config", {"containerRoleArn": "not-an-arn"})[0] == 400
    assert control("POST", "config", {"containerRoleArn": f"arn:aws:iam::{ACCOUNT}:role/missing"})[0] == 400
    assert control("POST", "config", {"credentialSeconds": 0})[0] == 400
    assert control("GET", "config")[1]["containerRoleArn"] is None
    assert configure(containerRoleArn=container_role)["containerRoleArn"] == container_role


def test_a_build_url_names_its_role(container_role: str) -> None:
    # No containerRoleArn configured: the URL's role (a CodeBuild project's service role) decides.
    quoted = urllib.parse.quote(container_role, safe="")
    status, creds = control("GET", f"container-credentials?roleArn={quoted}")
    assert status == 200 and creds["AccessKeyId"].startswith("ASIA"), creds
    assert "assumed-role/container-role-" in temporary_client("sts", creds).get_caller_identity()["Arn"]
    assert control("GET", f"container-credentials?roleArn=arn:aws:iam::{ACCOUNT}:role/missing")[0] == 404


def test_instance_metadata_hands_out_the_role_too(container_role: str) -> None:
    configure(containerRoleArn=container_role, credentialSeconds=120)
    put = urllib.request.Request(f"{ENDPOINT}/_emulator/imds/latest/api/token", method="PUT",
                                 headers={"X-aws-ec2-metadata-token-ttl-seconds": "60"})
    with urllib.request.urlopen(put, timeout=10) as response:
        token = response.read().decode()
    get = urllib.request.Request(f"{ENDPOINT}/_emulator/imds/latest/meta-data/iam/security-credentials/sandbox-instance-role",
                                 headers={"X-aws-ec2-metadata-token": token})
    with urllib.request.urlopen(get, timeout=10) as response:
        creds = json.loads(response.read())
    assert creds["Code"] == "Success" and creds["AccessKeyId"].startswith("ASIA")
    assert "assumed-role/container-role-" in temporary_client("sts", creds).get_caller_identity()["Arn"]


# --- the unsigned credential calls: STS web identity (web_identity.py), the SSO portal (sso_portal.py)

UNSIGNED = CONFIG.merge(Config(signature_version=botocore.UNSIGNED))
SUBJECT = "repo:org/app:ref:refs/heads/main"


def jwt(claims: dict[str, Any]) -> str:
    """A JWT with these claims; the emulator does not check its signature (it has no IdP keys)."""

    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'RS256', 'typ': 'JWT'})}.{part(claims)}.c2lnbmF0dXJl"


@pytest.fixture
def oidc_role() -> Any:
    """An OIDC provider and a role it may assume for SUBJECT; yields (issuer, role ARN)."""
    iam = client("iam", region="us-east-1")
    issuer = f"https://token.example.com/{os.getpid()}"
    provider = iam.create_open_id_connect_provider(Url=issuer, ClientIDList=["sts.amazonaws.com"], ThumbprintList=["a" * 40])
    arn = provider["OpenIDConnectProviderArn"]
    name = f"web-identity-{os.getpid()}"
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Federated": arn}, "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {f"{issuer[8:]}:aud": "sts.amazonaws.com", f"{issuer[8:]}:sub": SUBJECT}},
    }]}
    role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    yield issuer, role
    configure(credentialSeconds=3600)
    iam.delete_role(RoleName=name)
    iam.delete_open_id_connect_provider(OpenIDConnectProviderArn=arn)


def test_web_identity_is_unsigned_and_checks_token_and_trust(oidc_role: Any) -> None:
    issuer, role = oidc_role
    sts = boto3.client("sts", endpoint_url=ENDPOINT, region_name=REGION, config=UNSIGNED)
    claims = {"iss": issuer, "aud": "sts.amazonaws.com", "sub": SUBJECT, "exp": int(time.time()) + 300}
    configure(credentialSeconds=120)
    answer = sts.assume_role_with_web_identity(RoleArn=role, RoleSessionName="ci", WebIdentityToken=jwt(claims))
    creds = answer["Credentials"]
    lifetime = creds["Expiration"].timestamp() - time.time()
    assert 100 < lifetime <= 121, "without DurationSeconds the keys last credentialSeconds"
    keys = {"AccessKeyId": creds["AccessKeyId"], "SecretAccessKey": creds["SecretAccessKey"], "Token": creds["SessionToken"]}
    assert temporary_client("sts", keys).get_caller_identity()["Arn"].endswith(f":assumed-role/{role.split('/')[-1]}/ci")
    assert "sts:AssumeRoleWithWebIdentity" in control("GET", "requests")[1]["actions"]

    def refused(**changes: Any) -> tuple[str, int, str]:
        token = jwt({**claims, **changes})
        return denied(lambda: sts.assume_role_with_web_identity(RoleArn=role, RoleSessionName="ci", WebIdentityToken=token))

    assert refused(sub="repo:org/other:ref:refs/heads/main")[:2] == ("AccessDenied", 403)
    assert refused(aud="someone-else")[:2] == ("InvalidIdentityToken", 400)
    assert refused(iss="https://unknown.example.com")[:2] == ("InvalidIdentityToken", 400)
    assert refused(exp=int(time.time()) - 1)[:2] == ("ExpiredTokenException", 400)
    assert denied(lambda: sts.assume_role_with_web_identity(RoleArn=role, RoleSessionName="ci", WebIdentityToken="not-a-jwt"))[0] == "InvalidIdentityToken"
    # Everything else still needs a signature.
    assert denied(lambda: sts.get_caller_identity())[:2] == ("MissingAuthenticationToken", 403)


@pytest.fixture
def sso_role() -> Any:
    """A role standing for a permission set, allowed to read EC2; yields its name."""
    iam = client("iam", region="us-east-1")
    name = f"sso-reader-{os.getpid()}"
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "sso.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"}]}
    iam.put_role_policy(RoleName=name, PolicyName="p", PolicyDocument=json.dumps(policy))
    yield name
    configure(credentialSeconds=3600)
    iam.delete_role_policy(RoleName=name, PolicyName="p")
    iam.delete_role(RoleName=name)


def sso_token(**body: Any) -> str:
    status, answer = control("POST", "sso-token", body)
    assert status == 200, answer
    assert answer["expiresAt"].endswith("Z")
    return answer["accessToken"]


def test_sso_portal_hands_out_the_roles_keys(sso_role: str) -> None:
    sso = boto3.client("sso", endpoint_url=ENDPOINT, region_name=REGION, config=UNSIGNED)
    configure(credentialSeconds=90)
    token = sso_token(roleNames=[sso_role])
    creds = sso.get_role_credentials(roleName=sso_role, accountId=ACCOUNT, accessToken=token)["roleCredentials"]
    assert 80_000 < creds["expiration"] - time.time() * 1000 <= 91_000, "milliseconds since the epoch"
    keys = {"AccessKeyId": creds["accessKeyId"], "SecretAccessKey": creds["secretAccessKey"], "Token": creds["sessionToken"]}
    ec2 = temporary_client("ec2", keys)
    assert ec2.describe_key_pairs()["KeyPairs"] == []
    assert denied(lambda: ec2.create_key_pair(KeyName="k"))[0] == "UnauthorizedOperation", "the role's policies apply"
    assert "sso:GetRoleCredentials" in control("GET", "requests")[1]["actions"]
    assert denied(lambda: sso.get_role_credentials(roleName=sso_role, accountId=ACCOUNT, accessToken="forged"))[:2] == ("UnauthorizedException", 401)
    assert denied(lambda: sso.get_role_credentials(roleName="other", accountId=ACCOUNT, accessToken=token))[:2] == ("ForbiddenException", 403)
    assert denied(lambda: sso.get_role_credentials(roleName=sso_role, accountId="111122223333", accessToken=token))[:2] == ("ForbiddenException", 403)
    short = sso_token(roleNames=[sso_role], seconds=0.2)
    time.sleep(0.3)
    assert denied(lambda: sso.get_role_credentials(roleName=sso_role, accountId=ACCOUNT, accessToken=short))[:2] == ("UnauthorizedException", 401)
    assert control("POST", "sso-token", {"roleNames": []})[0] == 400


def test_sso_oidc_renews_a_token_with_its_refresh_token(sso_role: str) -> None:
    status, issued = control("POST", "sso-token", {"roleNames": [sso_role], "seconds": 600})
    assert status == 200 and issued["registrationExpiresAt"].endswith("Z"), issued
    oidc = boto3.client("sso-oidc", endpoint_url=ENDPOINT, region_name=REGION, config=UNSIGNED)
    client = {"clientId": issued["clientId"], "clientSecret": issued["clientSecret"], "grantType": "refresh_token"}
    renewed = oidc.create_token(refreshToken=issued["refreshToken"], **client)
    assert renewed["accessToken"] != issued["accessToken"] and renewed["expiresIn"] == 600
    assert renewed["refreshToken"] == issued["refreshToken"] and renewed["tokenType"] == "Bearer"
    sso = boto3.client("sso", endpoint_url=ENDPOINT, region_name=REGION, config=UNSIGNED)
    assert sso.get_role_credentials(roleName=sso_role, accountId=ACCOUNT, accessToken=renewed["accessToken"])["roleCredentials"]
    assert control("GET", "requests")[1]["actions"][-2:] == ["sso-oidc:CreateToken", "sso:GetRoleCredentials"]
    assert denied(lambda: oidc.create_token(refreshToken="forged", **client))[:2] == ("InvalidGrantException", 400)
    wrong = {**client, "clientSecret": "wrong"}
    assert denied(lambda: oidc.create_token(refreshToken=issued["refreshToken"], **wrong))[:2] == ("InvalidClientException", 401)


# --- the stand-in instance's disk: CreateImage takes it, ExportImage converts it (disks.py) -------

DISK_BYTES = 8 * 1024 * 1024


@pytest.fixture
def instance_disk(tmp_path: Path) -> Any:
    disk = tmp_path / "instance.raw"
    subprocess.run(["qemu-img", "create", "-q", "-f", "raw", str(disk), str(DISK_BYTES)], check=True)
    with disk.open("r+b") as f:  # data in the middle, zeros around it, as on a real disk
        f.seek(1024 * 1024)
        f.write(os.urandom(256 * 1024))
    configure(instanceDisk=str(disk))
    yield disk
    configure(instanceDisk=None)


def image_of_instance(ec2: Any, name: str) -> str:
    ami = ec2.describe_images(Owners=[CANONICAL], Filters=[{"Name": "name", "Values": [JAMMY]}])["Images"][0]["ImageId"]
    instance = ec2.run_instances(ImageId=ami, MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
    return ec2.create_image(InstanceId=instance, Name=name)["ImageId"]


def exported(ec2: Any, s3: Any, bucket: str, image_id: str, fmt: str, into: Path) -> Path:
    task_id = export(ec2, image_id, bucket, fmt=fmt)["ExportImageTaskId"]
    wait_for(lambda: task(ec2, task_id)["Status"] != "active", timeout=60)
    assert task(ec2, task_id)["Status"] == "completed", task(ec2, task_id)
    key = f"exports/{task_id}.{fmt.lower()}"
    path = into / f"{task_id}.{fmt.lower()}"
    s3.download_file(bucket, key, str(path))
    head = s3.head_object(Bucket=bucket, Key=key)
    assert (head["ContentLength"], head["ETag"]) == (path.stat().st_size, md5(path.read_bytes()))
    return path


def qemu_info(path: Path) -> dict[str, Any]:
    info = subprocess.run(["qemu-img", "info", "--output=json", str(path)], check=True, capture_output=True, text=True)
    return json.loads(info.stdout)


def as_raw(path: Path, into: Path) -> bytes:
    raw = into / (path.name + ".raw")
    subprocess.run(["qemu-img", "convert", "-O", "raw", str(path), str(raw)], check=True)
    return raw.read_bytes()


@pytest.mark.parametrize(
    "fmt, qemu_format, create_type",
    [("VMDK", "vmdk", "streamOptimized"), ("VHD", "vpc", None), ("RAW", "raw", None)],
)
def test_export_converts_the_instance_disk(
    ec2: Any, s3: Any, bucket: str, instance_disk: Path, tmp_path: Path, fmt: str, qemu_format: str, create_type: str | None
) -> None:
    configure(exportSeconds=0)
    original = instance_disk.read_bytes()
    image_id = image_of_instance(ec2, f"disk-{fmt}")
    # The image is a snapshot: a later change of the instance's disk is not in it.
    instance_disk.write_bytes(b"\xff" * DISK_BYTES)
    path = exported(ec2, s3, bucket, image_id, fmt, tmp_path)
    info = qemu_info(path)
    assert info["format"] == qemu_format
    assert info["virtual-size"] >= DISK_BYTES
    if create_type:
        assert info["format-specific"]["data"]["create-type"] == create_type
    assert as_raw(path, tmp_path)[:DISK_BYTES] == original


def test_copied_image_exports_its_source_disk(ec2: Any, s3: Any, bucket: str, instance_disk: Path, tmp_path: Path) -> None:
    configure(exportSeconds=0)
    original = instance_disk.read_bytes()
    source = image_of_instance(ec2, "disk-source")
    copy = ec2.copy_image(SourceImageId=source, SourceRegion=REGION, Name="disk-copy")["ImageId"]
    path = exported(ec2, s3, bucket, copy, "RAW", tmp_path)
    assert qemu_info(path)["format"] == "raw" and path.read_bytes() == original


def test_image_without_a_disk_keeps_placeholder_bytes(ec2: Any, s3: Any, bucket: str, tmp_path: Path) -> None:
    configure(exportSeconds=0, exportBytes=4096, instanceDisk=None)
    path = exported(ec2, s3, bucket, image_of_instance(ec2, "no-disk"), "VMDK", tmp_path)
    assert path.stat().st_size == 4096 and path.read_bytes()[:4] == b"KDMV"


def test_instance_disk_must_exist(tmp_path: Path) -> None:
    status, body = control("POST", "config", {"instanceDisk": str(tmp_path / "missing.raw")})
    assert status == 400 and "instanceDisk" in json.dumps(body)
