/**
 * WAL checkpoints off the call-log writer's thread.
 *
 * In WAL mode with synchronous=NORMAL a commit never waits for the disk; a checkpoint does (it
 * fsyncs the WAL, copies its pages into the database file, fsyncs that). SQLite runs one in the
 * connection that commits whenever the WAL has passed 1000 pages — for the call writer, after nearly
 * every batch, which then spends most of its time waiting for the disk instead of writing records.
 *
 * Here a small worker thread with a connection of its own runs PASSIVE checkpoints every
 * `intervalMs`: they never block readers or writers, and they copy what the writer appended
 * meanwhile. The writer keeps SQLite's automatic checkpoint, at a larger WAL size
 * (WRITER_AUTOCHECKPOINT_PAGES): it bounds the WAL when the disk falls behind, and lets the WAL
 * start over from its beginning (SQLite restarts it only when every page has been copied), and by
 * then it finds most pages already copied. Nothing changes for durability: what a checkpoint copies
 * is fsynced as before.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** The writer's own automatic checkpoint: every 64 MiB of WAL (4 KiB pages) instead of 4 MiB. */
export const WRITER_AUTOCHECKPOINT_PAGES = 16_384;
const DEFAULT_INTERVAL_MS = 100;

// CommonJS, evaluated as the worker's code: the same from source (tsx) and from dist/.
const WORKER_CODE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 0');
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // Busy or locked: the next tick tries again; the writer's own checkpoint is the backstop.
  }
}, workerData.intervalMs);
parentPort.once('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

export class SqliteCheckpointer {
  readonly #worker: Worker;
  readonly #exited: Promise<void>;

  /** `onFailure` runs once if the thread cannot open the database or dies. */
  constructor(file: string, onFailure: (err: Error) => void, intervalMs = DEFAULT_INTERVAL_MS) {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    this.#worker = new Worker(WORKER_CODE, { eval: true, workerData: { file, driver, intervalMs } });
    // A background helper: it must not keep the process alive.
    this.#worker.unref();
    let failed = false;
    const fail = (err: Error) => {
      if (failed) return;
      failed = true;
      onFailure(err);
    };
    this.#worker.on('error', fail);
    this.#exited = new Promise((resolve) => {
      this.#worker.once('exit', (code) => {
        if (code !== 0) fail(new Error(`the WAL checkpoint thread exited with code ${code}`));
        resolve();
      });
    });
  }

  /** Stops the thread; what it has not copied yet waits for the next checkpoint of any connection. */
  async close(): Promise<void> {
    // Referenced again while it stops: otherwise a process with nothing else to do would end while
    // close() waits (a script's top-level await then exits with code 13 and skips what follows).
    this.#worker.ref();
    this.#worker.postMessage('stop');
    await this.#exited;
  }
}
