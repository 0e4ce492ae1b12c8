// The GitHub Action entry point (bundled to action/index.js). Everything lives in src/action/.
import { runAction } from './action/run-action.ts';

process.exitCode = await runAction({ env: process.env });
