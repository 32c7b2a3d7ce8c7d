import { createServer, Server, Socket, connect } from 'node:net';
import { TestService } from './service';

/**
 * A TCP relay on a loopback port to a real server (PostgreSQL, say) that a test can cut and
 * restore: `cut` closes every relayed connection and refuses new ones, as a server that
 * went away would look to its clients; `restore` listens again on the same port. `stall`
 * stops handing the server's answers on, so the clients' statements hang in flight until a
 * cut.
 */
export class TcpProxy {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  /** the client side of each relayed connection */
  private readonly clients = new Set<Socket>();
  private stalled = false;

  private constructor(
    private readonly target: { host: string; port: number },
    public port: number,
  ) {}

  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    const proxy = new TcpProxy(target, 0);
    await proxy.restore();
    return proxy;
  }

  /** The URL `url` with its host and port replaced by the relay's. */
  relayed(url: string): string {
    const through = new URL(url);
    through.hostname = '127.0.0.1';
    through.port = String(this.port);
    return through.toString();
  }

  /** Listens (again) on its port and relays each connection to the target; ends a stall. */
  async restore(): Promise<void> {
    this.stalled = false;
    if (this.server) return;
    const server = createServer((client) => {
      const upstream = connect(this.target.port, this.target.host);
      this.clients.add(client);
      client.on('close', () => this.clients.delete(client));
      for (const [from, to] of [[client, upstream], [upstream, client]] as const) {
        this.sockets.add(from);
        from.on('data', (chunk: Buffer) => {
          if (!(this.stalled && from === upstream)) to.write(chunk);
        });
        from.on('end', () => to.end());
        from.on('error', () => to.destroy());
        from.on('close', () => {
          this.sockets.delete(from);
          to.destroy();
        });
      }
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as { port: number }).port;
    this.server = server;
  }

  /** From now until `restore`, the server's answers go nowhere: what the clients sent hangs. */
  stall(): void {
    this.stalled = true;
  }

  /**
   * Drops every relayed connection and stops listening: connecting is refused until
   * `restore`. With `reset`, the clients see their connections reset (ECONNRESET), as a
   * server killed with unread data does to them, rather than closed.
   */
  async cut(options: { reset?: boolean } = {}): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    if (options.reset) for (const client of this.clients) client.resetAndDestroy();
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  close(): Promise<void> {
    return this.cut();
  }
}

/**
 * A service (API and stages, no worker) that reaches the run's PostgreSQL through a relay the
 * test cuts and restores, as a database restarting or failing over would; `close` restores
 * the relay first, so the service's pool closes cleanly.
 */
export async function serviceBehindDatabaseRelay(): Promise<{ service: TestService; relay: TcpProxy; close: () => Promise<void> }> {
  const url = new URL(process.env.DATABASE_URL!);
  const relay = await TcpProxy.start({ host: url.hostname, port: Number(url.port || 5432) });
  const service = await TestService.start({ withWorkers: false, env: { DATABASE_URL: relay.relayed(url.toString()) } });
  return {
    service,
    relay,
    close: async () => {
      await relay.restore();
      await service.close();
      await relay.close();
    },
  };
}
