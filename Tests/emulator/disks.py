"""The stand-in instance's disk as an AMI's data, and ExportImage's conversion with qemu-img.

Emulator instances have no disk. When the emulator is configured with `instanceDisk` (a raw disk
file: in the demo, the local test system made bootable), CreateImage copies that file as the new
image's snapshot, a CopyImage copy shares its source's file, and ExportImage converts it with
qemu-img into what AWS writes: VMDK stream-optimized, VHD dynamic, RAW. The conversion runs in a
thread from the moment the task starts; the task completes only after it. Without `instanceDisk`,
images have no data and exports keep their placeholder bytes (exports.py).
"""

from __future__ import annotations

import atexit
import hashlib
import os
import shutil
import subprocess
import tempfile
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import large_objects

CONFIG_KEYS = {"instanceDisk"}
# qemu-img's output format and options per ExportImage DiskImageFormat. AWS documents a
# stream-optimized ESX VMDK, a VHD and raw (EC2 API reference, ExportImage / S3ExportConfiguration);
# not whether the VHD is fixed or dynamic: dynamic here, as its size in S3 is what a user downloads
# (ansible/image/check-format.sh accepts either).
QEMU_FORMATS = {
    "VMDK": ["-O", "vmdk", "-o", "subformat=streamOptimized"],
    "VHD": ["-O", "vpc", "-o", "subformat=dynamic"],
    "RAW": ["-O", "raw"],
}


class Settings:
    """Runtime knob, shared with the emulator's control endpoint."""

    instance_disk: str | None = None


_lock = threading.Lock()
# image id -> the disk file holding its snapshot's data
_disks: dict[str, Path] = {}
# Every export converts at once: VM Import/Export runs up to five tasks per Region side by side
# (its quotas; preflight counts them). With two workers the release's third export, often the
# VMDK (the slowest, and the one verify-image boots), waited for the first two.
_pool = ThreadPoolExecutor(max_workers=5, thread_name_prefix="export-convert")
_dir: Path | None = None


def validated(changes: dict[str, Any]) -> str | None:
    """The instanceDisk setting after `changes` (checked, not yet applied)."""
    if "instanceDisk" not in changes:
        return Settings.instance_disk
    value = changes["instanceDisk"]
    if value is None or value == "":
        return None
    path = Path(str(value))
    if not path.is_file():
        raise ValueError(f"instanceDisk: no such file: {path}")
    return str(path.resolve())


def config() -> dict[str, Any]:
    return {"instanceDisk": Settings.instance_disk}


def _workdir() -> Path:
    global _dir
    if _dir is None:
        _dir = Path(tempfile.mkdtemp(prefix="emulator-disks-"))
        atexit.register(shutil.rmtree, _dir, True)
    return _dir


def reset() -> None:
    with _lock:
        _disks.clear()
        if _dir is not None:
            for item in _dir.iterdir():
                item.unlink(missing_ok=True)


def snapshot(image_id: str) -> None:
    """CreateImage: the instance's disk as it is now becomes the image's data."""
    source = Settings.instance_disk
    if source is None:
        return
    target = _workdir() / f"{image_id}.raw"
    # A copy, not the path: the instance (the test system) may change after its image is made.
    subprocess.run(["cp", "--sparse=always", source, str(target)], check=True)
    with _lock:
        _disks[image_id] = target


def share(source_id: str, copy_id: str) -> None:
    """CopyImage: the copy has the same data as its source."""
    with _lock:
        if source_id in _disks:
            _disks[copy_id] = _disks[source_id]


def convert(image_id: str, disk_format: str, task_id: str) -> Future[tuple[Path, str]] | None:
    """ExportImage: start converting the image's disk; None when the image has no data."""
    with _lock:
        source = _disks.get(image_id)
    if source is None:
        return None
    target = _workdir() / f"{task_id}.{disk_format.lower()}"
    command = ["qemu-img", "convert", "-q", "-f", "raw", *QEMU_FORMATS[disk_format], str(source), str(target)]

    def run() -> tuple[Path, str]:
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            target.unlink(missing_ok=True)
            raise RuntimeError(f"qemu-img convert failed: {done.stderr.strip()}")
        # The object's ETag, taken here beside the other conversions rather than by the first
        # request that asks for it (moto's FakeKey.etag: some seconds for a 3 GB image).
        with target.open("rb") as converted:
            return target, hashlib.file_digest(converted, "md5").hexdigest()

    return _pool.submit(run)


def take(conversion: Future[tuple[Path, str]]) -> large_objects.Spooled:
    """The converted image, its file handed over whole (no longer under its name) as the object's."""
    path, md5 = conversion.result()
    converted = path.open("rb+")
    path.unlink()
    return large_objects.Spooled(converted, os.fstat(converted.fileno()).st_size, md5)


def install() -> None:
    from moto.ec2.models.amis import AmiBackend

    original_create, original_copy = AmiBackend.create_image, AmiBackend.copy_image

    def create_image(self: Any, *args: Any, **kwargs: Any) -> Any:
        ami = original_create(self, *args, **kwargs)
        snapshot(ami.id)
        return ami

    def copy_image(self: Any, source_image_id: str, *args: Any, **kwargs: Any) -> Any:
        ami = original_copy(self, source_image_id, *args, **kwargs)
        share(source_image_id, ami.id)
        return ami

    AmiBackend.create_image = create_image  # type: ignore[method-assign]
    AmiBackend.copy_image = copy_image  # type: ignore[method-assign]
