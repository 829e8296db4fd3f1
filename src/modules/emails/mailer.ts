import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import nodemailer, { type Transporter } from 'nodemailer';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';
import { MetricsService } from '../../infrastructure/metrics/metrics.service.js';
import type { EmailContent } from './email-format.js';

/** What an email is about, for the metric and the log. */
export type EmailKind =
  | 'order-confirmation'
  | 'order-cancelled'
  | 'order-refunded'
  | 'event-cancelled'
  | 'password-reset';

/**
 * SMTP limits: every send ends (or fails, and its job is retried) within about a minute, so a mail
 * server that accepts the connection and then stalls cannot hold a job-queue slot for good.
 */
const SMTP_TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 };

/**
 * Hands emails to the SMTP server of SMTP_URL. Without one (development and tests; production
 * refuses to start so) each email is written to the log instead, so a developer can still follow
 * a reset link.
 */
@Injectable()
export class Mailer implements OnModuleDestroy {
  private readonly logger = new Logger('Mailer');
  private readonly transport: Transporter | undefined;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: MetricsService,
  ) {
    const url = config.mail.smtpUrl;
    this.transport = url ? nodemailer.createTransport({ url, ...SMTP_TIMEOUTS }) : undefined;
  }

  /** Throws when the server refuses or cannot be reached: the job fails and the queue retries it. */
  async send(kind: EmailKind, to: string, content: EmailContent): Promise<void> {
    if (!this.transport) {
      this.logger.log(
        `Email (${kind}) not sent, no SMTP_URL: to ${to}, subject "${content.subject}"\n${content.text}`,
      );
      this.metrics.countEmail(kind);
      return;
    }
    await this.transport.sendMail({
      from: this.config.mail.from,
      to,
      subject: content.subject,
      text: content.text,
      html: content.html,
      attachments: content.attachments,
    });
    this.metrics.countEmail(kind);
  }

  onModuleDestroy(): void {
    this.transport?.close();
  }
}
