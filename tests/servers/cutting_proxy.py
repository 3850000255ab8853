"""A TCP proxy on 127.0.0.1 that forwards bytes both ways and cuts or stalls on cue.

Put it between a client and a test server to see what the client does when the network
fails at a chosen moment: `CuttingProxy.cut_after` closes the connection once exactly N
bytes have gone from the server to the client (mid-FETCH, mid-literal), `cut_now` closes every
open connection at once, and `hang` stops forwarding while keeping the sockets open, which is
what a dead NAT entry or a stalled server looks like to a client waiting on its timeout.

Example::

    with CuttingProxy(server.host, server.port) as proxy:
        client = imaplib.IMAP4(proxy.host, proxy.port)
        client.login("anna", "secret")
        proxy.cut_after(bytes_from_server=200)
        client.fetch("1", "(BODY.PEEK[])")   # raises imaplib.IMAP4.abort

One thread accepts, one thread per connection pumps both directions through a selector with
a short timeout, so `close` (and the ``with`` block) ends every thread within a fraction of
a second. It listens on loopback only and refuses targets off the loopback interface, so a
test cannot turn it into a relay.
"""

from __future__ import annotations

import ipaddress
import selectors
import socket
import threading
from dataclasses import dataclass, field

HOST = "127.0.0.1"
# How often the pump threads look up from select() to notice close()/hang(); short enough
# that a test never waits for it, long enough not to spin.
POLL_INTERVAL = 0.02
CHUNK = 65536


@dataclass(eq=False)
class _Connection:
    client: socket.socket
    server: socket.socket
    closed: threading.Event = field(default_factory=threading.Event)

    def close(self) -> None:
        # shutdown() before close() so the peer gets its FIN at once, even while another
        # thread is blocked in recv()/sendall() on the same socket.
        self.closed.set()
        for sock in (self.client, self.server):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()


class CuttingProxy:
    """A threaded loopback TCP proxy to ``target_host:target_port``.

    Args:
        target_host: the server to forward to; must resolve to a loopback address.
        target_port: its port.
        max_connections: how many connections may be open at once; one more is accepted,
            counted and closed at once (keeps a runaway client from spawning threads).
        connect_timeout: seconds to wait for the target when a client connects; a client
            whose target cannot be reached is closed.

    Attributes:
        host: ``"127.0.0.1"``.
        port: the port the proxy listens on (chosen by the kernel).
        connections: connections accepted so far.
        bytes_from_server: bytes forwarded server → client so far, all connections.
        bytes_from_client: bytes forwarded client → server so far, all connections.
        cuts: connections the proxy closed on purpose (`cut_after`, `cut_now`).

    Raises:
        ValueError: the target is not on the loopback interface.
    """

    host = HOST

    def __init__(
        self,
        target_host: str,
        target_port: int,
        *,
        max_connections: int = 32,
        connect_timeout: float = 5.0,
    ):
        address = socket.gethostbyname(target_host)
        if not ipaddress.ip_address(address).is_loopback:
            raise ValueError(f"{target_host} is not a loopback address; the proxy only forwards to 127.0.0.0/8")
        self.target = (address, target_port)
        self.max_connections = max_connections
        self.connect_timeout = connect_timeout
        self.connections = 0
        self.bytes_from_server = 0
        self.bytes_from_client = 0
        self.cuts = 0
        self._lock = threading.Lock()
        self._cut_budget: int | None = None
        self._hanging = threading.Event()
        self._closing = threading.Event()
        self._open: set[_Connection] = set()
        self._threads: list[threading.Thread] = []
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind((HOST, 0))
        self._listener.listen(max_connections)
        self.port: int = self._listener.getsockname()[1]
        self._acceptor = threading.Thread(target=self._accept_loop, name=f"cutting-proxy-{self.port}", daemon=True)
        self._acceptor.start()

    # -- controls ----------------------------------------------------------------------

    def cut_after(self, bytes_from_server: int) -> None:
        """Close the connection carrying the ``bytes_from_server``-th server byte from now.

        Exactly that many bytes reach the client (a chunk is split if needed), then both
        sides of that connection are closed. Fires once; later bytes and connections flow
        normally.

        Raises:
            ValueError: ``bytes_from_server`` is below 1.
        """
        if bytes_from_server < 1:
            raise ValueError("bytes_from_server must be at least 1; use cut_now() to cut at once")
        with self._lock:
            self._cut_budget = bytes_from_server

    def cut_now(self) -> None:
        """Close every open connection, both sides, now. New connections are still accepted."""
        with self._lock:
            victims = list(self._open)
            self.cuts += len(victims)
        for connection in victims:
            connection.close()

    def hang(self) -> None:
        """Stop forwarding in both directions; sockets stay open and new clients are accepted.

        Bytes wait in the kernel buffers until `resume`; a client sees a silent peer and
        runs into its own timeout.
        """
        self._hanging.set()

    def resume(self) -> None:
        """Forward again after `hang`, starting with whatever was held back."""
        self._hanging.clear()

    @property
    def active(self) -> int:
        """Connections open right now."""
        with self._lock:
            return len(self._open)

    def close(self) -> None:
        """Stop accepting, close every connection and end the threads. Idempotent."""
        self._closing.set()
        self._acceptor.join(timeout=2)
        self._listener.close()
        with self._lock:
            victims = list(self._open)
        for connection in victims:
            connection.close()
        for thread in self._threads:
            thread.join(timeout=2)

    def __enter__(self) -> CuttingProxy:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- threads -----------------------------------------------------------------------

    def _accept_loop(self) -> None:
        with selectors.DefaultSelector() as selector:
            selector.register(self._listener, selectors.EVENT_READ)
            while not self._closing.is_set():
                if not selector.select(timeout=POLL_INTERVAL):
                    continue
                try:
                    client, _ = self._listener.accept()
                except OSError:
                    continue
                with self._lock:
                    self.connections += 1
                    full = len(self._open) >= self.max_connections
                if full:
                    client.close()
                    continue
                try:
                    server = socket.create_connection(self.target, timeout=self.connect_timeout)
                except OSError:
                    client.close()
                    continue
                client.settimeout(None)
                server.settimeout(None)
                connection = _Connection(client, server)
                with self._lock:
                    self._open.add(connection)
                thread = threading.Thread(target=self._pump, args=(connection,), daemon=True)
                self._threads = [t for t in self._threads if t.is_alive()] + [thread]
                thread.start()

    def _pump(self, connection: _Connection) -> None:
        try:
            with selectors.DefaultSelector() as selector:
                selector.register(connection.client, selectors.EVENT_READ)
                selector.register(connection.server, selectors.EVENT_READ)
                while not (self._closing.is_set() or connection.closed.is_set()):
                    if self._hanging.is_set():
                        connection.closed.wait(POLL_INTERVAL)
                        continue
                    for key, _ in selector.select(timeout=POLL_INTERVAL):
                        source = connection.client if key.fileobj is connection.client else connection.server
                        if not self._forward(connection, source):
                            return
        except (OSError, ValueError):
            # The sockets were closed under us by cut_now()/close(): the connection is over.
            pass
        finally:
            with self._lock:
                self._open.discard(connection)
            connection.close()

    def _forward(self, connection: _Connection, source: socket.socket) -> bool:
        """Move one chunk from ``source`` to the other side; False when the connection is over."""
        data = source.recv(CHUNK)
        if not data:
            return False
        if source is connection.client:
            connection.server.sendall(data)
            with self._lock:
                self.bytes_from_client += len(data)
            return True
        cut = False
        with self._lock:
            if self._cut_budget is not None:
                if len(data) >= self._cut_budget:
                    data = data[: self._cut_budget]
                    self._cut_budget = None
                    self.cuts += 1
                    cut = True
                else:
                    self._cut_budget -= len(data)
            self.bytes_from_server += len(data)
        connection.client.sendall(data)
        return not cut
