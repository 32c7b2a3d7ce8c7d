import { getPriority } from 'node:os';
import { Pool } from 'pg';
import { backendNiceness, isLocalDatabase } from './backend-niceness';

describe(isLocalDatabase.name, () => {
  it('knows loopback addresses and Unix sockets for this machine, anything else for another', () => {
    expect(isLocalDatabase('postgres://postgres@127.0.0.1:5432/returns')).toBe(true);
    expect(isLocalDatabase('postgres://postgres@localhost/returns')).toBe(true);
    expect(isLocalDatabase('postgres://postgres@[::1]:5432/returns')).toBe(true);
    expect(isLocalDatabase('postgres:///returns?host=/var/run/postgresql')).toBe(true);
    expect(isLocalDatabase('postgres://app@db.internal:5432/returns')).toBe(false);
    expect(isLocalDatabase('postgres://app@10.0.0.7:5432/returns')).toBe(false);
  });
});

describe(backendNiceness.name, () => {
  const url = process.env.DATABASE_URL!;

  it('has nothing to do for a process at normal priority or a server elsewhere', () => {
    expect(backendNiceness(url, 0)).toBeUndefined();
    expect(backendNiceness('postgres://app@db.internal:5432/returns', 10)).toBeUndefined();
  });

  it('leaves alone a PID that is not a PostgreSQL process (a server in another PID namespace)', () => {
    const before = getPriority(process.pid);
    backendNiceness(url, 12)!({ processID: process.pid });
    expect(getPriority(process.pid)).toBe(before);
  });

  it("gives each backend of the pool the process's niceness, and the connection works", async () => {
    const pool = new Pool({ connectionString: url, max: 2, onConnect: backendNiceness(url, 7) } as ConstructorParameters<typeof Pool>[0]);
    try {
      const clients = await Promise.all([pool.connect(), pool.connect()]);
      const pids = await Promise.all(clients.map(async (c) => (await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid));
      clients.forEach((c) => c.release());
      expect(new Set(pids).size).toBe(2);
      // Renicing another user's process takes root (CAP_SYS_NICE); without it the hook
      // gives up with a warning and the backends keep their priority.
      const expected = process.getuid?.() === 0 ? 7 : 0;
      for (const pid of pids) expect(getPriority(pid)).toBe(expected);
    } finally {
      await pool.end();
    }
  });
});
