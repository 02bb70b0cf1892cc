import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

/**
 * The production image as the Dockerfile and docker-compose.yml declare it, read rather than
 * built (there is no Docker engine here): the tests run what these say, so they cannot drift.
 */
const root = path.resolve(__dirname, '..', '..');

export interface ComposeService {
  build?: unknown;
  command?: string[];
  healthcheck?: { test?: string[] };
  environment?: Record<string, string>;
}

export function composeServices(): Record<string, ComposeService> {
  const compose = parse(fs.readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
    services: Record<string, ComposeService>;
  };
  return compose.services;
}

/** The Dockerfile's instructions (continuation lines joined), each with its stage (0 the first). */
export function dockerfile(): { stage: number; instruction: string; args: string }[] {
  let stage = -1;
  return fs
    .readFileSync(path.join(root, 'Dockerfile'), 'utf8')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((line) => line.trim() && !line.startsWith('#'))
    .map((line) => {
      const [, instruction = '', args = ''] = /^(\S+)\s*(.*)$/.exec(line.trim()) ?? [];
      if (instruction.toUpperCase() === 'FROM') stage += 1;
      return { stage, instruction: instruction.toUpperCase(), args };
    });
}

/** The instructions of the Dockerfile's last stage: the image. */
function runtimeStage(): { instruction: string; args: string }[] {
  const lines = dockerfile();
  const last = lines.at(-1)?.stage;
  return lines.filter((line) => line.stage === last);
}

function execForm(args: string, what: string): string[] {
  if (!args.startsWith('[')) throw new Error(`the Dockerfile's ${what} is not in exec form: ${args}`);
  return JSON.parse(args) as string[];
}

/** The image's command (CMD), run through its ENTRYPOINT. */
export function image(): { entrypoint: string[]; command: string[]; env: Record<string, string>; healthCheck: string[] } {
  const stage = runtimeStage();
  const last = (instruction: string) => {
    const found = stage.filter((line) => line.instruction === instruction).at(-1);
    if (!found) throw new Error(`the image has no ${instruction}`);
    return found.args;
  };
  const env: Record<string, string> = {};
  for (const line of stage.filter((l) => l.instruction === 'ENV')) {
    const [, name, value] = /^(\w+)=(\S*)$/.exec(line.args) ?? [];
    if (!name) throw new Error(`ENV ${line.args}: only ENV NAME=value is read here`);
    env[name] = value ?? '';
  }
  const healthCheck = /\bCMD\s+(\[.*\])$/.exec(last('HEALTHCHECK'))?.[1];
  return {
    entrypoint: execForm(last('ENTRYPOINT'), 'ENTRYPOINT'),
    command: execForm(last('CMD'), 'CMD'),
    env,
    healthCheck: execForm(healthCheck ?? '', 'HEALTHCHECK'),
  };
}
