"""A throwaway SMTP server (aiosmtpd) on 127.0.0.1 for ghostscan's integration tests.

`Smtpd.start(security, ca)` listens on a free loopback port (port 0, the real one read
back from the socket) in one of three modes: ``"starttls"`` (plain port that offers
STARTTLS and requires it before AUTH and MAIL), ``"ssl"`` (implicit TLS, RFC 8314) or
``"none"``. Its certificate is issued for 127.0.0.1 by a throwaway trustme CA; the test
hands ``ca.cert_pem`` to ghostscan as ``smtp.ca_file``. AUTH PLAIN/LOGIN accepts one user
and password. Every accepted message is kept in `Smtpd.received` with its envelope.

Example::

    ca = trustme.CA()
    with Smtpd.start("starttls", ca, user="anna", password="s3cret") as server:
        ...  # send to server.host, server.port
        message = server.received[0].message   # an email.message.EmailMessage
"""

from __future__ import annotations

import email
import email.policy
import ssl
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage

import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


@dataclass(frozen=True)
class Received:
    """One message the server accepted.

    Attributes:
        mail_from: the envelope sender (MAIL FROM).
        rcpt_tos: the envelope recipients (RCPT TO).
        data: the message bytes as sent (after DATA, dot-unstuffed).
        message: *data* parsed with the default policy.
        authenticated: the login name used, or None.
    """

    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes
    message: EmailMessage
    authenticated: str | None


@dataclass
class _Handler:
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    refuse_rcpt: bool = False

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse_rcpt:
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        data = envelope.original_content or envelope.content
        message = email.message_from_bytes(data, policy=email.policy.default)
        login = session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None
        with self.lock:
            self.received.append(Received(envelope.mail_from, tuple(envelope.rcpt_tos), data, message, login))
        return "250 OK: queued"


class _Authenticator:
    def __init__(self, user: str, password: str):
        self.user, self.password = user.encode(), password.encode()

    def __call__(self, server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (self.user, self.password)
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)


class _PortZeroController(Controller):
    """aiosmtpd's Controller on port 0: the port the kernel picked is read back before use."""

    def _trigger_server(self):
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class Smtpd:
    """A running aiosmtpd on 127.0.0.1; stop it with `stop` or use it as a context manager.

    Attributes:
        host: ``"127.0.0.1"``.
        port: the port it listens on.
        security: ``"starttls"``, ``"ssl"`` or ``"none"``.
        received: the messages accepted so far, oldest first.
    """

    host = "127.0.0.1"

    def __init__(self, controller: _PortZeroController, handler: _Handler, security: str):
        self._controller = controller
        self._handler = handler
        self.security = security

    @property
    def port(self) -> int:
        return self._controller.port

    @property
    def received(self) -> list[Received]:
        with self._handler.lock:
            return list(self._handler.received)

    def refuse_recipients(self, refuse: bool = True) -> None:
        """Answer every RCPT TO with 550 (or accept them again)."""
        self._handler.refuse_rcpt = refuse

    @classmethod
    def start(cls, security: str, ca: trustme.CA, *, user: str = "anna", password: str = "s3cret") -> "Smtpd":
        """Start a server in *security* mode with a certificate from *ca* and one login."""
        cert = ca.issue_cert("127.0.0.1", "localhost")
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        cert.configure_cert(context)
        handler = _Handler()
        common = dict(
            hostname=cls.host,
            port=0,
            authenticator=_Authenticator(user, password),
            auth_exclude_mechanism=["CRAM-MD5"],
        )
        if security == "starttls":
            controller = _PortZeroController(handler, tls_context=context, require_starttls=True, **common)
        elif security == "ssl":
            # Implicit TLS wraps the whole connection, which aiosmtpd does not count as
            # STARTTLS: AUTH must be allowed without it (the channel is encrypted anyway).
            controller = _PortZeroController(handler, ssl_context=context, auth_require_tls=False, **common)
        elif security == "none":
            controller = _PortZeroController(handler, auth_require_tls=False, **common)
        else:
            raise ValueError(f"unknown security {security!r}")
        controller.start()
        return cls(controller, handler, security)

    def stop(self) -> None:
        self._controller.stop()

    def __enter__(self) -> "Smtpd":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
