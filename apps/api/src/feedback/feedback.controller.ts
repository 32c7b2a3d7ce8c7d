import { Body, Controller, Get, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { FeedbackService } from '@returns/refund';
import { Public } from '../auth/roles.decorator';
import { FeedbackAnswerDto } from './feedback.dto';

/** The short survey after a refund, reached by the link in the refund message: no key. */
@ApiTags('feedback')
@Public()
@Controller('v1/feedback')
export class FeedbackController {
  constructor(private readonly feedback: FeedbackService) {}

  @Get(':token')
  @ApiOperation({ summary: 'The survey of a refunded return: its RMA number, the scale, and the answer once given. 404 FEEDBACK_NOT_FOUND.' })
  survey(@Param('token') token: string) {
    return this.feedback.survey(token);
  }

  @Post(':token')
  @ApiOperation({ summary: 'Answers the survey, once: 201 with it; 409 FEEDBACK_ALREADY_GIVEN after; 404 FEEDBACK_NOT_FOUND.' })
  answer(@Param('token') token: string, @Body() body: FeedbackAnswerDto) {
    return this.feedback.answer(token, body.rating, body.comment ?? null);
  }
}
