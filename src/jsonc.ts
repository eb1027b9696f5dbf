/**
 * A small JSONC parser for spec files: JSON plus `//` and `/* *\/` comments and trailing commas
 * (as tsconfig.json and VS Code settings). Bounded: nesting at most MAX_DEPTH levels, no
 * recursion beyond that. Besides the value it returns where every value starts, keyed by its
 * JSON path as spec messages write it (`spec.partitions[1].size`), so that a problem found
 * later can be reported as FILE:LINE:COLUMN. Duplicate keys are refused (JSON.parse keeps the
 * last one silently). Errors are JsoncError with the path and position of the problem.
 */

/** 1-based line and column (in UTF-16 units, as editors count them). */
export interface Position {
  line: number;
  column: number;
}

export class JsoncError extends Error {
  constructor(readonly where: string, readonly position: Position, readonly problem: string) {
    super(`${position.line}:${position.column}: ${where}: ${problem}`);
  }
}

export interface Parsed {
  value: unknown;
  /** Where each value starts, keyed by its JSON path (the root is `root`). */
  positions: Map<string, Position>;
}

export const MAX_DEPTH = 64;

/** `a.b` or `a["odd key"]`, the way spec messages write JSON paths. */
export function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return /^[A-Za-z_$][\w$-]*$/.test(key) ? `${parent}.${key}` : `${parent}[${JSON.stringify(key)}]`;
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
const WORDS: Record<string, unknown> = { true: true, false: false, null: null };

class Parser {
  private pos = 0;
  private readonly lineStarts: number[] = [0];
  readonly positions = new Map<string, Position>();

  constructor(private readonly text: string) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
  }

  position(offset: number): Position {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - this.lineStarts[lo]! + 1 };
  }

  fail(where: string, problem: string, offset = this.pos): never {
    throw new JsoncError(where, this.position(offset), problem);
  }

  private found(): string {
    if (this.pos >= this.text.length) return 'the end of the file';
    const c = this.text.slice(this.pos, this.pos + 12).split(/[\s,:{}[\]]/)[0] || this.text[this.pos]!;
    return JSON.stringify(c);
  }

  /** Skips white space and comments. */
  skip(where: string): void {
    const t = this.text;
    for (;;) {
      while (this.pos < t.length && ' \t\n\r\ufeff'.includes(t[this.pos]!)) this.pos++;
      if (t.startsWith('//', this.pos)) {
        const nl = t.indexOf('\n', this.pos);
        this.pos = nl < 0 ? t.length : nl + 1;
      } else if (t.startsWith('/*', this.pos)) {
        const end = t.indexOf('*/', this.pos + 2);
        if (end < 0) this.fail(where, 'a /* comment is not closed with */');
        this.pos = end + 2;
      } else {
        return;
      }
    }
  }

  private token(re: RegExp): string | undefined {
    re.lastIndex = this.pos;
    const m = re.exec(this.text);
    if (!m) return undefined;
    this.pos += m[0].length;
    return m[0];
  }

  value(where: string, depth: number): unknown {
    this.skip(where);
    this.positions.set(where, this.position(this.pos));
    const c = this.text[this.pos];
    if (c === '{' || c === '[') {
      if (depth >= MAX_DEPTH) this.fail(where, `nested deeper than ${MAX_DEPTH} levels`);
      return c === '{' ? this.object(where, depth + 1) : this.array(where, depth + 1);
    }
    if (c === '"') return this.string(where);
    const num = this.token(NUMBER);
    if (num !== undefined) return Number(num);
    const word = /^[A-Za-z]+/.exec(this.text.slice(this.pos, this.pos + 16))?.[0];
    if (word !== undefined && word in WORDS) {
      this.pos += word.length;
      return WORDS[word];
    }
    return this.fail(where, `expected a value (a string in double quotes, a number, an object, an array, true, false or null), found ${this.found()}`);
  }

  private string(where: string): string {
    const start = this.pos;
    const s = this.token(STRING);
    if (s === undefined) {
      const nl = this.text.indexOf('\n', start);
      const close = this.text.indexOf('"', start + 1);
      const why = close < 0 || (nl >= 0 && nl < close) ? 'a string is not closed with " on its line' : 'a string has a control character or a bad \\ escape';
      this.fail(where, why, start);
    }
    return JSON.parse(s) as string;
  }

  private object(where: string, depth: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    this.pos++; // {
    for (;;) {
      this.skip(where);
      if (this.text[this.pos] === '}') {
        this.pos++;
        return out;
      }
      if (this.text[this.pos] !== '"') this.fail(where, `expected a key in double quotes or "}", found ${this.found()}`);
      const keyAt = this.pos;
      const key = this.string(where);
      const at = childPath(where, key);
      if (Object.hasOwn(out, key)) this.fail(at, `the key "${key}" is given twice in this object`, keyAt);
      this.skip(at);
      if (this.text[this.pos] !== ':') this.fail(at, `expected ":" after the key "${key}", found ${this.found()}`);
      this.pos++;
      Object.defineProperty(out, key, { value: this.value(at, depth), enumerable: true, writable: true, configurable: true });
      this.skip(where);
      const c = this.text[this.pos];
      if (c === ',') this.pos++;
      else if (c !== '}') this.fail(where, `expected "," or "}" after the value of "${key}", found ${this.found()}`);
    }
  }

  private array(where: string, depth: number): unknown[] {
    const out: unknown[] = [];
    this.pos++; // [
    for (;;) {
      this.skip(where);
      if (this.text[this.pos] === ']') {
        this.pos++;
        return out;
      }
      out.push(this.value(childPath(where, out.length), depth));
      this.skip(where);
      const c = this.text[this.pos];
      if (c === ',') this.pos++;
      else if (c !== ']') this.fail(where, `expected "," or "]" after an array element, found ${this.found()}`);
    }
  }

  end(root: string): void {
    this.skip(root);
    if (this.pos < this.text.length) this.fail(root, `unexpected ${this.found()} after the end of the document`);
  }
}

/** Parses JSONC text; `root` names the top value in paths (e.g. "spec"). */
export function parseJsonc(text: string, root: string): Parsed {
  const p = new Parser(text);
  const value = p.value(root, 0);
  p.end(root);
  return { value, positions: p.positions };
}
