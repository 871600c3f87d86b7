/**
 * Values of mini-xdr (seeds 000-002): the schema, with refinements that encode the seeds' lessons.
 */
import { z } from 'zod';
import { baseValuesSchema } from '@gitops/render';
import { cidrSchema, hostnameSchema, privateCidrSchema, quantitySchema } from '@gitops/environments';
import {
  autoscalingValuesSchema,
  imageValuesSchema,
  checkImagesFitPlatform,
  replicasSchema,
  resourcesValuesSchema,
  ingressTlsValuesSchema,
  secretStoreSettingsShape,
} from '@gitops/platform';

const claimSchema = (what: string) =>
  z
    .object({
      size: quantitySchema.describe(`Size of the ${what} claim`),
      accessMode: z
        .enum(['ReadWriteMany', 'ReadWriteOnce'])
        .describe(`Access mode of the ${what} claim (RWX: EFS/NFS, RWO: EBS gp3/local-path)`),
    })
    .strict();

export const valuesSchema = baseValuesSchema
  .extend({
    backend: z
      .object({
        image: imageValuesSchema.describe('FastAPI backend image (ECR mini-xdr-backend)'),
        replicas: replicasSchema.describe(
          'Backend replicas; must stay 1 while the data volume is ReadWriteOnce',
        ),
        autoscaling: autoscalingValuesSchema.describe(
          'Backend HPA (seed 000: recreate only with minReplicas 1)',
        ),
        resources: resourcesValuesSchema.describe(
          'Backend resources (seed 000: 500m/1Gi requests, 1500m/3Gi limits)',
        ),
        maxStartupSeconds: z
          .number()
          .int()
          .min(1)
          .max(600)
          .describe('Longest start-up: TensorFlow + AI agents load in ~90 s (seed 000: 150 s)'),
        probes: z
          .object({
            readinessInitialDelaySeconds: z
              .number()
              .int()
              .min(0)
              .max(600)
              .describe('Readiness initial delay (seed 000: 90 s, time for model loading)'),
            livenessInitialDelaySeconds: z
              .number()
              .int()
              .min(0)
              .max(600)
              .describe('Liveness initial delay (seed 000: 120 s, prevents premature kills)'),
          })
          .strict()
          .describe('Probe delays fixed by the October 2025 stabilisation'),
        tmpSize: quantitySchema.describe('Size limit of the /tmp emptyDir (matplotlib cache, temp files)'),
        storage: z
          .object({
            models: claimSchema('ML models (/app/models, shared)'),
            data: claimSchema('application data (/app/data)'),
          })
          .strict()
          .describe('Backend volumes'),
      })
      .strict()
      .describe('FastAPI backend on port 8000'),
    frontend: z
      .object({
        image: imageValuesSchema.describe('Next.js frontend image (ECR mini-xdr-frontend)'),
        replicas: replicasSchema.describe('Frontend replicas'),
        resources: resourcesValuesSchema.describe('Frontend resources'),
      })
      .strict()
      .describe('Next.js frontend on port 3000'),
    migration: z
      .object({
        enabled: z
          .boolean()
          .describe('Run `alembic upgrade head` before each sync (Argo CD PreSync / Helm pre-upgrade hook)'),
      })
      .strict()
      .describe('Database migrations'),
    database: z
      .object({
        remoteKey: z
          .string()
          .min(1)
          .describe('Secret in the store holding the database URL (RDS PostgreSQL on AWS)'),
        property: z.string().min(1).describe('Property of that secret holding the SQLAlchemy URL'),
      })
      .strict()
      .describe('Database credentials, synced by External Secrets'),
    secretStore: z
      .object({
        name: z.string().min(1).describe('Name of the ClusterSecretStore'),
        ...secretStoreSettingsShape,
      })
      .strict()
      .describe('External Secrets store'),
    ingress: z
      .object({
        host: hostnameSchema.describe('Host name of the UI and API'),
        allowedCidrs: z
          .array(cidrSchema)
          .min(1)
          .describe('Source CIDRs allowed to reach the ALB/ingress (seed 001: IP-restricted)'),
        groupName: z.string().min(1).describe('ALB IngressGroup name'),
        tls: ingressTlsValuesSchema,
      })
      .strict()
      .describe('Ingress'),
    network: z
      .object({
        vpcCidr: cidrSchema.describe('VPC CIDR: source of ALB target traffic (target-type ip)'),
        databaseCidr: cidrSchema.describe('Where the database lives (egress 5432)'),
      })
      .strict()
      .describe('NetworkPolicy peers'),
  })
  .strict()
  .superRefine((v, ctx) => {
    const data = v.backend.storage.data;
    const max = Math.max(
      v.backend.replicas,
      v.backend.autoscaling.enabled ? v.backend.autoscaling.maxReplicas : 0,
    );
    if (data.accessMode === 'ReadWriteOnce' && max > 1) {
      ctx.addIssue({
        code: 'custom',
        path: v.backend.replicas > 1 ? ['backend', 'replicas'] : ['backend', 'autoscaling', 'maxReplicas'],
        message:
          `the backend's /app/data volume is ReadWriteOnce (one node only), so the backend must not run more than 1 replica (got ${max}); ` +
          'seed 000: "HPA forcing 2+ replicas" crashed the backend. Move /app/data to ReadWriteMany first.',
      });
    }
    checkImagesFitPlatform(v, ['backend', 'frontend'], ctx);
    if (v.platform.provider === 'onprem') {
      v.ingress.allowedCidrs.forEach((c, i) => {
        if (!privateCidrSchema.safeParse(c).success) {
          ctx.addIssue({
            code: 'custom',
            path: ['ingress', 'allowedCidrs', i],
            message: `${c}: an on-prem (isolated) environment allows private RFC 1918 CIDRs only`,
          });
        }
      });
    }
    if (v.ingress.allowedCidrs.includes('0.0.0.0/0')) {
      ctx.addIssue({
        code: 'custom',
        path: ['ingress', 'allowedCidrs'],
        message: 'mini-xdr is IP-restricted (seed 001): 0.0.0.0/0 is not allowed',
      });
    }
    if (
      v.ingress.tls.enabled &&
      v.platform.ingressController === 'alb' &&
      !/^arn:aws:acm:/.test(v.ingress.tls.certificateArn)
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['ingress', 'tls', 'certificateArn'],
        message: 'HTTPS on the ALB needs an ACM certificate ARN',
      });
    }
  });

export type Values = z.infer<typeof valuesSchema>;
