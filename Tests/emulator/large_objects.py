"""Large S3 objects copied file to file, never through one bytes object (a cost of the stand-in only).

moto 5.2.5 keeps an object's bytes in a SpooledTemporaryFile (moto/s3/models.py, FakeKey), on disk
once it is larger than MOTO_S3_DEFAULT_KEY_BUFFER_SIZE (5 MiB less 1 KiB; a larger setting would only
keep more in memory). Yet every copy goes through Python bytes: FakeKey.value reads the whole file,
the value setter writes it into the spool's BytesIO and then rolls that over into a file, and
FakeMultipart.complete joins the parts twice in memory (the object, and its CRC64NVME checksum's
copy). Measured: a CopyObject of 1 GiB took 5-13 s, a CompleteMultipartUpload of 1.7 GB 12-18 s,
storing a 1.7 GB export 3-10 s inside exports.tick(), that is inside whichever request came next,
while every other request waited for its lock.

Here such an object's bytes are copied by the kernel (os.copy_file_range) into a temporary file of
its own, which becomes the new key's buffer (what moto's spool holds once rolled over); an export's
converted file becomes its object's buffer as it is (disks.take). A copy small enough for moto to
keep in memory still takes moto's own way. Bytes, sizes, ETags, checksums, versions and errors stay
what moto makes of them; an MD5 already known (the source's, for a whole-object copy; the export's,
taken beside its conversion) is handed on instead of being computed again.
"""

from __future__ import annotations

import base64
import errno
import hashlib
import os
import tempfile
import zlib
from typing import IO, Any, Iterable


class Spooled:
    """An object's bytes in a file of their own, handed whole to one new key (its buffer)."""

    def __init__(self, file: IO[bytes], size: int, md5: str | None = None):
        self.file: IO[bytes] | None = file
        self.size = size
        self.md5 = md5


def _copy(src: int, src_at: int, dst: int, dst_at: int, length: int) -> None:
    """length bytes from file descriptor src at src_at to dst at dst_at."""
    kernel = hasattr(os, "copy_file_range")  # Linux
    end = src_at + length
    while src_at < end:
        todo = min(end - src_at, 8 << 20)
        if kernel:
            try:
                done = os.copy_file_range(src, dst, todo, src_at, dst_at)
            except OSError as error:  # a file system that cannot: the bytes pass through here
                if error.errno not in (errno.EXDEV, errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
                    raise
                kernel = False
                continue
        else:
            done = os.pwrite(dst, os.pread(src, todo, src_at), dst_at)
        if done <= 0:
            raise OSError(f"the source ended {end - src_at} bytes early")
        src_at, dst_at = src_at + done, dst_at + done


def _in_memory(size: int) -> bool:
    from moto.settings import get_s3_default_key_buffer_size

    return size <= get_s3_default_key_buffer_size()


def _slice(key: Any, start: int = 0, stop: int | None = None) -> bytes | Spooled:
    """key.value[start:stop] (moto's slicing, clamped alike), as its own file when it is large."""
    begin, end, _ = slice(start, stop).indices(key.size)
    length = max(0, end - begin)
    with key.lock:  # as moto's FakeKey.value reads the buffer
        buffer = key._value_buffer
        if _in_memory(length):
            buffer.seek(begin)
            return buffer.read(length)
        buffer.flush()
        file = tempfile.TemporaryFile()
        _copy(buffer.fileno(), begin, file.fileno(), 0, length)
    whole = begin == 0 and length == key.size
    md5 = key._etag if whole and key._etag and "-" not in key._etag else None
    return Spooled(file, length, md5)


def _keys_take_spooled_files() -> None:
    # moto's FakeKey.value setter writes bytes into the spool; a Spooled value becomes the buffer.
    from moto.s3.models import FakeKey

    setter = FakeKey.value.fset

    def value(self: Any, new_value: Any) -> None:
        if not isinstance(new_value, Spooled):
            return setter(self, new_value)
        assert new_value.file is not None, "a Spooled value belongs to one key"
        self._value_buffer.close()
        self._value_buffer, self.contentsize, new_value.file = new_value.file, new_value.size, None
        if self._etag is None:
            self._etag = new_value.md5  # None: moto's FakeKey.etag computes it when asked
        return None

    FakeKey.value = FakeKey.value.setter(value)


def _copy_object_file_to_file() -> None:
    # moto's S3Backend.copy_object stores src_key.value, the whole source read into bytes.
    from moto.s3.models import S3Backend

    original = S3Backend.copy_object

    class Source:
        """The source key as copy_object sees it, its value still in its file."""

        def __init__(self, key: Any):
            self._key = key

        def __getattr__(self, name: str) -> Any:
            return getattr(self._key, name)

        @property
        def value(self) -> bytes | Spooled:
            return _slice(self._key)

    def copy_object(self: Any, src_key: Any, *args: Any, **kwargs: Any) -> None:
        return original(self, Source(src_key), *args, **kwargs)

    S3Backend.copy_object = copy_object


def _part_copy_reads_its_range() -> None:
    # moto's S3Backend.upload_part_copy reads the whole source object for every part and slices it:
    # the demo's 3 GiB RAW, moved in 512 MiB parts, was read six times over. Only the part's range
    # is copied here, file to file.
    from moto.s3.models import S3Backend

    def upload_part_copy(self: Any, dest_bucket_name: str, multipart_id: str, part_id: int, src_bucket_name: str,
                         src_key_name: str, src_version_id: str | None, start_byte: int | None, end_byte: int | None) -> Any:
        multipart = self.get_bucket(dest_bucket_name).multiparts[multipart_id]
        source = self.get_object(src_bucket_name, src_key_name, version_id=src_version_id)
        value = _slice(source) if start_byte is None else _slice(source, start_byte, end_byte + 1)  # type: ignore[operator]
        return multipart.set_part(part_id, value)

    S3Backend.upload_part_copy = upload_part_copy


def _complete_joins_parts_file_to_file() -> None:
    # moto's FakeMultipart.complete joins the parts in a bytearray (and again for the checksum), then
    # bytes(...) copies it once more. Here, for the default checksum (no x-amz-checksum-algorithm
    # or -type on the upload, no awscrt: moto's CRC64NVME falls back to a CRC32 of the whole object,
    # moto/s3/utils.py compute_checksum), the parts are copied into one file and the CRC32 read
    # from it. Anything else, and every refusal (InvalidPart, EntityTooSmall, MalformedXML), is
    # moto's own complete.
    import moto.s3.models as models
    from moto.core.compat import HAS_CRT

    original = models.FakeMultipart.complete

    def complete(self: Any, body: Iterable[tuple[int, str]]) -> tuple[Any, str, Any]:
        body = list(body)
        parts = [self.parts.get(number) for number, _ in body]
        regular = (
            bool(parts)
            and all(p is not None and p.etag.replace('"', "") == etag.replace('"', "") for p, (_, etag) in zip(parts, body))
            and all(p.contentsize >= models.S3_UPLOAD_PART_MIN_SIZE for p in parts[:-1])
        )
        default_checksum = not (HAS_CRT or self.metadata.get("x-amz-checksum-algorithm") or self.metadata.get("x-amz-checksum-type"))
        if not (regular and default_checksum) or _in_memory(sum(p.contentsize for p in parts)):
            return original(self, body)
        file, size, crc = tempfile.TemporaryFile(), 0, 0
        for part in parts:
            with part.lock:
                part._value_buffer.flush()
                _copy(part._value_buffer.fileno(), 0, file.fileno(), size, part.contentsize)
            size += part.contentsize
        file.seek(0)
        while chunk := file.read(1 << 20):
            crc = zlib.crc32(chunk, crc)
        md5s = b"".join(bytes.fromhex(p.etag.replace('"', "")) for p in parts)
        etag = f"{hashlib.md5(md5s).hexdigest()}-{len(parts)}"
        return Spooled(file, size), etag, ("FULL_OBJECT", base64.b64encode(crc.to_bytes(4, "big")).decode(), 1)

    models.FakeMultipart.complete = complete


def install() -> None:
    _keys_take_spooled_files()
    _copy_object_file_to_file()
    _part_copy_reads_its_range()
    _complete_joins_parts_file_to_file()
