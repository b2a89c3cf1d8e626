"""The tablet's parts, put together: its files, and what the PIN opens.

`TabletFiles` says where everything lives in the app's data folder. `FirstRun` enrols a new
tablet and sets its PIN; `Tablet.open` opens an enrolled one with what the PIN unlocked.
The screens hold a `Tablet` and call services with it; nothing here knows of widgets.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from field_app.services.background_sync import BackgroundSync
from field_app.services.device_profile import DeviceProfile, ProfileFile
from field_app.services.enrolment_card import EnrolmentCard
from field_app.services.record_cache import RecordCache
from field_app.services.record_lists import RecordLists
from field_app.services.sealed_store import SealedStore
from field_app.services.sync_run import SyncRun
from field_app.services.vault import ScryptParams, Unlocked, Vault
from sync.client import ClientSettings, Enrolment, SyncClient
from sync.clock import wall_ms
from sync.operation import Author
from sync.replica import Replica
from sync.request_counter import FileCounter
from sync.signing import DeviceKey
from sync.writer import RecordWriter


@dataclass(frozen=True)
class TabletFiles:
    """The app's data folder: the vault, the sealed replica, the sealed profile, the
    request counter (a number, not a secret)."""

    folder: Path

    @property
    def vault(self) -> Path:
        return self.folder / "vault.json"

    @property
    def replica(self) -> Path:
        return self.folder / "replica.sqlite3"

    @property
    def profile(self) -> Path:
        return self.folder / "profile.sealed"

    @property
    def counter(self) -> Path:
        return self.folder / "request-counter"

    @property
    def record_cache(self) -> Path:
        return self.folder / "records.sealed"

    @property
    def lists(self) -> Path:
        """The 记录 lists' index, sealed (`RecordLists.keep`), so the lists open quickly."""
        return self.folder / "lists.sealed"

    def is_enrolled(self) -> bool:
        return self.vault.exists() and self.profile.exists()


@dataclass
class Tablet:
    """An enrolled, unlocked tablet. `turn` is taken by every save and by the sync's
    touches of the replica, so the two never interleave."""

    files: TabletFiles
    profile_file: ProfileFile
    store: SealedStore
    writer: RecordWriter
    client: SyncClient
    turn: threading.RLock = field(default_factory=threading.RLock)
    sync: BackgroundSync | None = None
    data_key: bytes = field(default=b"", repr=False)
    """What the PIN unlocked: seals drafts and photos (`draft_store`, `attachments`)."""
    records: RecordCache | None = None
    """The records' views for the screens (今日 reads them all each time it shows)."""
    closed: bool = False
    lists: RecordLists | None = None
    """The 记录 lists' index: resumed from `files.lists` at open, built after unlock,
    kept again after each sync and at lock (`keep_lists`)."""

    @classmethod
    def open(cls, files: TabletFiles, unlocked: Unlocked, *,
             settings: ClientSettings | None = None,
             clock: Callable[[], int] = wall_ms) -> Tablet:
        """`clock` is the tablet's wall clock in ms: a tablet's own may be days off, and
        the chaos run (tests/chaos) sets it so."""
        profile_file = ProfileFile(files.profile, unlocked.data_key)
        profile = profile_file.load()
        store = SealedStore(files.replica, unlocked.data_key)
        writer = RecordWriter(Replica(store), profile.device_id, unlocked.device_key,
                              Author(profile.worker_id, profile.role), physical=clock)
        client = SyncClient(profile.server_url, profile.device_id, unlocked.device_key,
                            FileCounter(files.counter), settings=settings,
                            now_us=lambda: clock() * 1000, now_ms=clock)
        tablet = cls(files, profile_file, store, writer, client, data_key=unlocked.data_key)
        tablet.sync = BackgroundSync(SyncRun(client, writer, profile_file, turn=tablet.turn,
                                             now_ms=clock))
        tablet.records = RecordCache(writer.replica, tablet.turn)
        tablet.records.resume(files.record_cache, unlocked.data_key)
        tablet.lists = RecordLists(writer.replica, profile.roster, turn=tablet.turn)
        tablet.lists.resume(files.lists, unlocked.data_key)
        return tablet

    @property
    def profile(self) -> DeviceProfile:
        return self.profile_file.load()

    @property
    def replica(self) -> Replica:
        return self.writer.replica

    def keep_lists(self) -> None:
        """Bring the lists' index up to date (a new roster remakes its rows) and seal it
        for the next start. Slow on a big replica: call it off the screen's thread."""
        if self.lists is None:
            return
        roster = self.profile.roster or {}
        if roster.get("version") != self.lists.roster_version:
            self.lists.set_roster(roster)
        self.lists.refresh()
        self.lists.keep(self.files.lists, self.data_key)

    def close(self) -> None:
        """Lock: stop syncing, keep the records' views for the next start (sealed), and
        let go of the keys' users. Closing again does nothing."""
        if self.closed:
            return
        self.closed = True
        if self.sync is not None:
            self.sync.stop()
            self.sync.wait()
        if self.records is not None:
            self.records.refresh()
            self.records.keep(self.files.record_cache, self.data_key)
        if self.lists is not None and self.lists.built:
            self.keep_lists()
        self.client.close()
        self.store.close()


class FirstRun:
    """A new tablet: enrol with the office's card, then set the PIN that seals everything.

    The device key lives only in memory until the PIN is set; if the app dies between the
    two, the office issues a new code (the old one was used by a key now lost).
    """

    def __init__(self, files: TabletFiles, *, kdf: ScryptParams | None = None,
                 settings: ClientSettings | None = None) -> None:
        self.files = files
        self.kdf = kdf
        self.settings = settings
        self._key: DeviceKey | None = None
        self._enrolled: tuple[str, Enrolment] | None = None

    @property
    def enrolment(self) -> Enrolment | None:
        return self._enrolled[1] if self._enrolled else None

    def enrol(self, card: EnrolmentCard, device_name: str) -> Enrolment:
        """Trade the card's one-time code and a new key for this tablet's identity."""
        if self._key is None:
            self._key = DeviceKey.generate()
        enrolment = SyncClient.enrol(card.server_url, card.code, self._key, device_name,
                                     settings=self.settings)
        self._enrolled = (card.server_url, enrolment)
        return enrolment

    def set_pin(self, pin: str) -> Tablet:
        """Seal the keys under `pin`, save who the tablet is, and open it."""
        if self._enrolled is None or self._key is None:
            raise RuntimeError("enrol before setting the PIN")
        server_url, enrolment = self._enrolled
        self.files.folder.mkdir(parents=True, exist_ok=True)
        unlocked = Vault(self.files.vault, kdf=self.kdf).set_up(pin, self._key)
        ProfileFile(self.files.profile, unlocked.data_key).save(
            DeviceProfile.enrolled(server_url, enrolment))
        return Tablet.open(self.files, unlocked, settings=self.settings)
