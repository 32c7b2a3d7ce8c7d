import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { badRequest, CaseAnalytics } from '@returns/case';
import { FeedbackService } from '@returns/refund';
import { Roles } from '../auth/roles.decorator';
import { instantOf } from '../http/instant';
import { AnalyticsRangeDto, SlaBreachesQueryDto } from './analytics.dto';

/** How far back the analytics look when not told. */
const DEFAULT_RANGE_MS = 30 * 24 * 3_600_000;

/**
 * What `read` answers for the `[from, to)` of a query (defaults filled in, 400 RANGE_INVALID
 * unless from < to), with the range it was read over.
 */
async function overRange<T extends object>(query: AnalyticsRangeDto, read: (from: Date, to: Date) => Promise<T>): Promise<{ from: string; to: string } & T> {
  const to = query.to ? instantOf(query.to, 'to') : new Date();
  const from = query.from ? instantOf(query.from, 'from') : new Date(to.getTime() - DEFAULT_RANGE_MS);
  if (from.getTime() >= to.getTime()) throw badRequest(['from must be before to'], 'RANGE_INVALID');
  return { from: from.toISOString(), to: to.toISOString(), ...(await read(from, to)) };
}

/** What admins read to find bottlenecks: reasons, hours per status, missed deadlines. */
@ApiTags('admin')
@ApiBearerAuth()
@Roles('admin')
@Controller('v1/admin')
export class AnalyticsController {
  constructor(
    private readonly analytics: CaseAnalytics,
    private readonly feedback: FeedbackService,
  ) {}

  @Get('analytics/reasons')
  @ApiOperation({ summary: 'Cases created in [from, to) by reason code: how many, their share, and how many were approved, rejected, are in review, were cancelled.' })
  async reasons(@Query() query: AnalyticsRangeDto) {
    return overRange(query, (from, to) => this.analytics.reasons(from, to));
  }

  @Get('analytics/stages')
  @ApiOperation({
    summary:
      'For the cases created in [from, to): per status a case can leave, p50 / p95 / max hours spent in it (a stay not over yet counts until now), ' +
      'how many stays, and how many are not over: where returns wait.',
  })
  async stages(@Query() query: AnalyticsRangeDto) {
    return overRange(query, async (from, to) => ({ items: await this.analytics.stages(from, to) }));
  }

  @Get('analytics/feedback')
  @ApiOperation({ summary: 'The surveys opened in [from, to) with their refunds: how many, how many answered (responseRate), the average rating and the count of each.' })
  async feedbackSummary(@Query() query: AnalyticsRangeDto) {
    return overRange(query, (from, to) => this.feedback.summary(from, to));
  }

  @Get('sla/breaches')
  @ApiOperation({
    summary:
      'Deadlines due in [from, to) that were missed: cases still waiting past them (open), and those the deadline resolved ' +
      '(review approved by the system, unshipped return closed, uninspected return accepted). Latest due first.',
  })
  async breaches(@Query() query: SlaBreachesQueryDto) {
    return overRange(query, (from, to) => this.analytics.slaBreaches(from, to, query.limit ?? 100));
  }
}
