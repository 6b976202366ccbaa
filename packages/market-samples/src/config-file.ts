import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { MarketSamplesConfigError } from './errors.js';
import { OPTION_SPECS } from './option-specs.js';
import type { MarketSamplesOptions } from './options.js';

// A YAML configuration file and command-line flags are two ways of filling MarketSamplesOptions:
// both name settings by their key (`n_jobs`, `window`), checked here by the option's own spec.

/**
 * Reads a YAML configuration file (keys as in config/example.yaml) into options. A syntax error, an
 * unknown key or a bad value throws `MarketSamplesConfigError` naming the file and the key.
 *
 * @example
 * await buildSamples({ ...readConfigFile('my.yaml'), threads: 2, nSamples: 1_000_000 });
 */
export function readConfigFile(path: string): MarketSamplesOptions {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new MarketSamplesConfigError(path, `cannot read the file: ${(error as Error).message}`, {
      cause: error,
    });
  }
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (error) {
    throw new MarketSamplesConfigError(path, `not valid YAML: ${(error as Error).message}`, { cause: error });
  }
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value))
    throw new MarketSamplesConfigError(path, 'must be a mapping of keys to values');
  return optionsFromValues(value as Record<string, unknown>, (key) => `${path}: ${key}`);
}

/**
 * Options from values named by configuration key (a YAML mapping, or command-line text); `where(key)`
 * names a value in errors. Undefined values are left out.
 */
export function optionsFromValues(
  values: Readonly<Record<string, unknown>>,
  where: (key: string) => string,
): MarketSamplesOptions {
  const options: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) {
    const spec = OPTION_SPECS.find((s) => s.key === key);
    if (spec === undefined)
      throw new MarketSamplesConfigError(
        where(key),
        `unknown key (known: ${OPTION_SPECS.map((s) => s.key).join(', ')})`,
      );
    if (value !== undefined) options[spec.option] = spec.check(value, where(key));
  }
  return options;
}

/** Options as configuration keys, in the order of config/example.yaml (the samples file's footer holds them so). */
export function optionsToValues(options: MarketSamplesOptions): Record<string, unknown> {
  return Object.fromEntries(OPTION_SPECS.map((s) => [s.key, options[s.option]]));
}
