import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

/**
 * A reader for the VCR.py cassettes in ../shared/recordings/garmin: just the subset of YAML they
 * use (quoted flow scalars with folding, `!!binary |` blocks, header lists). Recorded files are
 * read in place, never copied into the repository.
 */
export interface RecordedExchange {
  readonly method: string;
  readonly uri: string;
  readonly status: number;
  readonly headers: ReadonlyMap<string, string[]>;
  readonly body: Buffer;
  text(): string;
}

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const RECORDINGS_DIR = join(REPO_ROOT, '..', 'shared', 'recordings', 'garmin');

export function recordingsAvailable(): boolean {
  return existsSync(RECORDINGS_DIR);
}

export const SKIP_REASON = `recordings absent at ${RECORDINGS_DIR}`;

export function loadCassette(relativePath: string): RecordedExchange[] {
  const lines = readFileSync(join(RECORDINGS_DIR, relativePath), 'utf8').split('\n');
  const exchanges: RecordedExchange[] = [];
  let current:
    { method: string; uri: string; status: number; headers: Map<string, string[]>; body: Buffer } | undefined;
  let section: 'request' | 'response' | undefined;
  let inHeaders = false;
  let headerName: string | undefined;

  const flush = (): void => {
    if (current) {
      const done = current;
      exchanges.push({ ...done, text: () => done.body.toString('utf8') });
    }
  };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '- request:') {
      flush();
      current = { method: '', uri: '', status: 0, headers: new Map(), body: Buffer.alloc(0) };
      section = 'request';
      inHeaders = false;
      continue;
    }
    if (!current) continue;
    if (line === '  response:') {
      section = 'response';
      inHeaders = false;
      continue;
    }
    if (section === 'request') {
      const method = /^ {4}method: (\S+)$/.exec(line);
      if (method) current.method = method[1]!;
      const uri = /^ {4}uri: (\S+)$/.exec(line);
      if (uri) current.uri = uri[1]!;
      continue;
    }
    if (/^ {4}\S/.test(line)) inHeaders = line === '    headers:';
    if (line.startsWith('      string: ')) {
      const { value, next } = readScalar(lines, i, line.slice('      string: '.length));
      current.body = value;
      i = next - 1;
      continue;
    }
    const code = /^ {6}code: (\d+)$/.exec(line);
    if (code) current.status = Number(code[1]);
    if (inHeaders) {
      const name = /^ {6}([^\s-][^:]*):\s*$/.exec(line);
      if (name) {
        headerName = name[1]!.toLowerCase();
        if (!current.headers.has(headerName)) current.headers.set(headerName, []);
        continue;
      }
      const value = /^ {6}- (.*)$/.exec(line);
      if (value && headerName) {
        let text = value[1]!;
        while (/^ {8}\S/.test(lines[i + 1] ?? '')) text += ' ' + lines[++i]!.trim();
        current.headers.get(headerName)!.push(text.replace(/^'(.*)'$/, '$1').replace(/''/g, "'"));
      }
    }
  }
  flush();
  return exchanges.map((exchange) => {
    const encoding = exchange.headers.get('content-encoding')?.[0];
    if (encoding === 'gzip' && exchange.body.byteLength > 0) {
      const body = gunzipSync(exchange.body);
      return { ...exchange, body, text: () => body.toString('utf8') };
    }
    return exchange;
  });
}

function readScalar(lines: string[], start: number, first: string): { value: Buffer; next: number } {
  if (first.startsWith('!!binary')) {
    let base64 = '';
    let i = start + 1;
    while (i < lines.length && /^ {8}/.test(lines[i]!)) base64 += lines[i++]!.trim();
    return { value: Buffer.from(base64, 'base64'), next: i };
  }
  const quote = first[0];
  if (quote !== "'" && quote !== '"') return { value: Buffer.from(first.trim()), next: start + 1 };
  let out = '';
  let i = start;
  let text = first.slice(1);
  for (;;) {
    let closed = false;
    let pos = 0;
    let escapedBreak = false;
    while (pos < text.length) {
      const char = text[pos]!;
      if (quote === "'") {
        if (char === "'") {
          if (text[pos + 1] === "'") {
            out += "'";
            pos += 2;
            continue;
          }
          closed = true;
          break;
        }
        out += char;
        pos++;
        continue;
      }
      if (char === '"') {
        closed = true;
        break;
      }
      if (char === '\\') {
        const next = text[pos + 1];
        if (next === undefined) {
          escapedBreak = true;
          break;
        }
        const simple: Record<string, string> = {
          n: '\n',
          t: '\t',
          r: '\r',
          '"': '"',
          '\\': '\\',
          '/': '/',
          ' ': ' ',
          '0': '\0',
          '\t': '\t',
          e: '\x1b',
          N: '\u0085',
          _: '\u00a0',
        };
        if (next in simple) {
          out += simple[next];
          pos += 2;
          continue;
        }
        const width = next === 'x' ? 2 : next === 'u' ? 4 : next === 'U' ? 8 : 0;
        if (width) {
          out += String.fromCodePoint(parseInt(text.slice(pos + 2, pos + 2 + width), 16));
          pos += 2 + width;
          continue;
        }
        out += next;
        pos += 2;
        continue;
      }
      out += char;
      pos++;
    }
    if (closed) return { value: Buffer.from(out, 'utf8'), next: i + 1 };
    // Line folding: trailing blanks dropped, one break → space, each empty line → "\n".
    if (!escapedBreak) out = out.replace(/[ \t]+$/, '');
    i++;
    let emptyLines = 0;
    while (i < lines.length && lines[i]!.trim() === '') {
      emptyLines++;
      i++;
    }
    if (i >= lines.length) throw new Error('unterminated scalar');
    if (!escapedBreak) out += emptyLines > 0 ? '\n'.repeat(emptyLines) : ' ';
    text = lines[i]!.replace(/^[ \t]+/, '');
  }
}
