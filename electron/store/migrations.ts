// Numbered migrations of db.json, run before anything else reads the data. Each one lifts the data to its
// `version` and is idempotent (running it on data that is already there changes nothing), so a crash in the
// middle is harmless: the file on disk is only replaced, atomically, after all of them ran.
// To change the schema: bump SCHEMA_VERSION in schema.ts and append a migration here; never edit an old one.
// The record schemas in schema.ts must follow (a type check there fails until they do): records that do not
// match them are set aside at open (validate.ts).
import { constants } from 'node:fs';
import { chmod, copyFile, readFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { AppError } from '../../shared/ipc/errors.ts';
import { DIRECTORY_PRESETS, type DirectoryKind } from '../../shared/model/account.ts';
import type { Logger } from '../core/logger.ts';
import { PRIVATE_FILE_MODE } from './atomic.ts';
import { SCHEMA_VERSION, type StoreData } from './schema.ts';

type Json = Record<string, unknown>;

export interface Migration {
  /** The schemaVersion this migration produces. */
  version: number;
  name: string;
  up(data: Json): Json;
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function directoryKindOf(url: string): DirectoryKind {
  if (url === DIRECTORY_PRESETS.production) return 'production';
  if (url === DIRECTORY_PRESETS.staging) return 'staging';
  return 'custom';
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial layout: store id, accounts, settings',
    up(d) {
      return {
        ...d,
        storeId: typeof d.storeId === 'string' && d.storeId !== '' ? d.storeId : randomUUID(),
        accounts: Array.isArray(d.accounts) ? d.accounts : [],
        settings: isObject(d.settings) ? d.settings : {},
      };
    },
  },
  {
    version: 2,
    name: 'accounts: directory -> directoryUrl + directoryKind, updatedAt, caName',
    up(d) {
      const accounts = (Array.isArray(d.accounts) ? d.accounts : []).map((a: unknown) => {
        if (!isObject(a)) return a;
        const { directory, ...rest } = a;
        const directoryUrl =
          typeof rest.directoryUrl === 'string' ? rest.directoryUrl : typeof directory === 'string' ? directory : '';
        return {
          ...rest,
          directoryUrl,
          directoryKind: typeof rest.directoryKind === 'string' ? rest.directoryKind : directoryKindOf(directoryUrl),
          caFile: rest.caFile ?? null,
          caName: rest.caName ?? null,
          updatedAt: typeof rest.updatedAt === 'string' ? rest.updatedAt : rest.createdAt,
        };
      });
      return { ...d, accounts };
    },
  },
  {
    version: 3,
    name: 'certificate requests and the repository of saved certificates',
    up(d) {
      return {
        ...d,
        requests: Array.isArray(d.requests) ? d.requests : [],
        certificates: Array.isArray(d.certificates) ? d.certificates : [],
      };
    },
  },
  {
    version: 4,
    name: 'DNS accounts and domain mappings; requests: dnsAccountId and presented TXT records',
    up(d) {
      const requests = (Array.isArray(d.requests) ? d.requests : []).map((r: unknown) =>
        isObject(r) ? { ...r, dnsAccountId: r.dnsAccountId ?? null, presented: Array.isArray(r.presented) ? r.presented : [] } : r,
      );
      return {
        ...d,
        requests,
        dnsAccounts: Array.isArray(d.dnsAccounts) ? d.dnsAccounts : [],
        dnsMappings: Array.isArray(d.dnsMappings) ? d.dnsMappings : [],
      };
    },
  },
  {
    version: 5,
    name: 'end servers, server mappings and deployments; requests: placed http-01 files',
    up(d) {
      const requests = (Array.isArray(d.requests) ? d.requests : []).map((r: unknown) =>
        isObject(r) ? { ...r, placed: Array.isArray(r.placed) ? r.placed : [] } : r,
      );
      return {
        ...d,
        requests,
        servers: Array.isArray(d.servers) ? d.servers : [],
        serverMappings: Array.isArray(d.serverMappings) ? d.serverMappings : [],
        deployments: Array.isArray(d.deployments) ? d.deployments : [],
      };
    },
  },
  {
    version: 6,
    name: 'renewal plans, one-time notices and dismissed alerts',
    up(d) {
      return {
        ...d,
        renewals: Array.isArray(d.renewals) ? d.renewals : [],
        notices: Array.isArray(d.notices) ? d.notices : [],
        dismissals: Array.isArray(d.dismissals) ? d.dismissals : [],
      };
    },
  },
  {
    version: 7,
    name: 'Certdesk agents; deploy settings: the IIS site',
    up(d) {
      const serverMappings = (Array.isArray(d.serverMappings) ? d.serverMappings : []).map((m: unknown) =>
        isObject(m) && isObject(m.deploy) && !('site' in m.deploy) ? { ...m, deploy: { ...m.deploy, site: null } } : m,
      );
      return { ...d, serverMappings, agents: Array.isArray(d.agents) ? d.agents : [] };
    },
  },
  {
    version: 8,
    // The records do not change. A large db.json is continued from now on by a journal of changes beside it
    // (db.json.journal, see journal.ts): a Certdesk of version 7 or older would read db.json without it and miss
    // (then overwrite) the changes in it, so this version number makes those refuse the directory instead.
    name: 'changes of a large database go to a journal beside db.json (db.json.journal)',
    up(d) {
      return { ...d };
    },
  },
];

export interface MigrationResult {
  data: StoreData;
  /** Version found (0 when there was no database). */
  from: number;
  to: number;
  /** Names of the migrations that ran. */
  applied: string[];
}

function newerError(dbPath: string, found: number): AppError {
  return new AppError(
    'STORE_CORRUPT',
    `The Certdesk database ${dbPath} has schema version ${found}: it was made by a newer Certdesk (this one knows ` +
      `up to version ${SCHEMA_VERSION}). Update the app to open it.`,
    { hint: 'Install the latest Certdesk, or use another --data-dir. The file was left untouched.' },
  );
}

/** The schemaVersion of parsed db.json content (0 = no database or a layout from before versions). */
export function versionOf(raw: unknown, dbPath: string): number {
  if (raw === null || raw === undefined) return 0;
  if (!isObject(raw)) {
    throw new AppError('STORE_CORRUPT', `The Certdesk database ${dbPath} does not hold a Certdesk database (not a JSON object).`, {
      hint: 'Restore it from a backup or move it away to start with an empty database.',
    });
  }
  const v = raw.schemaVersion;
  if (v === undefined) return 0;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
    throw new AppError('STORE_CORRUPT', `The Certdesk database ${dbPath} has an invalid schemaVersion (${JSON.stringify(v)}).`, {
      hint: 'Restore it from a backup or move it away to start with an empty database.',
    });
  }
  return v;
}

/** Lifts parsed db.json content (null: no file) to SCHEMA_VERSION in memory. Pure apart from new ids. */
export function migrate(raw: unknown, dbPath = 'db.json', migrations: readonly Migration[] = MIGRATIONS): MigrationResult {
  const from = versionOf(raw, dbPath);
  const target = migrations.reduce((max, m) => Math.max(max, m.version), 0);
  if (from > target) throw newerError(dbPath, from);
  // Nothing to migrate (every start but the first after an update): the parsed content is used as it is; a
  // copy of 10,000 certificates' records costs more than the rest of the start.
  if (from === target && isObject(raw)) return { data: raw as unknown as StoreData, from, to: target, applied: [] };
  let data: Json = isObject(raw) ? structuredClone(raw) : {};
  const applied: string[] = [];
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (m.version <= from) continue;
    const { schemaVersion: _old, ...rest } = m.up(data);
    data = { schemaVersion: m.version, ...rest }; // schemaVersion first: it is what a reader of the file looks for
    applied.push(`${m.version}: ${m.name}`);
  }
  return { data: data as unknown as StoreData, from, to: target, applied };
}

function stamp(d = new Date()): string {
  return d.toISOString().replace(/[:.]/g, '-');
}

/**
 * Keeps a copy of db.json as it was before a migration: db.json.v<old>.bak. An existing backup is never
 * overwritten (a different one gets a timestamp in its name). Returns the backup path.
 */
export async function backupBeforeMigration(dbPath: string, fromVersion: number, logger?: Logger): Promise<string> {
  const base = `${dbPath}.v${fromVersion}.bak`;
  const current = await readFile(dbPath);
  for (const candidate of [base, `${dbPath}.v${fromVersion}.${stamp()}.bak`]) {
    try {
      await copyFile(dbPath, candidate, constants.COPYFILE_EXCL);
      await chmod(candidate, PRIVATE_FILE_MODE);
      logger?.info('database backed up before migration', { backup: candidate, from: fromVersion });
      return candidate;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const existing = await readFile(candidate).catch(() => null);
      if (existing !== null && existing.equals(current)) return candidate; // same bytes already kept
    }
  }
  throw new AppError('INTERNAL', `Could not keep a backup of ${dbPath} before migrating it: ${base} already exists.`);
}
