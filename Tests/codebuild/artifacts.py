"""UPLOAD_ARTIFACTS: the buildspec's `artifacts` files, put where the project's Artifacts say.

S3 artifacts land at <location>/<path>/<build-uuid if namespaceType BUILD_ID>/<name>: one zip
object when packaging is ZIP, otherwise the files under that prefix (with their paths below
base-directory, or flat with discard-paths).
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any, Callable


class ArtifactError(RuntimeError):
    """No file matched, or the upload failed (CodeBuild: CLIENT_ERROR in UPLOAD_ARTIFACTS)."""


def expand(text: str, env: dict[str, str]) -> str:
    """$NAME and ${NAME} from the build's final environment. The buildspec reference has the shell
    evaluate artifacts/name only; base-directory and files are paths, taken as written."""
    return re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: env.get(m.group(1) or m.group(2), ""), text)


def collect(spec: dict[str, Any], source: Path) -> list[tuple[Path, str]]:
    """(file, key below the artifact's prefix) for every file the buildspec names."""
    base = source / str(spec.get("base-directory") or ".")
    discard = str(spec.get("discard-paths", "no")).lower() in ("yes", "true")
    found: dict[Path, str] = {}
    for pattern in spec.get("files") or []:
        for path in sorted(base.glob(str(pattern))):
            if path.is_file():
                found[path] = path.name if discard else path.relative_to(base).as_posix()
    if not found:
        raise ArtifactError(f"no matching artifact paths found under {base.relative_to(source)}")
    return list(found.items())


def upload(project: dict[str, Any], spec: dict[str, Any], source: Path, env: dict[str, str], build_uuid: str,
           s3: Callable[[], Any]) -> str | None:
    """Uploads and answers the artifact's location (an S3 ARN), or None when the project keeps none."""
    kind = project.get("type", "NO_ARTIFACTS")
    if kind == "NO_ARTIFACTS" or not spec:
        return None
    if kind != "S3":
        raise ArtifactError(f"artifacts of type {kind} are not modelled (S3 and NO_ARTIFACTS are)")
    files = collect(spec, source)
    name = project.get("name") or ""
    if project.get("overrideArtifactName") and spec.get("name"):
        name = expand(str(spec["name"]), env)
    parts = [project.get("path") or "", build_uuid if project.get("namespaceType") == "BUILD_ID" else "", name]
    prefix = "/".join(p.strip("/") for p in parts if p and p != "/")
    bucket, client = project["location"], s3()
    try:
        if project.get("packaging") == "ZIP":
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                for path, key in files:
                    archive.write(path, key)
            client.put_object(Bucket=bucket, Key=prefix, Body=buffer.getvalue())
            return f"arn:aws:s3:::{bucket}/{prefix}"
        for path, key in files:
            client.put_object(Bucket=bucket, Key=f"{prefix}/{key}" if prefix else key, Body=path.read_bytes())
    except Exception as error:
        raise ArtifactError(f"upload to s3://{bucket}/{prefix} failed: {error}") from None
    return f"arn:aws:s3:::{bucket}/{prefix}" if prefix else f"arn:aws:s3:::{bucket}"
