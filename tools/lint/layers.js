// ESLint rule: imports in src/ go down the layers, never up, and never into the emulators or tests.
//   0 core types  →  1 decisions (pure)  →  2 ports (http, store, platforms, notify)  →  3 orchestration  →  4 entries
// A module may import its own layer or a lower one. Type-only imports count too: a pure decision that
// names a persistence type depends on the persistence layer. Only the demo may load sandbox/, and
// only by a dynamic import or a type import, so the Action bundle never carries an emulator.
import { dirname, relative, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..', '..');

export const LAYERS = ['core types', 'decisions', 'ports', 'orchestration', 'entries'];

/** The layer of a project file (path relative to the root), or null outside src/. */
export function layerOf(path) {
  const [top, folder, file] = path.split('/');
  if (top !== 'src') return null;
  if (file === undefined) return 4; // src/action.ts, src/cli.ts
  switch (folder) {
    case 'core':
      return 0;
    case 'config':
    case 'decide':
    case 'fit':
    case 'i18n':
      return 1;
    case 'http':
    case 'store':
    case 'platforms':
    case 'notify':
      return 2;
    case 'engine':
    case 'demo':
      return 3;
    case 'action':
    case 'cli':
      return 4;
    default:
      return null;
  }
}

export default {
  meta: {
    type: 'problem',
    schema: [],
    messages: {
      up: '{{from}} ({{fromLayer}}) must not import {{to}} ({{toLayer}}): imports go down the layers (docs/architecture.md).',
      outside: '{{from}} must not import {{to}}: src/ never loads emulators or test code (only the demo, lazily).',
    },
  },
  create(context) {
    const from = relative(ROOT, context.filename);
    const fromLayer = layerOf(from);
    if (fromLayer === null) return {};
    const check = (node, source, lazyOrType) => {
      if (typeof source?.value !== 'string' || !source.value.startsWith('.')) return;
      const to = relative(ROOT, resolve(dirname(context.filename), source.value));
      if (to.startsWith('sandbox/') || to.startsWith('test/')) {
        if (!(lazyOrType && from.startsWith('src/demo/') && to.startsWith('sandbox/')))
          context.report({ node, messageId: 'outside', data: { from, to } });
        return;
      }
      const toLayer = layerOf(to);
      if (toLayer !== null && toLayer > fromLayer)
        context.report({
          node,
          messageId: 'up',
          data: { from, to, fromLayer: LAYERS[fromLayer], toLayer: LAYERS[toLayer] },
        });
    };
    return {
      ImportDeclaration: (node) => check(node, node.source, node.importKind === 'type'),
      ExportNamedDeclaration: (node) => check(node, node.source, node.exportKind === 'type'),
      ExportAllDeclaration: (node) => check(node, node.source, node.exportKind === 'type'),
      ImportExpression: (node) => check(node, node.source, true),
    };
  },
};
