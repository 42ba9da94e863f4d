import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { applyMigrations, SQL_DATABASE, type SqlDatabase } from '@passerelle/database';
import { generateOrganizationKey } from '@passerelle/identity';
import { PLATFORM_CONFIG, StartupError, type PlatformConfig } from '@passerelle/platform';
import { readFile } from 'node:fs/promises';
import type { HubSigningKey } from '@passerelle/verification';
import type { JWK } from 'jose';

const MIGRATIONS = [
  `CREATE TABLE IF NOT EXISTS audit_hub_keys (
    kid         text        PRIMARY KEY,
    alg         text        NOT NULL,
    public_jwk  jsonb       NOT NULL,
    private_jwk jsonb       NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
  )`,
];

/**
 * The hub's own signing key, for checkpoints: created on first start and kept in the hub's
 * database; every public key it ever had stays published, so old checkpoints keep verifying.
 * (A deployment that keeps its keys in an HSM would replace this provider.)
 */
@Injectable()
export class HubKeys implements OnModuleInit {
  private readonly logger = new Logger(HubKeys.name);
  private key!: HubSigningKey;
  private all: JWK[] = [];

  constructor(
    @Inject(SQL_DATABASE) private readonly db: SqlDatabase,
    @Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    await applyMigrations(this.db, 'audit', MIGRATIONS);
    if (this.config.hubKeyFile) return this.fromFile(this.config.hubKeyFile);
    let rows = await this.read();
    // Keys held in a file earlier have only their public half here: they sign nothing now.
    const signable = () => rows.filter((r) => typeof (r.private_jwk as { d?: unknown }).d === 'string');
    if (signable().length === 0) {
      const key = await generateOrganizationKey('ES256', `hub-${new Date().toISOString().slice(0, 10)}-${Math.random().toString(36).slice(2, 8)}`);
      await this.db.query('INSERT INTO audit_hub_keys (kid, alg, public_jwk, private_jwk) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING', [key.kid, key.alg, key.publicJwk, key.privateJwk]);
      this.logger.log({ kid: key.kid }, 'created the hub’s checkpoint signing key');
      rows = await this.read();
    }
    const newest = signable().at(-1)!;
    this.key = { kid: newest.kid, alg: 'ES256', privateJwk: newest.private_jwk, publicJwk: newest.public_jwk };
    this.all = rows.map((r) => r.public_jwk);
  }

  /**
   * The key held outside the database (a mounted Secret): only its public half is recorded,
   * so that checkpoints it signs keep verifying after it is rotated away.
   */
  private async fromFile(path: string): Promise<void> {
    let jwk: JWK;
    try {
      jwk = JSON.parse(await readFile(path, 'utf8')) as JWK;
    } catch (err) {
      throw new StartupError(`PASSERELLE_HUB_KEY_FILE=${path} cannot be read as JSON (${(err as Error).message}): it must hold a private ES256 JWK`);
    }
    if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || typeof jwk.d !== 'string' || typeof jwk.x !== 'string' || typeof jwk.y !== 'string' || typeof jwk.kid !== 'string') {
      throw new StartupError(`PASSERELLE_HUB_KEY_FILE=${path} is not a private ES256 JWK with a kid (kty EC, crv P-256, x, y, d, kid)`);
    }
    const { d: _private, ...publicJwk } = jwk;
    await this.db.query('INSERT INTO audit_hub_keys (kid, alg, public_jwk, private_jwk) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING', [jwk.kid, 'ES256', publicJwk, {}]);
    this.key = { kid: jwk.kid, alg: 'ES256', privateJwk: jwk, publicJwk };
    this.all = (await this.read()).map((r) => r.public_jwk);
    this.logger.log({ kid: jwk.kid, file: path }, 'checkpoints signed with the key of PASSERELLE_HUB_KEY_FILE');
  }

  current(): HubSigningKey {
    return this.key;
  }

  publicKeys(): JWK[] {
    return this.all;
  }

  private async read() {
    const { rows } = await this.db.query<{ kid: string; public_jwk: JWK; private_jwk: JWK }>('SELECT kid, public_jwk, private_jwk FROM audit_hub_keys ORDER BY created_at, kid');
    return rows;
  }
}
