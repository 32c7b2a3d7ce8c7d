import { Body, Controller, HttpCode, Post, UseGuards, ValidationPipe } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { plainToInstance } from 'class-transformer';
import { validate, ValidationError } from 'class-validator';
import { UpstreamEventsService } from '@returns/intake';
import { Caller } from '../auth/api-key.guard';
import { CurrentCaller } from '../auth/caller.decorator';
import { Roles } from '../auth/roles.decorator';
import { VALIDATION } from '../configure-app';
import { CreateReturnDto } from '../returns/create-return.dto';
import { DeliveredOrderDto, UpstreamEventDto } from './event.dto';
import { UpstreamSignatureGuard } from './upstream-signature.guard';
import { badRequest } from '@returns/case';

/** The global pipe's check, run by the handler on the envelope once the signature holds: same options, same 400 messages. */
const ENVELOPE = new ValidationPipe(VALIDATION);

/** `data.items.0.quantity must not be less than 1`, as the ValidationPipe words it, under `data.`. */
function messages(errors: ValidationError[], path: string): string[] {
  return errors.flatMap((e) => {
    const here = `${path}.${e.property}`;
    const own = Object.values(e.constraints ?? {}).map((m) => `${here}: ${m}`);
    return [...own, ...messages(e.children ?? [], here)];
  });
}

@ApiTags('upstream')
@ApiBearerAuth()
@Controller('v1/events')
export class EventsController {
  constructor(private readonly events: UpstreamEventsService) {}

  @Post()
  @HttpCode(202)
  @Roles('upstream')
  @UseGuards(UpstreamSignatureGuard)
  @ApiOperation({ summary: 'Upstream events (order.delivered, return.requested), HMAC-signed (hex in either case), idempotent by id. An order.delivered older than the order\'s last change (event or PUT) is late and changes nothing; its time counts as at most now; without deliveredAt it was delivered at occurredAt.' })
  @ApiHeader({ name: 'X-Signature', required: true, description: 'sha256=<hex HMAC-SHA256 of the raw body with WEBHOOK_SECRET>' })
  @ApiBody({ type: UpstreamEventDto })
  async receive(@Body() body: unknown, @CurrentCaller() caller: Caller) {
    // The signature held (the guard). An untyped @Body escapes the global ValidationPipe (not BodyLimitsPipe): the envelope
    // is checked here, then its data by its type.
    const event: UpstreamEventDto = await ENVELOPE.transform(body, { type: 'body', metatype: UpstreamEventDto });
    const shape = event.type === 'order.delivered' ? DeliveredOrderDto : CreateReturnDto;
    const data = plainToInstance(shape as new () => object, event.data);
    const errors = await validate(data, { whitelist: true, forbidNonWhitelisted: true });
    if (errors.length) throw badRequest(messages(errors, 'data'));
    return this.events.handle({ ...event, data: data as Record<string, unknown> }, caller.clientId);
  }
}
