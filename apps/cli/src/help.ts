import { CONFIG_REFERENCE } from '@relay/config';

/** `relay --help`: the roles and every setting with its default, generated from the config package. */
export function helpText(): string {
  const width = Math.max(...CONFIG_REFERENCE.map(([name]) => name.length));
  const settings = CONFIG_REFERENCE.map(
    ([name, fallback, meaning]) =>
      `  ${name.padEnd(width)}  ${meaning}${fallback ? ` (default ${fallback})` : ''}`,
  ).join('\n');
  return `chatwoot-relay: mirrors WhatsApp (WAHA) conversations into Chatwoot, exactly once and in order.

Usage: relay <role> [options]

Roles:
  ingress   HTTP ingress: POST /webhooks/waha, GET /healthz, /readyz, /metrics
  worker    queue workers that write into Chatwoot (GET /healthz, /readyz, /metrics on WORKER_PORT when set)
  all       ingress and worker in one process (small installs; npm start), plus the dashboard when
            DASHBOARD_USERS, DASHBOARD_TOKEN or DASHBOARD_AUTH=off is set
  dashboard ops dashboard on DASHBOARD_PORT: queue health, dead letters (replay/discard), API budget, Bull Board;
            GET /healthz, /readyz, /metrics
  demo      ingress + worker against built-in Chatwoot and WAHA simulators; replays sample conversations
            options: --serve  keep running after the replay (ingress and simulators stay up)
  dlq       dead-letter queue: list | show | replay | discard (relay dlq --help)

Environment:
${settings}

Exit codes: 0 done, 1 error, 2 bad usage or configuration, 130/143 stopped by SIGINT/SIGTERM.
`;
}
