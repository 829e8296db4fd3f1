import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { EventTeamOnly } from '../../common/auth/access.decorators.js';
import { CurrentUser, type AuthUser } from '../../common/auth/auth-user.js';
import { ApiBadRequest, ApiNotFound } from '../../common/http/api-responses.js';
import { ApiProblem } from '../../common/http/openapi-problems.js';
import { uuidParam } from '../../common/http/uuid-param.js';
import { AddTeamMemberInput, ChangeTeamRoleInput } from './dto/team.input.js';
import { TeamListOutput, TeamMemberOutput } from './dto/team.output.js';
import { TeamService } from './team.service.js';

@ApiTags('team')
@Controller('events/:id/team')
export class TeamController {
  constructor(private readonly team: TeamService) {}

  @Get()
  @EventTeamOnly('the organizer or a MANAGER')
  @ApiOperation({ operationId: 'listTeam', summary: 'The event’s team' })
  @ApiOkResponse({ type: TeamListOutput })
  @ApiBadRequest()
  @ApiNotFound('The event')
  async list(
    @CurrentUser() caller: AuthUser,
    @Param('id', uuidParam('id')) eventId: string,
  ): Promise<TeamListOutput> {
    const members = await this.team.list(caller, eventId);
    return { data: members.map((member) => TeamMemberOutput.from(member)) };
  }

  @Post()
  @EventTeamOnly('the organizer only')
  @ApiOperation({
    operationId: 'addTeamMember',
    summary: 'Put an existing account on the event’s team (its organizer only)',
    description: 'It may act on the event from its very next request.',
  })
  @ApiCreatedResponse({ type: TeamMemberOutput })
  @ApiBadRequest()
  @ApiNotFound('The event, or an account with this email')
  @ApiProblem(409, 'Already on the team, or the organizer itself.', [
    'already-on-team',
    'organizer-not-a-member',
  ])
  async add(
    @CurrentUser() caller: AuthUser,
    @Param('id', uuidParam('id')) eventId: string,
    @Body() input: AddTeamMemberInput,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TeamMemberOutput> {
    const member = await this.team.add(caller, eventId, input.email, input.role);
    void reply.header('location', `/api/events/${eventId}/team`);
    return TeamMemberOutput.from(member);
  }

  @Patch(':userId')
  @EventTeamOnly('the organizer only')
  @ApiOperation({
    operationId: 'changeTeamRole',
    summary: 'Change a member’s role (its organizer only); from the member’s next request',
  })
  @ApiOkResponse({ type: TeamMemberOutput })
  @ApiBadRequest()
  @ApiNotFound('The event, or this account on its team')
  async changeRole(
    @CurrentUser() caller: AuthUser,
    @Param('id', uuidParam('id')) eventId: string,
    @Param('userId', uuidParam('userId')) userId: string,
    @Body() input: ChangeTeamRoleInput,
  ): Promise<TeamMemberOutput> {
    return TeamMemberOutput.from(await this.team.changeRole(caller, eventId, userId, input.role));
  }

  @Delete(':userId')
  @EventTeamOnly('the organizer only')
  @HttpCode(204)
  @ApiOperation({
    operationId: 'removeTeamMember',
    summary: 'Take an account off the team (its organizer only); from its next request',
  })
  @ApiNoContentResponse({ description: 'Removed.' })
  @ApiBadRequest()
  @ApiNotFound('The event, or this account on its team')
  async remove(
    @CurrentUser() caller: AuthUser,
    @Param('id', uuidParam('id')) eventId: string,
    @Param('userId', uuidParam('userId')) userId: string,
  ): Promise<void> {
    await this.team.remove(caller, eventId, userId);
  }
}
