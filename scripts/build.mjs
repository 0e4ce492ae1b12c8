// Bundles the two entry points with esbuild. Both bundles (action/index.js, action/cli.js) are
// committed and must match the sources; CI rebuilds them and fails on any difference.
import { build } from 'esbuild';
import { chmod } from 'node:fs/promises';

// Plain ESM bundles of the Actions toolkit crash on CommonJS dependencies that call require():
// give the bundle a real require.
const banner = {
  js: "import { createRequire as __ssxCreateRequire } from 'node:module'; const require = __ssxCreateRequire(import.meta.url);",
};

const common = {
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'esm',
  banner,
  minify: true,
  legalComments: 'external',
  logLevel: 'warning',
};

await build({ ...common, entryPoints: ['src/action.ts'], outfile: 'action/index.js' });
// The CLI as one self-contained file, committed beside the Action: a user with Node 24 fetches it
// from their own repository and runs `node cli.js login` in any folder, with no npm install.
await build({
  ...common,
  entryPoints: ['src/cli.ts'],
  outfile: 'action/cli.js',
  banner: { js: '#!/usr/bin/env node\n' + banner.js },
  legalComments: 'eof',
});
await chmod('action/cli.js', 0o755);
