import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

export interface Relay {
  /** the database URL, through the relay */
  url: string;
  /** chunks the client side has written so far */
  clientWrites: () => number;
  close: () => Promise<void>;
}

/**
 * A TCP relay to the PostgreSQL of `databaseUrl`. With `delayMs`, it holds every chunk that long in each
 * direction, in order: a database across a network (about 2 × `delayMs` per round trip; timers add a
 * little). It counts the chunks the client writes: with a client that waits for each answer, its round trips.
 */
export async function startRelay(databaseUrl: string, { delayMs = 0 } = {}): Promise<Relay> {
  const target = new URL(databaseUrl);
  const sockets = new Set<Socket>();
  let clientWrites = 0;
  const forward = (to: Socket) => (chunk: Buffer) => (delayMs > 0 ? setTimeout(() => to.write(chunk), delayMs) : to.write(chunk));
  const relay = createServer((client) => {
    const database = connect(Number(target.port || 5432), target.hostname);
    for (const s of [client, database]) {
      sockets.add(s);
      s.setNoDelay(true);
      s.on('error', () => undefined);
      s.on('close', () => (client.destroy(), database.destroy(), sockets.delete(s)));
    }
    const toDatabase = forward(database);
    client.on('data', (chunk) => (clientWrites++, toDatabase(chunk)));
    database.on('data', forward(client));
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  const url = new URL(databaseUrl);
  url.hostname = '127.0.0.1';
  url.port = String((relay.address() as AddressInfo).port);
  return {
    url: url.toString(),
    clientWrites: () => clientWrites,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => relay.close(resolve));
    },
  };
}
