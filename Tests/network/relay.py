#!/usr/bin/env python3
"""A TCP relay in front of the emulator, for the process-level tests (test ground only).

    relay.py --to HOST:PORT|unix:PATH --state DIR [--listen HOST:PORT|unix:PATH]
             [--tls CERT KEY] [--hold TEXT | --lose TEXT] [--after TEXT]

Listens on --listen (default: a free port of 127.0.0.1) and writes the port to DIR/port. Every
connection is passed through to --to byte for byte, so the tools speak real HTTP to the real
emulator. A Unix socket reaches across network namespaces: a relay inside one (on
169.254.170.2:80, the container credentials address) can reach the emulator through another.

--tls CERT KEY   the relay speaks TLS to the client (a certificate made for the test), plain
                 HTTP to the emulator: an HTTPS endpoint for AWS_CA_BUNDLE and proxy tests.
--hold TEXT      the first request containing TEXT (e.g. Action=CreateKeyPair) reaches the
                 emulator and is done there, but its answer is held back forever; DIR/held is
                 written when it arrives. A test then signals the tool that waits for it.
--lose TEXT      the same, but the connection is closed instead, with no byte of the answer:
                 the request was done and its answer lost (DIR/held is written as well).
--after TEXT     hold or lose only a request that comes after one containing TEXT.

Every byte the clients send is appended to DIR/requests, so a test can read the parameters of
the requests a tool made (e.g. AssumeRole's).

Stops on SIGTERM (unblocked first: a parent such as Foundation's Process may hand it over blocked).
"""
import argparse
import os
import signal
import socket
import ssl
import threading


class Relay:
    def __init__(self, args: argparse.Namespace) -> None:
        self.target, self.listen = args.to, args.listen
        self.state = args.state
        self.hold, self.after = args.hold or args.lose, args.after
        self.lose = args.lose is not None
        self.after_seen = args.after is None
        self.held = False
        self.lock = threading.Lock()
        self.tls = None
        if args.tls:
            self.tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.tls.load_cert_chain(*args.tls)

    @staticmethod
    def address(text: str) -> tuple[socket.AddressFamily, str | tuple[str, int]]:
        if text.startswith("unix:"):
            return socket.AF_UNIX, text[5:]
        host, port = text.rsplit(":", 1)
        return socket.AF_INET, (host, int(port))

    def serve(self) -> None:
        family, address = self.address(self.listen)
        listener = socket.socket(family)
        if family == socket.AF_INET:
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(address)
        listener.listen(64)
        self.write("port", str(listener.getsockname()[1]) if family == socket.AF_INET else address)
        while True:
            client, _ = listener.accept()
            threading.Thread(target=self.connection, args=(client,), daemon=True).start()

    def write(self, name: str, text: str) -> None:
        tmp = os.path.join(self.state, name + ".new")
        with open(tmp, "w") as f:
            f.write(text + "\n")
        os.replace(tmp, os.path.join(self.state, name))

    def connection(self, client: socket.socket) -> None:
        try:
            if self.tls:
                client = self.tls.wrap_socket(client, server_side=True)
            family, address = self.address(self.target)
            upstream = socket.socket(family)
            upstream.connect(address)
        except (OSError, ssl.SSLError):
            client.close()  # e.g. a client that refused our certificate
            return
        holding = threading.Event()
        threading.Thread(target=self.answers, args=(upstream, client, holding, self.lose), daemon=True).start()
        self.requests(client, upstream, holding)

    def requests(self, client: socket.socket, upstream: socket.socket, holding: threading.Event) -> None:
        seen = b""
        try:
            while data := client.recv(65536):
                with self.lock, open(os.path.join(self.state, "requests"), "ab") as log:
                    log.write(data)
                seen = (seen + data)[-4096:]  # a marker split across two reads is still found
                if self.look(seen, holding):
                    seen = b""  # each marker counts once
                upstream.sendall(data)
        except OSError:
            pass
        finally:
            for s in (client, upstream):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def look(self, seen: bytes, holding: threading.Event) -> bool:
        """Whether a marker was found: the `after` one, or the one to hold."""
        with self.lock:
            if not self.after_seen and self.after.encode() in seen:
                self.after_seen = True
                return True
            if self.hold and self.after_seen and not self.held and self.hold.encode() in seen:
                self.held = True
                holding.set()
                self.write("held", self.hold)
                return True
            return False

    @staticmethod
    def answers(upstream: socket.socket, client: socket.socket, holding: threading.Event, lose: bool) -> None:
        try:
            while data := upstream.recv(65536):
                if holding.is_set() and lose:
                    client.shutdown(socket.SHUT_RDWR)  # the work is done, the answer never arrives
                    client.close()
                    return
                if holding.is_set():
                    continue  # the answer is swallowed: the client waits until it gives up
                client.sendall(data)
        except OSError:
            pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--to", required=True)
    parser.add_argument("--state", required=True)
    parser.add_argument("--listen", default="127.0.0.1:0")
    parser.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    holding = parser.add_mutually_exclusive_group()
    holding.add_argument("--hold")
    holding.add_argument("--lose")
    parser.add_argument("--after")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
    Relay(args).serve()


if __name__ == "__main__":
    main()
