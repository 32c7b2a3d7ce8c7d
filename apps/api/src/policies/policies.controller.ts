import { Body, Controller, Get, Param, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { PolicyRules, PolicyService, previewPolicy } from '@returns/policy';
import { Caller } from '../auth/api-key.guard';
import { actorOf, CurrentCaller } from '../auth/caller.decorator';
import { Public, Roles } from '../auth/roles.decorator';
import { UpdatePolicyDto } from './policy.dto';
import { badRequest } from '@returns/case';

const CATEGORY = /^[a-z0-9][a-z0-9_-]{0,63}$/;

function category(raw: string): string {
  const name = raw.trim().toLowerCase();
  if (!CATEGORY.test(name)) {
    throw badRequest(['category must be 1-64 letters, digits, - or _']);
  }
  return name;
}

@ApiTags('policies')
@Controller('v1/policies')
export class PoliciesController {
  constructor(private readonly policies: PolicyService) {}

  @Get()
  @ApiBearerAuth()
  @Roles('agent')
  @ApiOperation({ summary: 'The current policy of every category that has its own, with its version.' })
  async list() {
    return { items: await this.policies.list() };
  }

  @Put(':category')
  @ApiBearerAuth()
  @Roles('admin')
  @ApiOperation({ summary: 'Change a category policy (or create one from the default): always a new version.' })
  update(@Param('category') raw: string, @Body() body: UpdatePolicyDto, @CurrentCaller() caller: Caller) {
    const changes = JSON.parse(JSON.stringify(body)) as Partial<PolicyRules>; // drop undefined fields
    return this.policies.update(category(raw), changes, actorOf(caller));
  }

  @Get(':category/preview')
  @Public()
  @ApiOperation({ summary: 'The rules in plain words for a storefront to show before purchase (zh-* in Chinese, else English).' })
  @ApiQuery({ name: 'locale', required: false, example: 'zh-CN' })
  async preview(@Param('category') raw: string, @Query('locale') locale = 'zh-CN') {
    if (!/^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$/.test(locale)) {
      throw badRequest(['locale must be a language tag like zh-CN']);
    }
    const name = category(raw);
    const policy = (await this.policies.currentBook()).for(name); // every category has one: its own or the default
    return { ...previewPolicy(policy, locale), category: name, appliesPolicyOf: policy.category };
  }
}
