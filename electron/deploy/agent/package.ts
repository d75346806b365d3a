// Placeholder until the agent packaging lands (issue 10, branch i10-pack): the zips for Windows.
import { AppError } from '../../../shared/ipc/errors.ts';

export async function packageAgent(input: { arch: 'x64' | 'x86'; out: string; force?: boolean }, _op?: unknown): Promise<{ path: string; bytes: number }> {
  throw new AppError('INTERNAL', `The agent package for ${input.arch} is not built yet (issue 10 in progress).`);
}
