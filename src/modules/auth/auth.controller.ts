import { Body, Controller, Get, HttpCode, Post, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { ApiProblem } from '../../common/http/openapi-problems.js';
import { Public, SignedIn } from '../../common/auth/access.decorators.js';
import { LoginRateLimited } from '../../common/rate-limit/rate-limit.decorators.js';
import { CurrentUser, type AuthUser } from '../../common/auth/auth-user.js';
import { ApiBadRequest } from '../../common/http/api-responses.js';
import { UserOutput } from '../users/user.output.js';
import { AuthService } from './auth.service.js';
import { LoginInput } from './dto/login.input.js';
import { RefreshTokenInput } from './dto/refresh-token.input.js';
import { RegisterInput } from './dto/register.input.js';
import { SignedInOutput, TokensOutput } from './dto/tokens.output.js';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('register')
  @Public()
  @ApiOperation({
    operationId: 'register',
    summary: 'Create an account (always role USER) and sign in',
  })
  @ApiCreatedResponse({ type: SignedInOutput })
  @ApiBadRequest()
  @ApiProblem(409, 'The email is taken.', ['email-taken', 'already-exists'])
  async register(
    @Body() input: RegisterInput,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<SignedInOutput> {
    const { user, ...tokens } = await this.auth.register(input);
    // The account made is the caller's own, read at /api/auth/me.
    void reply.header('location', '/api/auth/me');
    return { user: UserOutput.from(user), ...tokens };
  }

  @Post('login')
  @Public()
  @LoginRateLimited()
  @HttpCode(200)
  @ApiOperation({ operationId: 'login', summary: 'Sign in with email and password' })
  @ApiOkResponse({ type: SignedInOutput })
  @ApiBadRequest()
  @ApiProblem(429, 'Too many attempts for this account from this client.')
  @ApiProblem(401, 'Unknown email or wrong password (one answer for both).')
  async login(@Body() input: LoginInput): Promise<SignedInOutput> {
    const { user, ...tokens } = await this.auth.login(input.email, input.password);
    return { user: UserOutput.from(user), ...tokens };
  }

  @Post('refresh')
  @Public()
  @HttpCode(200)
  @ApiOperation({
    operationId: 'refreshTokens',
    summary: 'Trade a refresh token for a new pair',
    description:
      'Each refresh token works once. Presenting a used one again ends that whole sign-in.',
  })
  @ApiOkResponse({ type: TokensOutput })
  @ApiBadRequest()
  @ApiProblem(401, 'Unknown, expired, revoked or reused refresh token.')
  refresh(@Body() input: RefreshTokenInput): Promise<TokensOutput> {
    return this.auth.refresh(input.refreshToken);
  }

  @Post('logout')
  @SignedIn()
  @HttpCode(204)
  @ApiOperation({ operationId: 'logout', summary: 'End the sign-in a refresh token belongs to' })
  @ApiNoContentResponse({ description: 'Signed out; the refresh token no longer works.' })
  @ApiBadRequest()
  async logout(@CurrentUser() caller: AuthUser, @Body() input: RefreshTokenInput): Promise<void> {
    await this.auth.logout(caller, input.refreshToken);
  }

  @Get('me')
  @SignedIn()
  @ApiOperation({ operationId: 'getMe', summary: 'The signed-in account' })
  @ApiOkResponse({ type: UserOutput })
  async me(@CurrentUser() caller: AuthUser): Promise<UserOutput> {
    return UserOutput.from(await this.auth.me(caller));
  }
}
