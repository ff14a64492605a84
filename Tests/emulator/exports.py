"""ExportImage, DescribeExportImageTasks and CancelExportTask for moto's EC2, and the tag calls
(CreateTags, DeleteTags, DescribeTags) on their task ids.

moto 5.2.5 has none of the three, and its tag backend refuses `export-ami-…` ids. They are added as methods of moto's EC2Response, so a request
reaches them only after moto has checked its signature, and moto's own parser and serializer
(driven by botocore's EC2 model) turn the parameters and the result into the real API's shapes.

With a disk behind the image (disks.py), the object holds the disk converted by qemu-img;
otherwise placeholder bytes of the configured size.

A task's time is evaluated lazily: every describe (and every AWS request that passes the emulator,
see `tick`) moves active tasks on, so no thread is needed. The S3 object is written before the task
is ever reported `completed`.
"""

from __future__ import annotations

import base64
import fnmatch
import hashlib
import re
import secrets
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

import disks

from moto.core.exceptions import ServiceException
from moto.core.responses import ActionResult, EmptyResult
from moto.ec2.responses import EC2Response

# AWS: one active export per AMI, five per Region (VM Import/Export quotas).
MAX_ACTIVE_PER_REGION = 5
FAIL_MARKER = "EMULATOR-FAIL"
FORMATS = {"VMDK": "vmdk", "VHD": "vhd", "RAW": "raw"}


class Settings:
    """Runtime knobs, shared with the emulator's control endpoint."""

    export_seconds: float = 3.0
    export_bytes: int = 1024 * 1024


class EC2Error(ServiceException):
    def __init__(self, code: str, message: str):
        super().__init__(code, message)


@dataclass
class ExportTask:
    task_id: str
    account_id: str
    region: str
    image_id: str
    disk_format: str
    bucket: str
    prefix: str
    description: str | None
    role_name: str
    tags: list[dict[str, str]]
    client_token: str | None
    request_key: tuple[Any, ...]
    started: float
    duration: float
    size: int
    fail: bool
    status: str = "active"
    status_message: str | None = "validating"
    progress: int | None = 0
    # The disk's conversion (disks.py), or None for placeholder bytes.
    conversion: Future[Any] | None = None
    s3_key: str = field(init=False)

    def __post_init__(self) -> None:
        self.s3_key = f"{self.prefix}{self.task_id}.{FORMATS[self.disk_format]}"

    def advance(self, now: float) -> None:
        if self.status != "active":
            return
        elapsed = now - self.started
        # A requested failure happens half way, as a real conversion fails part-way through.
        if self.fail and elapsed >= self.duration / 2:
            self._end_deleted(
                "ClientError: Unsupported kernel version "
                f"(failure requested by {FAIL_MARKER} in the description)"
            )
            return
        converting = self.conversion is not None and not self.conversion.done()
        if elapsed >= self.duration and not converting:
            if self.conversion is not None and self.conversion.exception() is not None:
                self._end_deleted(f"ClientError: {self.conversion.exception()}")
                return
            try:
                _write_object(self)
            except Exception as error:  # the bucket went away while the task ran
                self._end_deleted(f"ClientError: Unable to write to S3 bucket {self.bucket}: {error}")
                return
            self.status, self.status_message, self.progress = "completed", None, None
            return
        share = elapsed / self.duration if self.duration > 0 else 1.0
        self.progress = min(99, int(share * 100))
        # AWS walks through these messages while a task is active.
        if share < 0.1:
            self.status_message = "validating"
        elif share < 0.2:
            self.status_message = "validated"
        elif share < 0.85:
            self.status_message = "converting"
        else:
            self.status_message = "updating"

    def _end_deleted(self, message: str) -> None:
        self.status, self.status_message, self.progress = "deleted", message, None

    def location(self) -> dict[str, str]:
        return {"S3Bucket": self.bucket, "S3Prefix": self.prefix}

    def describe(self) -> dict[str, Any]:
        item: dict[str, Any] = {
            "ExportImageTaskId": self.task_id,
            "ImageId": self.image_id,
            "S3ExportLocation": self.location(),
            "Status": self.status,
            "Tags": [dict(t) for t in self.tags],
        }
        if self.description is not None:
            item["Description"] = self.description
        if self.progress is not None:
            item["Progress"] = str(self.progress)
        if self.status_message is not None:
            item["StatusMessage"] = self.status_message
        return item


_lock = threading.RLock()
# (account, region) -> task id -> task; insertion order is creation order (used for paging).
_tasks: dict[tuple[str, str], dict[str, ExportTask]] = {}
_tokens: dict[tuple[str, str, str], str] = {}


def reset() -> None:
    with _lock:
        _tasks.clear()
        _tokens.clear()


def tick() -> None:
    """Move every active task on; called before each AWS request reaches moto."""
    now = time.monotonic()
    with _lock:
        for tasks in _tasks.values():
            for task in tasks.values():
                task.advance(now)


def _payload(task: ExportTask) -> bytes:
    # Deterministic per task: a format-shaped header, then a repeating digest pattern.
    head = f"sandbox-release emulator export {task.task_id} of {task.image_id} as {task.disk_format}\n"
    if task.disk_format == "VMDK":
        head = "KDMV" + head  # the magic of a sparse VMDK
    seed = hashlib.sha256(task.task_id.encode()).digest()
    body = bytearray((head.encode() + seed * (task.size // len(seed) + 1))[: task.size])
    if task.disk_format == "VHD" and task.size >= 512:
        body[-512:-504] = b"conectix"  # the cookie of a VHD footer
    return bytes(body)


def _s3_backend(account_id: str) -> Any:
    from moto.s3.models import s3_backends

    return s3_backends[account_id]["aws"]


def _write_object(task: ExportTask) -> None:
    data = disks.take(task.conversion) if task.conversion is not None else _payload(task)
    _s3_backend(task.account_id).put_object(task.bucket, task.s3_key, data)


def _new_task_id() -> str:
    return "export-ami-" + secrets.token_hex(9)[:17]


def _tags_from_spec(specs: list[dict[str, Any]]) -> list[dict[str, str]]:
    tags: list[dict[str, str]] = []
    for spec in specs or []:
        kind = spec.get("ResourceType")
        if kind != "export-image-task":
            raise EC2Error(
                "InvalidParameterValue",
                f"'{kind}' is not a valid taggable resource type for this operation.",
            )
        for tag in spec.get("Tags") or []:
            tags.append({"Key": tag.get("Key", ""), "Value": tag.get("Value", "")})
    return tags


def _matches(task: ExportTask, name: str, values: list[str]) -> bool:
    # task-state is the one filter the API documents; the emulator refuses any other name before
    # this runs (ec2_filters).
    return name == "task-state" and any(fnmatch.fnmatchcase(task.status, v) for v in values)


def _encode_token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"export-image-tasks:{offset}".encode()).decode()


def _decode_token(token: str) -> int:
    try:
        kind, offset = base64.urlsafe_b64decode(token.encode()).decode().split(":")
        if kind != "export-image-tasks" or int(offset) < 0:
            raise ValueError(token)
        return int(offset)
    except Exception:
        raise EC2Error("InvalidNextToken", "The specified token is invalid.") from None


# --- the EC2 actions --------------------------------------------------------------------------


def export_image(self: EC2Response) -> ActionResult:
    params = self._get_params()
    image_id = params.get("ImageId")
    disk_format = params.get("DiskImageFormat")
    location = params.get("S3ExportLocation") or {}
    bucket = location.get("S3Bucket")
    prefix = location.get("S3Prefix") or ""
    description = params.get("Description")
    role_name = params.get("RoleName") or "vmimport"
    token = params.get("ClientToken")
    for name, value in (("ImageId", image_id), ("DiskImageFormat", disk_format), ("S3ExportLocation.S3Bucket", bucket)):
        if not value:
            raise EC2Error("MissingParameter", f"The request must contain the parameter {name}")
    if disk_format not in FORMATS:
        raise EC2Error("InvalidParameterValue", f"Value ({disk_format}) for parameter DiskImageFormat is invalid.")
    if description is not None and len(description) > 255:
        raise EC2Error("InvalidParameterValue", "The description must be at most 255 characters long.")
    tags = _tags_from_spec(params.get("TagSpecifications") or [])
    self.error_on_dryrun()

    account, region = self.current_account, self.region
    request_key = (image_id, disk_format, bucket, prefix, description, role_name, tuple((t["Key"], t["Value"]) for t in tags))
    now = time.monotonic()
    with _lock:
        tick()
        tasks = _tasks.setdefault((account, region), {})
        if token and (account, region, token) in _tokens:
            # Idempotent retry: the same token returns the same task and starts nothing.
            task = tasks[_tokens[(account, region, token)]]
            if task.request_key != request_key:
                raise EC2Error(
                    "IdempotentParameterMismatch",
                    f"The client token {token} was already used with different parameters.",
                )
            return ActionResult(_export_result(task))

        images = self.ec2_backend.describe_images(ami_ids=[image_id])  # raises InvalidAMIID.NotFound
        if not images:
            raise EC2Error("InvalidAMIID.NotFound", f"The image id '[{image_id}]' does not exist")
        try:
            _s3_backend(account).get_bucket(bucket)
        except Exception:
            raise EC2Error("InvalidParameter", f"The given S3 bucket '{bucket}' does not exist.") from None

        active = [t for t in tasks.values() if t.status == "active"]
        for other in active:
            if other.image_id == image_id:
                raise EC2Error(
                    "IncorrectState",
                    f"The image '{image_id}' is already being exported by export task '{other.task_id}'.",
                )
        if len(active) >= MAX_ACTIVE_PER_REGION:
            raise EC2Error(
                "ResourceLimitExceeded",
                f"You have reached the limit of {MAX_ACTIVE_PER_REGION} active export image tasks in this Region.",
            )

        task = ExportTask(
            task_id=_new_task_id(),
            account_id=account,
            region=region,
            image_id=image_id,
            disk_format=disk_format,
            bucket=bucket,
            prefix=prefix,
            description=description,
            role_name=role_name,
            tags=tags,
            client_token=token,
            request_key=request_key,
            started=now,
            duration=max(0.0, float(Settings.export_seconds)),
            size=max(0, int(Settings.export_bytes)),
            fail=bool(description and FAIL_MARKER in description),
        )
        task.conversion = disks.convert(image_id, disk_format, task.task_id)
        tasks[task.task_id] = task
        if token:
            _tokens[(account, region, token)] = task.task_id
        return ActionResult(_export_result(task))


def _export_result(task: ExportTask) -> dict[str, Any]:
    result = task.describe()
    result["DiskImageFormat"] = task.disk_format
    result["RoleName"] = task.role_name
    return result


def describe_export_image_tasks(self: EC2Response) -> ActionResult:
    params = self._get_params()
    ids = params.get("ExportImageTaskIds") or []
    filters = params.get("Filters") or []
    max_results = params.get("MaxResults")
    next_token = params.get("NextToken")
    if max_results is not None and not 1 <= int(max_results) <= 500:
        raise EC2Error("InvalidParameterValue", f"Value ( {max_results} ) for parameter maxResults is invalid. Expecting a value between 1 and 500.")
    self.error_on_dryrun()

    with _lock:
        tick()
        tasks = _tasks.get((self.current_account, self.region), {})
        missing = [i for i in ids if i not in tasks]
        if missing:
            raise EC2Error("InvalidExportTaskID.NotFound", f"The export task ID '{missing[0]}' does not exist")
        selected = [tasks[i] for i in ids] if ids else list(tasks.values())
        for f in filters:
            name, values = f.get("Name"), f.get("Values") or []
            selected = [t for t in selected if _matches(t, name, values)]
        start = _decode_token(next_token) if next_token else 0
        limit = int(max_results) if max_results is not None else None
        page = selected[start : start + limit] if limit else selected[start:]
        result: dict[str, Any] = {"ExportImageTasks": [t.describe() for t in page]}
        if limit and start + limit < len(selected):
            result["NextToken"] = _encode_token(start + limit)
        return ActionResult(result)


def cancel_export_task(self: EC2Response) -> ActionResult:
    task_id = self._get_param("ExportTaskId")
    if not task_id:
        raise EC2Error("MissingParameter", "The request must contain the parameter ExportTaskId")
    self.error_on_dryrun()
    with _lock:
        tick()
        task = _tasks.get((self.current_account, self.region), {}).get(task_id)
        if task is None:
            raise EC2Error("InvalidExportTaskID.NotFound", f"The export task ID '{task_id}' does not exist")
        if task.status != "active":
            raise EC2Error("IncorrectState", f"Export task '{task_id}' is {task.status} and can no longer be cancelled.")
        task.status, task.status_message, task.progress = "deleted", "Export task cancelled by user request.", None
    return EmptyResult()


# --- the tag calls on export-image-task ids ---------------------------------------------------------


def _split_ids(self: EC2Response) -> tuple[list[ExportTask], list[str]]:
    """The request's export tasks (all must exist, as AWS checks) and its other resource ids."""
    ids = self._get_param("Resources", [])
    tasks = _tasks.get((self.current_account, self.region), {})
    found = []
    for task_id in (i for i in ids if i.startswith("export-ami-")):
        if task_id not in tasks:
            raise EC2Error("InvalidExportTaskID.NotFound", f"The export task ID '{task_id}' does not exist")
        found.append(tasks[task_id])
    return found, [i for i in ids if not i.startswith("export-ami-")]


def _tag_calls() -> None:
    from moto.ec2.models import validate_resource_ids
    from moto.ec2.utils import simple_aws_filter_to_re

    def create_tags(self: EC2Response) -> ActionResult:
        with _lock:
            found, others = _split_ids(self)
            if not found:
                return original_create(self)
            tags = {t["Key"]: t.get("Value", "") for t in self._get_param("Tags", [])}
            if others:
                validate_resource_ids(others)
                self.ec2_backend.do_resources_exist(others)
            self.error_on_dryrun()
            if others:
                self.ec2_backend.create_tags(others, tags)
            for task in found:
                task.tags = [t for t in task.tags if t["Key"] not in tags] + [{"Key": k, "Value": v} for k, v in tags.items()]
        return EmptyResult()

    def delete_tags(self: EC2Response) -> ActionResult:
        with _lock:
            found, others = _split_ids(self)
            if not found:
                return original_delete(self)
            # A tag given without a value goes whatever its value; with one, only when it matches.
            tags = {t["Key"]: t.get("Value") for t in self._get_param("Tags", [])}
            if others:
                validate_resource_ids(others)
            self.error_on_dryrun()
            if others:
                self.ec2_backend.delete_tags(others, tags)
            for task in found:
                task.tags = [t for t in task.tags if not (t["Key"] in tags and tags[t["Key"]] in (None, t["Value"]))]
        return EmptyResult()

    def describe_tags(self: EC2Response) -> ActionResult:
        filters = self._filters_from_querystring() or {}
        self.error_on_dryrun()
        wanted = {name: [re.compile(simple_aws_filter_to_re(v)) for v in values]
                  for name, values in filters.items() if name in ("key", "value", "resource-id")}

        def passes(name: str, text: str) -> bool:
            return name not in wanted or any(p.match(text) for p in wanted[name])

        result = self.ec2_backend.describe_tags(filters=filters)
        if "export-image-task" in filters.get("resource-type", ["export-image-task"]):
            with _lock:
                for task in _tasks.get((self.current_account, self.region), {}).values():
                    for t in task.tags:
                        if passes("key", t["Key"]) and passes("value", t["Value"]) and passes("resource-id", task.task_id):
                            result.append({"resource_id": task.task_id, "key": t["Key"], "value": t["Value"],
                                           "resource_type": "export-image-task"})
        return ActionResult({"Tags": result})

    original_create, original_delete = EC2Response.create_tags, EC2Response.delete_tags
    EC2Response.create_tags = create_tags  # type: ignore[method-assign]
    EC2Response.delete_tags = delete_tags  # type: ignore[method-assign]
    EC2Response.describe_tags = describe_tags  # type: ignore[method-assign]


def install() -> None:
    _tag_calls()
    EC2Response.export_image = export_image  # type: ignore[attr-defined]
    EC2Response.describe_export_image_tasks = describe_export_image_tasks  # type: ignore[attr-defined]
    EC2Response.cancel_export_task = cancel_export_task  # type: ignore[attr-defined]
