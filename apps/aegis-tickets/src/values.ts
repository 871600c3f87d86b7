/** Values of aegis-tickets (seed 003: AegisTickets-Lite). */
import { z } from 'zod';
import { baseValuesSchema } from '@gitops/render';
import { cidrSchema, hostnameSchema, privateCidrSchema } from '@gitops/environments';
import {
  autoscalingValuesSchema,
  imageValuesSchema,
  checkImagesFitPlatform,
  replicasSchema,
  resourcesValuesSchema,
  ingressTlsValuesSchema,
  secretStoreSettingsShape,
} from '@gitops/platform';
import { quotaValuesSchema } from '@gitops/platform';

const fraction = (d: string) => z.number().gt(0).lt(1).describe(d);

export const valuesSchema = baseValuesSchema
  .extend({
    backend: z
      .object({
        image: imageValuesSchema.describe('Backend image (ECR aegistickets-backend)'),
        replicas: replicasSchema.describe('Backend replicas when autoscaling is off'),
        autoscaling: autoscalingValuesSchema.describe('Backend HPA (seed 003: 2 replicas, HPA configured)'),
        resources: resourcesValuesSchema.describe('Backend resources'),
      })
      .strict()
      .describe('API backend serving /api/* (events, basket, checkout)'),
    frontend: z
      .object({
        image: imageValuesSchema.describe(
          'nginx frontend image (ECR aegistickets-frontend), non-root on 8080',
        ),
        replicas: replicasSchema.describe('Frontend replicas (seed 003: 1)'),
        resources: resourcesValuesSchema.describe('Frontend resources'),
      })
      .strict()
      .describe('Static nginx frontend serving /'),
    database: z
      .object({
        remoteKey: z
          .string()
          .min(1)
          .describe('Secret holding the RDS credentials (host, port, dbname, username, password)'),
      })
      .strict()
      .describe('RDS PostgreSQL credentials via External Secrets'),
    secretStore: z
      .object({
        name: z.string().min(1).describe('ClusterSecretStore name'),
        ...secretStoreSettingsShape,
      })
      .strict()
      .describe('External Secrets store'),
    ingress: z
      .object({
        host: hostnameSchema.describe('Host name'),
        public: z
          .boolean()
          .describe('Internet-facing and open to everyone (adds policy.gitops.platform/public)'),
        allowedCidrs: z.array(cidrSchema).min(1).describe('Source CIDRs allowed to reach the ingress'),
        groupName: z.string().min(1).describe('ALB IngressGroup (one ALB shared across services)'),
        tls: ingressTlsValuesSchema,
      })
      .strict()
      .describe('Ingress'),
    network: z
      .object({ vpcCidr: cidrSchema.describe('VPC CIDR (ALB targets, RDS)') })
      .strict()
      .describe('NetworkPolicy peers'),
    slo: z
      .object({
        availability: fraction('Availability target (seed 003: 0.999 over 30 days)'),
        windowDays: z.number().int().min(1).max(90).describe('Availability window in days'),
        latencyP95Seconds: z.number().positive().describe('p95 latency objective in seconds (seed 003: 0.8)'),
        maxErrorRate: fraction('Maximum error rate (seed 003: 0.01)'),
        maxDbSaturation: fraction('Maximum DB connection saturation (seed 003: 0.8)'),
      })
      .strict()
      .describe('Service level objectives; generate recording and burn-rate alert rules'),
    quota: quotaValuesSchema.describe('Namespace ResourceQuota'),
  })
  .strict()
  .superRefine((v, ctx) => {
    checkImagesFitPlatform(v, ['backend', 'frontend'], ctx);
    if (v.ingress.allowedCidrs.includes('0.0.0.0/0') && !v.ingress.public) {
      ctx.addIssue({
        code: 'custom',
        path: ['ingress', 'public'],
        message: '0.0.0.0/0 is allowed but the ingress is not declared public',
      });
    }
    if (v.platform.provider === 'onprem') {
      if (v.ingress.public)
        ctx.addIssue({
          code: 'custom',
          path: ['ingress', 'public'],
          message: 'an isolated on-prem environment cannot be public',
        });
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
