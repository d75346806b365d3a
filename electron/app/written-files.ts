// The files Certdesk itself wrote for the user in this run (exports, account keys, agent zips): the only paths
// a window may ask to reveal in the file manager (`files:reveal`). A window names a path, so the main process
// must not take it on trust: revealing any path would let a page probe which files exist and open folders of
// its choosing. A path is accepted only when it is, after normalisation, exactly one of those written.
import { statSync } from 'node:fs';
import { isAbsolute, normalize, resolve } from 'node:path';
import { AppError } from '../../shared/ipc/errors.ts';

/** How many written paths are remembered (the oldest are forgotten first). */
const LIMIT = 500;

export class WrittenFiles {
  private readonly paths = new Set<string>();

  /** Remembers paths a service just wrote (null and empty entries are ignored). */
  add(paths: Iterable<string | null | undefined>): void {
    for (const p of paths) {
      if (!p || !isAbsolute(p)) continue;
      const key = resolve(normalize(p));
      this.paths.delete(key);
      this.paths.add(key);
      if (this.paths.size > LIMIT) this.paths.delete(this.paths.values().next().value!);
    }
  }

  has(path: string): boolean {
    return isAbsolute(path) && this.paths.has(resolve(normalize(path)));
  }

  /**
   * The path to reveal, checked: absolute, written by Certdesk in this run, and still a file. Throws an
   * AppError naming the field otherwise.
   */
  check(path: string): string {
    // eslint-disable-next-line no-control-regex -- control characters never name a file Certdesk wrote
    if (!isAbsolute(path) || /[\u0000-\u001f]/.test(path)) {
      throw AppError.invalid('path', 'Only the full path of a file Certdesk exported can be shown in its folder.');
    }
    const key = resolve(normalize(path));
    if (!this.paths.has(key)) {
      throw new AppError('FORBIDDEN', 'Certdesk shows only files it wrote itself in this session (an export, a key, an agent package).', {
        field: 'path',
        hint: 'Export the certificate again, then use Show in folder.',
      });
    }
    let isFile = false;
    try {
      isFile = statSync(key).isFile();
    } catch {
      isFile = false;
    }
    if (!isFile) {
      throw new AppError('NOT_FOUND', `${key} is no longer there: it was moved or deleted after the export.`, { field: 'path', hint: 'Export the certificate again.' });
    }
    return key;
  }
}
