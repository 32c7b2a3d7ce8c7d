import { assertDeadlinePassed, DeadlineNotDue } from './case.service';

/** A deadline's timer acts only once the deadline it stands for has passed. */
describe('assertDeadlinePassed', () => {
  const inMinutes = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString();

  it('lets a timer act once its deadline has passed', () => {
    expect(() => assertDeadlinePassed({ deadlines: { shipBackBy: inMinutes(-1) } }, 'ship-back')).not.toThrow();
  });

  it('stops a timer that ran early, saying when it is due', () => {
    const shipBackBy = inMinutes(10);
    const early = (() => {
      try {
        assertDeadlinePassed({ deadlines: { shipBackBy } }, 'ship-back');
      } catch (error) {
        return error;
      }
    })();
    expect(early).toBeInstanceOf(DeadlineNotDue);
    expect((early as DeadlineNotDue).kind).toBe('ship-back');
    expect((early as DeadlineNotDue).dueAt.toISOString()).toBe(shipBackBy);
  });

  it("reads each kind's own deadline: another kind's passed deadline does not make it due", () => {
    const deadlines = { reviewBy: inMinutes(-5), inspectBy: inMinutes(60), completeBy: inMinutes(-1) };
    expect(() => assertDeadlinePassed({ deadlines }, 'review')).not.toThrow();
    expect(() => assertDeadlinePassed({ deadlines }, 'completion')).not.toThrow();
    expect(() => assertDeadlinePassed({ deadlines }, 'inspection')).toThrow(DeadlineNotDue);
  });

  it("times the reminder by the review deadline less its lead", () => {
    const deadlines = { reviewBy: inMinutes(30) };
    expect(() => assertDeadlinePassed({ deadlines }, 'review-reminder', 60 * 60_000)).not.toThrow();
    expect(() => assertDeadlinePassed({ deadlines }, 'review-reminder', 10 * 60_000)).toThrow(DeadlineNotDue);
    expect(() => assertDeadlinePassed({ deadlines }, 'review')).toThrow(DeadlineNotDue);
  });

  it('lets the timer act when the case recorded no such deadline (the timer is all there is to go by)', () => {
    expect(() => assertDeadlinePassed({ deadlines: {} }, 'inspection')).not.toThrow();
    expect(() => assertDeadlinePassed({ deadlines: null } as never, 'review')).not.toThrow();
  });
});
