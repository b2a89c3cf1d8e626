// PouchDB's own replicator, as a PouchDB tablet app syncs with a CouchDB server.
//
// Driven by bench/couch_server.py (PouchReplicator):
//   node replicate.js <remote database URL> <documents.ndjson> <batch size>
// Each line of the file is {"op": "create" | "edit", "doc": {...}}. The documents are first
// saved into a local in-memory PouchDB (edits as next revisions), untimed; then, on a "push"
// line on stdin, `local.replicate.to(remote)` is timed, and on a "pull" line a new local
// database's `replicate.from(remote)`. Each step answers one JSON line on stdout, so the
// caller can read the proxy's byte counts between the two.

"use strict";

const fs = require("fs");
const readline = require("readline");
const PouchDB = require("pouchdb-core")
  .plugin(require("pouchdb-adapter-memory"))
  .plugin(require("pouchdb-adapter-http"))
  .plugin(require("pouchdb-replication"));

const CHUNK = 1000;

async function load(file) {
  const lines = fs.readFileSync(file, "utf8").split("\n").filter(Boolean).map(JSON.parse);
  const local = new PouchDB("tablet", { adapter: "memory" });
  const revs = {};
  const creates = lines.filter((line) => line.op === "create").map((line) => line.doc);
  for (let i = 0; i < creates.length; i += CHUNK) {
    for (const saved of await local.bulkDocs(creates.slice(i, i + CHUNK))) {
      revs[saved.id] = saved.rev;
    }
  }
  const edits = lines.filter((line) => line.op === "edit")
    .map((line) => ({ ...line.doc, _rev: revs[line.doc._id] }));
  for (let i = 0; i < edits.length; i += CHUNK) {
    for (const saved of await local.bulkDocs(edits.slice(i, i + CHUNK))) {
      if (!saved.ok) throw new Error(`edit refused: ${JSON.stringify(saved)}`);
    }
  }
  return { local, docs: creates.length, edits: edits.length };
}

async function timed(step) {
  const started = process.hrtime.bigint();
  const result = await step();
  if (!result.ok) throw new Error(`replication failed: ${JSON.stringify(result.errors)}`);
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9,
           written: result.docs_written, read: result.docs_read };
}

async function main() {
  const [remote, file, batch] = process.argv.slice(2);
  const options = { batch_size: parseInt(batch, 10) };
  const { local, docs, edits } = await load(file);
  console.log(JSON.stringify({ step: "loaded", docs, edits }));
  const commands = readline.createInterface({ input: process.stdin })[Symbol.asyncIterator]();
  for (;;) {
    const { value, done } = await commands.next();
    if (done) return;
    if (value === "push") {
      const pushed = await timed(() => local.replicate.to(remote, options));
      console.log(JSON.stringify({ step: "push", ...pushed }));
    } else if (value === "pull") {
      const reader = new PouchDB("reader", { adapter: "memory" });
      const pulled = await timed(() => reader.replicate.from(remote, options));
      pulled.stored = (await reader.info()).doc_count;
      console.log(JSON.stringify({ step: "pull", ...pulled }));
    }
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
