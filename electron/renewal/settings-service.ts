// Settings as one face sees them (settings:get / settings:set): the DNS part is the DnsService's, renewal,
// notifications and e-mail live under db.json `settings`, the SMTP password in the keychain.
import { X509Certificate } from 'node:crypto';
import type { AppSettings, ParsedReq } from '../../shared/ipc/contract.ts';
import { AppError } from '../../shared/ipc/errors.ts';
import type { EventHub } from '../core/events.ts';
import { MAX_PEM_BYTES, MAX_SECRET_FILE_BYTES, readUserText } from '../core/files.ts';
import type { Logger } from '../core/logger.ts';
import type { DnsService } from '../dns/accounts.ts';
import type { SecretStore } from '../secrets/secret-store.ts';
import { EMAIL_PASSWORD_SECRET } from '../store/schema.ts';
import type { Store } from '../store/store.ts';
import {
  checkEmail,
  checkNotifications,
  checkRenewal,
  emailSettings,
  EMAIL_CA_FILE,
  notificationSettings,
  renewalSettings,
} from './settings.ts';

export interface SettingsServiceDeps {
  store: Pick<Store, 'data' | 'update' | 'writeFile' | 'removeFile' | 'exists'>;
  secrets: SecretStore;
  dns: Pick<DnsService, 'settings' | 'setSettings'>;
  hub: EventHub;
  logger: Logger;
}

type SetInput = ParsedReq<'settings:set'>;

/** Who wants to know when settings change (the scheduler re-plans, the tray redraws). */
export type SettingsListener = (settings: AppSettings) => void;

export class SettingsService {
  private hasPassword: boolean | null = null;
  private readonly listeners = new Set<SettingsListener>();
  private readonly log: Logger;

  constructor(private readonly deps: SettingsServiceDeps) {
    this.log = deps.logger.child('settings');
  }

  onChange(l: SettingsListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  async get(): Promise<AppSettings> {
    this.hasPassword ??= (await this.deps.secrets.get(EMAIL_PASSWORD_SECRET)) !== null;
    const s = this.deps.store.data.settings;
    return { ...this.deps.dns.settings(), renewal: renewalSettings(s), notifications: notificationSettings(s), email: emailSettings(s, this.hasPassword) };
  }

  /** The SMTP password (main process only: the mailer). */
  async emailPassword(): Promise<string | null> {
    const v = await this.deps.secrets.get(EMAIL_PASSWORD_SECRET);
    if (v) this.log.redact(v);
    return v;
  }

  async set(input: SetInput): Promise<AppSettings> {
    const current = await this.get();
    // Check every part first: nothing is stored when one of them is wrong.
    const renewal = input.renewal ? { ...current.renewal, ...stripUndefined(input.renewal) } : null;
    if (renewal) checkRenewal(renewal);
    const notifications = input.notifications ? { ...current.notifications, ...stripUndefined(input.notifications) } : null;
    if (notifications) {
      notifications.thresholds = [...new Set(notifications.thresholds)].sort((a, b) => b - a);
      checkNotifications(notifications);
    }
    const { hasPassword: _h, caName: _c, ...emailNow } = current.email;
    const email = input.email ? { ...emailNow, ...stripUndefined(input.email) } : null;
    if (email) {
      email.host = email.host.trim();
      email.from = email.from.trim();
      email.user = email.user.trim();
      email.to = email.to.map((t) => t.trim()).filter((t) => t !== '');
      checkEmail(email);
    }
    if (input.emailPassword !== undefined && input.emailPasswordFile !== undefined) throw AppError.invalid('emailPasswordFile', 'Give the SMTP password either as text or as a file, not both.');
    let password = input.emailPassword;
    if (input.emailPasswordFile !== undefined) {
      password = (await readUserText(input.emailPasswordFile, { field: 'emailPasswordFile', label: 'SMTP password file', maxBytes: MAX_SECRET_FILE_BYTES, hint: 'Give a regular file that holds only the password.' })).replace(/\r?\n$/, '');
      if (password === '') throw AppError.invalid('emailPasswordFile', 'The SMTP password file is empty.');
    }
    if (password) this.log.redact(password);
    if (input.emailCaPem !== undefined && input.emailCaFile !== undefined) throw AppError.invalid('emailCaFile', 'Give the SMTP server\'s CA either as text or as a file, not both.');
    let caPem = input.emailCaPem;
    let caField = 'emailCaPem';
    if (input.emailCaFile !== undefined) {
      caField = 'emailCaFile';
      caPem = await readUserText(input.emailCaFile, { field: 'emailCaFile', label: 'CA file', maxBytes: MAX_PEM_BYTES, hint: 'Give the PEM file of the CA that signed your mail server\'s certificate.' });
    }
    let caName: string | null | undefined;
    if (caPem !== undefined) {
      if (caPem.trim() === '') caName = null;
      else {
        try {
          caName = new X509Certificate(caPem).subject.split('\n').find((l) => l.startsWith('CN='))?.slice(3) ?? 'CA';
        } catch {
          throw AppError.invalid(caField, 'The SMTP CA is not a PEM certificate.', 'Give the CA certificate (-----BEGIN CERTIFICATE-----).');
        }
      }
    }

    if (input.dnsServers !== undefined) await this.deps.dns.setSettings({ dnsServers: input.dnsServers });
    if (password !== undefined) {
      if (password === '') await this.deps.secrets.delete(EMAIL_PASSWORD_SECRET).catch(() => false);
      else await this.deps.secrets.set(EMAIL_PASSWORD_SECRET, password);
      this.hasPassword = password !== '';
    }
    if (caPem !== undefined) {
      if (caName === null) await this.deps.store.removeFile(EMAIL_CA_FILE).catch(() => undefined);
      else await this.deps.store.writeFile(EMAIL_CA_FILE, caPem.trim() + '\n', 0o644);
    }
    if (renewal || notifications || email || caName !== undefined) {
      await this.deps.store.update((d) => {
        const next = { ...d.settings };
        if (renewal) next.renewal = renewal;
        if (notifications) next.notifications = notifications;
        if (email || caName !== undefined) next.email = { ...(email ?? emailNow), caName: caName === undefined ? current.email.caName : caName };
        d.settings = next;
      });
    }
    const after = await this.get();
    this.log.info('settings changed', { parts: Object.keys(input).filter((k) => !k.toLowerCase().includes('password')) });
    for (const l of this.listeners) {
      try {
        l(after);
      } catch (err) {
        this.log.warn('settings listener failed', { error: (err as Error).message });
      }
    }
    return after;
  }
}

function stripUndefined<T extends object>(o: T): { [K in keyof T]-?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as { [K in keyof T]-?: Exclude<T[K], undefined> };
}
