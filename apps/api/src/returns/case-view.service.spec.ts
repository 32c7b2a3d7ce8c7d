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
        { actor: 'system:policy', note: 'RISK_SIGNAL' },
        { actor: 'agent:dev-agent', note: 'RISK_SIGNAL' },
        { actor: 'system:review-deadline', note: 'no agent decided within the review deadline' },
        { actor: 'agent:dev-agent', note: null },
      ],
    });
    expect(JSON.stringify(view)).not.toMatch(/RISK_SIGNAL|risk/);
    expect(view.timeline.map((t) => t.note)).toEqual([null, null, 'no agent decided within the review deadline', null]);
    expect(view.decision).toMatchObject({ codes: [], rules: [] });
  });
});
