# Store a JupyterLab password (read from stdin, never from the command line) hashed in the
# config file given as the argument, keeping the file's other settings; mode 0600. Runs with
# the venv's Python, as the Jupyter user, at a machine's first boot (jupyter-password).
# The hash is the one `jupyter server password` stores (jupyter_server.auth.security.passwd:
# "argon2:" and argon2-cffi's hash at that cost), made without importing jupyter_server, whose
# import costs the first boot seconds under QEMU without KVM; the login check proves the format.
import json
import os
import sys

import argon2

config_file = sys.argv[1]
password = sys.stdin.read()
hasher = argon2.PasswordHasher(memory_cost=10240, time_cost=10, parallelism=8)
try:
    with open(config_file, encoding="utf-8") as f:
        config = json.load(f)
except FileNotFoundError:
    config = {}
config.setdefault("IdentityProvider", {})["hashed_password"] = "argon2:" + hasher.hash(password)
descriptor = os.open(config_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
with os.fdopen(descriptor, "w", encoding="utf-8") as f:
    json.dump(config, f, indent=2)
