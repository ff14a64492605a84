# Store the Jupyter password (read from stdin, never from the command line) as a hash in
# the config file given as the argument, unless that file already holds it. Prints
# "changed" or "unchanged". Runs with the venv's Python, as the Jupyter user.
import json
import sys

from jupyter_server.auth.security import passwd_check, set_password

config_file = sys.argv[1]
password = sys.stdin.read()
try:
    with open(config_file, encoding="utf-8") as f:
        current = json.load(f).get("IdentityProvider", {}).get("hashed_password", "")
except FileNotFoundError:
    current = ""
try:
    same = bool(current) and passwd_check(current, password)
except ValueError:  # a hash this version cannot read: replace it
    same = False
if same:
    print("unchanged")
else:
    # argon2 by default; keeps the file's other settings, mode 0600.
    set_password(password, config_file)
    print("changed")
