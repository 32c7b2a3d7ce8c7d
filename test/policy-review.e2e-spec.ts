import { IntakeService } from '@returns/intake';
import { PolicyService } from '@returns/policy';
import { RefundService } from '@returns/refund';
import { postReturn, putOrder } from './support/api-helpers';
import { returnBody, uniqueId } from './support/factories';
import { TestService } from './support/service';

/**
 * A case keeps the policies it was decided under (README: "inspection and refund use those,
 * not whatever holds later"), also for a category that had no policy of its own then and
 * was judged by the default.
 */
describe('policies a case was decided under', () => {
  let service: TestService;

  beforeAll(async () => {
    service = await TestService.start({ withWorkers: false });
  });

  afterAll(() => service.close());

  it('keeps the default for a category judged by it, when the category gets a policy of its own later', async () => {
    const category = uniqueId('gadgets');
    const { orderId } = await putOrder(service, { items: [{ sku: 'G1', name: '耳机', category, quantity: 1, unitPrice: 9900 }] });
    const created = await postReturn(service, returnBody(orderId, { reasonText: undefined, items: [{ sku: 'G1', quantity: 1 }] }));
    expect(created.status).toBe(202);
    await service.get(IntakeService).judge(created.body.id);
    const { decision } = (await service.as('agent').get(`/v1/returns/${created.body.id}`)).body;
    expect(decision.policyVersion).toMatch(/^default@\d+$/);

    // After the decision, before inspection and refund: the category gets a stricter policy.
    const stricter = await service.as('admin').put(`/v1/policies/${category}`, { restockingFeePercent: 50, customerReasonConditions: ['NEW'] });
    expect(stricter.status).toBe(200);

    const book = await service.get(PolicyService).recordedBook(decision.policyVersion);
    expect(book.for(category)).toMatchObject({ version: decision.policyVersion, restockingFeePercent: 0, customerReasonConditions: ['NEW', 'LIKE_NEW'] });

    // The unit came back and passed inspection (set here, not by the stages, which this test runs without):
    // the refund is the whole price, with no restocking fee the case was never decided under.
    await service.db.query(`UPDATE return_items SET accepted_quantity = quantity WHERE case_id = $1`, [created.body.id]);
    await service.db.query(`UPDATE return_cases SET status = 'REFUND_PENDING' WHERE id = $1`, [created.body.id]);
    await service.get(RefundService).issue(created.body.id, false);
    const refunded = (await service.as('finance').get(`/v1/returns/${created.body.id}`)).body;
    expect(refunded.refund).toMatchObject({ amount: 9900, status: 'SUCCEEDED' });
  });
});
