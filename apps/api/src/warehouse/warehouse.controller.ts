import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { InspectionService } from '@returns/inspection';
import { LogisticsService } from '@returns/logistics';
import { Caller } from '../auth/api-key.guard';
import { actorOf, CurrentCaller } from '../auth/caller.decorator';
import { Roles } from '../auth/roles.decorator';
import { knownIdOr404 } from '../http/uuid';
import { CaseViewService } from '../returns/case-view.service';
import { InspectionDto } from './inspection.dto';

@ApiTags('warehouse')
@ApiBearerAuth()
@Controller('v1/returns')
export class WarehouseController {
  constructor(
    private readonly logistics: LogisticsService,
    private readonly inspection: InspectionService,
    private readonly views: CaseViewService,
  ) {}

  @Post(':id/receive')
  @HttpCode(200)
  @Roles('warehouse')
  @ApiOperation({ summary: 'The warehouse scanned the parcel: RECEIVED.' })
  async receive(@Param('id') id: string, @CurrentCaller() caller: Caller) {
    const caseId = knownIdOr404(id, 'return', 'RETURN_NOT_FOUND');
    await this.logistics.receive(caseId, actorOf(caller));
    return this.views.find(caseId);
  }

  @Post(':id/inspection')
  @HttpCode(202)
  @Roles('warehouse')
  @ApiOperation({
    summary:
      'QC report of a RECEIVED return; a worker grades it, decides dispositions and the refund. The case takes its best units of each sku ' +
      'whatever the line order; units beyond its quantity are the customer\'s (beyondCase, RETURN_TO_CUSTOMER), never refunded or stocked.',
  })
  async inspect(@Param('id') id: string, @Body() body: InspectionDto) {
    const caseId = knownIdOr404(id, 'return', 'RETURN_NOT_FOUND');
    await this.inspection.submit(caseId, body.inspector, body.items);
    return { accepted: true };
  }
}
