/**
 * The Node built-ins of the CLI, in one place.
 *
 * `src/` is type-checked twice: by tsconfig.json without Node's types, so that browser code cannot
 * use Node by mistake, and by test/tsconfig.json with them. Only this file may name `node:`
 * modules; the first check cannot resolve them (hence the `@ts-ignore`s, where they see `any`),
 * the second checks every use fully. Only the CLI imports this file: `cloudlog/proxy` itself
 * imports no Node module, so it also loads in Workers and edge runtimes.
 */
// @ts-ignore -- resolved by test/tsconfig.json (Node types); see above.
export { createServer } from 'node:http';
// @ts-ignore -- see above.
export type { IncomingMessage, Server, ServerResponse } from 'node:http';
// @ts-ignore -- see above.
export { appendFile } from 'node:fs/promises';
// @ts-ignore -- see above.
export { resolve as resolvePath } from 'node:path';
// @ts-ignore -- see above.
export { parseArgs } from 'node:util';
// @ts-ignore -- see above.
export { default as process } from 'node:process';
