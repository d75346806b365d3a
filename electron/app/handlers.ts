// Maps every contract channel to the services. Thin on purpose: validation happened in dispatch(), the
// logic lives in the services, so the same behaviour serves the Electron IPC, the bridge and the CLI.
import { basename } from 'node:path';
import type { CallContext, Handlers } from '../../shared/ipc/dispatch.ts';
import { AppError } from '../../shared/ipc/errors.ts';
import type { FilePurpose } from '../../shared/ipc/contract.ts';
import { parsePrivateKey } from '../acme/keys.ts';
import { PickedFiles, readUserText } from '../core/files.ts';
import { readImportedKey } from '../orders/keys.ts';
import type { OpenPathRequest, SavePathRequest } from './platform-services.ts';
import { WrittenFiles } from './written-files.ts';
import { deployHandlers } from './deploy-handlers.ts';
import { agentHandlers, type AgentHandlerDeps } from './agent-handlers.ts';
import type { AgentService } from '../deploy/agent/service.ts';
import { renewalHandlers } from './renewal-handlers.ts';
import type { SettingsService } from '../renewal/settings-service.ts';
import type { RenewalService } from '../renewal/service.ts';
import type { AlertService } from '../alerts/alerts.ts';
import type { Mailer } from '../email/mailer.ts';
import type { AccountService } from '../acme/accounts.ts';
import type { RequestService } from '../orders/requests.ts';
import type { Repository } from '../repository/certificates.ts';
import type { DnsService } from '../dns/accounts.ts';
import type { Operations } from '../core/operations.ts';
import type { Deployer } from '../deploy/deployer.ts';
import { looksLikePrivateKey, type ServerService } from '../deploy/servers.ts';
import type { AppInfo } from '../../shared/ipc/contract.ts';

export interface HandlerDeps {
  accounts: AccountService;
  requests: RequestService;
  repository: Repository;
  dns: DnsService;
  servers: ServerService;
  deployer: Deployer;
  agents: AgentService;
  /** Makes the agent zip (electron/deploy/agent/package.ts). */
  packageAgent: AgentHandlerDeps['packageAgent'];
  /** The native save dialog; absent where nobody can be asked. */
  chooseSavePath?: ((opts: SavePathRequest) => Promise<string | null>) | undefined;
  settings: SettingsService;
  renewal: RenewalService;
  /** ARI: the `replaces` of a renewal a person starts (absent: none). */
  ari?: { replacesFor(requestId: string, signal: AbortSignal): Promise<string | null> };
  ops: Operations;
  alerts: AlertService;
  mailer: Mailer;
  info: () => Promise<Omit<AppInfo, 'face'>>;
  /** Shows a file in the system file manager; absent or false where there is none. */
  showItemInFolder?: (path: string) => boolean;
  /** Writes text to the system clipboard; absent or false where there is none (bridge, CLI). */
  copyText?: (text: string) => boolean;
  /** The native open dialog (main process); absent or null where nobody can be asked. */
  chooseOpenPath?: (opts: OpenPathRequest) => Promise<string | null>;
  /** Keeps the secret picked in the window (e.g. key texts) out of the logs. */
  redact?: (secret: string) => void;
}

/** Request fields that name a local path. Only the CLI may send them. */
const PATH_FIELDS: Record<string, string> = {
  caFile: 'Send the CA certificate as text (caPem), read from a file the user picked.',
  keyFile: 'Let the user pick the key with the open dialog (files:open, then keyHandle), or send its text (keyPem).',
  importKeyFile: 'Let the user pick the key with the open dialog (files:open, then importKeyHandle), or send its text (importKeyPem).',
  out: 'Leave it out: Certdesk asks where to save with the native save dialog.',
  passwordFile: 'Send the password itself (password); it goes to the keychain.',
  privateKeyFile: 'Let the user pick the key with the open dialog (files:open, purpose ssh-key, then privateKeyHandle).',
  passphraseFile: 'Send the passphrase itself (passphrase); it goes to the keychain.',
  emailPasswordFile: 'Send the SMTP password itself (emailPassword); it goes to the keychain.',
  codeFile: 'Send the pairing code itself (code).',
  emailCaFile: 'Send the CA certificate as text (emailCaPem), read from a file the user picked.',
};

/**
 * A window (Electron or the loopback bridge) must not make the main process open paths it names: it would
 * learn which files exist, could pull in e.g. a server's TLS key as a request key, or point it at a FIFO.
 */
function refusePaths(ctx: CallContext, req: object): void {
  if (ctx.face === 'cli') return;
  for (const [field, hint] of Object.entries(PATH_FIELDS)) {
    if ((req as Record<string, unknown>)[field] !== undefined) {
      throw new AppError('FORBIDDEN', `${field} names a file path, and a window cannot name files for Certdesk to read or write.`, { field, hint });
    }
  }
}

const OPEN_DIALOGS: Record<FilePurpose, OpenPathRequest> = {
  'account-key': { title: 'Choose the account key (PEM)', filters: [{ name: 'PEM keys', extensions: ['pem', 'key'] }, { name: 'All files', extensions: ['*'] }] },
  'certificate-key': { title: 'Choose the private key to import (PEM)', filters: [{ name: 'PEM keys', extensions: ['pem', 'key'] }, { name: 'All files', extensions: ['*'] }] },
  'ssh-key': { title: 'Choose the SSH private key', filters: [{ name: 'All files', extensions: ['*'] }, { name: 'PEM keys', extensions: ['pem', 'key'] }] },
};

export function createHandlers(deps: HandlerDeps): Handlers {
  const { accounts, requests, repository, ops, dns } = deps;
  const picked = new PickedFiles();
  // What Certdesk wrote for the user: the only files `files:reveal` shows.
  const written = new WrittenFiles();
  /** `text` or the content behind `handle` (never both). */
  const keyText = (text: string | undefined, handle: string | undefined, purpose: FilePurpose, textField: string, handleField: string): string | undefined => {
    if (handle === undefined) return text;
    if (text !== undefined) throw AppError.invalid(handleField, `Give the key either as a picked file (${handleField}) or as text (${textField}), not both.`);
    return picked.get(handle, purpose, handleField);
  };
  return {
    'app:info': async (_req, ctx) => ({ ...(await deps.info()), face: ctx.face }),
    'ops:cancel': async (req) => ({ cancelled: ops.cancel(req.opId) }),
    'app:copy': async (req) => ({ copied: deps.copyText?.(req.text) ?? false }),
    'files:reveal': async (req) => {
      const path = written.check(req.path);
      return { shown: deps.showItemInFolder?.(path) ?? false };
    },
    'files:open': async (req) => {
      const path = deps.chooseOpenPath ? await deps.chooseOpenPath(OPEN_DIALOGS[req.purpose]) : null;
      if (!path) return { file: null };
      const name = basename(path);
      const text = await readUserText(path, { field: 'file', label: 'The file', hint: 'Choose a PEM private key file.' });
      deps.redact?.(text);
      // Checked now, so the window can say at once what is wrong with the file (and show the key type).
      let keySpec = null;
      let pem: string;
      if (req.purpose === 'certificate-key') {
        const key = readImportedKey(text, 'file');
        keySpec = key.spec;
        pem = key.pem;
      } else if (req.purpose === 'ssh-key') {
        if (!looksLikePrivateKey(text)) {
          throw AppError.invalid('file', `${name} is not an SSH private key (OpenSSH or PEM).`, 'Choose the private key file (e.g. id_ed25519), not the .pub file.');
        }
        pem = text;
      } else {
        parsePrivateKey(text, 'file');
        pem = text;
      }
      deps.redact?.(pem);
      return { file: { handle: picked.add(req.purpose, name, pem), name, keySpec } };
    },

    'accounts:list': async () => accounts.list(),
    'accounts:get': async (req) => accounts.get(req.id),
    'accounts:directory-info': (req, ctx) => {
      refusePaths(ctx, req);
      return ops.run(req.opId, ctx.signal, (op) => accounts.directoryInfo(req, op.signal));
    },
    'accounts:directory': (req, ctx) => ops.run(req.opId, ctx.signal, (op) => accounts.directoryInfoOf(req.id, op.signal)),
    'accounts:register': (req, ctx) => {
      refusePaths(ctx, req);
      return ops.run(req.opId, ctx.signal, (op) => accounts.register(req, op));
    },
    'accounts:import': (req, ctx) => {
      refusePaths(ctx, req);
      const { keyHandle, ...rest } = req;
      const keyPem = keyText(req.keyPem, keyHandle, 'account-key', 'keyPem', 'keyHandle');
      return ops.run(req.opId, ctx.signal, (op) => accounts.importExisting({ ...rest, keyPem }, op));
    },
    'accounts:update': (req, ctx) => ops.run(req.opId, ctx.signal, (op) => accounts.update(req.id, req, op)),
    'accounts:refresh': (req, ctx) => ops.run(req.opId, ctx.signal, (op) => accounts.refresh(req.id, op)),
    'accounts:rollover': (req, ctx) => ops.run(req.opId, ctx.signal, (op) => accounts.rollover(req.id, op)),
    'accounts:deactivate': (req, ctx) => ops.run(req.opId, ctx.signal, (op) => accounts.deactivate(req.id, op)),
    'accounts:delete': async (req) => {
      await accounts.remove(req.id);
      return { deleted: true as const };
    },
    // Only the CLI may name the output file; a renderer always goes through the native save dialog.
    'accounts:export-key': async (req, ctx) => {
      refusePaths(ctx, req);
      const path = await accounts.exportKey(req.id, req.out, { force: ctx.face === 'cli' && req.force === true });
      written.add([path]);
      return { path };
    },

    'requests:create': (req, ctx) => {
      refusePaths(ctx, req);
      const { importKeyHandle, ...rest } = req;
      const importKeyPem = keyText(req.importKeyPem, importKeyHandle, 'certificate-key', 'importKeyPem', 'importKeyHandle');
      return ops.run(req.opId, ctx.signal, (op) => requests.create({ ...rest, importKeyPem }, op));
    },
    'requests:list': async () => requests.list(),
    'requests:get': async (req) => requests.get(req.id),
    'requests:verify': (req, ctx) => ops.run(req.opId, ctx.signal, (op) => requests.verify(req.id, op)),
    'requests:preflight': (req, ctx) => ops.run(req.opId, ctx.signal, (op) => requests.preflight(req.id, op)),
    'requests:new-challenge': (req, ctx) => ops.run(req.opId, ctx.signal, (op) => requests.newChallenge(req.id, op)),
    // A renewal a person starts also tells an ARI CA which certificate it replaces (RFC 9773 §5).
    'requests:renew': (req, ctx) =>
      ops.run(req.opId, ctx.signal, async (op) => {
        const replaces = deps.ari ? await deps.ari.replacesFor(requests.record(req.id).id, op.signal) : null;
        return requests.renew(req.id, op, replaces ? { replaces } : undefined);
      }),
    'requests:revoke': (req, ctx) => ops.run(req.opId, ctx.signal, (op) => requests.revoke(req.id, req.reason, op)),
    'requests:delete': async (req) => {
      await requests.remove(req.id);
      return { deleted: true as const };
    },

    'certs:save': async (req) => repository.save(req.requestId),
    'certs:list': async () => repository.list(),
    'certs:get': async (req) => {
      const detail = await repository.get(req.id);
      return { ...detail, renewal: deps.renewal.plan(detail.id) };
    },
    // As with keys: only the CLI names the output path; windows use the native save dialog.
    'certs:export': async (req, ctx) => {
      refusePaths(ctx, req);
      const paths = await repository.export({ ...req, force: ctx.face === 'cli' && req.force === true });
      written.add(paths ?? []);
      return { paths };
    },
    'certs:delete': async (req) => {
      await repository.remove(req.id);
      return { deleted: true as const };
    },

    'requests:assign-dns': async (req) => requests.assignDns(req.id, req.accountId),
    'dns:providers': async () => dns.providers(),
    'dns:list': async () => dns.list(),
    'dns:add': async (req) => dns.add(req),
    'dns:edit': async (req) => dns.edit(req),
    'dns:set-enabled': async (req) => dns.setEnabled(req.id, req.enabled),
    'dns:delete': async (req) => {
      await dns.remove(req.id);
      return { deleted: true as const };
    },
    'dns:test': (req, ctx) => ops.run(req.opId, ctx.signal, (op) => dns.test(req.id, req.domain, op)),
    'dns:mappings': async () => dns.mappings(),
    'dns:map': async (req) => dns.map(req),
    'dns:unmap': async (req) => {
      await dns.unmap(req.domain);
      return { deleted: true as const };
    },
    ...deployHandlers({
      servers: deps.servers,
      deployer: deps.deployer,
      ops,
      refusePaths,
      privateKey: (text, handle) => keyText(text, handle, 'ssh-key', 'privateKey', 'privateKeyHandle'),
    }),
    ...agentHandlers({
      agents: deps.agents,
      ops,
      refusePaths,
      packageAgent: async (input, op) => {
        const made = await deps.packageAgent(input, op);
        written.add([made.path]);
        return made;
      },
      chooseSavePath: deps.chooseSavePath,
    }),
    ...renewalHandlers({ settings: deps.settings, renewal: deps.renewal, alerts: deps.alerts, mailer: deps.mailer, ops, refusePaths }),
  };
}

