"""Where `share` listens, and the token its addresses carry."""

from __future__ import annotations

import secrets
import socket
from pathlib import Path

from voiceguide.errors import UsageError, VoiceguideError
from voiceguide.files import write_text_atomic

TOKEN_FILE = "share-token"
TOKEN_BYTES = 24
"""192 bits of randomness in every address."""


def lan_address() -> str:
    """This computer's address on its local network: the one its default route leaves from.

    A UDP socket's connect() only picks the route; nothing is sent. Without a network,
    127.0.0.1 (only this computer can reach it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: a route lookup, never a packet
            address = str(probe.getsockname()[0])
        except OSError:
            return "127.0.0.1"
    return address if not address.startswith("0.") else "127.0.0.1"


def listen_address(host: str | None) -> tuple[str, str]:
    """(where to listen, the address to give the phone) for `--host`.

    No host: this computer's address on its network, for both. A wildcard (0.0.0.0, ::)
    listens on every interface, but no phone can open http://0.0.0.0/: it is given the
    network address. A name is looked up first, so a typo is one plain line."""
    if host is None:
        address = lan_address()
        return address, address
    try:
        socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as e:
        detail = e.strerror if isinstance(e, socket.gaierror) else "not a valid name"
        raise UsageError(f"--host {host}: no such address or name here ({detail}); leave out --host") from None
    if host in ("0.0.0.0", "::", "[::]"):
        return host.strip("[]"), lan_address()
    return host, host


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_path() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("voiceguide")) / TOKEN_FILE


def saved_token() -> str:
    """The secret in every address, made once and kept (readable by you alone), so a podcast
    app's subscription keeps working from one `share` to the next. Delete the file to make
    the old addresses useless."""
    path = token_path()
    try:
        token = path.read_text(encoding="ascii").strip()
        if len(token) >= 22:  # at least 128 bits in URL-safe base64
            return token
    except (OSError, UnicodeDecodeError):
        pass
    token = new_token()
    try:
        write_text_atomic(path, token + "\n", overwrite=True, mode=0o600)  # readable by you alone
    except VoiceguideError as e:
        raise VoiceguideError(f"{path}: cannot keep the share token ({e})") from None
    return token


def share_address(host: str, port: int, token: str) -> str:
    """The page's address while `share` runs: the one place it is made (the server, the card)."""
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/{token}/"


def reaches_only_this_computer(address: str) -> bool:
    """Whether a phone cannot open `address`: it names this computer's loopback."""
    return address.startswith(("http://127.", "http://localhost", "http://[::1]"))
