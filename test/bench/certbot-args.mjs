// certbot's command lines for the benchmarks that measure it (run.mjs in-process comparison, scripted.mjs whole
// process): one place, so both time the very same certbot work.

/** certbot keeps its config, work files and logs in `dir` (one folder per benchmark run, nothing in /etc). */
export const certbotDirs = (dir) => ['--config-dir', dir, '--work-dir', dir, '--logs-dir', dir];

/**
 * One issuance as the benchmarks compare it: `certonly --standalone` (certbot serves http-01 itself on the port
 * Pebble dials), one name, RSA-2048, no prompts.
 */
export function certbotIssueArgs(dir, env, name) {
  return [
    ...certbotDirs(dir),
    'certonly', '--standalone',
    '--server', env.PEBBLE_DIRECTORY,
    '--http-01-port', String(env.PEBBLE_HTTP_PORT),
    '--http-01-address', '127.0.0.1',
    '-d', name,
    '--agree-tos', '--register-unsafely-without-email', '--non-interactive',
    '--key-type', 'rsa', '--rsa-key-size', '2048',
  ];
}
