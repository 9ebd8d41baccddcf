import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { type LeadRules, leadRulesSchema } from './schema.js';

/** A rules file that cannot be used; `problems` lists every bad field as `source.path: message`. */
export class LeadRulesError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid lead rules:\n  - ${problems.join('\n  - ')}`);
    this.name = 'LeadRulesError';
    this.problems = problems;
  }
}

/** Validates parsed rules (from YAML, JSON or code); throws {@link LeadRulesError} listing every problem. */
export function parseLeadRules(raw: unknown, source = 'rules'): LeadRules {
  const parsed = leadRulesSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  throw new LeadRulesError(
    parsed.error.issues.map((issue) => {
      const path = issue.path.length > 0 ? `${source}.${issue.path.join('.')}` : source;
      return `${path}: ${issue.message}`;
    }),
  );
}

/** Reads and validates a rules file: `.json` as JSON, anything else as YAML. */
export function loadLeadRulesFile(path: string): LeadRules {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new LeadRulesError([`${path}: cannot read: ${(error as Error).message}`]);
  }
  let raw: unknown;
  try {
    raw = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new LeadRulesError([
      `${path}: not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${(error as Error).message}`,
    ]);
  }
  return parseLeadRules(raw, path);
}

/** Path of the shipped car-dealership rule set (English and Dutch). */
export const DEALERSHIP_RULES_FILE = fileURLToPath(new URL('../rules/dealership.yaml', import.meta.url));
