import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { LogisticsService } from '@returns/logistics';
import { Roles } from '../auth/roles.decorator';
import { TrackingEventDto } from './tracking.dto';

@ApiTags('logistics')
@ApiBearerAuth()
@Controller('v1/logistics')
export class LogisticsController {
  constructor(private readonly logistics: LogisticsService) {}

  @Post('tracking')
  @HttpCode(202)
  @Roles('carrier')
  @ApiOperation({ summary: 'A carrier scan. Duplicates and late events never move a case backwards; unknown tracking number 404; occurredAt more than 24 hours ahead 400 OCCURRED_AT_IN_FUTURE.' })
  async track(@Body() body: TrackingEventDto) {
    const { duplicate } = await this.logistics.recordTracking(body);
    return { accepted: true, duplicate };
  }
}
