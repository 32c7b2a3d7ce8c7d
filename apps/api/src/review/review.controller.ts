import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import { CaseService } from '@returns/case';
import { IntakeService } from '@returns/intake';
import { Caller } from '../auth/api-key.guard';
import { agentOf, CurrentCaller } from '../auth/caller.decorator';
import { Roles } from '../auth/roles.decorator';
import { OptionalQuery } from '../http/optional-query';
import { knownIdOr404 } from '../http/uuid';

/** `?limit=` of the desk's lists: 1 to 200 (default 50), anything else a 400 naming it. */
class DeskListQuery {
  @OptionalQuery() @Type(() => Number) @IsInt() @Min(1) @Max(200) limit?: number;
}

/** The review desk: what agents work through, nearest deadline first. */
@ApiTags('review desk')
@ApiBearerAuth()
@Controller('v1')
export class ReviewController {
  constructor(
    private readonly intake: IntakeService,
    private readonly cases: CaseService,
  ) {}

  @Get('review-queue')
  @Roles('agent')
  @ApiOperation({ summary: 'Cases in PENDING_REVIEW, the oldest review deadline first, with why they wait, risk and who holds them.' })
  @ApiQuery({ name: 'limit', required: false, description: '1..200, default 50' })
  async queue(@Query() query: DeskListQuery) {
    return { items: await this.intake.reviewQueue(query.limit ?? 50) };
  }

  @Post('returns/:id/claim')
  @HttpCode(200)
  @Roles('agent')
  @ApiOperation({ summary: 'Take a review for 30 minutes; another agent gets 409 ALREADY_CLAIMED meanwhile.' })
  claim(@Param('id') id: string, @CurrentCaller() caller: Caller) {
    return this.intake.claim(knownIdOr404(id, 'return', 'RETURN_NOT_FOUND'), agentOf(caller));
  }

  @Get('staff-notifications')
  @Roles('agent')
  @ApiOperation({
    summary:
      "The agents' notices, newest first: reviews about to be approved by their deadline, items sent back to a customer that the carrier lost or brought back undelivered, " +
      'return parcels delivered to the warehouse and not scanned in by their receipt deadline (until the scan).',
  })
  @ApiQuery({ name: 'limit', required: false, description: '1..200, default 50' })
  async notices(@Query() query: DeskListQuery) {
    return { items: await this.cases.staffNotices('agents', query.limit ?? 50) };
  }
}
