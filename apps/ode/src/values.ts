/** Values of ode (seed 004: Oxidized Document Engine on EKS). */
import { z } from 'zod';
import { baseValuesSchema } from '@gitops/render';
import { cidrSchema, hostnameSchema, privateCidrSchema } from '@gitops/environments';
import {
  imageValuesSchema,
  checkImagesFitPlatform,
  quotaValuesSchema,
  replicasSchema,
  resourcesValuesSchema,
  ingressTlsValuesSchema,
  secretStoreSettingsShape,
} from '@gitops/platform';

const int = (min: number, d: string) => z.number().int().min(min).describe(d);

/** Percent-based scaling behaviour in the seed's words. */
const behaviorSchema = z
  .object({
    scaleUpPercent: int(1, 'Maximum increase per period, percent'),
    scaleUpPeriodSeconds: int(1, 'Scale-up period, seconds'),
    scaleUpMaxPods: int(1, 'At most this many new pods per period').optional(),
    scaleDownPercent: int(1, 'Maximum decrease per period, percent'),
    scaleDownPeriodSeconds: int(1, 'Scale-down period, seconds'),
    scaleDownStabilizationSeconds: int(0, 'Stabilisation window before scaling down, seconds'),
  })
  .strict();

const bounds = <T extends z.ZodRawShape>(shape: T) =>
  z
    .object({
      minReplicas: int(1, 'Lowest replica count'),
      maxReplicas: int(1, 'Highest replica count'),
      ...shape,
    })
    .strict()
    .refine((b: any) => b.minReplicas <= b.maxReplicas, {
      message: 'minReplicas must not exceed maxReplicas',
      path: ['minReplicas'],
    });

export const valuesSchema = baseValuesSchema
  .extend({
    api: z
      .object({
        image: imageValuesSchema.describe('ode-api image'),
        resources: resourcesValuesSchema.describe('ode-api resources'),
        autoscaling: bounds({
          cpuUtilization: z
            .number()
            .int()
            .min(1)
            .max(100)
            .describe('Target CPU utilisation % (seed 004: 70)'),
          memoryUtilization: z
            .number()
            .int()
            .min(1)
            .max(100)
            .describe('Target memory utilisation % (seed 004: 80)'),
          behavior: behaviorSchema.describe(
            'Scaling behaviour (seed 004: up 100 %/60 s, down 50 %/60 s after 5 min)',
          ),
        }).describe('ode-api HPA (seed 004: 2-10)'),
      })
      .strict()
      .describe('ode-api: HTTP API on 8080, metrics on 9090'),
    worker: z
      .object({
        image: imageValuesSchema.describe('ode-worker image'),
        resources: resourcesValuesSchema.describe('ode-worker resources'),
        queueScaling: bounds({
          listName: z.string().min(1).describe('Redis list holding pending jobs'),
          queueDepth: int(1, 'Pending jobs per replica before scaling up (seed 004: 100)'),
          behavior: behaviorSchema.describe(
            'Scaling behaviour (seed 004: up 100 %/30 s max 4 pods, down 50 %/60 s after 10 min)',
          ),
        }).describe('KEDA scaling on Redis queue depth (seed 004: 2-20)'),
        shutdownGracePeriodSeconds: int(1, 'Time to finish active jobs after SIGTERM (seed 004: 120 s)'),
      })
      .strict()
      .describe('ode-worker: queue consumer, metrics and /health on 9090'),
    viewer: z
      .object({
        image: imageValuesSchema.describe('ode-viewer image'),
        replicas: replicasSchema.describe('Viewer replicas'),
        resources: resourcesValuesSchema.describe('Viewer resources'),
      })
      .strict()
      .describe('ode-viewer: document viewer behind the ingress, on 8080'),
    secrets: z
      .object({
        remoteKey: z
          .string()
          .min(1)
          .describe('Secret with database-url, redis-url, redis-address, redis-password'),
        storeName: z.string().min(1).describe('ClusterSecretStore name'),
        ...secretStoreSettingsShape,
      })
      .strict()
      .describe('Database and Redis URLs via External Secrets'),
    documents: z
      .object({
        bucket: z.string().min(3).describe('S3 bucket of documents'),
        irsaRoleArn: z
          .string()
          .regex(/^arn:aws:iam::\d{12}:role\/[\w+=,.@/-]+$/, 'expected an IAM role ARN')
          .describe('IRSA role granting S3 access (aws)'),
        irsa: z
          .boolean()
          .describe('Pods get the IRSA token (aws); on premises credentials come from the store instead'),
        region: z.string().min(1).describe('S3 region'),
        s3Endpoint: z.string().url().describe('S3 endpoint: regional AWS endpoint, or MinIO on premises'),
      })
      .strict()
      .describe('Document storage: S3 with IRSA on AWS, MinIO on premises'),
    ingress: z
      .object({
        apiHost: hostnameSchema.describe('Host of the API (seed 004: api.ode.example.com)'),
        viewerHost: hostnameSchema.describe('Host of the viewer'),
        allowedCidrs: z.array(cidrSchema).min(1).describe('Source CIDRs allowed to reach the ingress'),
        groupName: z.string().min(1).describe('ALB IngressGroup'),
        tls: ingressTlsValuesSchema,
      })
      .strict()
      .describe('Ingress'),
    network: z
      .object({
        vpcCidr: cidrSchema.describe('VPC CIDR (seed 004: 10.0.0.0/16): ALB targets, RDS, Redis'),
        objectStoreEgress: z
          .object({
            cidr: cidrSchema.describe('Where the object store is'),
            port: z.number().int().min(1).max(65535).describe('Its port'),
          })
          .strict()
          .describe('Egress to S3 (HTTPS anywhere) or MinIO'),
      })
      .strict()
      .describe('NetworkPolicy peers'),
    quota: quotaValuesSchema.describe('Namespace ResourceQuota; must hold the autoscalers at their maximum'),
  })
  .strict()
  .superRefine((v, ctx) => {
    checkImagesFitPlatform(v, ['api', 'worker', 'viewer'], ctx);
    if (v.documents.irsa !== (v.platform.provider === 'aws')) {
      ctx.addIssue({
        code: 'custom',
        path: ['documents', 'irsa'],
        message: 'IRSA exists on AWS only: set irsa to true on aws and false on premises',
      });
    }
    if (v.ingress.allowedCidrs.includes('0.0.0.0/0')) {
      ctx.addIssue({
        code: 'custom',
        path: ['ingress', 'allowedCidrs'],
        message: 'ode is not a public service: restrict the CIDRs',
      });
    }
    if (v.platform.provider === 'onprem') {
      v.ingress.allowedCidrs.forEach((c, i) => {
        if (!privateCidrSchema.safeParse(c).success)
          ctx.addIssue({
            code: 'custom',
            path: ['ingress', 'allowedCidrs', i],
            message: `${c}: private RFC 1918 CIDRs only on premises`,
          });
      });
    }
  });

export type Values = z.infer<typeof valuesSchema>;
