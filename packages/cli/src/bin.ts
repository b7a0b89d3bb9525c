#!/usr/bin/env node
import { CommandFailed, UsageError } from './args.js';
import * as serve from './commands/serve.js';
import * as usersig from './commands/usersig.js';
import * as privkey from './commands/privkey.js';
import * as errors from './commands/errors.js';
import * as diagnose from './commands/diagnose.js';
import * as api from './commands/api.js';

interface Verb {
  usage: string;
  run(argv: string[]): string | undefined | Promise<string | undefined>;
}
const VERBS: Record<string, Verb> = { serve, usersig, privkey, errors, diagnose, api };

const HELP = `hudong — Hudong interactive live audio/video

Usage: hudong <verb> [options]   (hudong <verb> --help for details)
  serve      run the signalling/media server and the demo page
  usersig    print a UserSig for an identifier
  privkey    print a privilege key (auth buffer) for an identifier and room
  errors     print the AVSDK error table
  diagnose   explain the errors in an SDK or server log
  api        the server API from a terminal: rooms, members, kick, dismiss, nodes`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(HELP + '\n');
    return name ? 0 : 2;
  }
  const verb = VERBS[name];
  if (!verb) {
    process.stderr.write(`unknown verb "${name}"\n\n${HELP}\n`);
    return 2;
  }
  try {
    const out = await verb.run(rest);
    if (out !== undefined) process.stdout.write(out + '\n');
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`hudong ${name}: ${err.message}\n\n${verb.usage}\n`);
      return 2;
    }
    const detail = err instanceof CommandFailed ? err.message : ((err as Error).stack ?? String(err));
    process.stderr.write(`hudong ${name}: ${detail}\n`);
    return 1;
  }
}

const code = await main(process.argv.slice(2));
// `serve` keeps running: only set the exit code, never exit while the server holds the loop.
process.exitCode = code;
