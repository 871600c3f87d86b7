import { z } from 'zod';

/**
 * An IPv4 CIDR block such as `10.0.0.0/16`, in the canonical form Go's net.ParseCIDR accepts (the ALB
 * controller and kube-proxy parse with Go: decimal octets without leading zeros, so `010.0.0.0/8` is
 * refused there); host bits must be zero.
 */
export const cidrSchema = z
  .string()
  .refine(
    (s) => {
      const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(s);
      if (!m) return false;
      if (m.slice(1, 6).some((p) => p.length > 1 && p.startsWith('0'))) return false;
      const octets = m.slice(1, 5).map(Number);
      const prefix = Number(m[5]);
      if (octets.some((o) => o > 255) || prefix > 32) return false;
      const ip = octets.reduce((acc, o) => acc * 256 + o, 0);
      const hostBits = 2 ** (32 - prefix);
      return ip % hostBits === 0;
    },
    {
      message:
        "expected an IPv4 CIDR block like 10.0.0.0/16 with the host bits zero and no leading zeros (as Go's net.ParseCIDR reads it)",
    },
  )
  // values.schema.json: the shape, without leading zeros (the host bits are checked by the chart's guards).
  .meta({ pattern: '^(0|[1-9][0-9]{0,2})(\\.(0|[1-9][0-9]{0,2})){3}/(0|[1-9][0-9]?)$' });

/** Private (RFC 1918) ranges only: the allow-list of an isolated network. */
export const privateCidrSchema = cidrSchema.refine(
  (s) => /^(10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.)/.test(s),
  { message: 'expected a private (RFC 1918) CIDR block: 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16' },
);

/** A Kubernetes version as the clusters report it, e.g. `1.31.0`. */
export const kubernetesVersionSchema = z
  .string()
  .regex(
    /^1\.(2[8-9]|3[0-1])\.\d+$/,
    'expected a supported Kubernetes version 1.28.x to 1.31.x, e.g. 1.31.0',
  );

/** An image tag that pins a build: never `latest`, never empty. */
export const imageTagSchema = z
  .string()
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, 'expected an image tag such as v1.0.1')
  .refine((t) => t !== 'latest', {
    message: 'the tag "latest" is not allowed: pin a version such as v1.0.1',
  })
  // values.schema.json says the same, so Helm refuses it too.
  .meta({ not: { const: 'latest' } });

/** An image repository without tag, e.g. `116912495274.dkr.ecr.us-east-1.amazonaws.com/mini-xdr-backend`. */
export const imageRepositorySchema = z
  .string()
  .regex(
    /^[a-z0-9]+([._-][a-z0-9]+)*(:\d+)?(\.[a-z0-9-]+)*(\/[a-z0-9]+([._-]{1,2}[a-z0-9]+)*)+$|^[a-z0-9]+([._-][a-z0-9]+)*(\/[a-z0-9]+([._-]{1,2}[a-z0-9]+)*)*$/,
    'expected an image repository without tag, e.g. registry.example.com/team/app',
  );

/** A DNS-1123 label: names of Kubernetes objects and namespaces. */
export const dnsLabelSchema = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'expected a DNS-1123 label (lower-case letters, digits and -)')
  .max(63);

/** A DNS host name, e.g. `xdr.example.com`. */
export const hostnameSchema = z
  .string()
  .regex(/^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]{2,}$/, 'expected a DNS host name such as app.example.com');

/** A Kubernetes resource quantity such as `500m`, `1Gi`, `1.5`. */
export const quantitySchema = z
  .string()
  .regex(/^[0-9]+(\.[0-9]+)?(m|Ki|Mi|Gi|Ti|k|M|G|T)?$/, 'expected a Kubernetes quantity such as 500m or 1Gi');

/** The destination cluster of one system in one environment. */
export const clusterSchema = z
  .object({
    name: dnsLabelSchema.describe('The cluster name as registered in Argo CD'),
    server: z
      .string()
      .url()
      .refine((u) => /^https:\/\/[^/?#\s]+(:\d+)?(\/[^?#\s]*)?$/.test(u), {
        message:
          'expected an https:// API server URL (Argo CD talks to the cluster over TLS), e.g. https://kubernetes.default.svc',
      })
      .describe('The API server URL Argo CD deploys to (https)'),
    kubernetesVersion: kubernetesVersionSchema.describe('Kubernetes version; manifests validate against it'),
    region: z.string().min(1).describe('Cloud region, or the site name on premises'),
  })
  .strict();
export type Cluster = z.infer<typeof clusterSchema>;
