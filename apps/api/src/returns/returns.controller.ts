import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import type { Request } from 'express';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { IntakeService } from '@returns/intake';
import { Caller } from '../auth/api-key.guard';
import { actorOf, agentOf, CurrentCaller } from '../auth/caller.decorator';
import { Roles } from '../auth/roles.decorator';
import { knownIdOr404 } from '../http/uuid';
import { CaseViewService, customerView } from './case-view.service';
import { CancelDto, CreateReturnDto, ReviewDto } from './create-return.dto';
import { ListReturnsQuery } from './list-returns.query';
import { idempotencyKeyProblem, ReturnAcceptor } from './return-acceptor';
import { badRequest, notFound } from '@returns/case';

@ApiTags('returns')
@ApiBearerAuth()
@Controller('v1/returns')
export class ReturnsController {
  constructor(
    private readonly intake: IntakeService,
    private readonly views: CaseViewService,
    private readonly acceptor: ReturnAcceptor,
  ) {}

  /** Answers what `IntakeHotPath` leaves to it: everything but certainly valid requests it could accept. */
  @Post()
  @HttpCode(202)
  @Roles('upstream', 'portal')
  @ApiOperation({ summary: 'Ask for a return. Buffered in the intake queue and judged by a worker; answers at once.' })
  @ApiHeader({ name: 'Idempotency-Key', required: true, description: 'the same key and body answer the same; another body, 409' })
  @ApiResponse({ status: 429, description: 'INTAKE_BACKLOG: more than INTAKE_HIGH_WATER returns wait to be judged; retry after the Retry-After header' })
  async create(
    @Body() body: CreateReturnDto,
    @Headers('idempotency-key') key: string | undefined,
    @CurrentCaller() caller: Caller,
    @Req() request: Request,
  ) {
    const problem = idempotencyKeyProblem(key);
    if (problem) throw badRequest([problem[0]], problem[1]);
    return this.acceptor.accept(caller.clientId, key!, { ...body }, request);
  }

  @Get()
  @Roles('agent', 'finance')
  @ApiOperation({ summary: 'Returns, newest first, by status, order, customer or merchant: the cases, and the requests still waiting to be judged (REQUESTED).' })
  list(@Query() query: ListReturnsQuery) {
    return this.views.list(query);
  }

  @Get(':id')
  @Roles('upstream', 'portal', 'warehouse', 'agent', 'finance')
  @ApiOperation({ summary: 'The whole case; REQUESTED while the request waits in the intake queue. The portal sees no risk assessment, nor RISK_SIGNAL in any note.' })
  async get(@Param('id') id: string, @CurrentCaller() caller: Caller) {
    const view = await this.views.find(knownIdOr404(id, 'return', 'RETURN_NOT_FOUND'));
    if (!view) throw notFound('RETURN_NOT_FOUND', `return ${id} not found`);
    return caller.role === 'portal' ? customerView(view) : view;
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @Roles('portal', 'upstream')
  @ApiOperation({ summary: 'Cancel, until the parcel is picked up; later 409 INVALID_TRANSITION.' })
  async cancel(@Param('id') id: string, @Body() body: CancelDto, @CurrentCaller() caller: Caller) {
    const caseId = knownIdOr404(id, 'return', 'RETURN_NOT_FOUND');
    await this.intake.cancel(caseId, actorOf(caller), body.note);
    const view = await this.views.find(caseId);
    return view && caller.role === 'portal' ? customerView(view) : view;
  }

  @Post(':id/review')
  @HttpCode(200)
  @Roles('agent')
  @ApiOperation({ summary: "An agent's decision on a case in PENDING_REVIEW; else 409 INVALID_TRANSITION. The timeline notes the agent's note, or nothing." })
  async review(@Param('id') id: string, @Body() body: ReviewDto, @CurrentCaller() caller: Caller) {
    const caseId = knownIdOr404(id, 'return', 'RETURN_NOT_FOUND');
    await this.intake.review(caseId, body.decision, agentOf(caller), body.note);
    return this.views.find(caseId);
  }
}
