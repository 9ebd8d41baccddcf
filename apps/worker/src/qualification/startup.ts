import type { ChatwootClient } from '@relay/chatwoot-client';
import type { LeadRules } from '@relay/lead-rules';
import type { Logger } from '@relay/observability';

/** One tenant whose qualification is about to start. */
export interface QualificationStartupTenant {
  id: string;
  rulesFile: string;
  rules: LeadRules;
  chatwoot: Pick<ChatwootClient, 'listAgents' | 'listTeams' | 'listAccountLabels' | 'createAccountLabel'>;
  /** Create the account labels the rules can set that do not exist yet. */
  createLabels: boolean;
}

/** Thrown at start when rules name agent or team ids Chatwoot does not know (it would silently unassign). */
export class RoutingIdsError extends Error {
  override readonly name = 'RoutingIdsError';
  constructor(readonly problems: string[]) {
    super(`lead rules name unknown Chatwoot ids:\n  - ${problems.join('\n  - ')}`);
  }
}

/** Every label the rules can put on a conversation (already normalised by the schema), sorted. */
export function labelsOfRules(rules: LeadRules): string[] {
  const labels = new Set<string>();
  for (const rule of rules.rules) for (const label of rule.labels) labels.add(label);
  for (const threshold of rules.thresholds) if (threshold.label) labels.add(threshold.label);
  return [...labels].sort();
}

/** Problems (`file: threshold "x" assigns unknown agent id 7`) of one tenant's routing ids; [] when all exist. */
export async function checkRoutingIds(tenant: QualificationStartupTenant): Promise<string[]> {
  const assigns = tenant.rules.thresholds.flatMap((t) => (t.assign ? [{ name: t.name, ...t.assign }] : []));
  const needsAgents = assigns.some((a) => a.agentId !== undefined);
  const needsTeams = assigns.some((a) => a.teamId !== undefined);
  if (!needsAgents && !needsTeams) return [];
  const [agents, teams] = await Promise.all([
    needsAgents ? tenant.chatwoot.listAgents() : [],
    needsTeams ? tenant.chatwoot.listTeams() : [],
  ]);
  const agentIds = new Set(agents.map((a) => a.id));
  const teamIds = new Set(teams.map((t) => t.id));
  const problems: string[] = [];
  const where = `${tenant.rulesFile} (tenant "${tenant.id}")`;
  for (const a of assigns) {
    if (a.agentId !== undefined && !agentIds.has(a.agentId))
      problems.push(`${where}: threshold "${a.name}" assigns unknown agent id ${a.agentId}`);
    if (a.teamId !== undefined && !teamIds.has(a.teamId))
      problems.push(`${where}: threshold "${a.name}" assigns unknown team id ${a.teamId}`);
  }
  return problems;
}

/** Creates the labels the rules can set that the account lacks; returns the created titles. */
export async function createMissingLabels(tenant: QualificationStartupTenant): Promise<string[]> {
  const wanted = labelsOfRules(tenant.rules);
  if (wanted.length === 0) return [];
  const existing = new Set((await tenant.chatwoot.listAccountLabels()).map((l) => l.title.toLowerCase()));
  const missing = wanted.filter((label) => !existing.has(label));
  for (const title of missing) await tenant.chatwoot.createAccountLabel(title);
  return missing;
}

/**
 * Runs before any qualification worker starts: validates every tenant's routing ids against Chatwoot (one
 * {@link RoutingIdsError} listing them all) and then, where enabled, creates missing account labels.
 */
export async function prepareQualification(
  tenants: QualificationStartupTenant[],
  logger: Logger,
): Promise<void> {
  const problems = (await Promise.all(tenants.map(checkRoutingIds))).flat();
  if (problems.length > 0) throw new RoutingIdsError(problems);
  for (const tenant of tenants) {
    if (!tenant.createLabels) continue;
    const created = await createMissingLabels(tenant);
    if (created.length > 0)
      logger.info({ tenant: tenant.id, labels: created }, 'created missing Chatwoot account labels');
  }
}
