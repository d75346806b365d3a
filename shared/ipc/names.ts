// The contract's channel and event names without their schemas, for code that must stay small and cannot
// carry zod: the sandboxed preload's allow-lists. The type checks below fail the build when a channel or an
// event is added to the contract but not here (or the other way round).
import type { Channel } from './contract.ts';
import type { EventName } from './events.ts';

export const CHANNEL_NAMES = [
  'app:info',
  'app:copy',
  'ops:cancel',
  'files:open',
  'files:reveal',
  'accounts:list',
  'accounts:get',
  'accounts:directory-info',
  'accounts:directory',
  'accounts:register',
  'accounts:import',
  'accounts:update',
  'accounts:refresh',
  'accounts:rollover',
  'accounts:deactivate',
  'accounts:delete',
  'accounts:export-key',
  'requests:create',
  'requests:list',
  'requests:get',
  'requests:verify',
  'requests:preflight',
  'requests:new-challenge',
  'requests:renew',
  'requests:revoke',
  'requests:delete',
  'requests:assign-dns',
  'certs:save',
  'certs:list',
  'certs:get',
  'certs:export',
  'certs:delete',
  'dns:providers',
  'dns:list',
  'dns:add',
  'dns:edit',
  'dns:set-enabled',
  'dns:delete',
  'dns:test',
  'dns:mappings',
  'dns:map',
  'dns:unmap',
  'servers:list',
  'servers:probe',
  'servers:add',
  'servers:edit',
  'servers:test',
  'servers:delete',
  'servers:mappings',
  'servers:map',
  'servers:unmap',
  'agents:list',
  'agents:probe',
  'agents:pair',
  'agents:test',
  'agents:delete',
  'agents:package',
  'deploy:run',
  'deploy:history',
  'settings:get',
  'settings:set',
  'renewal:plans',
  'renewal:set-policy',
  'renewal:run-due',
  'renewal:dry-run',
  'alerts:list',
  'alerts:dismiss',
  'email:test',
  'certs:email',
] as const satisfies readonly Channel[];

export const EVENT_NAME_LIST = ['ops:progress', 'accounts:changed', 'requests:changed', 'certs:changed', 'dns:changed', 'servers:changed', 'agents:changed', 'deploy:changed', 'renewal:changed', 'alerts:changed'] as const satisfies readonly EventName[];

type Unlisted<All, Listed extends readonly unknown[]> = Exclude<All, Listed[number]>;
// Each is `true` only when nothing is missing; otherwise tsc names the missing entries.
export const ALL_CHANNELS_LISTED: [Unlisted<Channel, typeof CHANNEL_NAMES>] extends [never] ? true : Unlisted<Channel, typeof CHANNEL_NAMES> = true;
export const ALL_EVENTS_LISTED: [Unlisted<EventName, typeof EVENT_NAME_LIST>] extends [never] ? true : Unlisted<EventName, typeof EVENT_NAME_LIST> = true;

const channelSet: ReadonlySet<string> = new Set(CHANNEL_NAMES);
const eventSet: ReadonlySet<string> = new Set(EVENT_NAME_LIST);

export function isChannelName(name: unknown): name is Channel {
  return typeof name === 'string' && channelSet.has(name);
}

export function isEventNameOnly(name: unknown): name is EventName {
  return typeof name === 'string' && eventSet.has(name);
}
