import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { TcpProxy } from './tcp-proxy.js';

// Several "machines" on one: network namespaces, each joined to this one by a veth pair with its own
// subnet (10.201.<tag>.0/24), so a process started in one reaches PostgreSQL only over its veth
// address, as a worker on another host would. A test database that listens on 127.0.0.1 only is
// reached through a TCP proxy in the test process, which also lets a test cut every connection.

/** One namespace: its name, the address the database is reached at from inside it, and that URL. */
export interface NetworkHost {
  readonly netns: string;
  /** The host-side veth address: where this namespace reaches the proxy. */
  readonly gateway: string;
  /** The database URL as seen from inside the namespace. */
  readonly databaseUrl: string;
}

/** Whether this process can make namespaces: root, with iproute2's `ip`. */
export function canRunNetworkHosts(): boolean {
  if (process.getuid?.() !== 0) return false;
  try {
    execFileSync('ip', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export class NetworkHosts implements AsyncDisposable {
  readonly hosts: readonly NetworkHost[];
  /** Forwards every namespace's connections to the database; `cut()`/`restore()` drop and re-admit them. */
  readonly proxy: TcpProxy;
  readonly #children = new Set<ChildProcess>();

  private constructor(hosts: readonly NetworkHost[], proxy: TcpProxy) {
    this.hosts = hosts;
    this.proxy = proxy;
  }

  /**
   * Makes `count` namespaces whose processes reach the database at `databaseUrl` over their own veth
   * links. Names are claimed at random (`ip netns add` fails for a taken one), so test processes
   * running at once do not collide. Close it (or `await using`) to remove them.
   */
  static async start(databaseUrl: string, count: number): Promise<NetworkHosts> {
    const tags: number[] = [];
    try {
      for (let i = 0; i < count; i++) tags.push(claimTag());
      const gateways = tags.map((tag) => `10.201.${tag}.1`);
      const proxy = new TcpProxy(databaseUrl, gateways);
      await proxy.start();
      const hosts = tags.map((tag, i) => ({
        netns: `prepkit-host-${tag}`,
        gateway: gateways[i]!,
        databaseUrl: proxy.urlFor(databaseUrl, gateways[i]!),
      }));
      return new NetworkHosts(hosts, proxy);
    } catch (error) {
      for (const tag of tags) removeTag(tag);
      throw error;
    }
  }

  /** Starts `command args` inside `host`'s namespace (`ip netns exec`); it is SIGKILLed on close if still running. */
  spawn(
    host: NetworkHost,
    command: string,
    args: readonly string[],
    options: SpawnOptions = {},
  ): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', host.netns, command, ...args], options);
    this.#children.add(child);
    child.once('exit', () => this.#children.delete(child));
    return child;
  }

  async close(): Promise<void> {
    const exits = [...this.#children].map((child) => new Promise((resolve) => child.once('exit', resolve)));
    for (const child of this.#children) child.kill('SIGKILL');
    await Promise.all(exits);
    await this.proxy.close();
    for (const host of this.hosts) removeTag(Number(host.netns.slice('prepkit-host-'.length)));
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 10_000 });
}

/** Claims a free tag (1–250) by creating its namespace, then joins it to this one with a veth pair. */
function claimTag(): number {
  for (let attempt = 0; attempt < 50; attempt++) {
    const tag = 1 + Math.floor(Math.random() * 250);
    const netns = `prepkit-host-${tag}`;
    try {
      ip('netns', 'add', netns);
    } catch {
      continue; // taken by another test process
    }
    const [outside, inside] = [`pkh${tag}o`, `pkh${tag}i`];
    try {
      execFileSync('ip', ['link', 'delete', outside], { stdio: 'ignore' });
    } catch {
      // no leftover of a killed run
    }
    ip('link', 'add', outside, 'type', 'veth', 'peer', 'name', inside);
    ip('link', 'set', inside, 'netns', netns);
    ip('addr', 'add', `10.201.${tag}.1/24`, 'dev', outside);
    ip('link', 'set', outside, 'up');
    ip('netns', 'exec', netns, 'ip', 'addr', 'add', `10.201.${tag}.2/24`, 'dev', inside);
    ip('netns', 'exec', netns, 'ip', 'link', 'set', inside, 'up');
    ip('netns', 'exec', netns, 'ip', 'link', 'set', 'lo', 'up');
    return tag;
  }
  throw new Error('no free network namespace name prepkit-host-1 … 250');
}

/** Deleting the namespace deletes its veth end, and with it the pair. */
function removeTag(tag: number): void {
  for (const args of [
    ['netns', 'delete', `prepkit-host-${tag}`],
    ['link', 'delete', `pkh${tag}o`],
  ]) {
    try {
      ip(...args);
    } catch {
      // already gone
    }
  }
}
