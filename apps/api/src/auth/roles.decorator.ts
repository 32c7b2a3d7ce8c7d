import { SetMetadata } from '@nestjs/common';
import { Role } from '@returns/contracts';

export const ROLES_KEY = 'returns:roles';
export const PUBLIC_KEY = 'returns:public';

/** Roles allowed on a route; `admin` is always allowed. A route with no @Roles is admin-only. */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);

/** A route anyone may call without a key (health, feedback, policy preview). */
export const Public = () => SetMetadata(PUBLIC_KEY, true);
