// The GitHub Action entry point (bundled to action/index.js), for the main and the post step.
// Everything lives in src/action/.
import { isPostStep, runAction, runPostStep } from './action/run-action.ts';

process.exitCode = isPostStep() ? await runPostStep({ env: process.env }) : await runAction({ env: process.env });
