// npm run soak [-- WORKOUTS]: the full-size soak (about 1,000 workouts); prints the figures.
import { runSoak } from '../test/soak/soak.ts';

const workouts = Number(process.argv[2] ?? 1000);
const started = Date.now();
const result = await runSoak({ workouts, log: (line) => console.log(line) });
const seconds = ((Date.now() - started) / 1000).toFixed(0);
console.log(`soak: ${workouts} workouts, ${result.runs} runs (${result.killedRuns} killed), ${seconds} s`);
console.log(
  `requests: Garmin ${result.requests.garmin}, COROS ${result.requests.coros} (COROS faults injected ${result.corosFaults})`,
);
console.log(`uploads ${result.uploads}, deletions ${result.deletions}`);
if (result.problems.length) {
  console.log(`FAILED: ${result.problems.length} problem(s)`);
  for (const problem of result.problems.slice(0, 30)) console.log(`  - ${problem}`);
  process.exitCode = 1;
} else
  console.log('every workout is on every platform exactly once; only duplicates were deleted; the database agrees');
