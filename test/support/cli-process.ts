import { spawn } from 'node:child_process';
import { join } from 'node:path';

/** The built single-file CLI (test/global-setup.ts builds it). */
export const BUILT_CLI = join(import.meta.dirname, '..', '..', 'action', 'cli.js');

/**
 * The built CLI as a process, stdout and stderr together; asynchronous, because the sandboxes answer
 * from this process. The caller's own sync settings are not passed on; `env` is added (e.g. a TZ).
 */
export function runBuiltCli(
  args: string[],
  cwd: string,
  extraEnv: Readonly<Record<string, string>> = {},
): Promise<{ status: number | null; out: string }> {
  return new Promise((resolve) => {
    const env = {
      ...Object.fromEntries(
        Object.entries(process.env).filter(([name]) => !/^(SYNC_|GARMIN_|COROS_|QYWX_|STATE_)/.test(name)),
      ),
      ...extraEnv,
    };
    const child = spawn(process.execPath, [BUILT_CLI, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('exit', (status) => resolve({ status, out }));
  });
}
