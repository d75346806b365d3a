// The main process's event hub: services emit, faces (IPC, bridge, CLI) subscribe and forward.
import type { EventName, EventPayload } from '../../shared/ipc/events.ts';

export type HubListener = <E extends EventName>(event: E, payload: EventPayload<E>) => void;

export class EventHub {
  private readonly listeners = new Set<HubListener>();
  on(listener: HubListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  emit<E extends EventName>(event: E, payload: EventPayload<E>): void {
    for (const l of this.listeners) {
      try {
        l(event, payload);
      } catch {
        // A face that fails to forward an event must not break the service that emitted it.
      }
    }
  }
}
