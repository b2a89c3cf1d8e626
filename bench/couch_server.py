"""pouchdb-server for the sync comparison: installed from the npm registry, LevelDB on disk.

`bench/couch/package.json` pins pouchdb-server 4.2.0 (its lock file pins the rest); the
first run installs it into `bench/couch/node_modules`. The server runs on a free port of
127.0.0.1 with its databases, config and log in a temporary folder, and is spoken to as a
CouchDB client would: `POST /db/_bulk_docs` to write, `GET /db/_changes?include_docs=true`
to read, gzip both ways.
"""

from __future__ import annotations

import gzip
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import requests
from records import Create, Edit, batches, couch_doc, couch_edited

from server.local import free_port, stop_process

PACKAGE_DIR = Path(__file__).resolve().parent / "couch"
BINARY = PACKAGE_DIR / "node_modules" / ".bin" / "pouchdb-server"
VERSION = "4.2.0"
DATABASE = "minqing"


class CouchUnavailable(RuntimeError):
    """pouchdb-server could not be installed or started: the comparison cannot run."""


def ensure_installed() -> Path:
    """The pouchdb-server executable, installed with npm when missing."""
    if BINARY.exists():
        return BINARY
    npm = shutil.which("npm")
    if npm is None:
        raise CouchUnavailable("npm is not on PATH (Node.js 18+ and npm are needed)")
    print(f"installing pouchdb-server {VERSION} into {PACKAGE_DIR} (npm, once) ...", flush=True)
    done = subprocess.run([npm, "install", "--prefix", str(PACKAGE_DIR), "--no-audit",
                           "--no-fund"], capture_output=True, text=True, timeout=900)
    if done.returncode != 0 or not BINARY.exists():
        raise CouchUnavailable(f"npm install failed ({done.returncode}):\n"
                               f"{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return BINARY


@dataclass
class PouchServer:
    url: str
    process: subprocess.Popen[bytes]
    data_dir: Path
    log: Path

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def disk_bytes(self) -> int:
        return sum(path.stat().st_size for path in self.data_dir.rglob("*") if path.is_file())


def start(folder: Path) -> PouchServer:
    """pouchdb-server on LevelDB in `folder` (never --in-memory), with an empty database."""
    binary = ensure_installed()
    home = folder / "pouchdb"
    data = home / "data"
    data.mkdir(parents=True)
    port = free_port()
    log = home / "stdout.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [str(binary), "--port", str(port), "--host", "127.0.0.1", "--dir", str(data),
             "--config", str(home / "config.json"), "--no-stdout-logs"],
            cwd=home, stdout=sink, stderr=subprocess.STDOUT,
        )
    server = PouchServer(f"http://127.0.0.1:{port}", process, data, log)
    try:
        welcome = _welcome(server)
        if welcome.get("version") != VERSION or welcome.get("pouchdb-adapters") != ["leveldb"]:
            raise CouchUnavailable(f"expected pouchdb-server {VERSION} on LevelDB: {welcome}")
        created = requests.put(f"{server.url}/{DATABASE}", timeout=30)
        if created.status_code != 201:
            raise CouchUnavailable(f"could not create the database: {created.status_code} "
                                   f"{created.text[:200]}")
    except BaseException:
        stop(server)
        raise
    return server


def _welcome(server: PouchServer) -> dict[str, Any]:
    """The answer to `GET /`, once the server gives one."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            logs = [server.log, server.log.with_name("log.txt")]
            text = "".join(log.read_text(errors="replace")[-2000:] for log in logs
                           if log.exists())
            raise CouchUnavailable(f"pouchdb-server exited ({server.process.returncode}):\n"
                                   f"{text}")
        try:
            return requests.get(server.url, timeout=1).json()
        except (requests.RequestException, ValueError):
            time.sleep(0.2)
    raise CouchUnavailable("pouchdb-server did not answer within 60 s")


def stop(server: PouchServer) -> None:
    stop_process(server.process)


@dataclass
class CouchClient:
    """A CouchDB client doing what a replicating tablet does, in batches of `batch_size`."""

    base_url: str
    batch_size: int
    session: requests.Session = field(default_factory=requests.Session)
    gzip_requests: bool = True

    def push(self, creates: list[Create], edits: list[Edit]) -> int:
        """Write every record, then every edit as the record's next revision (it needs the
        revision the create got, as CouchDB's conflict check requires); returns requests."""
        docs = {create.record_id: couch_doc(create) for create in creates}
        revs: dict[str, str] = {}
        sent = 0
        for chunk in batches(list(docs.values()), self.batch_size):
            revs.update(self._bulk_docs(chunk))
            sent += 1
        for chunk in batches(edits, self.batch_size):
            revised = [couch_edited(docs[edit.record_id], edit, revs[edit.record_id])
                       for edit in chunk]
            for doc in revised:
                docs[doc["_id"]] = {k: v for k, v in doc.items() if k != "_rev"}
            revs.update(self._bulk_docs(revised))
            sent += 1
        return sent

    def _bulk_docs(self, docs: list[dict[str, Any]]) -> dict[str, str]:
        body = orjson.dumps({"docs": docs})
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.gzip_requests:
            body = gzip.compress(body, compresslevel=6, mtime=0)
            headers["Content-Encoding"] = "gzip"
        answer = self.session.post(f"{self.base_url}/{DATABASE}/_bulk_docs", data=body,
                                   headers=headers, timeout=300)
        if answer.status_code != 201:
            raise CouchUnavailable(f"_bulk_docs: {answer.status_code} {answer.text[:300]}")
        results = orjson.loads(answer.content)
        refused = [r for r in results if not r.get("ok")]
        if refused:
            raise CouchUnavailable(f"_bulk_docs refused {len(refused)} docs: {refused[:3]}")
        return {r["id"]: r["rev"] for r in results}

    def pull(self) -> tuple[dict[str, dict[str, Any]], int, float]:
        """Read the whole database through `_changes` with the documents, page by page, into
        a dict standing in for the client's store; returns it, the number of pages and the
        seconds spent storing."""
        store: dict[str, dict[str, Any]] = {}
        pages = 0
        storing = 0.0
        for page in self.changes():
            pages += 1
            started = time.perf_counter()
            for change in page:
                store[change["id"]] = change["doc"]
            storing += time.perf_counter() - started
        return store, pages, storing

    def changes(self) -> Iterator[list[dict[str, Any]]]:
        since: Any = 0
        while True:
            answer = self.session.get(
                f"{self.base_url}/{DATABASE}/_changes",
                params={"include_docs": "true", "limit": str(self.batch_size),
                        "since": str(since)},
                headers={"Accept": "application/json", "Accept-Encoding": "gzip"},
                timeout=300,
            )
            if not answer.ok:
                raise CouchUnavailable(f"_changes: {answer.status_code} {answer.text[:300]}")
            page = orjson.loads(answer.content)
            yield page["results"]
            since = page["last_seq"]
            if len(page["results"]) < self.batch_size:
                return


def accepts_gzip_bodies(base_url: str) -> bool:
    """Whether the server reads `Content-Encoding: gzip` request bodies (checked, not
    assumed): write one document gzipped into a scratch database and read it back."""
    scratch = f"{base_url}/gzip-probe"
    requests.put(scratch, timeout=30)
    try:
        doc = {"_id": "probe", "text": "燕子山社区"}
        answer = requests.post(
            f"{scratch}/_bulk_docs", data=gzip.compress(orjson.dumps({"docs": [doc]})),
            headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
            timeout=30)
        stored = requests.get(f"{scratch}/probe", timeout=30)
        return (answer.status_code == 201 and stored.ok
                and stored.json().get("text") == doc["text"])
    finally:
        requests.delete(scratch, timeout=30)


REPLICATOR = PACKAGE_DIR / "replicate.js"


@dataclass
class ReplicatorStep:
    """One replication as PouchDB timed it: seconds, documents written and read."""

    seconds: float
    written: int
    read: int
    stored: int = 0


class PouchReplicator:
    """PouchDB's own replicator in Node.js (`bench/couch/replicate.js`): a local in-memory
    PouchDB holding the tablet's documents, replicated to the server and back into a new
    local database, as a PouchDB app syncs (`_revs_diff`, `_bulk_docs`, `_changes`,
    `_bulk_get`, checkpoints)."""

    def __init__(self, remote_database_url: str, creates: list[Create], edits: list[Edit],
                 batch_size: int, folder: Path) -> None:
        documents = folder / "documents.ndjson"
        docs = {create.record_id: couch_doc(create) for create in creates}
        with documents.open("wb") as sink:
            for doc in docs.values():
                sink.write(orjson.dumps({"op": "create", "doc": doc}) + b"\n")
            for edit in edits:
                revised = couch_edited(docs[edit.record_id], edit, rev="")
                revised.pop("_rev")
                docs[edit.record_id] = revised
                sink.write(orjson.dumps({"op": "edit", "doc": revised}) + b"\n")
        node = shutil.which("node")
        if node is None:
            raise CouchUnavailable("node is not on PATH (Node.js 18+ is needed)")
        self.process = subprocess.Popen(
            [node, str(REPLICATOR), remote_database_url, str(documents), str(batch_size)],
            cwd=PACKAGE_DIR, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self._answer("loaded")

    def push(self) -> ReplicatorStep:
        return self._step("push")

    def pull(self) -> ReplicatorStep:
        return self._step("pull")

    def close(self) -> None:
        if self.process.stdin:
            self.process.stdin.close()
        stop_process(self.process)  # type: ignore[arg-type]

    def _step(self, name: str) -> ReplicatorStep:
        assert self.process.stdin is not None
        self.process.stdin.write(name + "\n")
        self.process.stdin.flush()
        answer = self._answer(name)
        return ReplicatorStep(answer["seconds"], answer["written"], answer["read"],
                              answer.get("stored", 0))

    def _answer(self, step: str) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise CouchUnavailable(f"PouchDB replicator exited during {step} "
                                   f"({self.process.wait()})")
        answer = orjson.loads(line)
        if answer.get("step") != step:
            raise CouchUnavailable(f"PouchDB replicator: expected {step}, got {answer}")
        return answer
