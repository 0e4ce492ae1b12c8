/**
 * A small evaluator of the GitHub Actions expression subset our workflows use in `if:`:
 * context paths (vars.X, github.event.repository.is_template), 'string' literals, true/false/null,
 * ==, !=, &&, ||, ! and parentheses. Semantics follow the documented rules: a missing property is
 * null; == between strings ignores case; null, '' and false compare loosely equal to each other
 * through number coercion; && and || return one of their operands.
 */
type Value = string | number | boolean | null | Record<string, unknown>;

export function evaluateIf(expression: string, contexts: Record<string, unknown>): boolean {
  const source = expression.trim().replace(/^\$\{\{([\s\S]*)\}\}$/, '$1');
  const tokens = [...source.matchAll(/\s*('(?:[^']|'')*'|==|!=|&&|\|\||!|\(|\)|[A-Za-z_][\w.-]*)/gy)].map(
    (match) => match[1]!,
  );
  if (tokens.join('').replace(/\s/g, '') !== source.replace(/\s/g, ''))
    throw new Error(`cannot parse expression: ${expression}`);
  let position = 0;
  const peek = () => tokens[position];
  const next = () => tokens[position++];

  const primary = (): Value => {
    const token = next();
    if (token === undefined) throw new Error(`unexpected end of ${expression}`);
    if (token === '(') {
      const value = or();
      if (next() !== ')') throw new Error(`missing ) in ${expression}`);
      return value;
    }
    if (token === '!') return !truthy(primary());
    if (token.startsWith("'")) return token.slice(1, -1).replace(/''/g, "'");
    if (token === 'true') return true;
    if (token === 'false') return false;
    if (token === 'null') return null;
    let current: unknown = contexts;
    for (const part of token.split('.'))
      current =
        current !== null && typeof current === 'object' ? (current as Record<string, unknown>)[part] : undefined;
    return current === undefined ? null : (current as Value);
  };
  const equality = (): Value => {
    let left = primary();
    while (peek() === '==' || peek() === '!=') {
      const operator = next();
      const right = primary();
      left = operator === '==' ? looseEqual(left, right) : !looseEqual(left, right);
    }
    return left;
  };
  const and = (): Value => {
    let left = equality();
    while (peek() === '&&') {
      next();
      const right = equality();
      left = truthy(left) ? right : left;
    }
    return left;
  };
  const or = (): Value => {
    let left = and();
    while (peek() === '||') {
      next();
      const right = and();
      left = truthy(left) ? left : right;
    }
    return left;
  };
  const result = or();
  if (position !== tokens.length) throw new Error(`trailing tokens in ${expression}`);
  return truthy(result);
}

function truthy(value: Value): boolean {
  return !(
    value === null ||
    value === false ||
    value === 0 ||
    value === '' ||
    (typeof value === 'number' && Number.isNaN(value))
  );
}

function toNumber(value: Value): number {
  if (value === null) return 0;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return value.trim() === '' ? 0 : Number(value);
  return Number.NaN;
}

function looseEqual(left: Value, right: Value): boolean {
  if (typeof left === 'string' && typeof right === 'string') return left.toLowerCase() === right.toLowerCase();
  if (typeof left === 'object' && left !== null) return left === right;
  return toNumber(left) === toNumber(right);
}
