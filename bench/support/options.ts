/** A bench's options: `--name=value` on the command line, else an environment variable, else a fallback. */

/** The raw text of `--name=value`, else of the environment variable `envName`; undefined when neither is set. */
function rawOption(name: string, envName: string): string | undefined {
  const prefix = `--${name}=`;
  return process.argv.find((arg) => arg.startsWith(prefix))?.slice(prefix.length) ?? process.env[envName];
}

/** A text option. */
export function stringOption(name: string, envName: string, fallback: string): string {
  return rawOption(name, envName) ?? fallback;
}

/** A positive integer option; an empty value means the fallback. */
export function intOption(name: string, envName: string, fallback: number): number {
  const raw = rawOption(name, envName);
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} / ${envName} must be a positive integer, got ${raw}`);
  return value;
}

/** A non-negative integer option (0 allowed, unlike intOption). */
export function countOption(name: string, envName: string, fallback: number): number {
  const raw = stringOption(name, envName, String(fallback));
  const value = Number(raw);
  if (raw === '' || !Number.isInteger(value) || value < 0) throw new Error(`--${name} / ${envName} must be an integer ≥ 0, got ${raw}`);
  return value;
}
