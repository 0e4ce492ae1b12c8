import { openSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { Writable } from 'node:stream';
import { WriteStream } from 'node:tty';
import { runCli } from './cli/main.ts';

/** Where prompts are written: the terminal itself, so `login … | tee` still asks (stdout holds the token). */
function promptOutput(): NodeJS.WritableStream & { columns?: number } {
  if (process.stderr.isTTY) return process.stderr;
  try {
    return new WriteStream(openSync('/dev/tty', 'w'));
  } catch {
    return process.stderr;
  }
}

/**
 * Reads one line. For a secret, readline writes to a muted stream after the question, so no
 * typed character is echoed (readline keeps the terminal in raw mode, so the terminal echoes nothing).
 */
async function prompt(question: string, options: { secret: boolean }): Promise<string> {
  const real = promptOutput();
  let muted = false;
  const output = new Writable({
    write(chunk, _encoding, callback) {
      if (!muted) real.write(chunk);
      callback();
    },
  }) as Writable & { columns?: number; isTTY?: boolean };
  output.columns = real.columns ?? 80;
  output.isTTY = true;
  const rl = createInterface({ input: process.stdin, output, terminal: Boolean(process.stdin.isTTY) });
  try {
    const answer = rl.question(question);
    muted = options.secret;
    return (await answer).trim();
  } finally {
    muted = false;
    if (options.secret) real.write('\n');
    rl.close();
  }
}

// Output piped into `head` and closed early is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

const [major = 0] = process.versions.node.split('.').map(Number);
if (major < 24) {
  process.stderr.write(
    `error: Sports Sync X needs Node 24 or newer (this is ${process.version}); ` +
      `install Node 24 from https://nodejs.org and run \`node cli.js …\` again\n`,
  );
  process.exit(2);
}

const code = await runCli(process.argv.slice(2), {
  env: process.env,
  out: (line) => process.stdout.write(line + '\n'),
  err: (line) => process.stderr.write(line + '\n'),
  errLive: (text) => process.stderr.write(`\r\x1b[2K${text}`),
  stderrIsTty: Boolean(process.stderr.isTTY),
  cwd: process.cwd(),
  isTty: Boolean(process.stdin.isTTY),
  prompt,
});
process.exitCode = code;
