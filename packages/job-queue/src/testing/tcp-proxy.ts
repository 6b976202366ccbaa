import { createConnection, createServer } from 'node:net';
import type { Server, Socket } from 'node:net';

/**
 * Forwards TCP connections from `host:port` (listeners on one or more addresses) to the test
 * PostgreSQL. The embedded server listens on 127.0.0.1 only; this is how workers in other network
 * namespaces reach it, and how a test cuts every connection at once (`cut`) and lets them back in
 * (`restore`), which is what clients see of a server restart.
 */
export class TcpProxy {
  readonly #target: { host: string; port: number };
  readonly #hosts: readonly string[];
  readonly #sockets = new Set<Socket>();
  readonly #upstreams = new Set<Socket>();
  #servers: Server[] = [];
  port = 0;

  constructor(targetUrl: string, hosts: readonly string[] = ['127.0.0.1']) {
    const url = new URL(targetUrl);
    this.#target = { host: url.hostname, port: Number(url.port) };
    this.#hosts = hosts;
  }

  /** `url` with its host and port replaced by the proxy's on `host`. */
  urlFor(url: string, host: string): string {
    const out = new URL(url);
    out.hostname = host;
    out.port = String(this.port);
    return out.toString();
  }

  async start(): Promise<void> {
    for (const host of this.#hosts) {
      const server = createServer((client) => this.#forward(client));
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(this.port, host, () => resolve());
      });
      this.port = (server.address() as { port: number }).port;
      this.#servers.push(server);
    }
  }

  /** The local ports of the proxy's connections to the server: its `client_port`s in pg_stat_activity. */
  upstreamPorts(): number[] {
    return [...this.#upstreams].flatMap((socket) =>
      socket.localPort === undefined ? [] : [socket.localPort],
    );
  }

  /** Drops every open connection and refuses new ones until `restore`. */
  async cut(): Promise<void> {
    const servers = this.#servers;
    this.#servers = [];
    // close() calls back only once every connection has ended, so the connections go first.
    const closed = servers.map((server) => new Promise((resolve) => server.close(resolve)));
    for (const socket of this.#sockets) socket.destroy();
    await Promise.all(closed);
  }

  restore(): Promise<void> {
    return this.start();
  }

  async close(): Promise<void> {
    await this.cut();
  }

  #forward(client: Socket): void {
    const upstream = createConnection(this.#target);
    this.#upstreams.add(upstream);
    upstream.on('close', () => this.#upstreams.delete(upstream));
    for (const socket of [client, upstream]) {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  }
}
