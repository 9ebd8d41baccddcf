/**
 * Checks of the deployment files: every Kubernetes manifest under deploy/k8s parses, passes the schema of its
 * apiVersion/kind (kubernetes-models, KEDA's models) and is wired together (selectors, probes, autoscaler targets);
 * docker-compose.yml passes `docker compose config` (or Debian's docker-compose 1.29) for both profiles and has a
 * durable Redis; the Dockerfile copies every workspace manifest. `kubectl` and a Docker engine are not needed.
 */
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Namespace, Secret, Service } from 'kubernetes-models/v1';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments, parseDocument } from 'yaml';
import { z } from 'zod';
import { REPO_ROOT } from './support/relayHarness.js';

// biome-ignore lint/suspicious/noExplicitAny: manifests are untyped YAML, checked field by field below.
type Doc = Record<string, any>;
interface Manifest {
  file: string;
  doc: Doc;
}

const K8S_DIR = join(REPO_ROOT, 'deploy/k8s');

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return yamlFiles(path);
    return /\.ya?ml$/.test(name) ? [path] : [];
  });
}

function loadManifests(): Manifest[] {
  return yamlFiles(K8S_DIR).flatMap((path) => {
    const file = relative(REPO_ROOT, path);
    return parseAllDocuments(readFileSync(path, 'utf8')).flatMap((document) => {
      if (document.errors.length > 0) throw new Error(`${file}: ${document.errors[0]!.message}`);
      const doc = document.toJS() as Doc | null;
      return doc ? [{ file, doc }] : [];
    });
  });
}

const manifests = loadManifests();
const ofKind = (kind: string) => manifests.filter((m) => m.doc.kind === kind);
const workloads = () => [...ofKind('Deployment'), ...ofKind('StatefulSet')];
const matches = (selector: Record<string, string>, labels: Record<string, string> = {}) =>
  Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);
const name = (m: Manifest) => `${m.file}: ${m.doc.kind}/${m.doc.metadata?.name}`;

/**
 * kustomize's Kustomization is no cluster object, so kubernetes-models has no model of it: these are the fields of
 * kustomize's `Kustomization` type that kustomization.yaml uses, typed as kustomize reads them. Strict, so a field
 * outside this list fails until it is added here.
 */
const Kustomization = z.strictObject({
  apiVersion: z.literal('kustomize.config.k8s.io/v1beta1'),
  kind: z.literal('Kustomization'),
  metadata: z.strictObject({ name: z.string() }).optional(),
  namespace: z.string().optional(),
  labels: z
    .array(
      z.strictObject({
        pairs: z.record(z.string(), z.string()),
        includeSelectors: z.boolean().optional(),
        includeTemplates: z.boolean().optional(),
      }),
    )
    .optional(),
  images: z
    .array(
      z.strictObject({
        name: z.string(),
        newName: z.string().optional(),
        newTag: z.string().optional(),
        digest: z.string().optional(),
      }),
    )
    .optional(),
  resources: z.array(z.string()).optional(),
});

// Each model types its input; a manifest is untyped YAML, which `validate()` is here to check.
const model = (Model: new (data: never) => { validate(): void }) => (doc: Doc) =>
  new Model(doc as never).validate();

/** The schema of each `apiVersion kind` used under deploy/k8s. A kind missing here fails; none is skipped. */
const SCHEMAS: Record<string, (doc: Doc) => void> = {
  'v1 Namespace': model(Namespace),
  'v1 ConfigMap': model(ConfigMap),
  'v1 Secret': model(Secret),
  'v1 Service': model(Service),
  'apps/v1 Deployment': model(Deployment),
  'apps/v1 StatefulSet': model(StatefulSet),
  'policy/v1 PodDisruptionBudget': model(PodDisruptionBudget),
  'autoscaling/v2 HorizontalPodAutoscaler': model(HorizontalPodAutoscaler),
  'keda.sh/v1alpha1 ScaledObject': model(ScaledObject),
  'kustomize.config.k8s.io/v1beta1 Kustomization': (doc) => {
    const result = Kustomization.safeParse(doc);
    if (!result.success)
      throw new Error(result.error.issues.map((i) => `data/${i.path.join('/')} ${i.message}`).join('; '));
  },
};

/** Throws `<file>: <Kind>/<name>: <schema error>` unless the document passes the schema of its apiVersion/kind. */
function validateManifest(m: Manifest): void {
  const validate = SCHEMAS[`${m.doc.apiVersion} ${m.doc.kind}`];
  if (!validate)
    throw new Error(`${name(m)}: no schema for ${m.doc.apiVersion} ${m.doc.kind}; add it to SCHEMAS`);
  try {
    validate(m.doc);
  } catch (error) {
    throw new Error(`${name(m)}: ${(error as Error).message}`);
  }
}

function schemaErrors(ms: Manifest[]): string[] {
  return ms.flatMap((m) => {
    try {
      validateManifest(m);
      return [];
    } catch (error) {
      return [(error as Error).message];
    }
  });
}

describe('Kubernetes manifests (deploy/k8s)', () => {
  it('parse, and every document has apiVersion, kind and metadata.name', () => {
    expect(manifests.length).toBeGreaterThan(10);
    for (const { file, doc } of manifests) {
      expect(typeof doc.apiVersion, file).toBe('string');
      expect(typeof doc.kind, file).toBe('string');
      expect(doc.metadata?.name, `${file}: ${doc.kind} without metadata.name`).toMatch(/^[a-z0-9-]+$/);
    }
  });

  it('pass the Kubernetes schema of their apiVersion and kind (KEDA and kustomize included)', () => {
    expect(schemaErrors(manifests)).toEqual([]);
  });

  it('schema check rejects broken copies of real manifests (negative control)', () => {
    const find = (kind: string, metadataName: string) =>
      manifests.find((m) => m.doc.kind === kind && m.doc.metadata.name === metadataName)!;
    const broken = (m: Manifest, edit: (doc: Doc) => void): Manifest => {
      const doc = structuredClone(m.doc);
      edit(doc);
      return { file: m.file, doc };
    };
    const ingress = find('Deployment', 'relay-ingress');
    const cases: [Manifest, RegExp][] = [
      [
        broken(ingress, (doc) => {
          doc.spec.template.spec.containers[0].ports[0].containerPort = 'http';
        }),
        /ingress\.yaml: Deployment\/relay-ingress: .*containers\/0\/ports\/0\/containerPort must be integer/,
      ],
      [
        broken(ingress, (doc) => {
          delete doc.spec.template.spec.containers[0].name;
        }),
        /containers\/0 must have required property name/,
      ],
      [
        broken(ingress, (doc) => {
          doc.apiVersion = 'apps/v1beta1';
        }),
        /no schema for apps\/v1beta1 Deployment/,
      ],
      [
        broken(find('ScaledObject', 'relay-worker'), (doc) => {
          delete doc.spec.triggers[0].type;
        }),
        /ScaledObject\/relay-worker: .*triggers\/0 must have required property type/,
      ],
      [
        broken(find('Kustomization', 'chatwoot-relay'), (doc) => {
          doc.resource = doc.resources;
        }),
        /Kustomization\/chatwoot-relay: .*Unrecognized key: "resource"/,
      ],
    ];
    for (const [manifest, error] of cases) expect(() => validateManifest(manifest)).toThrow(error);
  });

  it('have a Deployment per role, each running the one image with its role as the command', () => {
    const roles: Record<string, Doc> = Object.fromEntries(
      ofKind('Deployment').map((m) => [m.doc.metadata.name, m.doc.spec.template.spec.containers[0]]),
    );
    expect(Object.keys(roles).sort()).toEqual(['relay-dashboard', 'relay-ingress', 'relay-worker']);
    for (const [deployment, container] of Object.entries(roles)) {
      expect(container.image, deployment).toBe('chatwoot-relay');
      expect(container.args, deployment).toEqual([deployment.replace('relay-', '')]);
    }
  });

  it('select their own pods, and every container has an image, resources and HTTP probes on /readyz and /healthz', () => {
    for (const m of workloads()) {
      const { spec } = m.doc;
      expect(matches(spec.selector?.matchLabels ?? {}, spec.template?.metadata?.labels), name(m)).toBe(true);
      for (const container of spec.template.spec.containers as Doc[]) {
        const where = `${name(m)} container ${container.name}`;
        expect(container.image, where).toBeTruthy();
        expect(container.resources?.requests?.cpu, where).toBeTruthy();
        expect(container.resources?.requests?.memory, where).toBeTruthy();
        expect(container.resources?.limits?.memory, where).toBeTruthy();
        expect(container.readinessProbe, where).toBeTruthy();
        expect(container.livenessProbe, where).toBeTruthy();
        if (m.doc.kind !== 'Deployment') continue;
        expect(container.readinessProbe.httpGet?.path, where).toBe('/readyz');
        expect(container.livenessProbe.httpGet?.path, where).toBe('/healthz');
        // Probe ports name a declared container port, and that port is the one the role listens on.
        const ports = Object.fromEntries((container.ports as Doc[]).map((p) => [p.name, p.containerPort]));
        for (const probe of [container.readinessProbe, container.livenessProbe]) {
          expect(Object.keys(ports), where).toContain(probe.httpGet.port);
        }
        const env = Object.fromEntries(((container.env ?? []) as Doc[]).map((e) => [e.name, e.value]));
        const listenVar = { ingress: 'PORT', worker: 'WORKER_PORT', dashboard: 'DASHBOARD_PORT' }[
          container.args[0] as string
        ]!;
        expect(Number(env[listenVar]), `${where}: ${listenVar}`).toBe(
          ports[container.readinessProbe.httpGet.port],
        );
      }
    }
  });

  it('run as non-root with a writable /tmp (tsx cache) under a read-only root filesystem', () => {
    for (const m of ofKind('Deployment')) {
      const pod = m.doc.spec.template.spec;
      expect(pod.securityContext?.runAsNonRoot, name(m)).toBe(true);
      for (const container of pod.containers as Doc[]) {
        expect(container.securityContext?.readOnlyRootFilesystem, name(m)).toBe(true);
        const tmp = (container.volumeMounts as Doc[]).find((v) => v.mountPath === '/tmp');
        expect((pod.volumes as Doc[]).find((v) => v.name === tmp?.name)?.emptyDir, name(m)).toBeDefined();
      }
    }
  });

  it('give workers a termination grace period longer than SHUTDOWN_TIMEOUT_MS', () => {
    const config = ofKind('ConfigMap').find((m) => m.doc.metadata.name === 'relay-config')!;
    const worker = ofKind('Deployment').find((m) => m.doc.metadata.name === 'relay-worker')!;
    expect(worker.doc.spec.template.spec.terminationGracePeriodSeconds * 1000).toBeGreaterThan(
      Number(config.doc.data.SHUTDOWN_TIMEOUT_MS),
    );
  });

  it('have Services and PodDisruptionBudgets that select existing pods', () => {
    const podLabels = workloads().map((m) => m.doc.spec.template.metadata.labels as Record<string, string>);
    for (const m of ofKind('Service'))
      expect(
        podLabels.some((labels) => matches(m.doc.spec.selector, labels)),
        name(m),
      ).toBe(true);
    const pdbs = ofKind('PodDisruptionBudget');
    expect(pdbs.map((m) => m.doc.metadata.name).sort()).toEqual(['relay-ingress', 'relay-worker']);
    for (const m of pdbs)
      expect(
        podLabels.some((labels) => matches(m.doc.spec.selector.matchLabels, labels)),
        name(m),
      ).toBe(true);
  });

  it('autoscale existing Deployments, workers on queue depth', () => {
    const deployments = ofKind('Deployment').map((m) => m.doc.metadata.name);
    const scalers = [...ofKind('ScaledObject'), ...ofKind('HorizontalPodAutoscaler')];
    for (const m of scalers) {
      const target = m.doc.spec.scaleTargetRef;
      expect(target.kind ?? 'Deployment', name(m)).toBe('Deployment');
      expect(deployments, name(m)).toContain(target.name);
    }
    const keda = ofKind('ScaledObject').find((m) => m.doc.spec.scaleTargetRef.name === 'relay-worker')!;
    expect(keda.doc.spec.triggers[0].metadata.query).toContain('relay_queue_depth');
    const hpa = ofKind('HorizontalPodAutoscaler').find(
      (m) => m.doc.spec.scaleTargetRef.name === 'relay-worker',
    )!;
    expect(hpa.file).toContain('alternatives/'); // never applied beside the ScaledObject
    expect(hpa.doc.spec.metrics[0].external.metric.name).toBe('relay_queue_depth');
  });

  it('reference only ConfigMaps and Secrets that the manifests define', () => {
    const defined = new Set([...ofKind('ConfigMap'), ...ofKind('Secret')].map((m) => m.doc.metadata.name));
    for (const m of ofKind('Deployment')) {
      const pod = m.doc.spec.template.spec;
      const refs = [
        ...(pod.containers as Doc[]).flatMap((c) =>
          ((c.envFrom ?? []) as Doc[]).map((e) => e.configMapRef?.name ?? e.secretRef?.name),
        ),
        ...((pod.volumes ?? []) as Doc[]).flatMap((v) => (v.secret ? [v.secret.secretName] : [])),
      ];
      for (const ref of refs) expect(defined, `${name(m)} → ${ref}`).toContain(ref);
    }
  });

  it('list every manifest but the examples and alternatives in kustomization.yaml', () => {
    const kustomization = parse(readFileSync(join(K8S_DIR, 'kustomization.yaml'), 'utf8')) as Doc;
    const expected = yamlFiles(K8S_DIR)
      .map((path) => relative(K8S_DIR, path))
      .filter((f) => f !== 'kustomization.yaml' && !f.includes('example') && !f.startsWith('alternatives/'));
    expect([...kustomization.resources].sort()).toEqual(expected.sort());
  });

  it('configure Redis with AOF and noeviction', () => {
    const redis = ofKind('StatefulSet').find((m) => m.doc.metadata.name === 'relay-redis')!;
    const args = redis.doc.spec.template.spec.containers[0].args.join(' ');
    expect(args).toContain('--appendonly yes');
    expect(args).toContain('--maxmemory-policy noeviction');
  });
});

const COMPOSE_FILE = join(REPO_ROOT, 'docker-compose.yml');
const DEFAULT_SERVICES = ['dashboard', 'ingress', 'redis', 'worker'];
/** The services only the `full` profile adds. */
const FULL_PROFILE_SERVICES = [
  'chatwoot',
  'chatwoot-migrate',
  'chatwoot-postgres',
  'chatwoot-redis',
  'chatwoot-sidekiq',
  'waha',
];
const FULL_SERVICES = [...DEFAULT_SERVICES, ...FULL_PROFILE_SERVICES];

let composeBinary: string[] | undefined;
/** `docker compose` (v2) when it answers, else Debian's `docker-compose` (1.29); neither is a failure, not a skip. */
function composeCommand(): string[] {
  if (composeBinary) return composeBinary;
  if (spawnSync('docker', ['compose', 'version'], { stdio: 'ignore' }).status === 0)
    composeBinary = ['docker', 'compose'];
  else if (spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0)
    composeBinary = ['docker-compose'];
  else
    throw new Error(
      'neither `docker compose` nor `docker-compose` runs: `apt-get install docker-compose` (.ci/run does)',
    );
  return composeBinary;
}

/**
 * Runs `config` on a compose file with `projectDir` as the project directory, whose .env is .env.example: the file is
 * checked as a clean clone plus `cp .env.example .env` sees it, and a developer's own .env (secrets) stays out. The
 * environment is PATH and HOME only, so exported COMPOSE_PROFILES or ${…} values change nothing.
 */
function composeConfig(projectDir: string, file: string, profile: string | undefined, ...args: string[]) {
  const [bin, ...sub] = composeCommand();
  const profileArgs = profile ? ['--profile', profile] : [];
  const result = spawnSync(
    bin!,
    [...sub, '-f', file, '--project-directory', projectDir, ...profileArgs, 'config', ...args],
    { encoding: 'utf8', timeout: 30_000, env: { PATH: process.env.PATH, HOME: process.env.HOME } },
  );
  const where = `${[bin, ...sub].join(' ')}${profile ? ` --profile ${profile}` : ''} config ${args.join(' ')}`;
  return { ...result, where: `${where}: ${result.error?.message ?? result.stderr}` };
}

describe('docker-compose.yml', () => {
  const compose = parse(readFileSync(join(REPO_ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as Doc;
  const services = compose.services as Record<string, Doc>;

  it('runs redis (AOF, noeviction), ingress, several workers and the dashboard by default', () => {
    const command = (services.redis!.command as string[]).join(' ');
    expect(command).toContain('--appendonly yes');
    expect(command).toContain('--maxmemory-policy noeviction');
    for (const role of ['ingress', 'worker', 'dashboard']) {
      expect(services[role]?.profiles, role).toBeUndefined();
      expect(services[role]?.command, role).toEqual([role]);
      expect(services[role]?.environment?.REDIS_URL, role).toBe('redis://redis:6379');
    }
    expect(services.worker!.deploy.replicas).toBeGreaterThan(1);
  });

  it('has a `full` profile with Chatwoot (Postgres with pgvector, Redis, Sidekiq) and WAHA', () => {
    const full = Object.entries(services)
      .filter(([, s]) => s.profiles?.includes('full'))
      .map(([n]) => n);
    expect(full.sort()).toEqual([...FULL_PROFILE_SERVICES].sort());
    expect(services['chatwoot-postgres']!.image).toMatch(/^pgvector\/pgvector:/);
    expect(services.chatwoot!.image).toMatch(/^chatwoot\/chatwoot:/);
    expect(services['chatwoot-sidekiq']!.command).toContain('sidekiq');
    expect(services.waha!.image).toMatch(/^devlikeapro\/waha:/);
    expect(services.waha!.environment.WHATSAPP_HOOK_URL).toBe('http://ingress:3000/webhooks/waha');
  });

  describe('validated by `docker compose config` (or docker-compose 1.29)', () => {
    let projectDir = '';
    beforeAll(() => {
      projectDir = mkdtempSync(join(tmpdir(), 'relay-compose-'));
      copyFileSync(join(REPO_ROOT, '.env.example'), join(projectDir, '.env'));
    });
    afterAll(() => rmSync(projectDir, { recursive: true, force: true }));

    it.each([
      ['the default profile', undefined, DEFAULT_SERVICES],
      ['the `full` profile', 'full', FULL_SERVICES],
    ])('accepts %s and runs its services', (_, profile, expected) => {
      const check = composeConfig(projectDir, COMPOSE_FILE, profile, '-q');
      expect(check.status, check.where).toBe(0);
      const normalised = composeConfig(projectDir, COMPOSE_FILE, profile);
      expect(normalised.status, normalised.where).toBe(0);
      // Whether `config` leaves out the services of inactive profiles or prints them with their `profiles` depends
      // on the version: count only the active ones.
      const normalisedServices = (parse(normalised.stdout) as Doc).services as Record<string, Doc>;
      const active = Object.entries(normalisedServices)
        .filter(([, spec]) => !spec.profiles || spec.profiles.includes(profile))
        .map(([service]) => service);
      expect(active.sort()).toEqual([...expected].sort());
    });

    it('rejects a broken copy of docker-compose.yml (negative control)', () => {
      const document = parseDocument(readFileSync(COMPOSE_FILE, 'utf8'));
      document.setIn(['services', 'worker', 'replica'], 3);
      const brokenFile = join(projectDir, 'broken-compose.yml');
      writeFileSync(brokenFile, document.toString());
      const check = composeConfig(projectDir, brokenFile, undefined, '-q');
      expect(check.status, check.where).not.toBe(0);
      expect(check.stderr).toMatch(/replica/);
    });
  });

  it('only depends on services it defines', () => {
    for (const [service, spec] of Object.entries(services))
      for (const dependency of Object.keys(spec.depends_on ?? {}))
        expect(Object.keys(services), `${service} → ${dependency}`).toContain(dependency);
  });
});

describe('Dockerfile', () => {
  it('copies every workspace package.json before npm ci, and runs as a non-root user on Node 22', () => {
    const dockerfile = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8');
    const workspaces = ['apps', 'packages'].flatMap((dir) =>
      readdirSync(join(REPO_ROOT, dir)).map((pkg) => `${dir}/${pkg}/package.json`),
    );
    for (const manifest of workspaces) expect(dockerfile, manifest).toContain(`COPY ${manifest} `);
    expect(dockerfile).toMatch(/^FROM node:22-/m);
    expect(dockerfile).toMatch(/^USER (1000|node)/m);
  });
});
