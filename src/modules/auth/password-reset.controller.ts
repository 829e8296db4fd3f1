import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Public } from '../../common/auth/access.decorators.js';
import { ApiBadRequest } from '../../common/http/api-responses.js';
import { ApiProblem } from '../../common/http/openapi-problems.js';
import { LoginRateLimited } from '../../common/rate-limit/rate-limit.decorators.js';
import {
  PasswordResetConfirmInput,
  PasswordResetRequestInput,
  PasswordResetTokenQuery,
} from './dto/password-reset.input.js';
import {
  PasswordResetRequestedOutput,
  PasswordResetTokenOutput,
} from './dto/password-reset.output.js';
import { PASSWORD_RESET_VALID_MINUTES } from './password-reset-token.js';
import { PasswordResetService } from './password-reset.service.js';

const REQUESTED: PasswordResetRequestedOutput = {
  message: `If an account uses this email, a link to reset its password is on its way. It works once, for ${PASSWORD_RESET_VALID_MINUTES} minutes.`,
};

const INVALID_TOKEN = 'The token is unknown, expired or already used (one answer for all three).';

/** Counted against the sign-in limit: these routes are the other way into an account. */
@ApiTags('auth')
@Controller('auth/password-reset')
export class PasswordResetController {
  constructor(private readonly resets: PasswordResetService) {}

  @Post()
  @Public()
  @LoginRateLimited()
  @HttpCode(202)
  @ApiOperation({
    operationId: 'requestPasswordReset',
    summary: 'Email a single-use link to reset the password',
    description:
      `The same 202 whether or not an account uses the email. The link carries a token that works ` +
      `once, for ${PASSWORD_RESET_VALID_MINUTES} minutes.`,
  })
  @ApiAcceptedResponse({ type: PasswordResetRequestedOutput })
  @ApiBadRequest()
  @ApiProblem(429, 'Too many attempts for this email from this client.')
  async request(@Body() input: PasswordResetRequestInput): Promise<PasswordResetRequestedOutput> {
    await this.resets.request(input.email);
    return REQUESTED;
  }

  @Get('confirm')
  @Public()
  @LoginRateLimited()
  @ApiOperation({
    operationId: 'checkPasswordResetToken',
    summary: 'Whether a reset link still works (what following the link reaches)',
  })
  @ApiOkResponse({ type: PasswordResetTokenOutput })
  @ApiProblem(400, INVALID_TOKEN, ['reset-token-invalid'])
  @ApiProblem(429, 'Too many attempts from this client.')
  async check(@Query() query: PasswordResetTokenQuery): Promise<PasswordResetTokenOutput> {
    const { expiresAt } = await this.resets.check(query.token);
    return { valid: true, expiresAt: expiresAt.toISOString() };
  }

  @Post('confirm')
  @Public()
  @LoginRateLimited()
  @HttpCode(204)
  @ApiOperation({
    operationId: 'confirmPasswordReset',
    summary: 'Set a new password with the emailed token, and sign the account out everywhere',
    description:
      'The token works once. Every sign-in of the account ends: its refresh tokens stop working. ' +
      'Access tokens already issued stay valid until they expire (JWT_EXPIRES_IN).',
  })
  @ApiNoContentResponse({ description: 'The password is changed.' })
  @ApiProblem(400, `The input is not valid, or: ${INVALID_TOKEN}`, ['reset-token-invalid'])
  @ApiProblem(429, 'Too many attempts from this client.')
  async confirm(@Body() input: PasswordResetConfirmInput): Promise<void> {
    await this.resets.confirm(input.token, input.password);
  }
}
