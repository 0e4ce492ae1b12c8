import { createRequire as __ssxCreateRequire } from 'node:module'; const require = __ssxCreateRequire(import.meta.url);
process.stdout.write(`sports-sync-x action
`);
