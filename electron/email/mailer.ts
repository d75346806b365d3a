// E-mail (issue 9): the SMTP transport from Settings (password from the keychain, the extra CA from
// email/ca.pem), a test mail, a mail per failed renewal, a weekly digest of what expires in the next 30 days,
// and the seed's "E-mail" of a certificate as a keystore attachment (the keystore password is never in a mail).
// nodemailer loads only when a mail is sent, so the CLI's start does not pay for it.
import { rootCertificates } from 'node:tls';
import type { Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import { AppError } from '../../shared/ipc/errors.ts';
import type { EmailSettings, RenewalPlan, RenewalResult } from '../../shared/model/renewal.ts';
import type { ExportFormat } from '../../shared/model/request.ts';
import type { Logger } from '../core/logger.ts';
import type { Operation } from '../core/operations.ts';
import type { Repository } from '../repository/certificates.ts';
import type { SettingsService } from '../renewal/settings-service.ts';
import { EMAIL_CA_FILE } from '../renewal/settings.ts';
import { systemClock, type Clock, type RenewalObserver } from '../renewal/types.ts';
import type { Store } from '../store/store.ts';
import { daysUntil, isoWeek, Notices } from '../alerts/notices.ts';

export interface MailerDeps {
  store: Pick<Store, 'data' | 'update' | 'readFile'>;
  settings: Pick<SettingsService, 'get' | 'emailPassword'>;
  repository: Pick<Repository, 'keystore'>;
  logger: Logger;
  clock?: Clock;
}

export interface Mail {
  to: string[];
  subject: string;
  text: string;
  attachments?: { filename: string; content: Buffer; contentType: string }[];
}

/** The weekly digest lists what expires within this many days. */
export const DIGEST_DAYS = 30;

const CONTENT_TYPES: Record<string, string> = {
  pfx: 'application/x-pkcs12',
  'pfx-legacy': 'application/x-pkcs12',
  jks: 'application/octet-stream',
  pem: 'application/x-pem-file',
};

export class Mailer implements RenewalObserver {
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly notices: Notices;
  private digesting: Promise<void> | null = null;

  constructor(private readonly deps: MailerDeps) {
    this.log = deps.logger.child('email');
    this.clock = deps.clock ?? systemClock;
    this.notices = new Notices(deps.store);
  }

  /** A test mail to `to` (default: the settings' recipients), with the stored settings, enabled or not. */
  async sendTest(to: string[] | undefined, op: Operation): Promise<{ sent: true; to: string[]; message: string }> {
    const email = await this.configured();
    const rcpt = recipients(to, email);
    op.step('send', `Sending a test mail through ${email.host}:${email.port}`);
    await this.send(email, { to: rcpt, subject: 'Certdesk test mail', text: `This is a test mail from Certdesk.\n\nServer: ${email.host}:${email.port} (${email.security})\nUser: ${email.user || '(none)'}\n\nIf you read this, Certdesk can tell you about failed renewals and expiring certificates.\n` }, op.signal);
    return { sent: true, to: rcpt, message: `Test mail sent to ${rcpt.join(', ')} through ${email.host}:${email.port}.` };
  }

  /**
   * The seed's "E-mail": the certificate of a saved certificate or an Available request as a keystore
   * attachment, protected by the request's keystore password (never in the mail). pem: cert.pem, chain.pem,
   * fullchain.pem and privkey.pem as four attachments, the key encrypted (PKCS#8) with that password.
   */
  async emailCertificate(id: string, to: string[] | undefined, format: ExportFormat, op: Operation): Promise<{ sent: true; to: string[]; attachment: string }> {
    const email = await this.configured();
    const rcpt = recipients(to, email);
    op.step('keystore', `Building the ${format} keystore`);
    const ks = await this.deps.repository.keystore({ id, format, encryptKey: format === 'pem' }).catch((err: unknown) => {
      if (err instanceof AppError && err.field === 'password') {
        throw AppError.invalid('id', 'This certificate has no keystore password stored, and a keystore is never mailed without one.', 'Set a keystore password on the request (Edit), then send it again.');
      }
      throw err;
    });
    op.check();
    const attachments = ks.files.map((f) => ({ filename: format === 'pem' ? f.name : ks.defaultName, content: f.data, contentType: CONTENT_TYPES[format] ?? 'application/octet-stream' }));
    const text = [
      `The certificate for ${ks.commonName} is attached (${format === 'pem' ? 'PEM files: cert.pem, chain.pem, fullchain.pem and privkey.pem' : `${format.toUpperCase()} keystore ${ks.defaultName}`}).`,
      '',
      format === 'pem'
        ? 'privkey.pem is encrypted with the keystore password of the request in Certdesk. The password is not in this mail: ask the sender for it.'
        : 'The keystore is protected by the keystore password of the request in Certdesk. The password is not in this mail: ask the sender for it.',
      '',
      '— Certdesk',
    ].join('\n');
    op.step('send', `Sending ${attachments.map((a) => a.filename).join(', ')} to ${rcpt.join(', ')}`);
    await this.send(email, { to: rcpt, subject: `Certificate for ${ks.commonName}`, text, attachments }, op.signal);
    this.log.info('certificate mailed', { id, format, to: rcpt, attachments: attachments.map((a) => a.filename) });
    return { sent: true, to: rcpt, attachment: attachments.map((a) => a.filename).join(', ') };
  }

  /** RenewalObserver: a mail per failed renewal attempt when Settings ask for it. */
  async renewalFinished(result: RenewalResult, plan: RenewalPlan): Promise<void> {
    if (result.ok) return;
    const email = await this.deps.settings.get().then((s) => s.email);
    if (!email.enabled || !email.failureMails || email.to.length === 0 || email.host === '') return;
    const attemptAt = plan.lastAttempt && !plan.lastAttempt.ok ? plan.lastAttempt.at : this.clock.now().toISOString();
    const key = `mail:renewal-failed:${result.certificateId}:${attemptAt}`;
    if (this.notices.has(key)) return;
    const text = [
      `Certdesk could not renew the certificate for ${plan.names.join(', ') || result.commonName}.`,
      '',
      `Reason: ${result.message}`,
      `Expires: ${plan.notAfter}`,
      plan.nextAttemptAt ? `Next attempt: ${plan.nextAttemptAt}` : 'No automatic attempt is planned: renew it in Certdesk.',
      plan.automation ? `Challenges answered by: ${plan.automation}` : '',
      '',
      '— Certdesk',
    ].filter((l, i, all) => l !== '' || all[i - 1] !== '').join('\n');
    await this.send(email, { to: email.to, subject: `Renewal failed: ${result.commonName}`, text });
    await this.notices.claim([key], this.clock.now());
    this.log.info('renewal failure mailed', { certificateId: result.certificateId, to: email.to });
  }

  /**
   * Once per ISO week (when enabled): a digest of the certificates expiring in the next DIGEST_DAYS days. A week
   * with nothing expiring sends nothing. Recorded only after the mail went out, so a failed send is retried.
   */
  digestTick(now: Date = this.clock.now()): Promise<void> {
    this.digesting ??= this.digest(now).finally(() => {
      this.digesting = null;
    });
    return this.digesting;
  }

  private async digest(now: Date): Promise<void> {
    const email = (await this.deps.settings.get()).email;
    if (!email.enabled || !email.weeklyDigest || email.to.length === 0 || email.host === '') return;
    const key = `mail:digest:${isoWeek(now)}`;
    if (this.notices.has(key)) return;
    const soon = this.deps.store.data.certificates
      .filter((c) => !c.revoked && daysUntil(c.summary.notAfter, now) <= DIGEST_DAYS)
      .sort((a, b) => (a.summary.notAfter < b.summary.notAfter ? -1 : 1));
    if (soon.length > 0) {
      const renewals = new Map(this.deps.store.data.renewals.map((r) => [r.certificateId, r]));
      const lines = soon.map((c) => {
        const left = Math.ceil(daysUntil(c.summary.notAfter, now));
        const r = renewals.get(c.id);
        const plan = r ? (r.state === 'manual' ? 'renew by hand' : r.dueAt ? `renews ${r.dueAt}` : r.state) : 'no renewal plan';
        return `- ${c.names.join(', ')}: ${left <= 0 ? 'EXPIRED' : `expires in ${left} day${left === 1 ? '' : 's'}`} (${c.summary.notAfter}; ${plan})`;
      });
      await this.send(email, {
        to: email.to,
        subject: `Certdesk: ${soon.length} certificate${soon.length === 1 ? '' : 's'} expire${soon.length === 1 ? 's' : ''} within ${DIGEST_DAYS} days`,
        text: [`Certificates expiring in the next ${DIGEST_DAYS} days (week ${isoWeek(now)}):`, '', ...lines, '', '— Certdesk'].join('\n'),
      });
      this.log.info('weekly digest mailed', { week: isoWeek(now), certificates: soon.length });
    }
    await this.notices.claim([key], now);
  }

  /** The settings, checked enough to send: a server and a sender. */
  private async configured(): Promise<EmailSettings> {
    const email = (await this.deps.settings.get()).email;
    if (email.host === '') throw AppError.invalid('email.host', 'No SMTP server is set.', 'Set the mail server in Settings → E-mail (CLI: settings set --email-host H).');
    if (email.from === '') throw AppError.invalid('email.from', 'No sender (From) is set.', 'Set the sender address in Settings → E-mail (CLI: settings set --email-from A).');
    return email;
  }

  /** Sends one mail; turns nodemailer's failures into errors that say what to fix (never echoing the password). */
  async send(email: EmailSettings, mail: Mail, signal?: AbortSignal): Promise<void> {
    const transport = await this.transport(email);
    const onAbort = (): void => transport.close();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await transport.sendMail({ from: email.from, to: mail.to, subject: mail.subject, text: mail.text, ...(mail.attachments ? { attachments: mail.attachments } : {}) });
    } catch (err) {
      if (signal?.aborted) throw new AppError('CANCELLED', 'The operation was cancelled.');
      const e = smtpError(err, email);
      this.log.warn('mail not sent', { host: email.host, port: email.port, error: e.message });
      throw e;
    } finally {
      signal?.removeEventListener('abort', onAbort);
      transport.close();
    }
  }

  private async transport(email: EmailSettings): Promise<Transporter<SMTPTransport.SentMessageInfo>> {
    const password = email.user !== '' ? await this.deps.settings.emailPassword() : null;
    if (email.user !== '' && password === null) {
      throw AppError.invalid('emailPassword', `No SMTP password is stored for user "${email.user}".`, 'Enter the password in Settings → E-mail (CLI: settings set --email-password-file F).');
    }
    const caPem = email.caName !== null ? (await this.deps.store.readFile(EMAIL_CA_FILE).catch(() => null))?.toString() : undefined;
    const nodemailer = await import('nodemailer');
    const options: SMTPTransport.Options = {
      host: email.host,
      port: email.port,
      secure: email.security === 'tls',
      requireTLS: email.security === 'starttls',
      ignoreTLS: email.security === 'none',
      ...(email.user !== '' && password ? { auth: { user: email.user, pass: password } } : {}),
      // The extra CA is trusted beside the system's roots, not instead of them.
      ...(caPem ? { tls: { ca: [...rootCertificates, caPem] } } : {}),
      connectionTimeout: 15_000,
      greetingTimeout: 15_000,
      socketTimeout: 30_000,
    };
    return (nodemailer.default ?? nodemailer).createTransport(options);
  }
}

function recipients(to: string[] | undefined, email: EmailSettings): string[] {
  const list = (to ?? []).map((t) => t.trim()).filter((t) => t !== '');
  const rcpt = list.length ? list : email.to;
  if (rcpt.length === 0) throw AppError.invalid('to', 'Give at least one recipient.', 'Give --to, or set recipients in Settings → E-mail (CLI: settings set --email-to A).');
  const bad = rcpt.find((t) => !/^[^\s@<>()",;:]+@[^\s@<>()",;:]+\.[^\s@<>()",;:]+$/.test(t));
  if (bad) throw AppError.invalid('to', `Recipient "${bad}" is not an e-mail address.`, 'Use the form name@example.com.');
  return rcpt;
}

const TLS_PROBLEM = /certificate|self[- ]signed|unable to verify|altname|hostname\/ip|ssl|tls|handshake|wrong version number/i;

/** nodemailer's error → what went wrong and which setting to look at. Exported for tests. */
export function smtpError(err: unknown, email: Pick<EmailSettings, 'host' | 'port' | 'user' | 'security' | 'caName'>): AppError {
  const e = err as { code?: string; message?: string; responseCode?: number; response?: string; rejected?: string[]; errno?: number; command?: string };
  const code = e.code ?? '';
  const msg = e.message ?? String(err);
  const where = `${email.host}:${email.port}`;
  if (code === 'EAUTH') {
    return new AppError('AUTH', `The SMTP server ${where} refused the login of user "${email.user}"${e.responseCode ? ` (${e.responseCode})` : ''}.`, { field: 'emailPassword', hint: 'Check the user and password in Settings → E-mail.' });
  }
  if (code === 'ENOAUTH') {
    return new AppError('AUTH', `The SMTP server ${where} requires a login.`, { field: 'email.user', hint: 'Give the user and password in Settings → E-mail.' });
  }
  if (code === 'EENVELOPE') {
    const who = e.rejected?.length ? e.rejected.join(', ') : 'the recipient';
    return new AppError('INVALID_INPUT', `The SMTP server ${where} refused ${who}: ${(e.response ?? msg).replace(/^\d{3}\s*/, '')}`, { field: 'to', hint: 'Check the address, or whether the server lets this user send to it.' });
  }
  if (/ECONNREFUSED/.test(msg) || e.errno === -111) {
    return new AppError('NETWORK', `Connection refused by ${where}: no mail server listens there.`, { field: 'email.port', hint: 'Check the host and port (587 for STARTTLS, 465 for TLS, 25 without).' });
  }
  if (code === 'ETIMEDOUT' || /timed? ?out/i.test(msg)) {
    return new AppError('NETWORK', `The SMTP server ${where} did not answer in time.`, { field: 'email.host', hint: 'Check the host, the port and any firewall between.' });
  }
  if (code === 'EDNS' || /ENOTFOUND|EAI_AGAIN/.test(msg)) {
    return new AppError('NETWORK', `The SMTP server ${email.host} could not be found in DNS.`, { field: 'email.host' });
  }
  if (code === 'ETLS' || code === 'EREQUIRETLS' || ((code === 'ESOCKET' || code === 'ECONNECTION') && TLS_PROBLEM.test(msg))) {
    const ca = email.caName ? `the CA "${email.caName}" set in Settings → E-mail does not vouch for it` : 'no extra CA is set in Settings → E-mail';
    return new AppError('TLS', `TLS with the SMTP server ${where} failed: ${msg}.`, {
      field: 'emailCaPem',
      hint: `The server's certificate could not be verified (${ca}). Give the CA of your mail server (CLI: settings set --email-ca-file F), or check the security setting (${email.security}: STARTTLS usually on 587, TLS on 465).`,
    });
  }
  return new AppError('NETWORK', `Mail not sent through ${where}: ${msg}`, { field: 'email.host' });
}
