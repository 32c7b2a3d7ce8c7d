import { Decision } from '@returns/contracts';
import { customerView, withoutRiskCode } from './case-view.service';

function decision(over: Partial<Decision> = {}): Decision {
  return {
    outcome: 'REJECTED',
    codes: ['RISK_SIGNAL'],
    rules: [{ id: 'risk.score', passed: false, code: 'RISK_SIGNAL', message: 'Risk score 70 reaches the review threshold of 60.' }],
    policyVersion: 'default@1',
    decidedBy: 'agent:dev-agent',
    decidedAt: '2026-11-28T00:00:00.000Z',
    ...over,
  };
}

describe(withoutRiskCode.name, () => {
  it('takes the risk code out of a list of codes, wherever it stands', () => {
    expect(withoutRiskCode('RISK_SIGNAL')).toBeNull();
    expect(withoutRiskCode('VAGUE_REASON, RISK_SIGNAL')).toBe('VAGUE_REASON');
    expect(withoutRiskCode('RISK_SIGNAL, VAGUE_REASON')).toBe('VAGUE_REASON');
    expect(withoutRiskCode('VAGUE_REASON, RISK_SIGNAL, MISSING_EVIDENCE')).toBe('VAGUE_REASON, MISSING_EVIDENCE');
  });

  it("takes it out of an agent's words and leaves the rest", () => {
    expect(withoutRiskCode('checked the RISK_SIGNAL: the photos are the customer’s own')).toBe('checked the : the photos are the customer’s own');
    expect(withoutRiskCode('photos look fine')).toBe('photos look fine');
  });
});

describe(customerView.name, () => {
  it('shows no risk code in any timeline note, whoever wrote it, nor in the decision', () => {
    const view = customerView({
      risk: { score: 70, signals: [] },
      decision: decision({ note: 'RISK_SIGNAL' }),
      refund: null,
      timeline: [
        { to: 'PENDING_REVIEW', actor: 'system:policy', note: 'RISK_SIGNAL' },
        { to: 'REJECTED', actor: 'agent:dev-agent', note: 'RISK_SIGNAL' },
        { to: 'APPROVED', actor: 'system:review-deadline', note: 'no agent decided within the review deadline' },
        { to: 'APPROVED', actor: 'agent:dev-agent', note: null },
      ],
    });
    expect(JSON.stringify(view)).not.toMatch(/RISK_SIGNAL|risk/);
    expect(view.timeline.map((t) => t.note)).toEqual([null, null, 'no agent decided within the review deadline', null]);
    expect(view.decision).toMatchObject({ codes: [], rules: [] });
  });

  it("shows neither the refund's lastError nor the same provider's words noted on the move to REFUND_FAILED", () => {
    const providerWords = 'alipay: merchant account 2088-1234 frozen by risk control';
    const view = customerView({
      decision: decision({ outcome: 'APPROVED', codes: [], rules: [] }),
      refund: { id: 'r1', status: 'FAILED', attempts: 1, lastError: providerWords },
      timeline: [
        { to: 'REFUND_PENDING', actor: 'system:policy', note: 'refund only: nothing to send back' },
        { to: 'REFUND_FAILED', actor: 'system:refund', note: providerWords },
      ],
    });
    expect(JSON.stringify(view)).not.toContain('frozen');
    expect(view.refund).toEqual({ id: 'r1', status: 'FAILED', attempts: 1 });
    expect(view.timeline.map((t) => [t.to, t.note])).toEqual([
      ['REFUND_PENDING', 'refund only: nothing to send back'],
      ['REFUND_FAILED', null],
    ]);
  });
});
