// The repository (SSL >> Certificates): certificates saved from requests (seed Step 4), each with its own
// copy of the chain and the sealed key, and the versions a renewal replaced (seed Step 5 note). Exports in
// the formats servers need.
import { randomUUID } from 'node:crypto';
import { AppError } from '../../shared/ipc/errors.ts';
import type { Certificate, CertificateDetail, ExportFormat } from '../../shared/model/request.ts';
import type { EventHub } from '../core/events.ts';
import type { Logger } from '../core/logger.ts';
import { writeUserFile, writeUserFolder } from '../core/files.ts';
import { exportKeystore, keystoreFileName, validatePassword, type ExportedFile } from '../keystore/index.ts';
import { splitPem } from '../orders/certinfo.ts';
import type { RequestService } from '../orders/requests.ts';
import type { CertificateRecord, RequestRecord } from '../store/schema.ts';
import type { Store } from '../store/store.ts';
import { certificateView } from './cert-listing.ts';

export type RepositoryStore = Pick<Store, 'dataDir' | 'data' | 'update' | 'writeSecret' | 'readSecret' | 'writeFile' | 'readFile' | 'removeFile' | 'removeDir'>;

export interface RepositoryDeps {
  store: RepositoryStore;
  requests: RequestService;
  hub: EventHub;
  logger: Logger;
  clock?: () => Date;
  chooseSavePath?: (opts: { title: string; defaultName: string }) => Promise<string | null>;
}

export interface ExportInput {
  id: string;
  format: ExportFormat;
  password?: string | undefined;
  alias?: string | undefined;
  keyPassword?: string | undefined;
  encryptKey?: boolean | undefined;
  /** CLI only: a file (pfx/jks) or a folder (pem). */
  out?: string | undefined;
  /** Replace existing files at `out` (CLI --force). A path from the save dialog is confirmed by the dialog. */
  force?: boolean | undefined;
}

export class Repository {
  private readonly store: RepositoryStore;
  private readonly log: Logger;
  private readonly now: () => Date;
  private readonly saving = new Map<string, Promise<Certificate>>();

  constructor(private readonly deps: RepositoryDeps) {
    this.store = deps.store;
    this.log = deps.logger.child('repository');
    this.now = deps.clock ?? (() => new Date());
  }

  list(): Certificate[] {
    return this.store.data.certificates.map((c) => this.view(c));
  }

  async get(id: string): Promise<CertificateDetail> {
    const c = this.record(id);
    const blocks = splitPem((await this.store.readFile(c.certFile)).toString());
    return { ...this.view(c), certificatePem: blocks[0] ?? '', chainPem: blocks.slice(1).join('') };
  }

  /** Saves the request's issued certificate; after a renewal it replaces the saved one, keeping history. */
  save(requestId: string): Promise<Certificate> {
    // One save per request at a time: a double click must not create two entries.
    const key = this.deps.requests.record(requestId).id;
    const next = (this.saving.get(key) ?? Promise.resolve()).catch(() => undefined).then(() => this.saveNow(key));
    this.saving.set(key, next);
    return next.finally(() => {
      if (this.saving.get(key) === next) this.saving.delete(key);
    });
  }

  private async saveNow(requestId: string): Promise<Certificate> {
    const req = this.deps.requests.record(requestId);
    if (!req.certFile || !req.certificate || !req.issuedKeyFile) {
      throw new AppError('CONFLICT', 'This request has no issued certificate to save yet.', {
        field: 'requestId',
        hint: 'Verify the request first; save it when its status is Available.',
      });
    }
    const existing = req.savedCertificateId ? this.store.data.certificates.find((c) => c.id === req.savedCertificateId) : undefined;
    if (existing && existing.summary.sha256 === req.certificate.sha256) return this.view(existing);
    const id = existing?.id ?? randomUUID();
    const version = (existing?.history.length ?? -1) + 2;
    const certFile = `certificates/${id}/v${version}.pem`;
    const keyFile = `certificates/${id}/v${version}.key`;
    await this.store.writeFile(certFile, await this.store.readFile(req.certFile), 0o644);
    await this.store.writeSecret(keyFile, await this.store.readSecret(req.issuedKeyFile));
    const stamp = this.now().toISOString();
    const summary = req.certificate;
    await this.store.update((d) => {
      const prev = d.certificates.find((c) => c.id === id);
      const history = prev
        ? [
            ...prev.history,
            { serial: prev.summary.serial, notBefore: prev.summary.notBefore, notAfter: prev.summary.notAfter, sha256: prev.summary.sha256, savedAt: prev.savedAt, certFile: prev.certFile },
          ]
        : [];
      const rec: CertificateRecord = {
        id,
        requestId: req.id,
        names: req.names,
        namesUnicode: req.namesUnicode,
        summary,
        certFile,
        keyFile,
        savedAt: stamp,
        revoked: req.status === 'revoked',
        history,
      };
      if (prev) Object.assign(prev, rec);
      else d.certificates.push(rec);
      const r = d.requests.find((x) => x.id === req.id);
      if (r) {
        r.savedCertificateId = id;
        r.savedSha256 = summary.sha256;
      }
    });
    // The replaced version's key is no longer needed; its certificate stays for the history.
    if (existing) await this.store.removeFile(existing.keyFile).catch(() => undefined);
    this.deps.hub.emit('certs:changed', { id });
    this.deps.hub.emit('requests:changed', { id: req.id });
    this.log.info(existing ? 'certificate replaced by its renewal' : 'certificate saved', { id, serial: summary.serial });
    return this.view(this.record(id));
  }

  /**
   * The keystore files of a saved certificate or a request (its issued certificate), in memory: what export
   * writes and what the mailer attaches. The password is the one given, else the request's.
   */
  async keystore(input: Omit<ExportInput, 'out' | 'force'>): Promise<{ files: ExportedFile[]; commonName: string; defaultName: string }> {
    // Secrets are registered before anything can log them, as every other secret is.
    if (input.password) this.deps.logger.redact(input.password);
    if (input.keyPassword) this.deps.logger.redact(input.keyPassword);
    const source = await this.exportSource(input.id);
    let password = input.password;
    if (password === undefined && source.request) password = (await this.deps.requests.keystorePassword(source.request)) ?? undefined;
    const needsPassword = input.format !== 'pem' || input.encryptKey === true;
    if (needsPassword) {
      if (password === undefined) {
        throw AppError.invalid('password', 'Keystore password is required: the request has none stored.', 'Enter the password that should protect the keystore (CLI: --password-file).');
      }
      validatePassword(password, 'password');
      if (input.keyPassword !== undefined) validatePassword(input.keyPassword, 'keyPassword');
      this.deps.logger.redact(password);
    }
    const files = exportKeystore(
      {
        keyPem: source.keyPem,
        certPem: source.blocks[0]!,
        chainPems: source.blocks.slice(1),
        password: password ?? '',
        ...(input.alias ? { alias: input.alias, friendlyName: input.alias } : {}),
        ...(input.keyPassword ? { keyPassword: input.keyPassword } : {}),
      },
      input.format,
      { encryptKey: input.encryptKey === true },
    ).files;
    return { files, commonName: source.commonName, defaultName: keystoreFileName(source.commonName, input.format) };
  }

  /** Writes a keystore; the id may be a saved certificate's or a request's (its issued certificate). */
  async export(input: ExportInput): Promise<string[] | null> {
    const { out: _o, force: _f, ...what } = input;
    const { files, commonName, defaultName } = await this.keystore(what);
    let target = input.out ?? null;
    let force = input.force === true;
    if (!target) {
      if (!this.deps.chooseSavePath) throw AppError.invalid('out', 'Choose where to save the export (--out).');
      target = await this.deps.chooseSavePath({ title: `Export ${commonName}`, defaultName });
      if (!target) return null;
      // The native save dialog asked before replacing a file (the headless one never picks an existing path).
      force = true;
    }
    const output = { force, dataDir: this.store.dataDir, field: 'out', ...(input.out ? { flag: '--out' } : {}) };
    const written =
      input.format === 'pem'
        ? await writeUserFolder(target, files, output)
        : [await writeUserFile(target, files[0]!.data, files[0]!.mode, output)];
    this.log.info('certificate exported', { id: input.id, format: input.format, files: written.length });
    return written;
  }

  /** Deletes a saved certificate (by its id or its request's) together with its request. */
  async remove(id: string): Promise<void> {
    const c = this.find(id);
    const requestId = c ? c.requestId : this.deps.requests.record(id).id;
    if (requestId && this.store.data.requests.some((r) => r.id === requestId)) {
      await this.deps.requests.remove(requestId);
      return;
    }
    if (!c) throw this.notFound(id);
    await this.store.update((d) => {
      d.certificates = d.certificates.filter((x) => x.id !== c.id);
    });
    await this.store.removeDir(`certificates/${c.id}`);
    this.deps.hub.emit('certs:changed', { id: c.id });
  }

  private async exportSource(id: string): Promise<{ keyPem: string; blocks: string[]; commonName: string; request: RequestRecord | null }> {
    const cert = this.find(id);
    if (cert) {
      const request = cert.requestId ? this.store.data.requests.find((r) => r.id === cert.requestId) ?? null : null;
      return {
        keyPem: (await this.store.readSecret(cert.keyFile)).toString(),
        blocks: splitPem((await this.store.readFile(cert.certFile)).toString()),
        commonName: cert.names[0] ?? 'certificate',
        request,
      };
    }
    const req = this.deps.requests.record(id);
    if (!req.certFile || !req.issuedKeyFile) {
      throw new AppError('CONFLICT', 'This request has no issued certificate to export yet.', { field: 'id' });
    }
    return {
      keyPem: (await this.store.readSecret(req.issuedKeyFile)).toString(),
      blocks: splitPem((await this.store.readFile(req.certFile)).toString()),
      commonName: req.names[0] ?? 'certificate',
      request: req,
    };
  }

  /** A saved certificate by id or unique id prefix (8+ characters); undefined when none matches. */
  private find(id: string): CertificateRecord | undefined {
    const all = this.store.data.certificates;
    const exact = all.find((x) => x.id === id);
    if (exact) return exact;
    const hits = id.length >= 8 ? all.filter((x) => x.id.startsWith(id)) : [];
    if (hits.length > 1) throw AppError.invalid('id', `The id ${id} matches ${hits.length} certificates: give more of it.`);
    return hits[0];
  }

  private record(id: string): CertificateRecord {
    const c = this.find(id);
    if (!c) throw this.notFound(id);
    return c;
  }

  private notFound(id: string): AppError {
    return new AppError('NOT_FOUND', `No saved certificate with id ${id}.`, { field: 'id', hint: 'List the repository to see the ids.' });
  }

  private view(c: CertificateRecord): Certificate {
    return certificateView(c, this.now());
  }
}
