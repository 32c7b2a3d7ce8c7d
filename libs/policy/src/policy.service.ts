import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { normalizeCategory, parseVersions, PolicyBook, PolicyRules, ReturnPolicy } from './return-policy';

/** How long a process trusts its copy of the current policies. */
const CURRENT_TTL_MS = 2_000;

function toPolicy(row: { category: string; version: number; rules: PolicyRules }): ReturnPolicy {
  return { ...row.rules, category: row.category, version: `${row.category}@${row.version}` };
}

/**
 * Policies per category, versioned in PostgreSQL. Judging reads the current book (cached
 * for two seconds per process, so a Double-11 intake does not query it per request); later
 * stages read the exact versions the case was decided under.
 */
@Injectable()
export class PolicyService {
  private current: { book: PolicyBook; at: number } | null = null;
  private loading: Promise<PolicyBook> | null = null;
  private readonly versions = new Map<string, ReturnPolicy>();

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async currentBook(): Promise<PolicyBook> {
    if (this.current && Date.now() - this.current.at < CURRENT_TTL_MS) return this.current.book;
    // One query however many jobs find the copy expired at once.
    this.loading ??= this.load().finally(() => (this.loading = null));
    return this.loading;
  }

  private async load(): Promise<PolicyBook> {
    const rows: { category: string; version: number; rules: PolicyRules }[] = await this.dataSource.query(
      `SELECT DISTINCT ON (category) category, version, rules FROM return_policies ORDER BY category, version DESC`,
    );
    const book = rows.some((r) => r.category === 'default') ? new PolicyBook(rows.map(toPolicy)) : PolicyBook.seeded();
    this.current = { book, at: Date.now() };
    return book;
  }

  /**
   * The book a case was decided under (`decision.policyVersion`, e.g. `apparel@2,default@1`):
   * those versions only, so a category judged by the default keeps it though it has a policy
   * of its own by now (every line's version is recorded). A recorded version not found, and
   * the default when none was recorded, are the current ones; nothing recorded (a case
   * cancelled before judging) is the current book.
   */
  async recordedBook(recorded: string | null | undefined): Promise<PolicyBook> {
    const current = await this.currentBook();
    const wanted = parseVersions(recorded ?? '');
    if (!wanted.length) return current;
    const missing = wanted.filter(([c, v]) => !this.versions.has(`${c}@${v}`));
    if (missing.length) {
      const rows: { category: string; version: number; rules: PolicyRules }[] = await this.dataSource.query(
        `SELECT category, version, rules FROM return_policies WHERE (category, version) IN (SELECT * FROM unnest($1::text[], $2::int[]))`,
        [missing.map(([c]) => c), missing.map(([, v]) => v)],
      );
      for (const row of rows) this.versions.set(`${row.category}@${row.version}`, toPolicy(row));
    }
    const currentOwn = new Map(current.all().map((p) => [p.category, p]));
    const byCategory = new Map<string, ReturnPolicy>();
    for (const [category, version] of wanted) {
      const policy = this.versions.get(`${category}@${version}`) ?? currentOwn.get(category);
      if (policy) byCategory.set(category, policy);
    }
    if (!byCategory.has('default')) byCategory.set('default', current.for('default'));
    return new PolicyBook([...byCategory.values()]);
  }

  /** Makes a new version of a category's policy from the current one (or the default) with `changes`. */
  async update(category: string, changes: Partial<PolicyRules>, actor: string): Promise<ReturnPolicy> {
    const name = normalizeCategory(category);
    const saved = await this.dataSource.transaction(async (manager) => {
      // One writer per category at a time, so versions never collide.
      await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`policy:${name}`]);
      const [latest] = await manager.query(
        `SELECT category, version, rules FROM return_policies WHERE category IN ($1, 'default') ORDER BY (category = $1) DESC, version DESC LIMIT 1`,
        [name],
      );
      const base: PolicyRules = latest?.rules;
      const version = latest?.category === name ? latest.version + 1 : 1;
      const rules: PolicyRules = { ...base, ...changes, shippingPaidBy: { ...base.shippingPaidBy, ...(changes.shippingPaidBy ?? {}) } };
      await manager.query(`INSERT INTO return_policies (category, version, rules, created_by) VALUES ($1, $2, $3, $4)`, [name, version, JSON.stringify(rules), actor]);
      return toPolicy({ category: name, version, rules });
    });
    this.current = null;
    return saved;
  }

  async list(): Promise<ReturnPolicy[]> {
    this.current = null;
    return (await this.currentBook()).all();
  }

}
