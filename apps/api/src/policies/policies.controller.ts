import { Body, Controller, Get, Param, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { normalizeCategory, PolicyRules, PolicyService, previewPolicy, ReturnPolicy } from '@returns/policy';
import { Caller } from '../auth/api-key.guard';
import { actorOf, CurrentCaller } from '../auth/caller.decorator';
import { Public, Roles } from '../auth/roles.decorator';
import { UpdatePolicyDto } from './policy.dto';
import { badRequest } from '@returns/case';

/**
 * A policy's category as judging looks it up (`normalizeCategory`): any category an order's
 * line may carry (up to 64 characters: 生鲜, "home appliances"), so every one can have its
 * own policy, but no control character, and no comma, which separates the categories of a
 * decision's `policyVersion`.
 */
function category(raw: string): string {
  const name = normalizeCategory(raw);
  if (!name || name.length > 64 || /[\p{Cc},]/u.test(name)) {
    throw badRequest(['category must be 1-64 characters, as an order names it, without a comma or a control character']);
  }
  return name;
}

/** A policy as the API answers it: under the contract's name for its version too, keeping `version` for clients that read it. */
function published(policy: ReturnPolicy): ReturnPolicy & { policyVersion: string } {
  return { ...policy, policyVersion: policy.version };
}

@ApiTags('policies')
@Controller('v1/policies')
export class PoliciesController {
  constructor(private readonly policies: PolicyService) {}

  @Get()
  @ApiBearerAuth()
  @Roles('agent')
  @ApiOperation({ summary: 'The current policy of every category that has its own, with its policyVersion (also as version).' })
  async list() {
    return { items: (await this.policies.list()).map(published) };
  }

  @Put(':category')
  @ApiBearerAuth()
  @Roles('admin')
  @ApiOperation({ summary: 'Change a category policy (or create one from the default): always a new policyVersion, answered (also as version) with the policy.' })
  async update(@Param('category') raw: string, @Body() body: UpdatePolicyDto, @CurrentCaller() caller: Caller) {
    const changes = JSON.parse(JSON.stringify(body)) as Partial<PolicyRules>; // drop undefined fields
    return published(await this.policies.update(category(raw), changes, actorOf(caller)));
  }

  @Get(':category/preview')
  @Public()
  @ApiOperation({ summary: 'The rules in plain words for a storefront to show before purchase (zh-* in Chinese, else English).' })
  @ApiQuery({ name: 'locale', required: false, example: 'zh-CN', description: 'default zh-CN, also when sent empty' })
  @ApiQuery({
    name: 'currency',
    required: false,
    example: 'CNY',
    description: "the storefront's ISO 4217 currency, default CNY: the amounts in the rules (the review ceiling) are written in it, read in its minor unit as an order's are",
  })
  async preview(@Param('category') raw: string, @Query('locale') givenLocale?: string, @Query('currency') givenCurrency?: string) {
    // `?locale=` means not given, as for every optional query parameter (OptionalQuery).
    const locale = givenLocale || 'zh-CN';
    const currency = givenCurrency || 'CNY';
    const problems = [
      ...(/^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$/.test(locale) ? [] : ['locale must be a language tag like zh-CN']),
      ...(/^[A-Z]{3}$/.test(currency) ? [] : ['currency must be an ISO 4217 code like CNY']),
    ];
    if (problems.length) throw badRequest(problems);
    const name = category(raw);
    const policy = (await this.policies.currentBook()).for(name); // every category has one: its own or the default
    return { ...previewPolicy(policy, locale, currency), category: name, appliesPolicyOf: policy.category };
  }
}
