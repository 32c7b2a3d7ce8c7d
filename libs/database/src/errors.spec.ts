import { BadRequestException } from '@nestjs/common';
import { databaseUnavailable, lockTimedOut, storableText, textRefused } from './errors';

describe(databaseUnavailable.name, () => {
  it.each([
    [{ code: '57P03', message: 'the database system is starting up' }],
    [{ code: '57P01', message: 'terminating connection due to administrator command' }],
    [{ code: '08006', message: 'connection failure' }],
    [{ code: '53300', message: 'sorry, too many clients already' }],
    [{ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:5432' }],
    [new Error('Connection terminated unexpectedly')],
    // a restart under load: the server reset the socket before the client read its goodbye
    [Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET', errno: -104, syscall: 'read' })],
    [Object.assign(new Error('write EPIPE'), { code: 'EPIPE' })],
    [new Error('Client has encountered a connection error and is not queryable')],
    [new Error('timeout exceeded when trying to connect')],
  ])('recognises a database that is not answering: %p', (error) => expect(databaseUnavailable(error)).toBe(true));

  it.each([[{ code: '23505', message: 'duplicate key value' }], [new BadRequestException()], [new Error('boom')], [undefined]])(
    'leaves other errors alone: %p',
    (error) => expect(databaseUnavailable(error)).toBe(false),
  );
});

describe(textRefused.name, () => {
  it('recognises text PostgreSQL cannot store', () => {
    expect(textRefused({ code: '22P05', message: 'unsupported Unicode escape sequence' })).toBe(true);
    expect(textRefused({ code: '22021', message: 'invalid byte sequence for encoding "UTF8": 0x00' })).toBe(true);
    expect(textRefused({ code: '22P02', routine: 'json_ereport_error', message: 'invalid input syntax for type json' })).toBe(true);
  });

  it('does not take other failures for it', () => {
    expect(textRefused({ code: '23505' })).toBe(false);
    // the same SQLSTATE for a value that is not JSON: not the request's text
    expect(textRefused({ code: '22P02', routine: 'string_to_uuid', message: 'invalid input syntax for type uuid: "x"' })).toBe(false);
    expect(textRefused(new Error('boom'))).toBe(false);
    expect(textRefused(undefined)).toBe(false);
  });
});

describe(storableText.name, () => {
  it('takes text of any script, emoji (a whole surrogate pair) included', () => {
    for (const text of ['', 'plain', '尺码太小了', 'tab\tand\nnewline', '😀', 'a\ud83d\ude00b']) expect(storableText(text)).toBe(true);
  });

  it('refuses the NUL character and half a surrogate pair, wherever they are', () => {
    for (const text of ['\u0000', 'a\u0000', '\ud83d', 'cut mid-emoji \ud83d', '\ude00 alone', '\ude00\ud83d']) expect(storableText(text)).toBe(false);
  });
});

describe(lockTimedOut.name, () => {
  it("recognises a statement that gave up waiting for another session's lock, and nothing else", () => {
    expect(lockTimedOut({ code: '55P03', message: 'canceling statement due to lock timeout' })).toBe(true);
    expect(lockTimedOut({ code: '57014', message: 'canceling statement due to statement timeout' })).toBe(false);
    expect(lockTimedOut({ code: '40P01' })).toBe(false);
    expect(lockTimedOut(undefined)).toBe(false);
  });
});
