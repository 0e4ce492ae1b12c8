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

const code = await runCli(process.argv.slice(2), {
  env: process.env,
  out: (line) => process.stdout.write(line + '\n'),
  err: (line) => process.stderr.write(line + '\n'),
  cwd: process.cwd(),
  isTty: Boolean(process.stdin.isTTY && process.stdout.isTTY),
  prompt,
});
process.exitCode = code;
