import { BadRequestException } from '@nestjs/common';
import { databaseUnavailable } from './domain-exception.filter';

describe(databaseUnavailable.name, () => {
  it.each([
    [{ code: '57P03', message: 'the database system is starting up' }],
    [{ code: '57P01', message: 'terminating connection due to administrator command' }],
    [{ code: '08006', message: 'connection failure' }],
    [{ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:5432' }],
    [new Error('Connection terminated unexpectedly')],
  ])('recognises a database that is not answering: %p', (error) => expect(databaseUnavailable(error)).toBe(true));

  it.each([[{ code: '23505', message: 'duplicate key value' }], [new BadRequestException()], [new Error('boom')], [undefined]])(
    'leaves other errors alone: %p',
    (error) => expect(databaseUnavailable(error)).toBe(false),
  );
});
