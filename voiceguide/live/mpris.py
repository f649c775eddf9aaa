"""Media keys and headset buttons: `play` as an MPRIS media player on the session D-Bus.

While a routine plays, it is `org.mpris.MediaPlayer2.voiceguide`: a desktop's media keys, its
sound menu, `playerctl`, and a Bluetooth headset's buttons (through BlueZ's `mpris-proxy` or
the desktop) send it play, pause, next, previous and stop, which reach the player as the same
commands its keys send. It shows the routine as the album and the section being heard as the
title, with the position and the length.

The bus runs in a thread of its own (dbus-fast is asyncio); the player's ticks hand it where
the listener is. With no session bus (a console, a container) there is nothing to register
with: play goes on, and says nothing about it.
"""

# No `from __future__ import annotations`: dbus-fast reads the signatures from the annotations
# at run time, and a method's `-> None` must be None itself, not the string "None".
import asyncio
import contextlib
import os
import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from dbus_fast import BusType, NameFlag, RequestNameReply, Variant
from dbus_fast.aio import MessageBus
from dbus_fast.annotations import DBusBool, DBusDict, DBusDouble, DBusInt64, DBusObjectPath, DBusSignature, DBusStr
from dbus_fast.service import PropertyAccess, ServiceInterface, dbus_method, dbus_property, dbus_signal

from voiceguide.audio.mix import MIX_RATE
from voiceguide.live.keys import Command, Request, Restarts
from voiceguide.live.player import Position, chapter_at

BUS_NAME = "org.mpris.MediaPlayer2.voiceguide"
OBJECT_PATH = "/org/mpris/MediaPlayer2"
DBusStrings = Annotated[list[str], DBusSignature("as")]
CONNECT_WAIT_S = 2.0
"""How long `play` waits for the session bus before going on without it."""


@dataclass(frozen=True)
class _Now:
    """What the bus shows: the section being heard, whether paused, where."""

    status: str
    chapter: int
    title: str
    album: str
    position_us: int
    length_us: int


# The methods and properties are named as the MPRIS specification names them.


class _Root(ServiceInterface):
    def __init__(self) -> None:
        super().__init__("org.mpris.MediaPlayer2")

    @dbus_method()
    def Raise(self) -> None:
        """Nothing to raise: voiceguide runs in a terminal."""

    @dbus_method()
    def Quit(self) -> None:
        """Refused (CanQuit is false): stopping is the player interface's Stop."""

    @dbus_property(access=PropertyAccess.READ)
    def CanQuit(self) -> DBusBool:
        return False

    @dbus_property(access=PropertyAccess.READ)
    def CanRaise(self) -> DBusBool:
        return False

    @dbus_property(access=PropertyAccess.READ)
    def HasTrackList(self) -> DBusBool:
        return False

    @dbus_property(access=PropertyAccess.READ)
    def Identity(self) -> DBusStr:
        return "voiceguide"

    @dbus_property(access=PropertyAccess.READ)
    def SupportedUriSchemes(self) -> DBusStrings:
        return []

    @dbus_property(access=PropertyAccess.READ)
    def SupportedMimeTypes(self) -> DBusStrings:
        return []


class _Player(ServiceInterface):
    """org.mpris.MediaPlayer2.Player: the buttons become player commands."""

    def __init__(self, commands: queue.Queue[Request], now: _Now) -> None:
        super().__init__("org.mpris.MediaPlayer2.Player")
        self.commands = commands
        self.now = now
        self.going_back = Restarts()

    def send(self, command: Command) -> None:
        self.commands.put(self.going_back(command))

    @dbus_method()
    def Next(self) -> None:
        self.send(Command.NEXT)

    @dbus_method()
    def Previous(self) -> None:
        """The start of the section; again within two seconds, the section before (as `p`)."""
        self.send(Command.RESTART)

    @dbus_method()
    def Pause(self) -> None:
        self.send(Command.HALT)

    @dbus_method()
    def PlayPause(self) -> None:
        self.send(Command.PAUSE)

    @dbus_method()
    def Stop(self) -> None:
        self.send(Command.QUIT)

    @dbus_method()
    def Play(self) -> None:
        self.send(Command.RESUME)

    @dbus_method()
    def Seek(self, offset: DBusInt64) -> None:
        """Not supported (CanSeek is false): a routine moves by sections."""

    @dbus_method()
    def SetPosition(self, track: DBusObjectPath, position: DBusInt64) -> None:
        """Not supported (CanSeek is false)."""

    @dbus_method()
    def OpenUri(self, uri: DBusStr) -> None:
        """Not supported: voiceguide plays the routine it was started with."""

    @dbus_signal()
    def Seeked(self) -> DBusInt64:
        return self.now.position_us

    @dbus_property(access=PropertyAccess.READ)
    def PlaybackStatus(self) -> DBusStr:
        return self.now.status

    @dbus_property(access=PropertyAccess.READ)
    def Rate(self) -> DBusDouble:
        return 1.0

    @dbus_property(access=PropertyAccess.READ)
    def MinimumRate(self) -> DBusDouble:
        return 1.0

    @dbus_property(access=PropertyAccess.READ)
    def MaximumRate(self) -> DBusDouble:
        return 1.0

    @dbus_property(access=PropertyAccess.READ)
    def Metadata(self) -> DBusDict:
        return _metadata(self.now)

    @dbus_property(access=PropertyAccess.READ)
    def Volume(self) -> DBusDouble:
        return 1.0

    @dbus_property(access=PropertyAccess.READ)
    def Position(self) -> DBusInt64:
        return self.now.position_us

    @dbus_property(access=PropertyAccess.READ)
    def CanGoNext(self) -> DBusBool:
        return True

    @dbus_property(access=PropertyAccess.READ)
    def CanGoPrevious(self) -> DBusBool:
        return True

    @dbus_property(access=PropertyAccess.READ)
    def CanPlay(self) -> DBusBool:
        return True

    @dbus_property(access=PropertyAccess.READ)
    def CanPause(self) -> DBusBool:
        return True

    @dbus_property(access=PropertyAccess.READ)
    def CanSeek(self) -> DBusBool:
        return False

    @dbus_property(access=PropertyAccess.READ)
    def CanControl(self) -> DBusBool:
        return True


def _metadata(now: _Now) -> dict[str, Variant]:
    return {
        "mpris:trackid": Variant("o", f"/org/voiceguide/section/{now.chapter}"),
        "mpris:length": Variant("x", now.length_us),
        "xesam:title": Variant("s", now.title),
        "xesam:album": Variant("s", now.album),
        "xesam:artist": Variant("as", ["voiceguide"]),
    }


class MediaKeys:
    """The MPRIS player for one run of `play`. Call it with each Position (it is an on_tick);
    the bus is told when the section or the status changes."""

    def __init__(self, commands: queue.Queue[Request]) -> None:
        self.commands = commands
        self._loop = asyncio.new_event_loop()
        self._bus: MessageBus | None = None
        self._player: _Player | None = None
        self._shown: tuple[str, int] | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, name="voiceguide-mpris", daemon=True)

    def connect(self) -> bool:
        """Register on the session bus; False (and nothing running) if there is none."""
        if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
            return False
        self._thread.start()
        try:
            future = asyncio.run_coroutine_threadsafe(self._register(), self._loop)
            future.result(CONNECT_WAIT_S)
        except Exception:  # no bus, a refused name, a slow bus: play goes on without it
            self.close()
            return False
        return True

    async def _register(self) -> None:
        bus = await MessageBus(bus_type=BusType.SESSION).connect()
        self._bus = bus
        self._player = _Player(self.commands, _Now("Stopped", 0, "", "", 0, 0))
        bus.export(OBJECT_PATH, _Root())
        bus.export(OBJECT_PATH, self._player)
        reply = await bus.request_name(BUS_NAME, NameFlag.DO_NOT_QUEUE)
        if reply not in (RequestNameReply.PRIMARY_OWNER, RequestNameReply.ALREADY_OWNER):
            # Another voiceguide plays already: this one is an instance, as the spec names them.
            await bus.request_name(f"{BUS_NAME}.instance{os.getpid()}", NameFlag.DO_NOT_QUEUE)

    def __call__(self, position: Position) -> None:
        player = self._player
        if player is None:
            return
        timeline = position.timeline
        chapter = chapter_at(timeline, position.sample)
        now = _Now(
            status="Paused" if position.paused else "Playing",
            chapter=timeline.chapters.index(chapter),
            title=chapter.title,
            album=timeline.title,
            position_us=round(position.sample / MIX_RATE * 1e6),
            length_us=round(timeline.total_s * 1e6),
        )
        player.now = now  # Position is read when asked for (the spec sends no signal for it)
        shown = (now.status, now.chapter)
        if shown != self._shown:
            self._shown = shown
            changed = {"PlaybackStatus": now.status, "Metadata": _metadata(now)}
            self._loop.call_soon_threadsafe(player.emit_properties_changed, changed)

    def close(self) -> None:
        """Say the run has stopped, leave the bus, end the thread."""
        if self._thread.is_alive():
            if self._bus is not None:
                with contextlib.suppress(Exception):
                    asyncio.run_coroutine_threadsafe(self._leave(), self._loop).result(CONNECT_WAIT_S)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(CONNECT_WAIT_S)
        if not self._loop.is_running():
            self._loop.close()

    async def _leave(self) -> None:
        if self._player is not None:
            self._player.emit_properties_changed({"PlaybackStatus": "Stopped"})
        if self._bus is not None:
            self._bus.disconnect()


@contextlib.contextmanager
def media_keys(commands: queue.Queue[Request]) -> Iterator[MediaKeys | None]:
    """The MPRIS player while the block runs, or None where there is no session bus."""
    keys = MediaKeys(commands)
    if not keys.connect():
        yield None
        return
    try:
        yield keys
    finally:
        keys.close()
