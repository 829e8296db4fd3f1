import { Body, Controller, Param, Put } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../../common/auth/access.decorators.js';
import { ApiBadRequest, ApiNotFound } from '../../common/http/api-responses.js';
import { ApiProblem } from '../../common/http/openapi-problems.js';
import { uuidParam } from '../../common/http/uuid-param.js';
import { RoleInput } from './role.input.js';
import { UserOutput } from './user.output.js';
import { UserRolesService } from './user-roles.service.js';

@ApiTags('users')
@Controller('users')
export class UsersController {
  constructor(private readonly roles: UserRolesService) {}

  @Put(':id/role')
  @AdminOnly()
  @ApiOperation({
    operationId: 'setUserRole',
    summary: 'Make an account an organizer (ADMIN) or a buyer (USER); from its next request',
    description:
      'Setting the role an account already has changes nothing and answers 200. Admin routes read ' +
      'the caller’s role from the database, so the change counts from the account’s next request, ' +
      'whatever role its access token was signed with. The last ADMIN cannot be made USER.',
  })
  @ApiOkResponse({ type: UserOutput })
  @ApiBadRequest()
  @ApiNotFound('The account')
  @ApiProblem(409, 'The account is the last ADMIN.', ['last-admin'])
  async setRole(
    @Param('id', uuidParam('id')) userId: string,
    @Body() input: RoleInput,
  ): Promise<UserOutput> {
    return UserOutput.from(await this.roles.setRole(userId, input.role));
  }
}
