import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes, type AclEntry, type Admin } from 'kafkajs';
import { kafkaClient, type KafkaConnectionOptions } from './kafka-connection';

/**
 * One ACL the hub grants: ALLOW `operation` on a topic or group (its exact name, or every
 * name starting with it) to `User:<principal>`, from any host.
 */
export interface AccessRule {
  /** Without the `User:` prefix. */
  principal: string;
  resource: 'topic' | 'group';
  pattern: 'literal' | 'prefixed';
  name: string;
  operation: 'read' | 'write' | 'create';
}

/** A stable identity for comparing rules (the broker's ACL list against the wanted one). */
export function accessRuleKey(rule: AccessRule): string {
  return [rule.principal, rule.resource, rule.pattern, rule.name, rule.operation].join('|');
}

const RESOURCES = { topic: AclResourceTypes.TOPIC, group: AclResourceTypes.GROUP } as const;
const PATTERNS = { literal: ResourcePatternTypes.LITERAL, prefixed: ResourcePatternTypes.PREFIXED } as const;
const OPERATIONS = { read: AclOperationTypes.READ, write: AclOperationTypes.WRITE, create: AclOperationTypes.CREATE } as const;

/** An ACL as the broker lists it, with the rule it stands for when it is one of ours. */
interface ExistingAcl {
  filter: AclEntry;
  principal: string;
  rule: AccessRule | null;
}

export interface AccessReconciliation {
  granted: AccessRule[];
  /** Rules found on the broker that the federation does not want (drift, suspension). */
  revoked: string[];
}

/**
 * Keeps the broker's ACLs equal to a wanted set (the federation's), for the principals the
 * caller manages: missing rules are created, any other ACL of those principals (a rule
 * withdrawn, a hand-made grant, a DENY) is deleted. ACLs of other principals are left alone,
 * so two hubs (or test runs) may share one cluster. Needs a principal allowed to alter the
 * cluster's ACLs (hub_admin).
 */
export class KafkaAccessControl {
  private readonly admin: Admin;
  private connected: Promise<void> | null = null;

  constructor(options: KafkaConnectionOptions) {
    this.admin = kafkaClient(options).admin();
  }

  /**
   * `manages(principal, resource, name)` says which of the broker's ACLs are this hub's to
   * keep; the ACL's resource is 'other' for anything but a topic or a group.
   */
  async reconcile(wanted: AccessRule[], manages: (principal: string, resource: 'topic' | 'group' | 'other', name: string) => boolean): Promise<AccessReconciliation> {
    await this.connect();
    const existing = await this.list();
    const mine = existing.filter((acl) => manages(acl.principal, resourceOf(acl.filter), acl.filter.resourceName));
    const wantedKeys = new Set(wanted.map(accessRuleKey));
    const haveKeys = new Set(mine.flatMap((acl) => (acl.rule ? [accessRuleKey(acl.rule)] : [])));
    const missing = wanted.filter((rule) => !haveKeys.has(accessRuleKey(rule)));
    const extra = mine.filter((acl) => !acl.rule || !wantedKeys.has(accessRuleKey(acl.rule)));
    if (extra.length > 0) await this.admin.deleteAcls({ filters: extra.map((acl) => acl.filter) });
    if (missing.length > 0) {
      await this.admin.createAcls({
        acl: missing.map((rule) => ({
          resourceType: RESOURCES[rule.resource],
          resourceName: rule.name,
          resourcePatternType: PATTERNS[rule.pattern],
          principal: `User:${rule.principal}`,
          host: '*',
          operation: OPERATIONS[rule.operation],
          permissionType: AclPermissionTypes.ALLOW,
        })),
      });
    }
    return { granted: missing, revoked: extra.map((acl) => (acl.rule ? accessRuleKey(acl.rule) : JSON.stringify(acl.filter))) };
  }

  async close(): Promise<void> {
    await this.admin.disconnect();
  }

  private async list(): Promise<ExistingAcl[]> {
    const { resources } = await this.admin.describeAcls({
      resourceType: AclResourceTypes.ANY,
      resourcePatternType: ResourcePatternTypes.ANY,
      operation: AclOperationTypes.ANY,
      permissionType: AclPermissionTypes.ANY,
    });
    return resources.flatMap((resource) =>
      resource.acls.map((acl) => {
        const filter: AclEntry = {
          resourceType: resource.resourceType,
          resourceName: resource.resourceName,
          resourcePatternType: resource.resourcePatternType,
          principal: acl.principal,
          host: acl.host,
          operation: acl.operation,
          permissionType: acl.permissionType,
        };
        const principal = acl.principal.startsWith('User:') ? acl.principal.slice('User:'.length) : acl.principal;
        return { filter, principal, rule: ruleOf(filter, principal) };
      }),
    );
  }

  private connect(): Promise<void> {
    this.connected ??= this.admin.connect().catch((err: unknown) => {
      this.connected = null;
      throw err;
    });
    return this.connected;
  }
}

/** The rule an ACL stands for, or null when it is nothing the hub grants (a DENY, a host). */
function resourceOf(filter: AclEntry): 'topic' | 'group' | 'other' {
  return filter.resourceType === AclResourceTypes.TOPIC ? 'topic' : filter.resourceType === AclResourceTypes.GROUP ? 'group' : 'other';
}

function ruleOf(filter: AclEntry, principal: string): AccessRule | null {
  if (filter.permissionType !== AclPermissionTypes.ALLOW || filter.host !== '*' || !filter.principal.startsWith('User:')) return null;
  const resource = (Object.keys(RESOURCES) as Array<keyof typeof RESOURCES>).find((k) => RESOURCES[k] === filter.resourceType);
  const pattern = (Object.keys(PATTERNS) as Array<keyof typeof PATTERNS>).find((k) => PATTERNS[k] === filter.resourcePatternType);
  const operation = (Object.keys(OPERATIONS) as Array<keyof typeof OPERATIONS>).find((k) => OPERATIONS[k] === filter.operation);
  if (!resource || !pattern || !operation) return null;
  return { principal, resource, pattern, name: filter.resourceName, operation };
}
