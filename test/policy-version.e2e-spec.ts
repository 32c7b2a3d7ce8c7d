import { IntakeService } from '@returns/intake';
import { postReturn, putOrder } from './support/api-helpers';
import { returnBody, uniqueId } from './support/factories';
import { TestService } from './support/service';

/**
 * The contract calls a policy's version `policyVersion` ("Each change makes a new `policyVersion`;
 * a decision records the version it used"): the policies API answers it under that name, beside the
 * `version` it has always answered.
 */
describe('policy versions under the contract name', () => {
  let service: TestService;

  beforeAll(async () => {
    service = await TestService.start({ withWorkers: false });
  });

  afterAll(() => service.close());

  it('lists every policy with its policyVersion, the same as its version', async () => {
    const response = await service.as('agent').get('/v1/policies');
    expect(response.status).toBe(200);
    const byCategory = Object.fromEntries(response.body.items.map((p: { category: string }) => [p.category, p]));
    expect(byCategory.default).toMatchObject({ version: 'default@1', policyVersion: 'default@1' });
    for (const policy of response.body.items) expect(policy.policyVersion).toBe(policy.version);
  });

  it('answers a change with the new policyVersion, the one a decision made under it records', async () => {
    const category = uniqueId('tees');
    expect((await service.as('admin').put(`/v1/policies/${category}`, { customerReasonWindowDays: 30 })).body).toMatchObject({ version: `${category}@1`, policyVersion: `${category}@1` });
    const changed = await service.as('admin').put(`/v1/policies/${category}`, { restockingFeePercent: 10 });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ category, version: `${category}@2`, policyVersion: `${category}@2`, customerReasonWindowDays: 30, restockingFeePercent: 10 });

    const { orderId } = await putOrder(service, { items: [{ sku: 'S1', name: 'T恤', category, quantity: 1, unitPrice: 9900 }] });
    const created = await postReturn(service, returnBody(orderId));
    expect(created.status).toBe(202);
    await service.get(IntakeService).judge(created.body.id);
    const view = await service.as('agent').get(`/v1/returns/${created.body.id}`);
    expect(view.body.decision.policyVersion).toBe(changed.body.policyVersion);

    const listed = await service.as('admin').get('/v1/policies');
    expect(listed.body.items.find((p: { category: string }) => p.category === category)).toMatchObject({ version: `${category}@2`, policyVersion: `${category}@2` });
  });

  it('gives a category named as orders name it (Chinese, spaces) a policy of its own, and refuses one no order could match', async () => {
    const category = `生鲜 ${uniqueId('x')}`;
    const changed = await service.as('admin').put(`/v1/policies/${encodeURIComponent(category)}`, { acceptsCustomerReasons: false });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ category, policyVersion: `${category}@1` });
    expect((await service.http().get(`/v1/policies/${encodeURIComponent(category)}/preview`)).status).toBe(200);

    const { orderId } = await putOrder(service, { items: [{ sku: 'S1', name: '草莓', category, quantity: 1, unitPrice: 9900 }] });
    const created = await postReturn(service, returnBody(orderId));
    await service.get(IntakeService).judge(created.body.id);
    const view = await service.as('agent').get(`/v1/returns/${created.body.id}`);
    expect(view.body.decision).toMatchObject({ outcome: 'REJECTED', codes: ['NON_RETURNABLE'], policyVersion: `${category}@1` });

    for (const bad of ['a,b', 'x'.repeat(65), '%20', 'a%01b']) expect((await service.as('admin').put(`/v1/policies/${bad}`, { freePickup: true })).status).toBe(400);
  });
});
