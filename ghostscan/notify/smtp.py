"""Send a message over SMTP: implicit TLS or STARTTLS, AUTH with the configured secret.

smtplib's errors are wrapped here, at the seam, into `SmtpAuthError`,
`SmtpConnectionError` and `DeliveryRefusedError`. `deliver` writes the message to disk
when sending fails, so nothing built is lost, and the error line says where it is.
"""

from __future__ import annotations

import logging
import os
import smtplib
import socket
import ssl
from email.message import EmailMessage
from pathlib import Path
from typing import Mapping

from ghostscan.errors import ConfigError
from ghostscan.notify.errors import DeliveryError, DeliveryRefusedError, SmtpAuthError, SmtpConnectionError
from ghostscan.secrets import resolve_secret
from ghostscan.settings import SmtpSettings

log = logging.getLogger(__name__)


def _reply(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return " ".join(f"{code} {text}".split())[:300]


def _ssl_context(smtp: SmtpSettings) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=smtp.ca_file)
    if not smtp.verify_tls:
        log.warning(
            "smtp %s: TLS certificate verification is OFF (verify_tls: false): anyone on the network path can read the digest and the password",
            smtp.host,
        )
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def send_message(message: EmailMessage, smtp: SmtpSettings, *, environ: Mapping[str, str]) -> None:
    """Send *message* to its To recipients through the server in *smtp*.

    Args:
        message: the message; its From is the envelope sender, its To the recipients.
        smtp: server, security, login and timeouts.
        environ: where ``password_env`` is looked up.

    Raises:
        ConfigError: the password cannot be had (unset variable, failing command, no
            keyring entry).
        SmtpAuthError: the server refused the login, or offers no AUTH.
        SmtpConnectionError: the server cannot be reached, TLS failed, it did not answer
            within ``smtp.timeout`` or dropped the connection.
        DeliveryRefusedError: the server refused the sender, all recipients or the message.
    """
    server = f"{smtp.host}:{smtp.port}"
    password = resolve_secret(smtp.secret, environ) if smtp.username and smtp.secret else None
    client: smtplib.SMTP | None = None
    try:
        if smtp.security == "ssl":
            client = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=smtp.timeout, context=_ssl_context(smtp))
        else:
            client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout)
        client.ehlo()
        if smtp.security == "starttls":
            if not client.has_extn("starttls"):
                raise SmtpConnectionError(server, "the server does not offer STARTTLS (RFC 3207); set smtp.security to ssl or check the port")
            client.starttls(context=_ssl_context(smtp))
            client.ehlo()
        if smtp.username and password is not None:
            if not client.has_extn("auth"):
                raise SmtpAuthError(server, "the server offers no AUTH on this connection; check smtp.security and smtp.port")
            client.login(smtp.username, password.reveal())
        refused = client.send_message(message)
        if refused:
            # RFC 5321 §3.3: the server took the message for the other recipients.
            log.warning("the digest was not accepted for %s", ", ".join(f"{r} ({_reply(*refused[r])})" for r in sorted(refused)))
    except smtplib.SMTPAuthenticationError as exc:
        raise SmtpAuthError(server, f"login refused: {_reply(exc.smtp_code, exc.smtp_error)}") from None
    except smtplib.SMTPRecipientsRefused as exc:
        detail = ", ".join(f"{r} ({_reply(*exc.recipients[r])})" for r in sorted(exc.recipients))
        raise DeliveryRefusedError(server, f"every recipient was refused: {detail}; check digest.to") from None
    except smtplib.SMTPSenderRefused as exc:
        raise DeliveryRefusedError(server, f"the sender {exc.sender} was refused: {_reply(exc.smtp_code, exc.smtp_error)}; check digest.from") from None
    except smtplib.SMTPConnectError as exc:
        raise SmtpConnectionError(server, f"the server turned the connection away: {_reply(exc.smtp_code, exc.smtp_error)}") from None
    except smtplib.SMTPServerDisconnected as exc:
        # smtplib reports a read that timed out as a disconnect; say what really happened.
        if isinstance(exc.__context__, TimeoutError):
            raise SmtpConnectionError(server, f"no answer within {smtp.timeout:g} s") from None
        raise SmtpConnectionError(server, f"the server closed the connection: {exc or 'without a word'}") from None
    except smtplib.SMTPResponseException as exc:
        raise DeliveryRefusedError(server, f"the server refused the message: {_reply(exc.smtp_code, exc.smtp_error)}") from None
    except smtplib.SMTPNotSupportedError as exc:
        raise SmtpConnectionError(server, f"the server does not support {exc}") from None
    except ssl.SSLCertVerificationError as exc:
        raise SmtpConnectionError(server, f"the certificate is not trusted ({exc.verify_message}); set smtp.ca_file to the server's CA") from None
    except ssl.SSLError as exc:
        raise SmtpConnectionError(server, f"TLS failed: {exc.reason or exc}") from None
    except (socket.timeout, TimeoutError):
        raise SmtpConnectionError(server, f"no answer within {smtp.timeout:g} s") from None
    except smtplib.SMTPException as exc:
        raise SmtpConnectionError(server, f"SMTP failed: {exc}") from None
    except OSError as exc:
        raise SmtpConnectionError(server, f"cannot connect: {exc.strerror or exc}") from None
    finally:
        if client is not None:
            try:
                client.quit()
            except (smtplib.SMTPException, OSError):
                client.close()


def write_message(message: EmailMessage, path: Path) -> None:
    """Write *message* to *path* exactly as it would be sent (CRLF lines), atomically.

    Raises:
        OSError: the file cannot be written.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    partial.write_bytes(message.as_bytes())
    os.replace(partial, path)


def deliver(message: EmailMessage, smtp: SmtpSettings, *, environ: Mapping[str, str], keep_at: Path) -> None:
    """`send_message`; when that fails, write the message to *keep_at* and say so in the error.

    Raises:
        ConfigError, SmtpAuthError, SmtpConnectionError, DeliveryRefusedError: as for
            `send_message`; the message then is in *keep_at* and the error names the file.
    """
    try:
        send_message(message, smtp, environ=environ)
    except DeliveryError as exc:
        kept = _keep(message, keep_at)
        raise (exc.kept_in(kept) if kept else exc) from None
    except ConfigError as exc:
        kept = _keep(message, keep_at)
        if kept is None:
            raise
        raise ConfigError(f"{exc.problem}; the message is kept in {kept}", key=exc.key, path=exc.path) from None
    try:
        keep_at.unlink()
    except FileNotFoundError:
        pass


def _keep(message: EmailMessage, path: Path) -> Path | None:
    try:
        write_message(message, path)
    except OSError as exc:
        log.error("cannot keep the unsent message in %s: %s", path, exc.strerror or exc)
        return None
    return path
