"""buildspec/install-swift.sh against a local server: it unpacks the toolchain only when the
detached signature is valid and made by the pinned key (run by `make lint`)."""
import functools
import http.server
import io
import os
import pathlib
import subprocess
import tarfile
import threading

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "buildspec" / "install-swift.sh"
VERSION = "6.1.2"
NAME = f"swift-{VERSION}-RELEASE-ubuntu22.04"
RELPATH = f"swift-{VERSION}-release/ubuntu2204/swift-{VERSION}-RELEASE/{NAME}.tar.gz"



def gpg(home, *args, **kw):
    return subprocess.run(["gpg", "--batch", "--homedir", str(home), *args], check=True, capture_output=True, **kw)


def new_key(home, uid):
    gpg(home, "--passphrase", "", "--quick-gen-key", uid, "ed25519", "sign", "never")
    out = gpg(home, "--with-colons", "--fingerprint", uid).stdout.decode()
    return next(line.split(":")[9] for line in out.splitlines() if line.startswith("fpr:"))


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A download site: the tarball signed by key A, a keys file with keys A and B."""
    base = tmp_path_factory.mktemp("site")
    home = tmp_path_factory.mktemp("gnupg")
    os.chmod(home, 0o700)
    good = new_key(home, "release <a@example.org>")
    other = new_key(home, "other <b@example.org>")
    tarball = base / RELPATH
    tarball.parent.mkdir(parents=True)
    with tarfile.open(tarball, "w:gz") as tar:
        data = b"#!/bin/sh\necho swift\n"
        info = tarfile.TarInfo(f"{NAME}/usr/bin/swift")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    (base / "keys.asc").write_bytes(gpg(home, "--armor", "--export").stdout)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(base))
    handler.log_message = lambda *a: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield {"base": base, "home": home, "tarball": tarball, "good": good, "other": other,
           "url": f"http://127.0.0.1:{server.server_port}"}
    server.shutdown()


def sign(site, key):
    sig = site["tarball"].with_name(site["tarball"].name + ".sig")
    sig.unlink(missing_ok=True)
    gpg(site["home"], "--local-user", key, "--detach-sign", "--output", str(sig), str(site["tarball"]))


def install(site, dest):
    env = dict(os.environ, SWIFT_DOWNLOAD_BASE=site["url"], SWIFT_KEYS_URL=site["url"] + "/keys.asc",
               SWIFT_SIGNING_KEY=site["good"], SWIFT_INSTALL_DIR=str(dest))
    return subprocess.run([str(SCRIPT), VERSION], env=env, capture_output=True, text=True)


def test_signed_by_the_pinned_key_is_installed(site, tmp_path):
    sign(site, site["good"])
    r = install(site, tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == f"{tmp_path}/{NAME}/usr/bin"
    assert (tmp_path / NAME / "usr/bin/swift").exists()


def test_signed_by_another_key_of_the_keys_file_is_refused(site, tmp_path):
    sign(site, site["other"])
    r = install(site, tmp_path)
    assert r.returncode == 1 and "not signed by the Swift release key" in r.stderr
    assert not any(tmp_path.iterdir())


def test_a_changed_tarball_is_refused(site, tmp_path):
    sign(site, site["good"])
    original = site["tarball"].read_bytes()
    try:
        site["tarball"].write_bytes(original[:-1] + bytes([original[-1] ^ 1]))
        r = install(site, tmp_path)
    finally:
        site["tarball"].write_bytes(original)
    assert r.returncode == 1 and "signer: none" in r.stderr
    assert not any(tmp_path.iterdir())
