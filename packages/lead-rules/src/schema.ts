import { z } from 'zod';

/**
 * Chatwoot label names: lower case, letters, digits, `-` and `_` (chatwoot-api.md §7). Spaces and dots become
 * `-`, anything else is dropped; the result may be empty (the schema rejects that).
 */
export function normalizeLabel(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[\s.]+/g, '-')
    .replace(/[^a-z0-9_-]/g, '');
}

const labelName = z
  .string()
  .min(1)
  .transform(normalizeLabel)
  .refine((label) => label.length > 0, 'a label needs letters, digits, "-" or "_"');

const ruleId = z.string().regex(/^[a-z0-9_-]{1,64}$/i, 'must be 1-64 letters, digits, "-" or "_"');

const ruleSchema = z
  .object({
    id: ruleId,
    /** A case-insensitive regular expression (JavaScript syntax, Unicode), e.g. `test ?drive|proefrit`. */
    match: z.string().min(1).optional(),
    /** Whole words or phrases, matched case-insensitively on word boundaries; OR-ed with `match`. */
    keywords: z.array(z.string().min(1)).min(1).optional(),
    /** Points added when a message matches (negative points lower the score). */
    points: z.number().int().min(-1000).max(1000),
    /** Labels added to the conversation when a message matches. */
    labels: z.array(labelName).default([]),
    /** At most this many messages of one contact score with this rule (labels still apply). */
    maxTimes: z.number().int().positive().optional(),
  })
  .strict()
  .refine((rule) => rule.match !== undefined || rule.keywords !== undefined, {
    message: 'needs `match` (a regular expression) or `keywords`',
  })
  .superRefine((rule, ctx) => {
    if (rule.match === undefined) return;
    try {
      new RegExp(rule.match, 'iu');
    } catch (error) {
      ctx.addIssue({
        code: 'custom',
        path: ['match'],
        message: `not a valid regular expression: ${(error as Error).message}`,
      });
    }
  });

const thresholdSchema = z
  .object({
    /** Name of the threshold; also the routing marker's key. */
    name: ruleId,
    /** The threshold is crossed when the score reaches this value from below. */
    score: z.number().min(0),
    /** Label the conversation carries while the score is at or above `score` (removed when it drops below). */
    label: labelName.optional(),
    /** Assign the conversation when the threshold is crossed (ids are checked at start). */
    assign: z
      .object({
        agentId: z.number().int().positive().optional(),
        teamId: z.number().int().positive().optional(),
      })
      .strict()
      .refine((a) => a.agentId !== undefined || a.teamId !== undefined, 'needs agentId or teamId')
      .optional(),
    /** Conversation status to set when the threshold is crossed. */
    status: z.enum(['open', 'pending']).optional(),
  })
  .strict();

/** The rules file (YAML or JSON); see the package README for every field. */
export const leadRulesSchema = z
  .object({
    version: z.literal(1),
    scoring: z
      .object({
        /** Score never goes above this (cap). */
        maxScore: z.number().positive().default(100),
        /** Points one message can add at most, bonuses included (cap). */
        maxPointsPerMessage: z.number().positive().optional(),
        /** Exponential decay between messages: the score halves every `halfLifeDays`. Absent: no decay. */
        halfLifeDays: z.number().positive().optional(),
      })
      .strict()
      .default({ maxScore: 100 }),
    bonuses: z
      .object({
        /** Points for a contact's very first message. */
        firstContact: z.number().int().min(0).default(0),
        /** Points for a message that comes `afterDays` or more after the contact's previous one. */
        returning: z
          .object({ afterDays: z.number().positive(), points: z.number().int().min(0) })
          .strict()
          .optional(),
      })
      .strict()
      .default({ firstContact: 0 }),
    rules: z.array(ruleSchema).min(1, 'needs at least one rule'),
    thresholds: z.array(thresholdSchema).default([]),
  })
  .strict()
  .superRefine((rules, ctx) => {
    const seen = new Set<string>();
    rules.rules.forEach((rule, i) => {
      if (seen.has(rule.id))
        ctx.addIssue({ code: 'custom', path: ['rules', i, 'id'], message: `duplicate id "${rule.id}"` });
      seen.add(rule.id);
    });
    const names = new Set<string>();
    rules.thresholds.forEach((threshold, i) => {
      if (names.has(threshold.name))
        ctx.addIssue({
          code: 'custom',
          path: ['thresholds', i, 'name'],
          message: `duplicate name "${threshold.name}"`,
        });
      names.add(threshold.name);
    });
  });

/** Validated lead rules (labels already normalised). */
export type LeadRules = z.infer<typeof leadRulesSchema>;
/** One keyword/regex rule. */
export type LeadRule = LeadRules['rules'][number];
/** One score threshold with its optional label and routing. */
export type LeadThreshold = LeadRules['thresholds'][number];
