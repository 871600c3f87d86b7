/**
 * Networking: the AWS Load Balancer Controller ingress (target-type `ip`, typed CIDR allow-list,
 * health-check path, shared `group.name`, ACM certificate and ssl-redirect when HTTPS is on),
 * ingress-nginx for mini-corp, and NetworkPolicies (default deny, then only the needed flows).
 */
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { assertInt, ConfigError, intOrString, kubeObject, SYNC_WAVE, SYNC_WAVE_ANNOTATION } from './core';

/** Annotation marking an ingress deliberately open to the internet (checked by policy). */
export const PUBLIC_ANNOTATION = 'policy.gitops.platform/public';

const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** Throw unless `cidr` is an IPv4 CIDR with zero host bits. */
export function assertCidr(path: string, field: string, cidr: string): void {
  const m = CIDR.exec(cidr);
  const octets = m ? m.slice(1, 5).map(Number) : [];
  const prefix = m ? Number(m[5]) : -1;
  const ok =
    m &&
    octets.every((o) => o <= 255) &&
    prefix <= 32 &&
    octets.reduce((a, o) => a * 256 + o, 0) % 2 ** (32 - prefix) === 0;
  if (!ok)
    throw new ConfigError(
      `${path}: ${field} "${cidr}" is not an IPv4 CIDR block like 10.0.0.0/16 with the host bits zero`,
    );
}

/** One path routed to a Service. */
export interface IngressRoute {
  /** e.g. `/api`. */
  readonly path: string;
  /** @default 'Prefix' */
  readonly pathType?: 'Prefix' | 'Exact';
  readonly serviceName: string;
  readonly servicePort: number;
}

/** AWS Load Balancer Controller settings. */
export interface AlbOptions {
  /** @default 'internet-facing' */
  readonly scheme?: 'internet-facing' | 'internal';
  /** IngressGroup shared by the system's ingresses (one ALB). */
  readonly groupName: string;
  /** Target group health check path. */
  readonly healthCheckPath: string;
  /** ACM certificate; required when TLS is on. @default none */
  readonly certificateArn?: string;
}

/** ingress-nginx settings (mini-corp). */
export interface NginxOptions {
  /** TLS Secret for the host, when TLS is on (e.g. issued by the lab's cert-manager). @default none */
  readonly tlsSecretName?: string;
}

export interface AppIngressProps {
  readonly name: string;
  readonly namespace: string;
  /** Labels of the emitted objects. @default none */
  readonly labels?: Record<string, string>;
  /** `alb` (AWS) or `nginx` (on premises). */
  readonly controller: 'alb' | 'nginx';
  /** Host name. @default any host */
  readonly host?: string;
  readonly routes: readonly IngressRoute[];
  /** Source CIDRs allowed to reach the ingress; `0.0.0.0/0` requires `public: true`. */
  readonly allowedCidrs: readonly string[];
  /** Declares the ingress deliberately open to the internet (adds `policy.gitops.platform/public: "true"`). @default false */
  readonly public?: boolean;
  /** Serve HTTPS and redirect HTTP to it. @default false */
  readonly tls?: boolean;
  /** Required when controller is `alb`. @default none */
  readonly alb?: AlbOptions;
  /** @default {} */
  readonly nginx?: NginxOptions;
}

/** An Ingress for the cluster's controller, with the allow-list as an annotation. */
export class AppIngress extends Construct {
  constructor(scope: Construct, id: string, props: AppIngressProps) {
    super(scope, id);
    const path = this.node.path;
    if (!props.routes.length) throw new ConfigError(`${path}: an ingress needs at least one route`);
    if (!props.allowedCidrs.length)
      throw new ConfigError(
        `${path}: allowedCidrs must list at least one CIDR (use 0.0.0.0/0 with public: true for the internet)`,
      );
    props.allowedCidrs.forEach((c, i) => assertCidr(path, `allowedCidrs[${i}]`, c));
    const open = props.allowedCidrs.includes('0.0.0.0/0');
    if (open && !props.public) {
      throw new ConfigError(
        `${path}: allowedCidrs contains 0.0.0.0/0 but the ingress is not declared public: set public: true or restrict the CIDRs`,
      );
    }
    const annotations: Record<string, string> = { [SYNC_WAVE_ANNOTATION]: SYNC_WAVE.ingress };
    if (props.public) annotations[PUBLIC_ANNOTATION] = 'true';
    let tls: k8s.IngressTls[] | undefined;
    if (props.controller === 'alb') {
      const alb = props.alb;
      if (!alb)
        throw new ConfigError(`${path}: controller "alb" needs alb options (groupName, healthCheckPath)`);
      if (!/^[a-z0-9]([-.a-z0-9]*[a-z0-9])?$/.test(alb.groupName) || alb.groupName.length > 63) {
        throw new ConfigError(
          `${path}: alb.groupName "${alb.groupName}" must be lower-case letters, digits, '-' and '.', at most 63 characters`,
        );
      }
      if (!alb.healthCheckPath.startsWith('/'))
        throw new ConfigError(`${path}: alb.healthCheckPath must start with /`);
      Object.assign(annotations, {
        'alb.ingress.kubernetes.io/scheme': alb.scheme ?? 'internet-facing',
        'alb.ingress.kubernetes.io/target-type': 'ip',
        'alb.ingress.kubernetes.io/group.name': alb.groupName,
        'alb.ingress.kubernetes.io/healthcheck-path': alb.healthCheckPath,
        'alb.ingress.kubernetes.io/inbound-cidrs': props.allowedCidrs.join(','),
      });
      if (props.tls) {
        if (
          !alb.certificateArn ||
          !/^arn:aws:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]+$/.test(alb.certificateArn)
        ) {
          throw new ConfigError(
            `${path}: tls is on: alb.certificateArn must be an ACM certificate ARN, got "${alb.certificateArn ?? ''}"`,
          );
        }
        Object.assign(annotations, {
          'alb.ingress.kubernetes.io/listen-ports': '[{"HTTP": 80}, {"HTTPS": 443}]',
          'alb.ingress.kubernetes.io/certificate-arn': alb.certificateArn,
          'alb.ingress.kubernetes.io/ssl-redirect': '443',
        });
      } else {
        annotations['alb.ingress.kubernetes.io/listen-ports'] = '[{"HTTP": 80}]';
      }
    } else {
      annotations['nginx.ingress.kubernetes.io/whitelist-source-range'] = props.allowedCidrs.join(',');
      // ingress-nginx in the lab runs behind a NodePort Service and never writes an address into
      // Ingress.status, so Argo CD's Ingress health would stay Progressing: leave it out of the app's
      // health (the Ingress syncs in the last wave, which Argo CD does not wait for).
      annotations['argocd.argoproj.io/ignore-healthcheck'] = 'true';
      if (props.tls) {
        const secretName = props.nginx?.tlsSecretName;
        if (!secretName) throw new ConfigError(`${path}: tls is on: nginx.tlsSecretName is required`);
        if (!props.host) throw new ConfigError(`${path}: tls is on: host is required`);
        annotations['nginx.ingress.kubernetes.io/ssl-redirect'] = 'true';
        tls = [{ hosts: [props.host], secretName }];
      } else {
        annotations['nginx.ingress.kubernetes.io/ssl-redirect'] = 'false';
      }
    }
    const paths = props.routes.map((r): k8s.HttpIngressPath => {
      assertInt(path, `routes[${r.path}].servicePort`, r.servicePort, 1, 65535);
      return {
        path: r.path,
        pathType: r.pathType ?? 'Prefix',
        backend: { service: { name: r.serviceName, port: { number: r.servicePort } } },
      };
    });
    kubeObject(
      this,
      'Resource',
      k8s.KubeIngress,
      { name: props.name, namespace: props.namespace, labels: props.labels, annotations },
      {
        spec: {
          ingressClassName: props.controller,
          ...(tls ? { tls } : {}),
          rules: [{ ...(props.host ? { host: props.host } : {}), http: { paths } }],
        },
      },
    );
  }
}

/** A peer of a NetworkPolicy rule. Set exactly one of `pods`, `namespace`, `cidr`. */
export interface NetworkPeer {
  /** Pods in the same namespace with these labels. @default none */
  readonly pods?: Record<string, string>;
  /** Pods in namespaces with these labels (optionally narrowed by `pods`). @default none */
  readonly namespaces?: Record<string, string>;
  /** An IP block. @default none */
  readonly cidr?: string;
  /** Ports (TCP unless stated). @default all ports */
  readonly ports?: readonly (number | { readonly port: number; readonly protocol: 'TCP' | 'UDP' })[];
}

export interface NetworkPolicyProps {
  readonly name: string;
  readonly namespace: string;
  /** Labels of the emitted objects. @default none */
  readonly labels?: Record<string, string>;
  /** Pods the policy applies to; `{}` means all pods of the namespace. */
  readonly podSelector: Record<string, string>;
  /** Allowed sources. @default none (ingress not restricted by this policy) */
  readonly ingress?: readonly NetworkPeer[];
  /** Allowed destinations. @default none (egress not restricted by this policy) */
  readonly egress?: readonly NetworkPeer[];
}

function renderPeer(
  path: string,
  p: NetworkPeer,
): { peers: k8s.NetworkPolicyPeer[]; ports?: k8s.NetworkPolicyPort[] } {
  let peer: k8s.NetworkPolicyPeer;
  if (p.cidr) {
    assertCidr(path, 'cidr', p.cidr);
    peer = { ipBlock: { cidr: p.cidr } };
  } else {
    if (!p.namespaces && !p.pods)
      throw new ConfigError(`${path}: a network peer needs pods, namespaces or cidr`);
    peer = {
      ...(p.namespaces ? { namespaceSelector: { matchLabels: { ...p.namespaces } } } : {}),
      ...(p.pods ? { podSelector: { matchLabels: { ...p.pods } } } : {}),
    };
  }
  const ports = p.ports?.map((x): k8s.NetworkPolicyPort =>
    typeof x === 'number'
      ? { port: intOrString(x), protocol: 'TCP' }
      : { port: intOrString(x.port), protocol: x.protocol },
  );
  return { peers: [peer], ports };
}

/** An allow-rule NetworkPolicy: the listed flows are allowed, nothing else (with the default deny). */
export class NetworkPolicy extends Construct {
  constructor(scope: Construct, id: string, props: NetworkPolicyProps) {
    super(scope, id);
    const path = this.node.path;
    const policyTypes: string[] = [];
    const ingress = props.ingress?.map((p): k8s.NetworkPolicyIngressRule => {
      const r = renderPeer(path, p);
      return { from: r.peers, ...(r.ports ? { ports: r.ports } : {}) };
    });
    const egress = props.egress?.map((p): k8s.NetworkPolicyEgressRule => {
      const r = renderPeer(path, p);
      return { to: r.peers, ...(r.ports ? { ports: r.ports } : {}) };
    });
    if (ingress) policyTypes.push('Ingress');
    if (egress) policyTypes.push('Egress');
    if (!policyTypes.length)
      throw new ConfigError(`${path}: a NetworkPolicy needs ingress and/or egress rules`);
    kubeObject(
      this,
      'Resource',
      k8s.KubeNetworkPolicy,
      {
        name: props.name,
        namespace: props.namespace,
        labels: props.labels,
        annotations: { [SYNC_WAVE_ANNOTATION]: SYNC_WAVE.guardrails },
      },
      {
        spec: {
          podSelector: { matchLabels: { ...props.podSelector } },
          ...(ingress ? { ingress } : {}),
          ...(egress ? { egress } : {}),
          policyTypes,
        },
      },
    );
  }
}

export interface DefaultDenyProps {
  readonly namespace: string;
  /** Labels of the emitted objects. @default none */
  readonly labels?: Record<string, string>;
  /** @default 'default-deny' */
  readonly name?: string;
  /** Still allow DNS to kube-system (UDP/TCP 53) for every pod. @default true */
  readonly allowDns?: boolean;
}

/** Deny all ingress and egress in the namespace; optionally allow DNS. */
export class DefaultDenyNetworkPolicy extends Construct {
  constructor(scope: Construct, id: string, props: DefaultDenyProps) {
    super(scope, id);
    const name = props.name ?? 'default-deny';
    kubeObject(
      this,
      'Resource',
      k8s.KubeNetworkPolicy,
      {
        name,
        namespace: props.namespace,
        labels: props.labels,
        annotations: { [SYNC_WAVE_ANNOTATION]: SYNC_WAVE.guardrails },
      },
      { spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] } },
    );
    if (props.allowDns ?? true) {
      new NetworkPolicy(this, 'Dns', {
        name: `${name}-allow-dns`,
        namespace: props.namespace,
        labels: props.labels,
        podSelector: {},
        egress: [
          {
            namespaces: { 'kubernetes.io/metadata.name': 'kube-system' },
            pods: { 'k8s-app': 'kube-dns' },
            ports: [
              { port: 53, protocol: 'UDP' },
              { port: 53, protocol: 'TCP' },
            ],
          },
        ],
      });
    }
  }
}

/**
 * Where ingress traffic to pods comes from: ALB targets of type `ip` receive traffic from the load
 * balancer's ENIs in the VPC; ingress-nginx runs in its own namespace.
 */
export function ingressControllerPeer(
  controller: 'alb' | 'nginx',
  vpcCidr: string,
  ports: readonly number[],
): NetworkPeer {
  return controller === 'alb'
    ? { cidr: vpcCidr, ports }
    : { namespaces: { 'kubernetes.io/metadata.name': 'ingress-nginx' }, ports };
}
