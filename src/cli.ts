import { createInterface } from 'node:readline/promises';
import { runCli } from './cli/main.ts';

async function prompt(question: string, options: { secret: boolean }): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY });
  if (options.secret) {
    // Hide what is typed: echo nothing after the question.
    const output = rl as unknown as { _writeToOutput?: (text: string) => void };
    output._writeToOutput = (text: string) => {
      if (text.startsWith(question)) process.stdout.write(question);
    };
  }
  try {
    return (await rl.question(question)).trim();
  } finally {
    if (options.secret) process.stdout.write('\n');
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
  process.stderr.write(`error: Sports Sync X needs Node 24 or newer (this is ${process.version}); run it as \`npx sports-sync-x …\` in the project, which brings Node 24, or install Node 24\n`);
  process.exit(2);
}

const code = await runCli(process.argv.slice(2), {
  env: process.env,
  out: (line) => process.stdout.write(line + '\n'),
  err: (line) => process.stderr.write(line + '\n'),
  cwd: process.cwd(),
  isTty: Boolean(process.stdin.isTTY && process.stdout.isTTY),
  prompt,
});
process.exitCode = code;
