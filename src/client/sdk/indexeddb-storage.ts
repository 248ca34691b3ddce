import { type DeviceStateData, DeviceStateData as DeviceStateSchema, type DeviceStorage, StoredDeviceState } from "./device-state.ts";

/**
 * The browser's driver of the device state: one IndexedDB record per server and user, holding
 * what the terminal client keeps in its state file (cursors, titles, outbox; the session itself
 * is an HttpOnly cookie the page cannot read, so `session` stays null). A write resolves once
 * its transaction has committed, so a message is stored before it is sent, and a tab closed and
 * opened again finds its outbox. Writes commit in the order they were made.
 */

const DATABASE = "chat";
const STORE = "device-state";

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function openDatabase(name: string): Promise<IDBDatabase> {
  const open = indexedDB.open(name, 1);
  open.onupgradeneeded = () => open.result.createObjectStore(STORE);
  return request(open);
}

export class IndexedDbStorage implements DeviceStorage {
  private constructor(
    private readonly db: IDBDatabase,
    readonly key: string,
  ) {}

  /** Opens the record of `key` (e.g. `localhost_8080.alice`) in the database `databaseName`. */
  static async open(key: string, databaseName = DATABASE): Promise<IndexedDbStorage> {
    return new IndexedDbStorage(await openDatabase(databaseName), key);
  }

  /** The stored state; undefined for a fresh device, or when the record is not a valid state. */
  async read(): Promise<DeviceStateData | undefined> {
    const value = await request(this.db.transaction(STORE, "readonly").objectStore(STORE).get(this.key));
    const parsed = DeviceStateSchema.safeParse(value);
    return parsed.success ? parsed.data : undefined;
  }

  write(data: DeviceStateData): Promise<void> {
    // A copy taken now: later changes in memory go with the next write.
    const transaction = this.db.transaction(STORE, "readwrite", { durability: "strict" });
    transaction.objectStore(STORE).put(JSON.parse(JSON.stringify(data)), this.key);
    return new Promise((resolve, reject) => {
      transaction.oncomplete = () => resolve();
      transaction.onerror = () => reject(transaction.error);
      transaction.onabort = () => reject(transaction.error);
    });
  }

  async clear(): Promise<void> {
    await request(this.db.transaction(STORE, "readwrite").objectStore(STORE).delete(this.key));
  }

  close(): void {
    this.db.close();
  }
}

/** The device state of `user` on this server, from IndexedDB (a fresh one when there is none). */
export async function openBrowserDeviceState(serverHttp: string, key: string, user: string): Promise<{ state: StoredDeviceState; storage: IndexedDbStorage }> {
  const storage = await IndexedDbStorage.open(key);
  const stored = await storage.read();
  const data: DeviceStateData =
    stored && stored.user === user ? stored : { version: 1, server: serverHttp, user, session: null, cursors: {}, titles: {}, outbox: [] };
  return { state: new StoredDeviceState(data, storage), storage };
}
