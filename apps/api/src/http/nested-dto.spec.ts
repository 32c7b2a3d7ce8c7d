import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ValidationPipe } from '@nestjs/common';
import { getMetadataStorage } from 'class-validator';
import { VALIDATION } from '../configure-app';
import { UpsertOrderDto } from '../orders/order.dto';
import { CreateReturnDto } from '../returns/create-return.dto';

/** Every `*.dto.ts` and `*.query.ts` under apps/api/src. */
function dtoFiles(dir = join(__dirname, '..')): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? dtoFiles(join(dir, entry.name)) : /\.(dto|query)\.ts$/.test(entry.name) ? [join(dir, entry.name)] : [],
  );
}

/**
 * class-validator's `@ValidateNested` takes an array where it expects an object and checks
 * the array's elements instead: `items: [[]]` passed as one order line with no sku and no
 * price (an order's paid total became NaN: 500; a return with it was accepted and judged
 * "not part of the order: ."). So a nested DTO needs `@IsObject` beside it, `each` for a list:
 * `@Nested` (http/common.dto.ts) puts both there.
 */
describe('nested DTOs', () => {
  it('have @IsObject wherever they have @ValidateNested, with the same each', () => {
    for (const file of dtoFiles()) require(file);
    const storage = getMetadataStorage() as unknown as { validationMetadatas: Map<Function, { type: string; name?: string; each?: boolean; propertyName: string }[]> };
    const nested: string[] = [];
    const unguarded: string[] = [];
    for (const [target, metadatas] of storage.validationMetadatas) {
      for (const m of metadatas.filter((m) => m.type === 'nestedValidation')) {
        const where = `${target.name}.${m.propertyName}${m.each ? '[]' : ''}`;
        nested.push(where);
        if (!metadatas.some((o) => o.propertyName === m.propertyName && o.name === 'isObject' && !!o.each === !!m.each)) unguarded.push(where);
      }
    }
    expect(nested.length).toBeGreaterThanOrEqual(10); // the check saw the DTOs
    expect(unguarded).toEqual([]);
  });

  it.each([
    ['an order line that is an empty array', UpsertOrderDto, { items: [[]] }, /each value in items must be an object/],
    ['an order line wrapped in an array', UpsertOrderDto, { items: [[{ sku: 'S1', name: 'T恤', category: 'apparel', quantity: 1, unitPrice: 9900 }]] }, /items/],
    ['an address that is an array', UpsertOrderDto, { address: [] }, /address must be an object/],
    ['a return line that is an empty array', CreateReturnDto, { items: [[]] }, /each value in items must be an object/],
    ['photos that are arrays', CreateReturnDto, { photos: [[]] }, /each value in photos must be an object/],
  ])('refuses %s', async (_, metatype, patch, message) => {
    const order = {
      merchantId: 'm1',
      customer: { id: 'c1' },
      currency: 'CNY',
      items: [{ sku: 'S1', name: 'T恤', category: 'apparel', quantity: 1, unitPrice: 9900 }],
    };
    const request = { orderId: 'o-1', type: 'REFUND_ONLY', reasonCode: 'OTHER', items: [{ sku: 'S1', quantity: 1 }] };
    const body = { ...(metatype === UpsertOrderDto ? order : request), ...patch };
    const refusal = await new ValidationPipe(VALIDATION).transform(body, { type: 'body', metatype }).then(
      () => undefined,
      (error: { getResponse(): { message: string[] } }) => error.getResponse().message.join('; '),
    );
    expect(refusal).toMatch(message);
  });
});
