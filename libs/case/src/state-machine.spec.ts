import { CASE_STATUSES, CaseStatus, RETURN_TYPES } from '@returns/contracts';
import {
  assertTransition,
  canTransition,
  IllegalTransitionError,
  isOpen,
  isTerminal,
  OPEN_STATUSES,
  TRANSITIONS,
} from './state-machine';

/** Written out by hand from CONTRACT.md "Statuses", so that a wrong TRANSITIONS table is caught. */
const ALLOWED: ReadonlyArray<[CaseStatus, CaseStatus]> = [
  ['REQUESTED', 'APPROVED'],
  ['REQUESTED', 'PENDING_REVIEW'],
  ['REQUESTED', 'REJECTED'],
  ['REQUESTED', 'CANCELLED'],
  ['PENDING_REVIEW', 'APPROVED'],
  ['PENDING_REVIEW', 'REJECTED'],
  ['PENDING_REVIEW', 'CANCELLED'],
  ['APPROVED', 'AWAITING_SHIPMENT'],
  ['APPROVED', 'REFUND_PENDING'],
  ['APPROVED', 'CANCELLED'],
  ['AWAITING_SHIPMENT', 'IN_TRANSIT'],
  ['AWAITING_SHIPMENT', 'CANCELLED'],
  ['AWAITING_SHIPMENT', 'CLOSED'],
  ['IN_TRANSIT', 'RECEIVED'],
  ['IN_TRANSIT', 'LOST'],
  ['LOST', 'REFUND_PENDING'],
  ['RECEIVED', 'REFUND_PENDING'],
  ['RECEIVED', 'INSPECTION_FAILED'],
  ['RECEIVED', 'EXCHANGE_SHIPPED'],
  ['INSPECTION_FAILED', 'RETURNED_TO_CUSTOMER'],
  ['REFUND_PENDING', 'REFUNDED'],
  ['REFUND_PENDING', 'REFUND_FAILED'],
  ['REFUND_FAILED', 'REFUND_PENDING'],
  ['REFUNDED', 'COMPLETED'],
  ['EXCHANGE_SHIPPED', 'COMPLETED'],
];

/** One move each status must refuse. */
const REFUSED: ReadonlyArray<[CaseStatus, CaseStatus]> = [
  ['REQUESTED', 'REFUND_PENDING'],
  ['PENDING_REVIEW', 'AWAITING_SHIPMENT'],
  ['APPROVED', 'REJECTED'],
  ['REJECTED', 'APPROVED'],
  ['AWAITING_SHIPMENT', 'RECEIVED'],
  ['IN_TRANSIT', 'CANCELLED'],
  ['LOST', 'RECEIVED'],
  ['RECEIVED', 'CANCELLED'],
  ['INSPECTION_FAILED', 'REFUND_PENDING'],
  ['RETURNED_TO_CUSTOMER', 'REFUND_PENDING'],
  ['REFUND_PENDING', 'COMPLETED'],
  ['REFUNDED', 'REFUND_PENDING'],
  ['REFUND_FAILED', 'REFUNDED'],
  ['EXCHANGE_SHIPPED', 'REFUNDED'],
  ['CANCELLED', 'REQUESTED'],
  ['CLOSED', 'AWAITING_SHIPMENT'],
  ['COMPLETED', 'REFUND_PENDING'],
];

describe('TRANSITIONS', () => {
  it('has an entry for every status', () => {
    expect(Object.keys(TRANSITIONS).sort()).toEqual([...CASE_STATUSES].sort());
  });

  it('lists exactly the moves of the contract, no more', () => {
    const table = CASE_STATUSES.flatMap((from) => TRANSITIONS[from].map((to) => `${from}->${to}`)).sort();
    expect(table).toEqual(ALLOWED.map(([from, to]) => `${from}->${to}`).sort());
  });
});

describe(canTransition.name, () => {
  it.each(ALLOWED)('allows %s -> %s', (from, to) => {
    expect(canTransition(from, to)).toBe(true);
  });

  it('has a refused move listed for every status', () => {
    expect(new Set(REFUSED.map(([from]) => from))).toEqual(new Set(CASE_STATUSES));
  });

  it.each(REFUSED)('refuses %s -> %s', (from, to) => {
    expect(canTransition(from, to)).toBe(false);
    for (const type of RETURN_TYPES) expect(canTransition(from, to, type)).toBe(false);
  });

  it.each(CASE_STATUSES.map((s) => [s]))('refuses staying in %s', (status) => {
    expect(canTransition(status, status)).toBe(false);
  });

  it('lets a REFUND_ONLY case go from APPROVED straight to REFUND_PENDING', () => {
    expect(canTransition('APPROVED', 'REFUND_PENDING', 'REFUND_ONLY')).toBe(true);
  });

  it('refuses APPROVED -> AWAITING_SHIPMENT for a REFUND_ONLY case', () => {
    expect(canTransition('APPROVED', 'AWAITING_SHIPMENT', 'REFUND_ONLY')).toBe(false);
  });

  it.each([['RETURN_REFUND'], ['EXCHANGE']] as const)(
    'makes a %s case ship first: AWAITING_SHIPMENT allowed, REFUND_PENDING refused from APPROVED',
    (type) => {
      expect(canTransition('APPROVED', 'AWAITING_SHIPMENT', type)).toBe(true);
      expect(canTransition('APPROVED', 'REFUND_PENDING', type)).toBe(false);
    },
  );

  it('does not restrict other moves by type', () => {
    for (const type of RETURN_TYPES) {
      expect(canTransition('APPROVED', 'CANCELLED', type)).toBe(true);
      expect(canTransition('LOST', 'REFUND_PENDING', type)).toBe(true);
    }
  });
});

describe(assertTransition.name, () => {
  it('returns quietly for an allowed move', () => {
    expect(() => assertTransition('REQUESTED', 'APPROVED')).not.toThrow();
  });

  it('throws an IllegalTransitionError carrying INVALID_TRANSITION, from and to', () => {
    let caught: unknown;
    try {
      assertTransition('IN_TRANSIT', 'CANCELLED');
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(IllegalTransitionError);
    expect(caught).toBeInstanceOf(Error);
    expect(caught).toMatchObject({ code: 'INVALID_TRANSITION', from: 'IN_TRANSIT', to: 'CANCELLED' });
    expect((caught as Error).message).toContain('IN_TRANSIT');
  });

  it('throws for the move the type forbids', () => {
    expect(() => assertTransition('APPROVED', 'REFUND_PENDING', 'RETURN_REFUND')).toThrow(IllegalTransitionError);
  });
});

describe(isTerminal.name, () => {
  it('is true exactly for statuses with no way out', () => {
    const terminal = CASE_STATUSES.filter(isTerminal).sort();
    expect(terminal).toEqual(['CANCELLED', 'CLOSED', 'COMPLETED', 'REJECTED', 'RETURNED_TO_CUSTOMER']);
  });

  it('does not treat REFUNDED as terminal: it still completes', () => {
    expect(isTerminal('REFUNDED')).toBe(false);
  });
});

describe(isOpen.name, () => {
  it('releases the units of rejected, cancelled and closed cases', () => {
    expect(isOpen('REJECTED')).toBe(false);
    expect(isOpen('CANCELLED')).toBe(false);
    expect(isOpen('CLOSED')).toBe(false);
  });

  it('keeps counting units of live and finished cases', () => {
    for (const s of ['REQUESTED', 'PENDING_REVIEW', 'IN_TRANSIT', 'REFUNDED', 'COMPLETED', 'RETURNED_TO_CUSTOMER'] as const) {
      expect(isOpen(s)).toBe(true);
    }
  });

  it('agrees with OPEN_STATUSES', () => {
    expect(OPEN_STATUSES).toHaveLength(CASE_STATUSES.length - 3);
    expect(OPEN_STATUSES.every(isOpen)).toBe(true);
  });
});
