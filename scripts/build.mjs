// Bundles the two entry points with esbuild. The Action bundle (action/index.js) is committed and
// must match the sources; CI rebuilds it and fails on any difference.
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
await build({
  ...common,
  entryPoints: ['src/cli.ts'],
  outfile: 'dist/cli.js',
  banner: { js: '#!/usr/bin/env node\n' + banner.js },
});
await chmod('dist/cli.js', 0o755);
