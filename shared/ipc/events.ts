// Pushes from the main process to every face (renderer via IPC or bridge WebSocket, CLI via its printer).
import { z } from 'zod';

export const ProgressStatus = z.enum(['running', 'done', 'failed', 'cancelled']);

export const events = {
  /** A step of a long operation: `step` is short and stable, `message` is for people. */
  'ops:progress': z.object({
    opId: z.string(),
    step: z.string(),
    status: ProgressStatus,
    message: z.string(),
    /** Per-item detail, e.g. one identifier of an order. */
    item: z.string().optional(),
  }),
  /** Something in the account list changed: faces reload it. */
  'accounts:changed': z.object({ id: z.string().optional() }),
  /** A request changed (status, phase or a challenge): faces reload it. */
  'requests:changed': z.object({ id: z.string() }),
  /** A DNS account or mapping changed (id: the account; absent: a mapping or several): faces reload them. */
  'dns:changed': z.object({ id: z.string().optional() }),
  /** An end server or a server mapping changed (id: the server; absent: several). */
  'servers:changed': z.object({ id: z.string().optional() }),
  /** A Certdesk agent changed (paired, tested, unpaired; id: the agent). Its mappings emit servers:changed. */
  'agents:changed': z.object({ id: z.string().optional() }),
  /** A deployment started or finished (faces reload the request and the deployment history). */
  'deploy:changed': z.object({ requestId: z.string().nullable(), certificateId: z.string().nullable(), serverId: z.string() }),
  /** Renewal plans changed (due times, a renewal started or ended): faces reload them. */
  'renewal:changed': z.object({ certificateId: z.string().optional() }),
  /** The alerts changed: faces reload them (the bell's count). */
  'alerts:changed': z.object({}),
  /** The repository changed. */
  'certs:changed': z.object({ id: z.string().optional() }),
} as const satisfies Record<string, z.ZodType>;

export type Events = typeof events;
export type EventName = keyof Events;
export type EventPayload<E extends EventName> = z.output<Events[E]>;
export const EVENT_NAMES = Object.keys(events) as EventName[];

export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(events, name);
}
