// An extra sshd beside the bed's, with its own fresh host key, that a test can restart on the same port with a
// new host key (the "host key changed" case). It accepts the bed's client key and the password user.
import { randomBytes } from 'node:crypto';
import { bedEnv } from './bed.ts';

export interface ExtraSshd {
  host: string;
  port: number;
  hostKeyPub: string;
  hostKeyAlgorithm: string;
  hostKeySha256: string;
  /** Stops it and starts it again on the same port with a new host key; returns the new fingerprint. */
  restartWithNewHostKey(): Promise<string>;
  stop(): Promise<void>;
}

interface Instance {
  port: number;
  host: string;
  hostKeyPub: string;
  hostKeyAlgorithm: string;
  hostKeySha256: string;
  stop(): Promise<void>;
}

interface SshdModule {
  startSshdInstance(opts: { workDir: string; name: string; port?: number; authorizedKeys: string; newHostKey?: boolean }): Promise<Instance>;
}

export async function startExtraSshd(opts: { port?: number; name?: string } = {}): Promise<ExtraSshd> {
  const mod = (await import('../bed/sshd.mjs' as string)) as SshdModule;
  const workDir = bedEnv('BED_WORK_DIR');
  const authorizedKeys = `${workDir}/sshd/authorized_keys`;
  const name = opts.name ?? `sshd-extra-${randomBytes(4).toString('hex')}`;
  let inst = await mod.startSshdInstance({ workDir, name, authorizedKeys, newHostKey: true, ...(opts.port ? { port: opts.port } : {}) });
  const view: ExtraSshd = {
    host: inst.host,
    port: inst.port,
    hostKeyPub: inst.hostKeyPub,
    hostKeyAlgorithm: inst.hostKeyAlgorithm,
    hostKeySha256: inst.hostKeySha256,
    async restartWithNewHostKey() {
      await inst.stop();
      inst = await mod.startSshdInstance({ workDir, name, port: inst.port, authorizedKeys, newHostKey: true });
      Object.assign(view, { hostKeyPub: inst.hostKeyPub, hostKeyAlgorithm: inst.hostKeyAlgorithm, hostKeySha256: inst.hostKeySha256 });
      return inst.hostKeySha256;
    },
    stop: () => inst.stop(),
  };
  return view;
}
