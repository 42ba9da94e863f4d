import type { FederationEvent, FederationState, KeyRecord, Role } from '@passerelle/identity';

/**
 * The federation as a decider: operator commands become events. Every change is an event, so
 * the federation's history (who could sign what, when) is itself auditable and replayable.
 * The events and their fold (`evolve`) are a shared contract in @passerelle/identity: every
 * process that verifies tokens or signatures reads them.
 */
export type FederationCommand =
  | { type: 'AdmitOrganization'; id: string; name: string; issuers: string[]; roles: Role[]; keys: KeyRecord[]; jwksUri?: string }
  | { type: 'RotateKeys'; id: string; key: KeyRecord; retireOthersAt: string }
  | { type: 'RevokeKey'; id: string; kid: string; revokedAt: string; reason: string }
  | { type: 'ChangeRoles'; id: string; roles: Role[] };

export type FederationRejection =
  | { code: 'FEDERATION.ALREADY_MEMBER'; message: string }
  | { code: 'FEDERATION.NOT_A_MEMBER'; message: string }
  | { code: 'FEDERATION.ISSUER_TAKEN'; message: string }
  | { code: 'FEDERATION.KEY_ID_TAKEN'; message: string }
  | { code: 'FEDERATION.UNKNOWN_KEY'; message: string }
  | { code: 'FEDERATION.INVALID'; message: string };

const ORG_ID = /^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)*$/;
const KID = /^[A-Za-z0-9._-]{1,128}$/;

export function decide(command: FederationCommand, state: FederationState): FederationEvent[] | FederationRejection {
  switch (command.type) {
    case 'AdmitOrganization': {
      if (!ORG_ID.test(command.id) || command.id.length > 64) return invalid(`"${command.id}" is not an organization id: lower-case dotted, e.g. qc.ramq`);
      if (state.organizations.has(command.id)) return { code: 'FEDERATION.ALREADY_MEMBER', message: `${command.id} is already a member` };
      if (command.name.trim() === '') return invalid('an organization needs a name');
      if (command.issuers.length === 0) return invalid('an organization needs at least one token issuer');
      if (command.keys.length === 0 && !command.jwksUri) return invalid('an organization needs at least one key (or a JWKS URL for tokens)');
      for (const issuer of command.issuers) {
        const holder = [...state.organizations.values()].find((o) => o.issuers.includes(issuer));
        if (holder) return { code: 'FEDERATION.ISSUER_TAKEN', message: `issuer ${issuer} already belongs to ${holder.id}: one issuer maps to one organization` };
      }
      const bad = command.keys.find((k) => !KID.test(k.kid));
      if (bad) return invalid(`key id "${bad.kid}" is not a short safe token ([A-Za-z0-9._-], at most 128)`);
      if (new Set(command.keys.map((k) => k.kid)).size !== command.keys.length) return { code: 'FEDERATION.KEY_ID_TAKEN', message: 'two keys share a key id' };
      const { type: _type, ...data } = command;
      return [{ type: 'OrganizationAdmitted', data }];
    }
    case 'RotateKeys': {
      const org = state.organizations.get(command.id);
      if (!org) return notMember(command.id);
      if (!KID.test(command.key.kid)) return invalid(`key id "${command.key.kid}" is not a short safe token ([A-Za-z0-9._-], at most 128)`);
      if (org.keys.some((k) => k.kid === command.key.kid)) return { code: 'FEDERATION.KEY_ID_TAKEN', message: `${command.id} already has a key ${command.key.kid}: key ids are never reused` };
      // The old keys stay: signatures they made before retirement must verify for years.
      const retiring = org.keys.filter((k) => !k.revokedAt && (!k.validUntil || k.validUntil > command.retireOthersAt));
      return [
        { type: 'KeyAdded', data: { id: command.id, key: command.key } },
        ...retiring.map((k): FederationEvent => ({ type: 'KeyRetired', data: { id: command.id, kid: k.kid, validUntil: command.retireOthersAt } })),
      ];
    }
    case 'RevokeKey': {
      const org = state.organizations.get(command.id);
      if (!org) return notMember(command.id);
      const key = org.keys.find((k) => k.kid === command.kid);
      if (!key) return { code: 'FEDERATION.UNKNOWN_KEY', message: `${command.id} has no key ${command.kid}; it has ${org.keys.map((k) => k.kid).join(', ') || 'none'}` };
      if (command.reason.trim() === '') return invalid('a revocation needs a reason');
      // Revoking again may only move the instant earlier (a compromise found to start sooner).
      if (key.revokedAt && key.revokedAt <= command.revokedAt) return [];
      return [{ type: 'KeyRevoked', data: { id: command.id, kid: command.kid, revokedAt: command.revokedAt, reason: command.reason } }];
    }
    case 'ChangeRoles': {
      if (!state.organizations.has(command.id)) return notMember(command.id);
      return [{ type: 'RolesChanged', data: { id: command.id, roles: command.roles } }];
    }
    default: {
      const unknown: never = command;
      throw new Error(`unhandled command ${JSON.stringify(unknown)}`);
    }
  }
}

function invalid(message: string): FederationRejection {
  return { code: 'FEDERATION.INVALID', message };
}

function notMember(id: string): FederationRejection {
  return { code: 'FEDERATION.NOT_A_MEMBER', message: `${id} is not a member of the federation` };
}
