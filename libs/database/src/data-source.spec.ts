import { DataSource } from 'typeorm';
import { dataSourceOptions } from './data-source';

describe(dataSourceOptions.name, () => {
  it('opens sessions with JIT compilation off, whatever the server default', async () => {
    const dataSource = new DataSource(dataSourceOptions(process.env.DATABASE_URL!));
    await dataSource.initialize();
    try {
      const [{ jit }] = await dataSource.query('SHOW jit');
      expect(jit).toBe('off');
    } finally {
      await dataSource.destroy();
    }
  });
});
