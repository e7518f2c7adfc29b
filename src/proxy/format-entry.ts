/**
 * One entry as a readable terminal line, for the embedded sink:
 *
 *   14:03:07.512 ERROR demo-web  payment failed  orderId=A-17 err=Error: card declined
 *                   Error: card declined
 *                       at pay (app.js:12:9)
 *
 * Reads the SDK's JSON lines (`level`, `msg`, fields) and logfmt lines (`level=…`); any other
 * line is shown as it is.
 */

const COLORS: Record<string, string> = { trace: '90', debug: '36', info: '32', warn: '33', error: '31', fatal: '1;35' };
const DIM = '2';

export function formatEntry(ts: string, line: string, labels: Readonly<Record<string, string>>, color: boolean): string {
  const paint = (code: string, text: string) => (color ? `\x1b[${code}m${text}\x1b[0m` : text);
  const time = clockTime(ts);
  const { service_name: service, ...rest } = labels;
  const where = `${service ?? ''}${Object.keys(rest).length > 0 ? paint(DIM, renderLabels(rest)) : ''}`;
  const parsed = parseLine(line);
  const level = parsed.level;
  const tag = paint(COLORS[level] ?? '0', level.toUpperCase().padEnd(5));
  let text = `${paint(DIM, time)} ${tag} ${where}  ${parsed.message}`;
  if (parsed.fields !== '') text += `  ${paint(DIM, parsed.fields)}`;
  for (const stack of parsed.stacks) text += `\n${paint(DIM, indent(stack))}`;
  return text;
}

interface ParsedLine {
  level: string;
  message: string;
  fields: string;
  stacks: string[];
}

function parseLine(line: string): ParsedLine {
  if (line.startsWith('{')) {
    try {
      const object = JSON.parse(line) as unknown;
      if (typeof object === 'object' && object !== null && !Array.isArray(object)) return fromJson(object as Record<string, unknown>);
    } catch {
      // Not JSON after all: shown as it is.
    }
  }
  const level = /(?:^|\s)level=("?)(\w+)\1/.exec(line)?.[2]?.toLowerCase() ?? 'info';
  return { level, message: line, fields: '', stacks: [] };
}

function fromJson(object: Record<string, unknown>): ParsedLine {
  const { level, msg, message, ...fields } = object;
  const stacks: string[] = [];
  const parts: string[] = [];
  for (const [key, value] of Object.entries(fields)) {
    if (isErrorLike(value)) {
      parts.push(`${key}=${String(value.name ?? 'Error')}: ${String(value.message ?? '')}`);
      collectStacks(value, stacks);
    } else parts.push(`${key}=${typeof value === 'string' && !/[\s"=]/.test(value) ? value : JSON.stringify(value)}`);
  }
  return {
    level: typeof level === 'string' ? level.toLowerCase() : 'info',
    message: String(msg ?? message ?? ''),
    fields: parts.join(' '),
    stacks,
  };
}

interface ErrorLike {
  name?: unknown;
  message?: unknown;
  stack?: unknown;
  cause?: unknown;
}

function isErrorLike(value: unknown): value is ErrorLike {
  return typeof value === 'object' && value !== null && 'message' in value && ('stack' in value || 'name' in value);
}

/** The stack of an error and of its causes, so a thrown error reads as it would in a console. */
function collectStacks(error: ErrorLike, stacks: string[], depth = 0): void {
  if (typeof error.stack === 'string') stacks.push(depth === 0 ? error.stack : `Caused by: ${error.stack}`);
  if (depth < 5 && isErrorLike(error.cause)) collectStacks(error.cause, stacks, depth + 1);
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((row) => `    ${row}`)
    .join('\n');
}

function renderLabels(labels: Record<string, string>): string {
  return `{${Object.entries(labels)
    .map(([name, value]) => `${name}=${JSON.stringify(value)}`)
    .join(', ')}}`;
}

/** Local wall-clock time of a nanosecond timestamp, to the millisecond. */
function clockTime(ts: string): string {
  const date = new Date(ts.length > 6 ? Number(ts.slice(0, -6)) : 0);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}.${String(date.getMilliseconds()).padStart(3, '0')}`;
}
