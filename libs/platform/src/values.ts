/**
 * Zod building blocks for system values schemas: images, resources, autoscaling. Each carries
 * `.describe()` texts for the chart README and `values.schema.json`.
 */
import { z } from 'zod';
import { imageRepositorySchema, imageTagSchema, quantitySchema } from '@gitops/environments';

/** A pinned image: repository, tag (never `latest`) and the architecture it was built for. */
export const imageValuesSchema = z
  .object({
    repository: imageRepositorySchema.describe(
      'Image repository without tag, in a registry allowed in the environment',
    ),
    tag: imageTagSchema.describe(
      'Pinned image tag (never "latest"); override per environment to promote a build',
    ),
    platform: z
      .enum(['amd64', 'arm64'])
      .describe('CPU architecture the image was built for; must match the nodes (kubernetes.io/arch)'),
    digest: z
      .string()
      .regex(/^sha256:[a-f0-9]{64}$/, 'expected sha256:<64 lower-case hex digits>')
      .optional()
      .describe(
        'Digest the tag was resolved to (from apps/<system>/images.lock.yaml, set by the render); pins repository:tag@digest',
      ),
  })
  .strict();
export type ImageValues = z.infer<typeof imageValuesSchema>;

const amounts = (what: string) =>
  z
    .object({
      cpu: quantitySchema.describe(`CPU ${what}`),
      memory: quantitySchema.describe(`Memory ${what}`),
    })
    .strict();

/** Requests (from measured usage) and limits for cpu and memory. */
export const resourcesValuesSchema = z
  .object({ requests: amounts('request (from measured usage)'), limits: amounts('limit') })
  .strict();

/** Replica count: a non-negative integer. */
export const replicasSchema = z
  .number({ error: 'expected a number of replicas' })
  .int('replicas must be a whole number')
  .min(0, 'replicas must not be negative')
  .max(2_147_483_647, 'replicas must fit in int32 (at most 2147483647): the API server refuses more');

/** HPA settings; `enabled: false` removes the HPA and sets `spec.replicas` instead. */
export const autoscalingValuesSchema = z
  .object({
    enabled: z.boolean().describe('Create an HPA (autoscaling/v2); spec.replicas is then omitted'),
    minReplicas: z
      .number()
      .int()
      .min(1)
      .max(2_147_483_647, 'must fit in int32')
      .describe('Lowest replica count'),
    maxReplicas: z
      .number()
      .int()
      .min(1)
      .max(2_147_483_647, 'must fit in int32')
      .describe('Highest replica count'),
    cpuUtilization: z
      .number()
      .int()
      .min(1)
      .max(100)
      .describe('Target average CPU utilisation (% of requests)'),
    memoryUtilization: z
      .number()
      .int()
      .min(1)
      .max(100)
      .optional()
      .describe('Target average memory utilisation (% of requests)'),
  })
  .strict()
  .refine((a) => a.minReplicas <= a.maxReplicas, {
    message: 'minReplicas must not exceed maxReplicas',
    path: ['minReplicas'],
  });

/**
 * Add an issue for every component image that comes from a registry the environment does not allow, or
 * was built for another CPU architecture than the nodes (seed 002: an arm64 manifest on amd64 nodes).
 */
export function checkImagesFitPlatform(
  values: {
    readonly platform: { readonly allowedRegistries: readonly string[]; readonly nodeArch: string };
  } & Record<string, any>,
  components: readonly string[],
  ctx: z.RefinementCtx,
): void {
  const { allowedRegistries, nodeArch } = values.platform;
  for (const c of components) {
    const img = values[c].image as { repository: string; platform: string };
    if (!inAllowedRegistry(img.repository, allowedRegistries)) {
      ctx.addIssue({
        code: 'custom',
        path: [c, 'image', 'repository'],
        message: `registry not allowed here; allowed: ${allowedRegistries.join(', ')}`,
      });
    }
    if (img.platform !== nodeArch) {
      ctx.addIssue({
        code: 'custom',
        path: [c, 'image', 'platform'],
        message: `image built for ${img.platform} but nodes are ${nodeArch} (seed 002: "no match for platform in manifest")`,
      });
    }
  }
}

/** True when `repository` is in one of the `allowed` registries. */
export function inAllowedRegistry(repository: string, allowed: readonly string[]): boolean {
  return allowed.some((r) => repository === r || repository.startsWith(r.replace(/\/$/, '') + '/'));
}

/** Namespace ResourceQuota totals. */
export const quotaValuesSchema = z
  .object({
    requestsCpu: quantitySchema.describe('Sum of CPU requests'),
    requestsMemory: quantitySchema.describe('Sum of memory requests'),
    limitsCpu: quantitySchema.describe('Sum of CPU limits'),
    limitsMemory: quantitySchema.describe('Sum of memory limits'),
    pods: z.number().int().min(1).describe('Maximum pods'),
  })
  .strict();

/**
 * The External Secrets store settings for either backend (see `secretBackendFor`): spread into a
 * system's own secret-store values next to the store's name.
 */
export const secretStoreSettingsShape = {
  awsRegion: z
    .string()
    .min(1)
    .describe('AWS Secrets Manager region (where the provider is aws-secrets-manager)'),
  serviceAccount: z
    .object({ name: z.string().min(1), namespace: z.string().min(1) })
    .strict()
    .describe(
      'ServiceAccount the store authenticates as: IRSA role on AWS, Vault role on premises (seed 003: in the external-secrets namespace)',
    ),
  vault: z
    .object({
      server: z.string().url().describe('Vault address'),
      path: z.string().min(1).describe('KV v2 mount'),
      role: z.string().min(1).describe('Vault Kubernetes-auth role'),
    })
    .strict()
    .describe('Vault settings (on premises)'),
};

/** HTTPS on an ingress: ssl-redirect and the ACM certificate on ALB. */
export const ingressTlsValuesSchema = z
  .object({
    enabled: z.boolean().describe('HTTPS with ssl-redirect'),
    certificateArn: z.string().describe('ACM certificate ARN (ALB)'),
  })
  .strict()
  .describe('TLS');
